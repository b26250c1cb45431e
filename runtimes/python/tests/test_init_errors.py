"""Init errors: payload, header, log entry and exit status, as AWS's Python runtime reports them."""

import sys
import unittest

from runtime_harness import RuntimeTestCase, function_dir


class InitErrorTest(RuntimeTestCase, unittest.TestCase):
    def start_and_fail(self, function, handler):
        """Start a runtime that must fail its init; return (init error request, runtime)."""
        runtime = self.start_runtime(function, handler)
        request = self.api.wait_for_init_error()
        self.assertEqual(runtime.wait(), 1)
        return request, runtime

    def assert_init_error(self, request, error_type, message):
        self.assertEqual(request.method, "POST")
        self.assertEqual(request.headers["lambda-runtime-function-error-type"], error_type)
        self.assertEqual(request.headers["content-type"], "application/json")
        payload = request.json()
        self.assertEqual(list(payload), ["errorMessage", "errorType", "requestId", "stackTrace"])
        self.assertEqual(payload["errorType"], error_type)
        self.assertEqual(payload["errorMessage"], message)
        self.assertEqual(payload["requestId"], "")
        return payload

    def test_handler_without_dot(self):
        request, _ = self.start_and_fail("basic", "nodot")

        payload = self.assert_init_error(
            request,
            "Runtime.MalformedHandlerName",
            "Bad handler 'nodot': not enough values to unpack (expected 2, got 1)",
        )
        self.assertEqual(payload["stackTrace"], [])

    def test_builtin_module_conflict(self):
        request, _ = self.start_and_fail("basic", "sys.handler")

        self.assert_init_error(
            request,
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module sys as a handler module",
        )

    def test_missing_module(self):
        request, runtime = self.start_and_fail("basic", "missing_module.handler")

        payload = self.assert_init_error(
            request,
            "Runtime.ImportModuleError",
            "Unable to import module 'missing_module': No module named 'missing_module'",
        )
        self.assertEqual(payload["stackTrace"], [])
        self.assertEqual(
            runtime.stdout,
            "[ERROR] Runtime.ImportModuleError: Unable to import module 'missing_module': "
            "No module named 'missing_module'\rTraceback (most recent call last):\n",
        )
        self.assertEqual(self.api.requests, [request])

    def test_missing_nested_module(self):
        request, _ = self.start_and_fail("nested", "src/handlers/missing.main")

        self.assert_init_error(
            request,
            "Runtime.ImportModuleError",
            "Unable to import module 'src/handlers/missing': No module named 'src.handlers.missing'",
        )

    def test_syntax_error(self):
        request, runtime = self.start_and_fail("syntax_error", "app.handler")

        payload = request.json()
        self.assertEqual(payload["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertEqual(
            request.headers["lambda-runtime-function-error-type"], "Runtime.UserCodeSyntaxError"
        )
        self.assertTrue(payload["errorMessage"].startswith("Syntax error in module 'app': "))
        self.assertTrue(payload["errorMessage"].endswith("(app.py, line 2)"))
        app_path = function_dir("syntax_error") + "/app.py"
        self.assertEqual(
            payload["stackTrace"],
            ['  File "%s" Line 2\n    def handler(event, context)\n' % app_path],
        )
        self.assertEqual(
            runtime.stdout,
            "[ERROR] Runtime.UserCodeSyntaxError: %s\rTraceback (most recent call last):"
            '\r\u00a0\u00a0File "%s" Line 2\r\u00a0\u00a0\u00a0\u00a0def handler(event, context)\n'
            % (payload["errorMessage"], app_path),
        )

    def test_handler_not_found(self):
        request, _ = self.start_and_fail("basic", "app.no_such_function")

        self.assert_init_error(
            request,
            "Runtime.HandlerNotFound",
            "Handler 'no_such_function' missing on module 'app'",
        )

    def test_exception_at_import(self):
        request, runtime = self.start_and_fail("init_exception", "app.handler")

        payload = self.assert_init_error(request, "Exception", "Runtime startup fails")
        app_path = function_dir("init_exception") + "/app.py"
        trace = payload["stackTrace"]
        self.assertIn('importlib/__init__.py", line', trace[0])
        self.assertTrue(trace[-2].startswith('  File "%s", line 5, in <module>\n' % app_path))
        self.assertEqual(
            trace[-1],
            '  File "%s", line 2, in fail_at_import\n'
            '    raise Exception("Runtime startup fails")\n' % app_path,
        )
        self.assertFalse(any("lambdacraft_runtime" in frame for frame in trace))
        self.assertTrue(
            runtime.stdout.startswith(
                "[ERROR] Exception: Runtime startup fails\rTraceback (most recent call last):\r"
            )
        )

    def test_no_next_request_after_init_error(self):
        request, _ = self.start_and_fail("basic", "app.no_such_function")

        self.assertEqual([r.path for r in self.api.requests], [request.path])


if __name__ == "__main__":
    unittest.main()
