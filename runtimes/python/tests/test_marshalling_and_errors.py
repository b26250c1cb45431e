"""Result encoding and error formatting, tested in process."""

import decimal
import sys
import unittest

from runtime_harness import RUNTIME_DIR

sys.path.insert(0, RUNTIME_DIR)

from lambdacraft_runtime import errors  # noqa: E402
from lambdacraft_runtime.errors import FaultError  # noqa: E402
from lambdacraft_runtime.marshalling import Marshaller, writes_unescaped_unicode  # noqa: E402


class UnicodeEscapingTest(unittest.TestCase):
    def test_runtime_ids(self):
        cases = {
            "AWS_Lambda_python3.9": False,
            "AWS_Lambda_python3.11": False,
            "AWS_Lambda_python3.12": True,
            "AWS_Lambda_python3.13": True,
            "AWS_Lambda_python3.14": True,
            "AWS_Lambda_python4.0": True,
            "AWS_Lambda_python3.x": False,
            "AWS_Lambda_nodejs20.x": False,
            "": False,
            None: False,
        }
        for execution_env, expected in cases.items():
            with self.subTest(execution_env=execution_env):
                self.assertEqual(writes_unescaped_unicode(execution_env), expected)


class ResultEncodingTest(unittest.TestCase):
    def setUp(self):
        self.marshaller = Marshaller("AWS_Lambda_python3.12")

    def test_nested_decimals_keep_their_text(self):
        result = {
            "items": [
                {"n": decimal.Decimal("0.1")},
                (decimal.Decimal("3"), decimal.Decimal("-1.50")),
            ],
            "inf": decimal.Decimal("Infinity"),
            "snan": decimal.Decimal("sNaN"),
        }

        body, content_type = self.marshaller.encode_result(result)

        self.assertEqual(content_type, "application/json")
        self.assertEqual(body, b'{"items": [{"n": 0.1}, [3, -1.50]], "inf": Infinity, "snan": NaN}')

    def test_decimal_markers_cannot_collide_with_strings(self):
        result = {"text": "\x00marker\x00", "value": decimal.Decimal("2.0")}

        body, _ = self.marshaller.encode_result(result)

        self.assertEqual(body, b'{"text": "\\u0000marker\\u0000", "value": 2.0}')

    def test_top_level_values(self):
        cases = [
            ("text", b'"text"'),
            (12, b"12"),
            (float("nan"), b"NaN"),
            (True, b"true"),
            (decimal.Decimal("7.25"), b"7.25"),
        ]
        for value, expected in cases:
            with self.subTest(value=value):
                self.assertEqual(self.marshaller.encode_result(value)[0], expected)

    def test_bytearray_is_not_raw(self):
        with self.assertRaises(FaultError) as raised:
            self.marshaller.encode_result(bytearray(b"x"))

        self.assertEqual(raised.exception.error_type, "Runtime.MarshalError")
        self.assertEqual(
            raised.exception.message,
            "Unable to marshal response: Object of type bytearray is not JSON serializable",
        )

    def test_lone_surrogate_is_marshal_error(self):
        with self.assertRaises(FaultError) as raised:
            self.marshaller.encode_result("\ud800")

        self.assertEqual(raised.exception.error_type, "Runtime.MarshalError")

    def test_escaped_output_before_python312(self):
        marshaller = Marshaller("AWS_Lambda_python3.11")

        self.assertEqual(marshaller.encode_result("\u00e9")[0], b'"\\u00e9"')


class EventDecodingTest(unittest.TestCase):
    def setUp(self):
        self.marshaller = Marshaller("AWS_Lambda_python3.12")

    def test_json_content_type(self):
        self.assertEqual(self.marshaller.decode_event(b'{"a": 1}', "application/json"), {"a": 1})

    def test_missing_content_type_is_json(self):
        self.assertEqual(self.marshaller.decode_event(b"[1]", None), [1])

    def test_other_content_type_passes_bytes(self):
        self.assertEqual(self.marshaller.decode_event(b"raw", "application/octet-stream"), b"raw")

    def test_invalid_utf8_is_unmarshal_error(self):
        with self.assertRaises(FaultError) as raised:
            self.marshaller.decode_event(b'"\xff"', "application/json")

        self.assertEqual(raised.exception.error_type, "Runtime.UnmarshalError")
        self.assertTrue(raised.exception.message.startswith("Unable to unmarshal input: "))


class ErrorLogFormatTest(unittest.TestCase):
    def test_type_and_message(self):
        payload = errors.make_error_payload(
            "bad", "ValueError", ['  File "a.py", line 1, in f\n    x()\n'], "id"
        )

        self.assertEqual(
            errors.format_error_log(payload),
            "[ERROR] ValueError: bad\rTraceback (most recent call last):\r"
            '\u00a0\u00a0File "a.py", line 1, in f\r\u00a0\u00a0\u00a0\u00a0x()\n',
        )

    def test_empty_message(self):
        payload = errors.make_error_payload("", "KeyError", [], "id")

        self.assertEqual(
            errors.format_error_log(payload),
            "[ERROR] KeyError\rTraceback (most recent call last):\n",
        )

    def test_empty_type(self):
        payload = errors.make_error_payload("only message", "", None, "id")

        self.assertEqual(
            errors.format_error_log(payload),
            "[ERROR] only message\rTraceback (most recent call last):\n",
        )

    def test_empty_trace_element_stays_empty_line(self):
        payload = errors.make_error_payload("m", "T", ["", "  x\n"], "id")

        self.assertEqual(
            errors.format_error_log(payload),
            "[ERROR] T: m\rTraceback (most recent call last):\r\r\u00a0\u00a0x\n",
        )

    def test_payload_defaults(self):
        self.assertEqual(
            errors.make_error_payload(None, None, None, ""),
            {"errorMessage": "", "errorType": "", "requestId": "", "stackTrace": []},
        )

    def test_unprintable_exception_message(self):
        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("no text")

        try:
            raise Unprintable()
        except Unprintable as error:
            report = errors.report_exception(error, "id")

        self.assertEqual(report.payload["errorType"], "Unprintable")
        self.assertEqual(report.payload["errorMessage"], "<str() of Unprintable failed>")


if __name__ == "__main__":
    unittest.main()
