"""Runtime API protocol: pipelining, connection reuse, error statuses and process exit."""

import json
import unittest

from runtime_harness import FakeRuntimeApi, PostResponse, RuntimeTestCase


class PipeliningTest(RuntimeTestCase, unittest.TestCase):
    def test_next_request_pipelined_after_response(self):
        self.start_runtime("basic", "app.echo")

        outcome = self.invoke()

        self.assertTrue(outcome.pipelined)

    def test_next_request_pipelined_after_error(self):
        self.start_runtime("basic", "app.raise_error")

        outcome = self.invoke()

        self.assertTrue(outcome.path.endswith("/error"))
        self.assertTrue(outcome.pipelined)

    def test_one_connection_for_many_events(self):
        self.start_runtime("basic", "app.count")

        outcomes = [self.invoke() for _ in range(5)]

        self.assertEqual([outcome.body for outcome in outcomes], [b"1", b"2", b"3", b"4", b"5"])
        self.assertEqual({outcome.connection_number for outcome in outcomes}, {1})
        self.assertEqual(self.api.connection_count, 1)

    def test_large_event_and_response(self):
        self.start_runtime("basic", "app.repeat")
        size = 5 * 1024 * 1024
        padding = "p" * (2 * 1024 * 1024)

        outcome = self.invoke(json.dumps({"size": size, "padding": padding}))

        self.assertEqual(len(outcome.body), size + 2)
        self.assertEqual(outcome.body[:3], b'"xx')


class PostResponseTest(RuntimeTestCase, unittest.TestCase):
    def test_rejected_response_keeps_serving(self):
        runtime = self.start_runtime("basic", "app.count")
        rejected_id = "rejected-request"
        self.api.post_responses[rejected_id] = PostResponse(
            400, b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}'
        )

        self.invoke(request_id=rejected_id)
        after = self.invoke()
        runtime.stop()

        self.assertEqual(after.body, b"2")
        self.assertIn(
            "[lambdacraft runtime] Runtime API returned HTTP 400 to the response of request "
            'rejected-request: {"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}; '
            "serving the next event\n",
            runtime.stderr,
        )

    def test_forbidden_error_post_keeps_serving(self):
        runtime = self.start_runtime("basic", "app.count")
        self.api.post_responses["second-post"] = PostResponse(
            403, b'{"errorMessage":"State transition failed","errorType":"InvalidStateTransition"}'
        )

        self.invoke(b'{"fail": true}', request_id="second-post")
        after = self.invoke()
        runtime.stop()

        self.assertEqual(after.body, b"2")
        self.assertIn("HTTP 403 to the error of request second-post", runtime.stderr)

    def test_too_large_status_keeps_serving(self):
        runtime = self.start_runtime("basic", "app.count")
        self.api.post_responses["too-large"] = PostResponse(
            413, b'{"errorType":"RequestEntityTooLarge"}'
        )

        self.invoke(request_id="too-large")
        after = self.invoke()
        runtime.stop()

        self.assertEqual(after.body, b"2")
        self.assertEqual(runtime.stderr.count("\n"), 1)

    def test_server_error_on_post_exits(self):
        runtime = self.start_runtime("basic", "app.echo")
        self.api.post_responses["broken"] = PostResponse(500, b'{"errorType":"ServerError"}')

        self.invoke(request_id="broken")

        self.assertEqual(runtime.wait(), 1)
        self.assertIn("HTTP 500 to the response of request broken", runtime.stderr)
        self.assertIn("stopping the runtime", runtime.stderr)

    def test_server_error_on_next_exits(self):
        runtime = self.start_runtime("basic", "app.echo")

        self.api.add_failure(500)

        self.assertEqual(runtime.wait(), 1)
        self.assertIn("GET /next returned HTTP 500", runtime.stderr)

    def test_reconnects_after_connection_close(self):
        self.start_runtime("basic", "app.count")
        self.api.post_responses["closing"] = PostResponse(202, close_connection=True)

        first = self.invoke(request_id="closing")
        second = self.invoke()

        self.assertEqual(first.body, b"1")
        self.assertEqual(second.body, b"2")
        self.assertEqual(second.connection_number, 2)


class ProcessExitTest(RuntimeTestCase, unittest.TestCase):
    def test_sys_exit_in_handler_exits(self):
        runtime = self.start_runtime("basic", "app.exit_process")

        request_id = self.api.add_event(b"{}")

        self.assertEqual(runtime.wait(), 3)
        posts = [request for request in self.api.requests if request.method == "POST"]
        self.assertEqual(posts, [])
        self.assertEqual(runtime.stderr, "")
        self.assertTrue(request_id)

    def test_unreachable_runtime_api_exits(self):
        closed_port_api = FakeRuntimeApi()
        closed_port_api.close()
        runtime = self.start_runtime(
            "basic", "app.echo", AWS_LAMBDA_RUNTIME_API=closed_port_api.address
        )

        self.assertEqual(runtime.wait(), 1)
        self.assertIn(
            "Runtime API at %s is unreachable: " % closed_port_api.address, runtime.stderr
        )
        self.assertIn("stopping the runtime", runtime.stderr)

    def test_missing_runtime_api_address_exits(self):
        runtime = self.start_runtime("basic", "app.echo", AWS_LAMBDA_RUNTIME_API="")

        self.assertEqual(runtime.wait(), 1)
        self.assertIn("invalid AWS_LAMBDA_RUNTIME_API value ''", runtime.stderr)


if __name__ == "__main__":
    unittest.main()
