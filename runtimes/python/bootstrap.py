"""Python runtime of LambdaCraft: runs AWS Lambda Python handlers unchanged.

The platform starts `<python> runtimes/python/bootstrap.py` in the function's
code folder, with the environment variables AWS Lambda sets. The runtime
talks to the platform only through the AWS Lambda Runtime API (2018-06-01)
at AWS_LAMBDA_RUNTIME_API and implements:

- handler resolution from _HANDLER (`app.handler`, `src/handlers/api.main`,
  `pkg.mod.fn`) with LAMBDA_TASK_ROOT first on sys.path, and AWS's init
  errors (Runtime.MalformedHandlerName, Runtime.BuiltInModuleConflict,
  Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
  Runtime.HandlerNotFound, or the exception's class name) posted to
  /runtime/init/error, followed by exit status 1;
- the invocation loop: the context object of AWS's Python runtime, JSON
  events, results as JSON (Decimal as exact numbers, non-ASCII text
  unescaped for python3.12+ runtime ids), bytes results sent raw, and
  handler exceptions posted with AWS's error payload and stack trace;
- AWS's log output: unbuffered stdout and stderr, the root logger handler
  and line format, and error entries whose lines are joined with "\\r";
- a small HTTP/1.1 client on one persistent connection that sends each
  result POST and the next GET in one write;
- deferred start (LAMBDACRAFT_DEFERRED_INIT=1): a spare interpreter waits
  for its environment and working directory as one JSON line on stdin.

This file stays small because Python compiles a script on every start but
caches the bytecode of imported modules; the code is in lambdacraft_runtime/.
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
