"""HTTP/1.1 client for the AWS Lambda Runtime API, version 2018-06-01.

The client keeps one persistent TCP connection to AWS_LAMBDA_RUNTIME_API and
pipelines requests. The POST that reports an invocation outcome and the GET of
the next event go out in one sendall call. The two responses are then read
back in order. When the server has closed the connection, the client reconnects
once and sends again the requests that have no response yet. The server must
send Content-Length bodies, because this client does not decode chunked
transfer encoding.

The client uses `_socket`, the C module behind `socket`: importing `socket`
costs about 4 ms of startup (it loads `selectors` and `enum`), and
socket.create_connection() loads the `idna` codec for another 2 ms, measured
with `python3.11 -X importtime`.
"""

import _socket

API_PREFIX = "/2018-06-01/runtime"
NEXT_INVOCATION_PATH = API_PREFIX + "/invocation/next"
INIT_ERROR_PATH = API_PREFIX + "/init/error"

_HEADER_END = b"\r\n\r\n"
_MIN_RECV_BYTES = 65536
_MAX_RECV_BYTES = 4 * 1024 * 1024
_SAFE_ID_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)


class RuntimeApiProtocolError(Exception):
    """Response from the Runtime API that this client cannot parse."""


class RuntimeApiConnectionClosed(ConnectionError):
    """Connection closed by the Runtime API before a full response arrived."""


class RuntimeApiUnavailableError(Exception):
    """Runtime API that cannot be reached, even after one reconnect."""


class ApiResponse:
    """Status code, headers (names in lower case) and body of one response."""

    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def describe_body(self):
        """Return the body as one line of text for log messages."""
        text = self.body.decode("utf-8", "replace")
        return text.replace("\r", " ").replace("\n", " ")


class RuntimeApiClient:
    """Runtime API client over one persistent, pipelined connection.

    respond() and report_error() send the GET of the next event right behind
    their POST; next_invocation() then reads that event instead of asking
    again.
    """

    def __init__(self, address):
        self._host, self._port = _parse_address(address)
        self._host_header = address
        self._connection = None
        self._received = bytearray()
        # Requests sent whose responses have not been read yet, oldest first.
        self._in_flight = []
        self._next_request = self._build_request("GET", NEXT_INVOCATION_PATH)

    def next_invocation(self):
        """Block until the next event arrives and return its response."""
        if self._next_request not in self._in_flight:
            self._send((self._next_request,))
        return self._read()

    def respond(self, request_id, body, content_type):
        """Post a handler result, send the GET of the next event, return the POST's response."""
        path = "%s/invocation/%s/response" % (API_PREFIX, _quote_id(request_id))
        post = self._build_request("POST", path, body, content_type)
        self._send((post, self._next_request))
        return self._read()

    def report_error(self, request_id, body, xray_error_cause=None):
        """Post an invocation error, send the GET of the next event, return the POST's response.

        Like AWS's Python runtime, this sends no Lambda-Runtime-Function-Error-Type
        header on invocation errors.
        """
        path = "%s/invocation/%s/error" % (API_PREFIX, _quote_id(request_id))
        extra_headers = ()
        if xray_error_cause:
            extra_headers = (("Lambda-Runtime-Function-XRay-Error-Cause", xray_error_cause),)
        post = self._build_request("POST", path, body, "application/json", extra_headers)
        self._send((post, self._next_request))
        return self._read()

    def report_init_error(self, error_type, body):
        """Post an init error payload and return the response."""
        extra_headers = (("Lambda-Runtime-Function-Error-Type", error_type),)
        post = self._build_request("POST", INIT_ERROR_PATH, body, "application/json", extra_headers)
        self._send((post,))
        return self._read()

    def close(self):
        """Close the connection; the next request opens a new one."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._received.clear()

    def _build_request(self, method, path, body=None, content_type=None, extra_headers=()):
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: " + self._host_header]
        if body is not None:
            lines.append("Content-Type: " + content_type)
            lines.append("Content-Length: %d" % len(body))
        for name, value in extra_headers:
            lines.append("%s: %s" % (name, _single_line(value)))
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        if body is None:
            return head
        return head + body

    def _send(self, requests):
        """Send the requests in one write, reconnecting once if the connection is closed."""
        self._in_flight.extend(requests)
        try:
            if self._connection is None:
                self._connect()
            self._connection.sendall(requests[0] if len(requests) == 1 else b"".join(requests))
        except OSError:
            self._reconnect()

    def _read(self):
        """Read the response to the oldest request in flight, reconnecting once if needed."""
        try:
            response = self._read_response()
        except OSError:
            self._reconnect()
            try:
                response = self._read_response()
            except OSError as error:
                raise self._unavailable(error) from error
        self._in_flight.pop(0)
        return response

    def _reconnect(self):
        """Open a new connection and send again every request still in flight.

        A reconnect is not logged, because stderr is the function's log.
        """
        self.close()
        try:
            self._connect()
            self._connection.sendall(b"".join(self._in_flight))
        except OSError as error:
            raise self._unavailable(error) from error

    def _unavailable(self, error):
        return RuntimeApiUnavailableError(
            "Runtime API at %s is unreachable: %s" % (self._host_header, error)
        )

    def _connect(self):
        # No timeout: GET /next blocks until an event arrives, and the platform
        # may freeze this process between events.
        connection = _open_connection(self._host, self._port)
        connection.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        self._connection = connection

    def _receive(self, expected_bytes):
        if self._connection is None:
            raise RuntimeApiConnectionClosed("connection to the Runtime API is closed")
        size = min(max(expected_bytes, _MIN_RECV_BYTES), _MAX_RECV_BYTES)
        chunk = self._connection.recv(size)
        if not chunk:
            raise RuntimeApiConnectionClosed("Runtime API closed the connection")
        self._received += chunk

    def _read_response(self):
        received = self._received
        header_end = received.find(_HEADER_END)
        while header_end < 0:
            searched = max(0, len(received) - 3)
            self._receive(_MIN_RECV_BYTES)
            header_end = received.find(_HEADER_END, searched)

        status, headers = _parse_head(bytes(received[:header_end]))
        if "transfer-encoding" in headers:
            raise RuntimeApiProtocolError(
                "unsupported Transfer-Encoding %r from the Runtime API; "
                "responses must carry Content-Length" % headers["transfer-encoding"]
            )
        body_start = header_end + len(_HEADER_END)
        body_end = body_start + _content_length(headers)
        while len(received) < body_end:
            self._receive(body_end - len(received))

        body = bytes(received[body_start:body_end])
        del received[:body_end]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return ApiResponse(status, headers, body)


def _parse_address(address):
    host, separator, port = address.rpartition(":")
    if not separator or not host or not port.isdigit():
        raise ValueError(
            "invalid AWS_LAMBDA_RUNTIME_API value %r; expected host:port, "
            "for example 127.0.0.1:9001" % address
        )
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def _open_connection(host, port):
    """Connect a TCP socket to host:port, trying each address the host resolves to."""
    for family in (_socket.AF_INET, _socket.AF_INET6):
        try:
            _socket.inet_pton(family, host)
        except OSError:
            continue
        return _connect_socket(family, (host, port))

    # A bytes host keeps getaddrinfo from loading the idna codec.
    encoded_host = host.encode("ascii") if host.isascii() else host.encode("idna")
    last_error = None
    for family, _, _, _, address in _socket.getaddrinfo(encoded_host, port, 0, _socket.SOCK_STREAM):
        try:
            return _connect_socket(family, address)
        except OSError as error:
            last_error = error
    raise last_error or OSError("no address found for Runtime API host %r" % host)


def _connect_socket(family, address):
    connection = _socket.socket(family, _socket.SOCK_STREAM)
    try:
        connection.connect(address)
    except OSError:
        connection.close()
        raise
    return connection


def _parse_head(head):
    lines = head.decode("utf-8", "replace").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise RuntimeApiProtocolError("invalid HTTP status line %r from the Runtime API" % lines[0])

    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


def _content_length(headers):
    value = headers.get("content-length", "0")
    if not value.isdigit():
        raise RuntimeApiProtocolError("invalid Content-Length %r from the Runtime API" % value)
    return int(value)


def _quote_id(request_id):
    """Percent-encode a request id for use as one URL path segment."""
    if _SAFE_ID_CHARACTERS.issuperset(request_id):
        return request_id
    quoted = []
    for character in request_id:
        if character in _SAFE_ID_CHARACTERS:
            quoted.append(character)
        else:
            quoted.extend("%%%02X" % byte for byte in character.encode("utf-8"))
    return "".join(quoted)


def _single_line(value):
    return value.replace("\r", " ").replace("\n", " ")
