"""Process setup before the handler is imported: deferred start and sys.path.

Deferred start (LAMBDACRAFT_DEFERRED_INIT=1) lets the platform start spare
interpreters ahead of time. Such an interpreter imports the runtime's modules,
then blocks reading one line from stdin:

    {"env": {"NAME": "value", ...}, "cwd": "/abs/code/folder"}

It then replaces os.environ with `env`, calls time.tzset(), changes to `cwd`,
points stdin at /dev/null and goes on exactly as a normal start. Bytes sent
after the first newline are ignored.
"""

import json
import os
import sys
import time

DEFERRED_INIT_VARIABLE = "LAMBDACRAFT_DEFERRED_INIT"

# Lambda caps a function's environment variables at 4 KB, so this limit only
# stops a writer that never sends a newline.
_START_MESSAGE_MAX_BYTES = 1024 * 1024


class StartupError(Exception):
    """Invalid deferred start message or process setup."""


def is_deferred_start():
    """Tell whether the platform asked for a deferred start."""
    return os.environ.get(DEFERRED_INIT_VARIABLE) == "1"


def preload_modules():
    """Import, ahead of the start message, modules that are otherwise loaded on first use.

    A spare interpreter waits for its start message anyway, so `logging` and
    `traceback` (about 5 ms together) are loaded during that wait.
    """
    import logging  # noqa: F401
    import traceback  # noqa: F401


def apply_start_message():
    """Read the deferred start message from stdin and apply it."""
    message = _parse_start_message(_read_first_line(0))
    environment = message["env"]
    working_dir = message["cwd"]

    # NOTE: settings that the interpreter reads only at its own start keep the
    # spare's values: PYTHONHASHSEED, PYTHONWARNINGS, PYTHONIOENCODING, the
    # locale variables and the spare's own PYTHONPATH entries.
    os.environ.clear()
    os.environ.update(environment)
    time.tzset()
    os.chdir(working_dir)
    _redirect_stdin_to_devnull()
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        sys.dont_write_bytecode = True
    _add_pythonpath_entries(os.environ.get("PYTHONPATH", ""))


def _read_first_line(fd):
    chunks = []
    size = 0
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        newline = chunk.find(b"\n")
        if newline >= 0:
            chunks.append(chunk[:newline])
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > _START_MESSAGE_MAX_BYTES:
            raise StartupError(
                "deferred start message on stdin exceeds %d bytes without a newline"
                % _START_MESSAGE_MAX_BYTES
            )
    return b"".join(chunks)


def _parse_start_message(line):
    if not line.strip():
        raise StartupError(
            "stdin closed before the deferred start message; expected one line "
            'of JSON {"env": {...}, "cwd": "/abs/path"}'
        )
    try:
        message = json.loads(line)
    except ValueError as error:
        raise StartupError("deferred start message is not valid JSON: %s" % error)

    if not isinstance(message, dict):
        raise StartupError("deferred start message must be a JSON object")
    environment = message.get("env")
    if not isinstance(environment, dict) or not all(
        isinstance(name, str) and isinstance(value, str) for name, value in environment.items()
    ):
        raise StartupError('deferred start message needs "env": an object of string values')
    working_dir = message.get("cwd")
    if not isinstance(working_dir, str) or not os.path.isabs(working_dir):
        raise StartupError(
            'deferred start message needs "cwd": an absolute path, got %r' % (working_dir,)
        )
    return message


def _redirect_stdin_to_devnull():
    # Dup /dev/null onto fd 0, so sys.stdin and any child process read
    # /dev/null as they do after a normal start.
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(devnull, 0)
    finally:
        os.close(devnull)


def _add_pythonpath_entries(pythonpath):
    """Put PYTHONPATH entries where the interpreter puts them: before the standard library."""
    if not pythonpath:
        return
    entries = [os.path.abspath(entry) for entry in pythonpath.split(os.pathsep)]
    new_entries = [entry for entry in entries if entry not in sys.path]
    # sys.path[0] is still the runtime's own folder at this point.
    sys.path[1:1] = new_entries


def configure_sys_path(runtime_dir):
    """Put the code folder first on sys.path, as AWS's Python bootstrap does.

    The runtime's own folder is removed, so its modules cannot shadow function
    modules. Like AWS, this also reads .pth files in the code folder.
    """
    if runtime_dir in sys.path:
        sys.path.remove(runtime_dir)
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    sys.path.insert(0, task_root)

    import site

    site.addsitedir(task_root)
