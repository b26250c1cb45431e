"""Python child of floor C: the least work a Runtime API loop can do per event.

It keeps one connection to the relay and sends each result POST and the next GET
in one write, as LambdaCraft's own Python runtime does, then reads the two
responses. Each event goes to the gateway benchmark's hello handler, imported
from RELAY_HANDLER_DIR. It exits when the relay closes the connection or sends
SIGTERM.
"""

import _socket
import json
import os
import signal
import sys

NEXT = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: relay\r\n\r\n"
POST = (
    b"POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: relay\r\n"
    b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
)


class Connection:
    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        self.socket = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        self.socket.connect((host, int(port)))
        self.socket.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        self.received = bytearray()

    def read_response(self):
        """Return the headers (lower-case names) and body of the next response."""
        received = self.received
        while True:
            head_end = received.find(b"\r\n\r\n")
            if head_end >= 0:
                headers = {}
                for line in bytes(received[:head_end]).decode("latin-1").split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body_end = head_end + 4 + int(headers.get("content-length", "0"))
                if len(received) >= body_end:
                    body = bytes(received[head_end + 4 : body_end])
                    del received[:body_end]
                    return headers, body
            chunk = self.socket.recv(65536)
            if not chunk:
                sys.exit(0)
            received += chunk


def main():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    sys.path.insert(0, os.environ["RELAY_HANDLER_DIR"])
    from hello import handler

    connection = Connection(os.environ["RELAY_RUNTIME_API"])
    connection.socket.sendall(NEXT)
    while True:
        headers, body = connection.read_response()
        request_id = headers["lambda-runtime-aws-request-id"].encode("ascii")
        result = json.dumps(handler(json.loads(body), None)).encode("utf-8")
        connection.socket.sendall(POST % (request_id, len(result)) + result + NEXT)
        connection.read_response()


if __name__ == "__main__":
    main()
