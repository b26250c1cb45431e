"""Deferred start: a spare interpreter that takes its environment from stdin."""

import json
import os
import subprocess
import time
import unittest

from runtime_harness import RuntimeProcess, RuntimeTestCase, function_dir, lambda_environment


class DeferredStartTest(RuntimeTestCase, unittest.TestCase):
    def start_spare(self):
        """Start a runtime in deferred mode with an environment that has no function settings."""
        spare_environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LAMBDACRAFT_DEFERRED_INIT": "1",
            "TZ": ":UTC",
            "SPARE_ONLY": "present before the start message",
        }
        runtime = RuntimeProcess(spare_environment, cwd="/", stdin=subprocess.PIPE)
        self.runtimes.append(runtime)
        return runtime

    def send_start_message(self, runtime, message):
        runtime.process.stdin.write(message)
        runtime.process.stdin.flush()

    def test_environment_and_cwd_come_from_stdin(self):
        runtime = self.start_spare()
        code_dir = function_dir("deferred")
        environment = lambda_environment(
            self.api,
            code_dir,
            "app.handler",
            PYTHONPATH=function_dir("deferred_extra_path"),
            TZ="EST+5",
            CUSTOM_SETTING="from the start message",
        )
        time.sleep(0.3)
        self.assertEqual(self.api.connection_count, 0)

        message = {"env": environment, "cwd": code_dir}
        self.send_start_message(runtime, json.dumps(message).encode("utf-8") + b"\n")
        result = self.invoke().json()

        self.assertEqual(result["environment"], environment)
        self.assertEqual(result["cwd"], code_dir)
        self.assertEqual(result["sys_path_0"], code_dir)
        self.assertEqual(result["stdin"], "")
        self.assertEqual(result["extra"], "imported through PYTHONPATH")
        self.assertEqual(result["tz_offset"], 5 * 3600)
        self.assertEqual(result["function_name"], "test-function")

    def test_stdin_stays_unread_after_start_message(self):
        runtime = self.start_spare()
        code_dir = function_dir("basic")
        message = {
            "env": lambda_environment(self.api, code_dir, "app.describe_process"),
            "cwd": code_dir,
        }

        self.send_start_message(runtime, json.dumps(message).encode("utf-8") + b"\nmore input\n")
        result = self.invoke().json()

        self.assertEqual(result["stdin"], "")
        self.assertNotIn("LAMBDACRAFT_DEFERRED_INIT", result["environment"])
        self.assertNotIn("SPARE_ONLY", result["environment"])

    def test_init_error_after_deferred_start(self):
        runtime = self.start_spare()
        code_dir = function_dir("basic")
        message = {
            "env": lambda_environment(self.api, code_dir, "missing_module.handler"),
            "cwd": code_dir,
        }

        self.send_start_message(runtime, json.dumps(message).encode("utf-8") + b"\n")
        request = self.api.wait_for_init_error()

        self.assertEqual(request.json()["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(runtime.wait(), 1)

    def test_invalid_start_message_exits(self):
        runtime = self.start_spare()

        self.send_start_message(runtime, b'{"env": {"A": 1}, "cwd": "/"}\n')

        self.assertEqual(runtime.wait(), 1)
        self.assertIn(
            'deferred start message needs "env": an object of string values', runtime.stderr
        )

    def test_closed_stdin_exits(self):
        runtime = self.start_spare()

        runtime.process.stdin.close()

        self.assertEqual(runtime.wait(), 1)
        self.assertIn("stdin closed before the deferred start message", runtime.stderr)


if __name__ == "__main__":
    unittest.main()
