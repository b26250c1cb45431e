"""Log output: the root logger handler and line format of AWS's Python runtime."""

import json
import re
import unittest

from runtime_harness import RuntimeTestCase

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


class TextLogTest(RuntimeTestCase, unittest.TestCase):
    def test_line_format_and_default_level(self):
        runtime = self.start_runtime("logging_output", "app.log_levels")

        request_id = self.api.add_event(b"{}")
        outcome = self.api.wait_for_outcome(request_id)
        runtime.stop()

        self.assertEqual(outcome.json(), ["LambdaLoggerHandler"])
        lines = runtime.stdout.splitlines(keepends=True)
        self.assertEqual(len(lines), 3, runtime.stdout)
        self.assertRegex(lines[0], r"^\[WARNING\]\t%s\t\twarning at import\n$" % TIMESTAMP)
        self.assertRegex(
            lines[1], r"^\[WARNING\]\t%s\t%s\twarning line\n$" % (TIMESTAMP, request_id)
        )
        self.assertRegex(
            lines[2], r"^\[ERROR\]\t%s\t%s\terror with arguments\n$" % (TIMESTAMP, request_id)
        )

    def test_log_level_variable_lowers_level(self):
        runtime = self.start_runtime(
            "logging_output", "app.log_levels", AWS_LAMBDA_LOG_LEVEL="DEBUG"
        )

        self.invoke()
        runtime.stop()

        levels = re.findall(r"^\[(\w+)\]", runtime.stdout, re.MULTILINE)
        self.assertEqual(levels, ["WARNING", "DEBUG", "INFO", "WARNING", "ERROR"])

    def test_trace_level_maps_to_debug(self):
        runtime = self.start_runtime(
            "logging_output", "app.log_levels", AWS_LAMBDA_LOG_LEVEL="TRACE"
        )

        self.invoke()
        runtime.stop()

        self.assertIn("\tdebug line\n", runtime.stdout)

    def test_exception_text_follows_message(self):
        runtime = self.start_runtime("logging_output", "app.log_exception")

        request_id = self.api.add_event(b"{}")
        self.api.wait_for_outcome(request_id)
        runtime.stop()

        entry = runtime.stdout.split("warning at import\n", 1)[1]
        self.assertRegex(
            entry,
            r"^\[ERROR\]\t%s\t%s\tcaught it\nTraceback \(most recent call last\):\n"
            % (TIMESTAMP, request_id),
        )
        # The format ends in "\n", so logging appends the traceback with no
        # newline after it, exactly as on AWS.
        self.assertTrue(entry.endswith("KeyError: 'missing'"), repr(entry))

    def test_handler_installed_after_find_spec(self):
        runtime = self.start_runtime("logging_output", "find_spec_first.handler")

        outcome = self.invoke()
        runtime.stop()

        self.assertEqual(outcome.json(), ["LambdaLoggerHandler"])
        self.assertIn("\tafter find_spec\n", runtime.stdout)

    def test_plain_handler_does_not_load_logging(self):
        runtime = self.start_runtime("basic", "app.describe_process")

        result = self.invoke().json()

        self.assertFalse(result["logging_loaded"])


class JsonLogTest(RuntimeTestCase, unittest.TestCase):
    def test_json_lines(self):
        runtime = self.start_runtime(
            "logging_output",
            "app.log_extra",
            AWS_LAMBDA_LOG_FORMAT="JSON",
            AWS_LAMBDA_LOG_LEVEL="INFO",
        )

        request_id = self.api.add_event(b"{}", headers={"Lambda-Runtime-Aws-Tenant-Id": "t-9"})
        self.api.wait_for_outcome(request_id)
        runtime.stop()

        lines = runtime.stdout.splitlines()
        self.assertEqual(len(lines), 2, runtime.stdout)
        at_import = json.loads(lines[0])
        self.assertEqual(list(at_import), ["timestamp", "level", "message", "logger", "requestId"])
        self.assertEqual(at_import["logger"], "app")
        self.assertEqual(at_import["requestId"], "")
        record = json.loads(lines[1])
        self.assertRegex(record["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(
            {key: value for key, value in record.items() if key != "timestamp"},
            {
                "level": "WARNING",
                "message": "with extra",
                "logger": "root",
                "requestId": request_id,
                "tenantId": "t-9",
                "orderId": 42,
            },
        )

    def test_json_exception_fields(self):
        runtime = self.start_runtime(
            "logging_output", "app.log_exception", AWS_LAMBDA_LOG_FORMAT="JSON"
        )

        self.invoke()
        runtime.stop()

        record = json.loads(runtime.stdout.splitlines()[1])
        self.assertEqual(record["level"], "ERROR")
        self.assertEqual(record["message"], "caught it")
        self.assertEqual(record["errorType"], "KeyError")
        self.assertEqual(record["errorMessage"], "'missing'")
        self.assertRegex(record["location"], r"/logging_output/app\.py:log_exception:\d+$")
        self.assertEqual(len(record["stackTrace"]), 1)

    def test_json_handler_error_entry(self):
        runtime = self.start_runtime("basic", "app.raise_error", AWS_LAMBDA_LOG_FORMAT="JSON")

        request_id = self.api.add_event(b"{}")
        self.api.wait_for_outcome(request_id)
        runtime.stop()

        entry = json.loads(runtime.stdout.split("about to fail\n", 1)[1])
        self.assertEqual(
            list(entry),
            ["timestamp", "log_level", "errorMessage", "errorType", "requestId", "stackTrace"],
        )
        self.assertEqual(entry["log_level"], "ERROR")
        self.assertEqual(entry["errorType"], "ValueError")
        self.assertEqual(entry["requestId"], request_id)


if __name__ == "__main__":
    unittest.main()
