"""Python child of the relay floor: a minimal Runtime API loop over one http.client connection.

It GETs the next event, calls a no-op handler and POSTs the result, forever. It exits
when the relay server closes the connection or sends SIGTERM.
"""

import http.client
import json
import os
import signal
import sys


def handler(event, context):
    return {"ok": True}


def main():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    host, port = os.environ["RELAY_RUNTIME_API"].rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port))
    while True:
        connection.request("GET", "/2018-06-01/runtime/invocation/next")
        response = connection.getresponse()
        event = json.loads(response.read())
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        result = json.dumps(handler(event, None)).encode()
        connection.request(
            "POST",
            f"/2018-06-01/runtime/invocation/{request_id}/response",
            result,
            {"Content-Type": "application/json"},
        )
        connection.getresponse().read()


if __name__ == "__main__":
    main()
