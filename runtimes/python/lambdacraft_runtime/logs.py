"""Function log output: unbuffered stdout and stderr, and the root logger.

The root logger gets the handler and format of AWS's Python runtime:
`[LEVEL]\\t<UTC time>.<ms>Z\\t<request id>\\t<message>\\n` written to sys.stdout,
or one JSON object per line when AWS_LAMBDA_LOG_FORMAT is JSON. Its level
stays WARNING unless AWS_LAMBDA_LOG_LEVEL names another level. Because the
root logger has a handler, logging.basicConfig() in function code does
nothing, as on AWS.

Importing `logging` costs about 5 ms even after `json` is loaded (measured
with python3.11 -X importtime), so a function that never logs should not pay
for it. The handler is therefore installed when `logging` is first imported:
a meta path finder catches that import and configures the root logger as
soon as the module has run.
"""

import io
import os
import sys
import time

_TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_TEXT_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
_STDLIB_DIR = os.path.dirname(os.__file__)

# Request and tenant id of the current invocation, read by the log filter.
# Like AWS's runtime, they keep the last invocation's values between events.
_request_id = ""
_tenant_id = None


def uses_json_format():
    """Tell whether AWS_LAMBDA_LOG_FORMAT selects JSON log lines."""
    return os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"


def set_invocation(request_id, tenant_id):
    """Record the ids that log lines carry from now on."""
    global _request_id, _tenant_id
    _request_id = request_id
    _tenant_id = tenant_id


def make_stdio_unbuffered():
    """Replace sys.stdout and sys.stderr with streams that write through.

    Every write reaches the pipe at once, so no output is lost when the
    platform kills the process at a timeout.
    """
    sys.stdout = _write_through_stream(sys.stdout, 1)
    sys.stderr = _write_through_stream(sys.stderr, 2)


def _write_through_stream(stream, fd):
    if stream is None:
        return None
    stream.flush()
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding=stream.encoding, errors=stream.errors, write_through=True)


def flush_stdio():
    """Flush stdout and stderr, including streams that function code swapped in."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass


def install_logging_setup():
    """Configure the root logger now if `logging` is loaded, else on its first import."""
    logging = sys.modules.get("logging")
    if logging is not None:
        configure_root_logger(logging)
        return
    sys.meta_path.insert(0, _LoggingImportHook())


def configure_root_logger(logging):
    """Install the Lambda log handler on the root logger of `logging`."""
    logging.Formatter.converter = time.gmtime
    handler = _create_handler(logging)
    if uses_json_format():
        from .json_logs import make_json_formatter

        handler.setFormatter(make_json_formatter(logging))
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT, _TEXT_DATE_FORMAT))

    root = logging.getLogger()
    level = _level_from_env(os.environ.get("AWS_LAMBDA_LOG_LEVEL"))
    if isinstance(logging.getLevelName(level), int):
        root.setLevel(level)
    root.addHandler(handler)


def _level_from_env(value):
    # Lambda's log levels are TRACE, DEBUG, INFO, WARN, ERROR and FATAL, and
    # Python has no TRACE, so AWS's runtime maps it to DEBUG.
    level = (value or "").upper()
    return "DEBUG" if level == "TRACE" else level


def _create_handler(logging):
    class LambdaLoggerHandler(logging.Handler):
        """Handler that writes each formatted record to the current sys.stdout.

        Like AWS's handler, it lets formatting errors propagate to the caller.
        """

        def emit(self, record):
            sys.stdout.write(self.format(record))

    class LambdaLoggerFilter(logging.Filter):
        """Filter that adds aws_request_id and tenant_id to every record."""

        def filter(self, record):
            record.aws_request_id = _request_id
            record.tenant_id = _tenant_id
            return True

    handler = LambdaLoggerHandler()
    handler.addFilter(LambdaLoggerFilter())
    return handler


class _LoggingImportHook:
    """Meta path finder that configures the root logger on the first `import logging`.

    It loads `logging` from the standard library directory, as AWS's runtime
    does by importing it before function code is on sys.path, so a
    logging.py in the code folder does not replace it.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "logging":
            return None

        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, [_STDLIB_DIR])
        if spec is None or spec.loader is None:
            return None
        spec.loader = _ConfiguringLoader(spec.loader, self)
        return spec


class _ConfiguringLoader:
    """Loader wrapper that runs the real loader, then configures the root logger.

    The hook leaves sys.meta_path only here, once `logging` is really loaded,
    because importlib.util.find_spec("logging") also reaches find_spec().
    """

    def __init__(self, loader, hook):
        self._loader = loader
        self._hook = hook

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        if self._hook in sys.meta_path:
            sys.meta_path.remove(self._hook)
        module.__loader__ = self._loader
        module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        configure_root_logger(module)
