"""Test harness: a fake Runtime API server and a helper that runs bootstrap.py.

The server is written on plain sockets rather than http.server, so tests can
see whether the runtime pipelined its GET /next behind a POST, and can make
the server respond with any status or close the connection.
"""

import json
import os
import queue
import select
import socket
import subprocess
import sys
import threading
import time
import uuid

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
RUNTIME_DIR = os.path.dirname(TESTS_DIR)
BOOTSTRAP = os.path.join(RUNTIME_DIR, "bootstrap.py")
FUNCTIONS_DIR = os.path.join(TESTS_DIR, "functions")
NEXT_PATH = "/2018-06-01/runtime/invocation/next"
INIT_ERROR_PATH = "/2018-06-01/runtime/init/error"
WAIT_SECONDS = 10
# How long the server waits after a POST for a pipelined GET before it
# decides that the client did not pipeline.
PIPELINE_WAIT_SECONDS = 0.5


class RecordedRequest:
    """One request received by the fake server."""

    def __init__(self, method, path, headers, body, connection_number):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.connection_number = connection_number
        self.pipelined = None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "RecordedRequest(%s %s, %r)" % (self.method, self.path, self.body[:200])


class PostResponse:
    """Status and body the server sends for one POST, and whether it then closes."""

    def __init__(self, status, body=b'{"status":"OK"}', close_connection=False):
        self.status = status
        self.body = body
        self.close_connection = close_connection


class FakeRuntimeApi:
    """Runtime API server on 127.0.0.1 that serves queued events."""

    def __init__(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.address = "127.0.0.1:%d" % self._listener.getsockname()[1]
        self._events = queue.Queue()
        self._requests = []
        self._condition = threading.Condition()
        self._closed = False
        self._connections = []
        self.post_responses = {}
        self.connection_count = 0
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def add_event(self, payload=b"{}", request_id=None, headers=None, deadline_ms=None):
        """Queue an event and return its request id."""
        request_id = request_id or str(uuid.uuid4())
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        if deadline_ms is None:
            deadline_ms = int(time.time() * 1000) + 30000
        event_headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:test",
            "Content-Type": "application/json",
        }
        event_headers.update(headers or {})
        self._events.put((200, event_headers, payload))
        return request_id

    def add_failure(self, status=500, body=b'{"errorType":"ServerError"}'):
        """Queue a non-200 response to a GET /next."""
        self._events.put((status, {}, body))

    @property
    def requests(self):
        with self._condition:
            return list(self._requests)

    def wait_for_request(self, predicate, timeout=WAIT_SECONDS):
        """Return the first recorded request that matches, waiting for it if needed."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                for request in self._requests:
                    if predicate(request):
                        return request
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        "no matching request within %.1f s; received %r" % (timeout, self._requests)
                    )
                self._condition.wait(remaining)

    def wait_for_outcome(self, request_id, timeout=WAIT_SECONDS):
        """Return the POST that reported the outcome of request_id."""
        prefix = "/2018-06-01/runtime/invocation/%s/" % request_id
        return self.wait_for_request(
            lambda request: request.method == "POST" and request.path.startswith(prefix),
            timeout,
        )

    def wait_for_init_error(self, timeout=WAIT_SECONDS):
        return self.wait_for_request(lambda request: request.path == INIT_ERROR_PATH, timeout)

    def close(self):
        self._closed = True
        self._listener.close()
        for connection in list(self._connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def _accept_loop(self):
        while not self._closed:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connection_count += 1
            self._connections.append(connection)
            threading.Thread(
                target=self._serve_connection,
                args=(connection, self.connection_count),
                daemon=True,
            ).start()

    def _serve_connection(self, connection, connection_number):
        reader = _RequestReader(connection)
        try:
            while not self._closed:
                request = reader.read_request(connection_number)
                if request is None:
                    return
                if request.method == "GET" and request.path == NEXT_PATH:
                    self._record(request)
                    status, headers, body = self._take_event()
                    _send_response(connection, status, headers, body)
                    continue

                if request.path != INIT_ERROR_PATH:
                    request.pipelined = reader.next_request_waiting(PIPELINE_WAIT_SECONDS)
                self._record(request)
                response = self._response_for(request)
                close_header = {"Connection": "close"} if response.close_connection else {}
                _send_response(connection, response.status, close_header, response.body)
                if response.close_connection:
                    return
        except OSError:
            return
        finally:
            connection.close()

    def _record(self, request):
        with self._condition:
            self._requests.append(request)
            self._condition.notify_all()

    def _take_event(self):
        while not self._closed:
            try:
                return self._events.get(timeout=0.2)
            except queue.Empty:
                continue
        raise OSError("server closed")

    def _response_for(self, request):
        parts = request.path.split("/")
        request_id = parts[4] if len(parts) > 5 else None
        return self.post_responses.get(request_id) or PostResponse(202)


class _RequestReader:
    """Reads HTTP requests with Content-Length bodies from one connection."""

    def __init__(self, connection):
        self._connection = connection
        self._buffer = b""

    def read_request(self, connection_number):
        while b"\r\n\r\n" not in self._buffer:
            chunk = self._connection.recv(65536)
            if not chunk:
                return None
            self._buffer += chunk
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("utf-8").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self._buffer) < length:
            chunk = self._connection.recv(65536)
            if not chunk:
                return None
            self._buffer += chunk
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        return RecordedRequest(method, path, headers, body, connection_number)

    def next_request_waiting(self, timeout):
        """Tell whether another request arrived before this server responded."""
        deadline = time.monotonic() + timeout
        while not self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            readable, _, _ = select.select([self._connection], [], [], remaining)
            if not readable:
                return False
            chunk = self._connection.recv(65536)
            if not chunk:
                return False
            self._buffer += chunk
        return self._buffer.startswith(b"GET ")


def _send_response(connection, status, headers, body):
    lines = ["HTTP/1.1 %d Status" % status, "Content-Length: %d" % len(body)]
    lines.extend("%s: %s" % item for item in headers.items())
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body)


def function_dir(name):
    return os.path.join(FUNCTIONS_DIR, name)


def lambda_environment(api, code_dir, handler, **overrides):
    """Build the environment the platform gives a Python function."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": code_dir,
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_LAMBDA_FUNCTION_NAME": "test-function",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/test-function",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDLOCAL",
        "AWS_SECRET_ACCESS_KEY": "local",
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",
    }
    environment.update(overrides)
    return environment


class RuntimeProcess:
    """bootstrap.py running as a child process, with its output captured.

    Threads drain stdout and stderr while the process runs, so a chatty
    process never blocks on a full pipe.
    """

    def __init__(self, environment, cwd, stdin=subprocess.DEVNULL, python=sys.executable):
        self.process = subprocess.Popen(
            [python, BOOTSTRAP],
            env=environment,
            cwd=cwd,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._output = {}
        self._readers = [
            threading.Thread(target=self._drain, args=(name, stream), daemon=True)
            for name, stream in (("stdout", self.process.stdout), ("stderr", self.process.stderr))
        ]
        for reader in self._readers:
            reader.start()

    @property
    def stdout(self):
        return self._output["stdout"]

    @property
    def stderr(self):
        return self._output["stderr"]

    def wait(self, timeout=WAIT_SECONDS):
        """Wait for the process to exit by itself and return its exit status."""
        status = self.process.wait(timeout)
        self._join_readers()
        return status

    def stop(self):
        """Kill the process if it still runs and collect its output."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(WAIT_SECONDS)
        self._join_readers()

    def _drain(self, name, stream):
        self._output[name] = stream.read().decode("utf-8")
        stream.close()

    def _join_readers(self):
        for reader in self._readers:
            reader.join(WAIT_SECONDS)
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass


class RuntimeTestCase:
    """Mixin for unittest.TestCase: a fresh fake server and runtime per test."""

    def setUp(self):
        super().setUp()
        self.api = FakeRuntimeApi()
        self.runtimes = []

    def tearDown(self):
        for runtime in self.runtimes:
            runtime.stop()
        self.api.close()
        super().tearDown()

    def start_runtime(self, function, handler, **environment):
        code_dir = function_dir(function)
        runtime = RuntimeProcess(
            lambda_environment(self.api, code_dir, handler, **environment), code_dir
        )
        self.runtimes.append(runtime)
        return runtime

    def invoke(self, payload=b"{}", **event_options):
        """Queue an event and return the POST that reported its outcome."""
        request_id = self.api.add_event(payload, **event_options)
        return self.api.wait_for_outcome(request_id)
