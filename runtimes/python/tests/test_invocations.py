"""Invocation results, errors and the context object, against a real bootstrap.py."""

import json
import time
import unittest

from runtime_harness import RuntimeTestCase, function_dir


class ResultEncodingTest(RuntimeTestCase, unittest.TestCase):
    def test_dict_result_is_json(self):
        self.start_runtime("basic", "app.echo")

        outcome = self.invoke(b'{"a": [1, 2.5, "x"], "b": null}')

        self.assertTrue(outcome.path.endswith("/response"))
        self.assertEqual(outcome.headers["content-type"], "application/json")
        self.assertEqual(outcome.body, b'{"a": [1, 2.5, "x"], "b": null}')

    def test_none_result_is_null(self):
        self.start_runtime("basic", "app.return_none")

        outcome = self.invoke()

        self.assertEqual(outcome.body, b"null")
        self.assertEqual(outcome.headers["content-type"], "application/json")

    def test_bytes_result_is_sent_raw(self):
        self.start_runtime("basic", "app.return_bytes")

        outcome = self.invoke()

        self.assertEqual(outcome.body, b"\x00\x01raw bytes\xff")
        self.assertEqual(outcome.headers["content-type"], "application/unknown")

    def test_decimal_is_written_exactly(self):
        self.start_runtime("basic", "app.return_decimals")

        outcome = self.invoke()

        self.assertEqual(
            outcome.body,
            b'{"price": 1.10, "big": 12345678901234567890.123456789, '
            b'"not_a_number": NaN, "list": [-0, 1E+2, 2.5]}',
        )

    def test_python312_writes_unicode_unescaped(self):
        self.start_runtime("basic", "app.return_unicode")

        outcome = self.invoke()

        self.assertEqual(outcome.body, '{"text": "caf\u00e9 \u2603"}'.encode("utf-8"))

    def test_python311_escapes_unicode(self):
        self.start_runtime("basic", "app.return_unicode", AWS_EXECUTION_ENV="AWS_Lambda_python3.11")

        outcome = self.invoke()

        self.assertEqual(outcome.body, b'{"text": "caf\\u00e9 \\u2603"}')

    def test_unserializable_result_is_marshal_error(self):
        self.start_runtime("basic", "app.return_unserializable")

        request_id = self.api.add_event(b"{}")
        outcome = self.api.wait_for_outcome(request_id)

        self.assertTrue(outcome.path.endswith("/error"))
        self.assertEqual(
            outcome.json(),
            {
                "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            },
        )

    def test_invalid_event_is_unmarshal_error(self):
        self.start_runtime("basic", "app.echo")

        outcome = self.invoke(b"not json")

        self.assertEqual(outcome.json()["errorType"], "Runtime.UnmarshalError")
        self.assertEqual(
            outcome.json()["errorMessage"],
            "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)",
        )


class HandlerErrorTest(RuntimeTestCase, unittest.TestCase):
    def test_exception_payload_matches_aws(self):
        runtime = self.start_runtime("basic", "app.raise_error")

        request_id = self.api.add_event(b"{}")
        outcome = self.api.wait_for_outcome(request_id)

        self.assertTrue(outcome.path.endswith("/%s/error" % request_id))
        self.assertEqual(outcome.headers["content-type"], "application/json")
        self.assertNotIn("lambda-runtime-function-error-type", outcome.headers)
        payload = outcome.json()
        self.assertEqual(list(payload), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual(payload["errorMessage"], "boom")
        self.assertEqual(payload["errorType"], "ValueError")
        self.assertEqual(payload["requestId"], request_id)
        app_path = function_dir("basic") + "/app.py"
        self.assertEqual(len(payload["stackTrace"]), 2)
        self.assertRegex(
            payload["stackTrace"][0],
            r'^  File "%s", line \d+, in raise_error\n    fail_deeper\(\)\n$' % app_path,
        )
        self.assertRegex(
            payload["stackTrace"][1],
            r'^  File "%s", line \d+, in fail_deeper\n    raise ValueError\("boom"\)\n$' % app_path,
        )

    def test_exception_sends_xray_cause(self):
        self.start_runtime("basic", "app.raise_error")

        outcome = self.invoke()

        cause = json.loads(outcome.headers["lambda-runtime-function-xray-error-cause"])
        self.assertEqual(cause["working_directory"], function_dir("basic"))
        self.assertEqual(cause["exceptions"][0]["type"], "ValueError")
        self.assertEqual(cause["exceptions"][0]["message"], "boom")
        self.assertEqual(
            [frame["label"] for frame in cause["exceptions"][0]["stack"]],
            ["raise_error", "fail_deeper"],
        )
        self.assertEqual(cause["paths"], [function_dir("basic") + "/app.py"])

    def test_exception_is_logged_as_one_entry(self):
        runtime = self.start_runtime("basic", "app.raise_error")

        self.invoke()
        runtime.stop()

        self.assertIn("about to fail\n", runtime.stdout)
        error_line = runtime.stdout.split("about to fail\n", 1)[1]
        entry, _, rest = error_line.partition("\n")
        self.assertEqual(rest, "")
        lines = entry.split("\r")
        self.assertEqual(lines[0], "[ERROR] ValueError: boom")
        self.assertEqual(lines[1], "Traceback (most recent call last):")
        self.assertRegex(
            lines[2], r'^\u00a0\u00a0File ".*/basic/app.py", line \d+, in raise_error$'
        )
        self.assertEqual(lines[3], "\u00a0\u00a0\u00a0\u00a0fail_deeper()")
        self.assertEqual(lines[5], '\u00a0\u00a0\u00a0\u00a0raise ValueError("boom")')
        self.assertEqual(len(lines), 6)

    def test_globals_survive_handled_errors(self):
        self.start_runtime("basic", "app.count")

        first = self.invoke(b"{}")
        failed = self.invoke(b'{"fail": true}')
        third = self.invoke(b"{}")

        self.assertEqual(first.body, b"1")
        self.assertEqual(failed.json()["errorMessage"], "failed on call 2")
        self.assertEqual(third.body, b"3")


class ContextTest(RuntimeTestCase, unittest.TestCase):
    def test_context_attributes(self):
        self.start_runtime("basic", "app.describe_context")
        deadline_ms = int(time.time() * 1000) + 5000

        request_id = self.api.add_event(
            b"{}",
            deadline_ms=deadline_ms,
            headers={
                "Lambda-Runtime-Aws-Tenant-Id": "tenant-1",
                "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
                "Lambda-Runtime-Cognito-Identity": json.dumps(
                    {"cognitoIdentityId": "identity-1", "cognitoIdentityPoolId": "pool-1"}
                ),
            },
        )
        result = self.api.wait_for_outcome(request_id).json()

        self.assertEqual(result["function_name"], "test-function")
        self.assertEqual(result["function_version"], "$LATEST")
        self.assertEqual(result["memory_limit_in_mb"], "256")
        self.assertEqual(result["log_group_name"], "/aws/lambda/test-function")
        self.assertEqual(result["log_stream_name"], "2026/01/01/[$LATEST]0123456789abcdef")
        self.assertEqual(
            result["invoked_function_arn"], "arn:aws:lambda:us-east-1:000000000000:function:test"
        )
        self.assertEqual(result["aws_request_id"], request_id)
        self.assertEqual(result["tenant_id"], "tenant-1")
        self.assertGreater(result["remaining_ms"], 3000)
        self.assertLessEqual(result["remaining_ms"], 5000)
        self.assertEqual(result["cognito_identity_id"], "identity-1")
        self.assertEqual(result["cognito_identity_pool_id"], "pool-1")
        self.assertFalse(result["has_client_context"])
        self.assertEqual(result["trace_id"], "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
        self.assertEqual(
            result["repr"],
            "LambdaContext([aws_request_id=%s,log_group_name=/aws/lambda/test-function,"
            "log_stream_name=2026/01/01/[$LATEST]0123456789abcdef,function_name=test-function,"
            "memory_limit_in_mb=256,function_version=$LATEST,"
            "invoked_function_arn=arn:aws:lambda:us-east-1:000000000000:function:test,"
            "client_context=None,identity=CognitoIdentity([cognito_identity_id=identity-1,"
            "cognito_identity_pool_id=pool-1]),tenant_id=tenant-1])" % request_id,
        )

    def test_context_defaults_without_optional_headers(self):
        self.start_runtime("basic", "app.describe_context")

        result = self.invoke(deadline_ms=int(time.time() * 1000) - 1000).json()

        self.assertEqual(result["remaining_ms"], 0)
        self.assertIsNone(result["tenant_id"])
        self.assertIsNone(result["cognito_identity_id"])
        self.assertIsNone(result["cognito_identity_pool_id"])
        self.assertIsNone(result["trace_id"])

    def test_trace_id_is_removed_when_absent(self):
        self.start_runtime("basic", "app.describe_context")

        traced = self.invoke(headers={"Lambda-Runtime-Trace-Id": "Root=1-abc"}).json()
        untraced = self.invoke().json()

        self.assertEqual(traced["trace_id"], "Root=1-abc")
        self.assertIsNone(untraced["trace_id"])

    def test_client_context_object(self):
        self.start_runtime("basic", "app.describe_context")
        client_context = {
            "client": {
                "installation_id": "install-1",
                "app_title": "Title",
                "app_version_name": "1.0",
                "app_version_code": "100",
                "app_package_name": "com.example",
            },
            "custom": {"key": "value"},
            "env": {"platform": "Android"},
        }

        result = self.invoke(
            headers={"Lambda-Runtime-Client-Context": json.dumps(client_context)}
        ).json()

        self.assertTrue(result["has_client_context"])
        self.assertEqual(result["client"], client_context["client"])
        self.assertEqual(result["custom"], {"key": "value"})
        self.assertEqual(result["env"], {"platform": "Android"})

    def test_invalid_client_context_is_error(self):
        self.start_runtime("basic", "app.describe_context")

        outcome = self.invoke(headers={"Lambda-Runtime-Client-Context": "{not json"})

        payload = outcome.json()
        self.assertEqual(payload["errorType"], "Runtime.LambdaContextUnmarshalError")
        self.assertTrue(payload["errorMessage"].startswith("Unable to parse Client Context JSON: "))
        self.assertEqual(payload["stackTrace"], [])

    def test_context_log_writes_raw(self):
        runtime = self.start_runtime("basic", "app.write_with_context_log")

        self.invoke()
        runtime.stop()

        self.assertEqual(runtime.stdout, "context log line\npartial line\n")


class HandlerPathTest(RuntimeTestCase, unittest.TestCase):
    def test_nested_folder_handler(self):
        self.start_runtime("nested", "src/handlers/api.main")

        outcome = self.invoke(b'{"x": 1}')

        self.assertEqual(outcome.json(), {"module": "src.handlers.api", "event": {"x": 1}})

    def test_dotted_package_handler(self):
        self.start_runtime("dotted", "pkg.mod.fn")

        outcome = self.invoke()

        self.assertEqual(outcome.json(), {"module": "pkg.mod"})

    def test_code_folder_is_first_on_sys_path(self):
        self.start_runtime("basic", "app.describe_process")

        result = self.invoke().json()

        self.assertEqual(result["sys_path_0"], function_dir("basic"))
        self.assertEqual(result["cwd"], function_dir("basic"))
        self.assertEqual(result["stdin"], "")
        self.assertFalse(result["logging_loaded"])


if __name__ == "__main__":
    unittest.main()
