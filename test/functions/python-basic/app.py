"""Handlers that show one Lambda behaviour each, for the Python runtime tests."""
import logging
import os
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

invocations = 0


def echo(event, context):
    global invocations
    invocations += 1
    print("echo called", invocations)
    logger.info("logged with the logging module")
    return {"event": event, "invocations": invocations, "pid": os.getpid()}


def fail(event, context):
    raise ValueError("the handler failed on purpose")


def sleep(event, context):
    time.sleep(event.get("seconds", 2))
    return {"pid": os.getpid(), "stream": context.log_stream_name}


def write_after(event, context):
    """Sleeps, then writes a marker file: a timeout must stop it before the write."""
    time.sleep(event["seconds"])
    with open(event["path"], "w") as marker:
        marker.write("written")
    return {"written": event["path"]}


def describe_context(event, context):
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "identity_pool": context.identity.cognito_identity_pool_id,
        "client_custom": context.client_context.custom if context.client_context else None,
    }


def environment(event, context):
    names = event.get("names") or sorted(os.environ)
    return {name: os.environ.get(name) for name in names}


def write_tmp(event, context):
    with open("/tmp/" + event["name"], "w") as handle:
        handle.write("x")
    return sorted(os.listdir("/tmp"))


def big_response(event, context):
    return "x" * event["length"]


def loud(event, context):
    line = "y" * 1023
    for _ in range(event["kilobytes"]):
        print(line)
    return "done"


def unserialisable(event, context):
    return {"when": object()}


def exit_now(event, context):
    os._exit(event.get("status", 0))


def detach(event, context):
    """Starts a process in a session of its own that keeps the runtime's output pipes open,
    logs its pid, then sleeps for `seconds`. Ending the environment must end that process
    too."""
    import subprocess

    child = subprocess.Popen(["setsid", "sleep", "600"])
    print("detached", child.pid, flush=True)
    time.sleep(event.get("seconds", 0))
    return {"detached": child.pid}


def no_newline(event, context):
    """Writes a last line with no newline at its end."""
    import sys

    sys.stdout.write("a line with no newline")
    sys.stdout.flush()
    return {}
