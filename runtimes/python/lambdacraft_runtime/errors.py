"""Error payloads, stack traces and error log lines, shaped as AWS shapes them.

The payload is {"errorMessage", "errorType", "requestId", "stackTrace"}, with
requestId "" for init errors. stackTrace contains one string per frame. As in
AWS's Python runtime, the runtime's own leading frames are dropped and the rest
are formatted by traceback.format_list from (file, line, function, source)
tuples.
`traceback` is imported on the first error only, because it adds about 2.5 ms
to startup (python3.11 -X importtime).
"""

import os
import time

MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
MARSHAL_ERROR = "Runtime.MarshalError"
LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

# X-Ray exception type that AWS's runtime reports for the Runtime.* errors above.
_VALIDATION_XRAY_TYPE = "LambdaValidationError"

# AWS's runtime writes an error log entry as lines joined by "\r", so that the
# log keeps the whole entry as one event, and indents stack frames with
# NO-BREAK SPACE (U+00A0) in place of leading spaces.
_LOG_LINE_SEPARATOR = "\r"
_LOG_INDENT = "\u00a0"
_JSON_LOG_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_BOOTSTRAP_FILE = os.path.join(os.path.dirname(_PACKAGE_DIR), "bootstrap.py")


class FaultError(Exception):
    """Error raised by the runtime itself, reported with a Runtime.* type."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace


class ErrorReport:
    """Payload of one error plus the frames behind it, for X-Ray and logs."""

    __slots__ = ("payload", "frames", "xray_type")

    def __init__(self, payload, frames, xray_type):
        self.payload = payload
        self.frames = frames
        self.xray_type = xray_type


def make_error_payload(message, error_type, stack_trace, request_id):
    """Build the error body that the Runtime API receives."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id,
        "stackTrace": stack_trace or [],
    }


def report_fault(fault, request_id):
    """Build the report of a FaultError raised by the runtime."""
    payload = make_error_payload(fault.message, fault.error_type, fault.stack_trace, request_id)
    return ErrorReport(payload, [], _VALIDATION_XRAY_TYPE)


def report_exception(error, request_id):
    """Build the report of an exception raised by function code."""
    import traceback

    frames = [
        (frame.filename, frame.lineno, frame.name, frame.line)
        for frame in traceback.extract_tb(error.__traceback__)
    ]
    frames = _drop_runtime_frames(frames)
    error_type = type(error).__name__
    # Tuples carry no column positions, so format_list prints no ^^^ markers
    # on Python 3.11+, matching AWS's output.
    stack_trace = traceback.format_list(frames)
    payload = make_error_payload(_describe(error), error_type, stack_trace, request_id)
    return ErrorReport(payload, frames, error_type)


def _drop_runtime_frames(frames):
    for index, (filename, _, _, _) in enumerate(frames):
        if not _is_runtime_file(filename):
            return frames[index:]
    return frames


def _is_runtime_file(filename):
    return filename == _BOOTSTRAP_FILE or os.path.dirname(filename) == _PACKAGE_DIR


def _describe(error):
    try:
        return str(error)
    except Exception:
        return "<str() of %s failed>" % type(error).__name__


def make_xray_error_cause(report, encode_json):
    """Build the Lambda-Runtime-Function-XRay-Error-Cause header value."""
    paths = []
    stack = []
    for filename, lineno, name, _ in report.frames:
        stack.append({"label": name, "path": filename, "line": lineno})
        if filename not in paths:
            paths.append(filename)
    cause = {
        "working_directory": os.getcwd(),
        "exceptions": [
            {
                "message": report.payload["errorMessage"],
                "type": report.xray_type,
                "stack": stack,
            }
        ],
        "paths": paths,
    }
    return encode_json(cause)


def format_error_log(payload):
    """Format an error as AWS's text log format writes it, ending in "\\n"."""
    error_type = payload["errorType"]
    message = payload["errorMessage"]
    description = "[ERROR]"
    if error_type:
        description += " " + error_type
    if message:
        if error_type:
            description += ":"
        description += " " + message

    lines = [description, "Traceback (most recent call last):"]
    for element in payload["stackTrace"]:
        if element == "":
            lines.append("")
            continue
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append(_LOG_INDENT * (len(line) - len(stripped)) + stripped)
    return _LOG_LINE_SEPARATOR.join(lines) + "\n"


def format_error_json_log(payload, encode_json):
    """Format an error as AWS's JSON log format writes it, ending in "\\n"."""
    record = {
        "timestamp": time.strftime(_JSON_LOG_TIME_FORMAT, time.gmtime()),
        "log_level": "ERROR",
    }
    record.update(payload)
    return encode_json(record) + "\n"
