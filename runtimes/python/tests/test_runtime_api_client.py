"""The Runtime API HTTP client on its own, against in-process servers."""

import socket
import sys
import threading
import unittest

from runtime_harness import RUNTIME_DIR, FakeRuntimeApi, PostResponse

sys.path.insert(0, RUNTIME_DIR)

from lambdacraft_runtime.runtime_api import (  # noqa: E402
    RuntimeApiClient,
    RuntimeApiProtocolError,
    RuntimeApiUnavailableError,
    _parse_address,
    _quote_id,
)


def serve_once(response_bytes, chunk_size=1):
    """Start a server that sends response_bytes to one request, chunk_size bytes per send."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def respond():
        connection, _ = listener.accept()
        received = b""
        while b"\r\n\r\n" not in received:
            received += connection.recv(65536)
        for start in range(0, len(response_bytes), chunk_size):
            connection.sendall(response_bytes[start : start + chunk_size])
        connection.close()
        listener.close()

    threading.Thread(target=respond, daemon=True).start()
    return "127.0.0.1:%d" % listener.getsockname()[1]


class ClientAgainstFakeApiTest(unittest.TestCase):
    def setUp(self):
        self.api = FakeRuntimeApi()
        self.client = RuntimeApiClient(self.api.address)

    def tearDown(self):
        self.client.close()
        self.api.close()

    def test_next_invocation_returns_event(self):
        request_id = self.api.add_event(b'{"key": "value"}')

        event = self.client.next_invocation()

        self.assertEqual(event.status, 200)
        self.assertEqual(event.body, b'{"key": "value"}')
        self.assertEqual(event.headers["lambda-runtime-aws-request-id"], request_id)

    def test_respond_pipelines_next_request(self):
        first_id = self.api.add_event(b"1")
        self.client.next_invocation()
        second_id = self.api.add_event(b"2")

        post_response = self.client.respond(first_id, b'"done"', "application/json")
        event = self.client.next_invocation()

        self.assertEqual(post_response.status, 202)
        self.assertEqual(post_response.body, b'{"status":"OK"}')
        self.assertEqual(event.headers["lambda-runtime-aws-request-id"], second_id)
        post = self.api.wait_for_outcome(first_id)
        self.assertTrue(post.pipelined)
        self.assertEqual(post.headers["content-length"], "6")
        next_requests = [r for r in self.api.requests if r.method == "GET"]
        self.assertEqual(len(next_requests), 2)

    def test_report_init_error_sends_type_header(self):
        response = self.client.report_init_error("Runtime.HandlerNotFound", b"{}")

        request = self.api.wait_for_init_error()
        self.assertEqual(response.status, 202)
        self.assertEqual(
            request.headers["lambda-runtime-function-error-type"], "Runtime.HandlerNotFound"
        )

    def test_error_status_is_returned(self):
        request_id = self.api.add_event(b"{}")
        self.client.next_invocation()
        self.api.post_responses[request_id] = PostResponse(
            403, b'{"errorType":"InvalidStateTransition"}'
        )

        response = self.client.report_error(request_id, b"{}")

        self.assertEqual(response.status, 403)
        self.assertEqual(response.describe_body(), '{"errorType":"InvalidStateTransition"}')

    def test_reconnects_when_server_closes(self):
        request_id = self.api.add_event(b"{}")
        self.client.next_invocation()
        self.api.post_responses[request_id] = PostResponse(202, close_connection=True)
        next_id = self.api.add_event(b"{}")

        self.client.respond(request_id, b"null", "application/json")
        event = self.client.next_invocation()

        self.assertEqual(event.headers["lambda-runtime-aws-request-id"], next_id)
        self.assertEqual(self.api.connection_count, 2)


class ResponseParsingTest(unittest.TestCase):
    def test_response_split_into_single_bytes(self):
        address = serve_once(
            b"HTTP/1.1 200 OK\r\nLAMBDA-RUNTIME-AWS-REQUEST-ID: abc\r\n"
            b"content-length: 5\r\n\r\nhello"
        )
        client = RuntimeApiClient(address)

        event = client.next_invocation()
        client.close()

        self.assertEqual(event.status, 200)
        self.assertEqual(event.headers["lambda-runtime-aws-request-id"], "abc")
        self.assertEqual(event.body, b"hello")

    def test_missing_content_length_means_empty_body(self):
        address = serve_once(b"HTTP/1.1 202 Accepted\r\n\r\n", chunk_size=100)
        client = RuntimeApiClient(address)

        response = client.next_invocation()
        client.close()

        self.assertEqual(response.status, 202)
        self.assertEqual(response.body, b"")

    def test_chunked_response_is_rejected(self):
        address = serve_once(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            chunk_size=100,
        )
        client = RuntimeApiClient(address)

        with self.assertRaisesRegex(RuntimeApiProtocolError, "Transfer-Encoding"):
            client.next_invocation()
        client.close()

    def test_invalid_status_line_is_rejected(self):
        address = serve_once(b"garbage\r\n\r\n", chunk_size=100)
        client = RuntimeApiClient(address)

        with self.assertRaisesRegex(RuntimeApiProtocolError, "invalid HTTP status line"):
            client.next_invocation()
        client.close()

    def test_closed_connection_raises_after_one_reconnect(self):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        address = "127.0.0.1:%d" % listener.getsockname()[1]
        accepted = []

        def close_every_connection():
            for _ in range(2):
                connection, _ = listener.accept()
                accepted.append(connection)
                connection.close()

        thread = threading.Thread(target=close_every_connection, daemon=True)
        thread.start()
        client = RuntimeApiClient(address)

        with self.assertRaisesRegex(RuntimeApiUnavailableError, "is unreachable"):
            client.next_invocation()
        client.close()
        thread.join(5)
        listener.close()

        self.assertEqual(len(accepted), 2)


class AddressAndPathTest(unittest.TestCase):
    def test_parse_address_forms(self):
        self.assertEqual(_parse_address("127.0.0.1:9001"), ("127.0.0.1", 9001))
        self.assertEqual(_parse_address("localhost:80"), ("localhost", 80))
        self.assertEqual(_parse_address("[::1]:9001"), ("::1", 9001))

    def test_parse_address_rejects_invalid(self):
        for value in ("", "127.0.0.1", ":9001", "host:port", "http://127.0.0.1:9001/"):
            with self.subTest(value=value):
                with self.assertRaisesRegex(ValueError, "invalid AWS_LAMBDA_RUNTIME_API value"):
                    _parse_address(value)

    def test_quote_id_keeps_uuid(self):
        request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
        self.assertEqual(_quote_id(request_id), request_id)

    def test_quote_id_encodes_unsafe_characters(self):
        self.assertEqual(_quote_id("a b/c\r\n\u00e9"), "a%20b%2Fc%0D%0A%C3%A9")

    def test_localhost_connects(self):
        address = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", chunk_size=100)
        client = RuntimeApiClient(address.replace("127.0.0.1", "localhost"))

        response = client.next_invocation()
        client.close()

        self.assertEqual(response.body, b"ok")


if __name__ == "__main__":
    unittest.main()
