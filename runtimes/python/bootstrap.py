"""Python runtime of LambdaCraft: runs AWS Lambda Python handlers unchanged.

The platform starts `<python> runtimes/python/bootstrap.py` in the function's
code folder, with the environment variables AWS Lambda sets. The runtime talks
to the platform only through the AWS Lambda Runtime API (2018-06-01) at
AWS_LAMBDA_RUNTIME_API. It implements:

- Handler resolution from _HANDLER (`app.handler`, `src/handlers/api.main`,
  `pkg.mod.fn`), with LAMBDA_TASK_ROOT first on sys.path.
- AWS's init errors (Runtime.MalformedHandlerName,
  Runtime.BuiltInModuleConflict, Runtime.ImportModuleError,
  Runtime.UserCodeSyntaxError, Runtime.HandlerNotFound, or the exception's
  class name), posted to /runtime/init/error before exit status 1.
- The invocation loop, with the context object of AWS's Python runtime and
  JSON events. Results go out as JSON, with Decimal values as exact numbers
  and, for python3.12+ runtime ids, non-ASCII text unescaped. A bytes result
  goes out raw.
- Handler exceptions, posted with AWS's error payload and stack trace.
- AWS's log output: unbuffered stdout and stderr, the root logger's handler
  and line format, and error entries whose lines are joined with "\\r".
- A small HTTP/1.1 client on one persistent connection, which sends each
  result POST and the next GET in one write.
- Deferred start (LAMBDACRAFT_DEFERRED_INIT=1), where a spare interpreter
  waits for its environment and working directory as one JSON line on stdin.

This file stays small because Python compiles a script on every start, while
it caches the bytecode of imported modules in __pycache__ folders. Without
that cache (a read-only folder or PYTHONDONTWRITEBYTECODE=1), compiling
lambdacraft_runtime/ adds about 4 ms to each start, so `python -m compileall`
on this folder, per interpreter version, keeps starts fast.
"""

import os
import sys


def _put_runtime_dir_first():
    runtime_dir = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.realpath(runtime_dir):
        del sys.path[0]
    sys.path.insert(0, runtime_dir)
    return runtime_dir


if __name__ == "__main__":
    RUNTIME_DIR = _put_runtime_dir_first()

    from lambdacraft_runtime.runtime import main

    main(RUNTIME_DIR)
