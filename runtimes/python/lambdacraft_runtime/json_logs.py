"""JSON log lines for AWS_LAMBDA_LOG_FORMAT=JSON, with the fields AWS's runtime writes.

One JSON object per record, ending in "\\n": timestamp, level, message,
logger, requestId, tenantId when set, and for records with exception info
stackTrace, errorType, errorMessage and location. Attributes added with
`extra=` are copied in, and fields whose value is None are left out.
"""

import json

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# LogRecord attributes that are not copied into the JSON object as extras.
# The set is AWS's, so "message", "asctime" and "taskName" still appear
# when another formatter or asyncio has set them.
_RECORD_ATTRIBUTES = frozenset(
    (
        "name",
        "msg",
        "args",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "aws_request_id",
        "tenant_id",
        "_frame_type",
    )
)

_encode = json.JSONEncoder(ensure_ascii=False).encode


def make_json_formatter(logging):
    """Return a logging.Formatter instance that writes AWS's JSON log lines."""

    class JsonFormatter(logging.Formatter):
        def __init__(self):
            super().__init__(datefmt=_TIME_FORMAT)

        def format(self, record):
            # Levels are rounded down to a multiple of 10 and renamed, so a
            # custom level 25 is written as INFO.
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            error = _describe_exception(record) if record.exc_info else {}
            # Key order is that of AWS's JSON lines.
            fields = {
                "timestamp": self.formatTime(record, self.datefmt),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "stackTrace": error.get("stackTrace"),
                "errorType": error.get("errorType"),
                "errorMessage": error.get("errorMessage"),
                "requestId": getattr(record, "aws_request_id", None),
                "location": error.get("location"),
            }
            tenant_id = getattr(record, "tenant_id", None)
            if tenant_id is not None:
                fields["tenantId"] = tenant_id
            for key, value in record.__dict__.items():
                if key not in _RECORD_ATTRIBUTES and key not in fields:
                    fields[key] = value
            present = {key: value for key, value in fields.items() if value is not None}
            return _encode(present) + "\n"

    return JsonFormatter()


def _describe_exception(record):
    import traceback

    error_type, error, trace = record.exc_info
    return {
        "stackTrace": traceback.format_tb(trace),
        "errorType": error_type.__name__,
        "errorMessage": str(error),
        "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno),
    }
