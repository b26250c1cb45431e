"""Handlers for the asynchronous invocation tests: each appends what it got to a JSON-lines file."""
import json
import os
import time


def _append(event, context):
    line = {"requestId": context.aws_request_id, "time": time.time(), "event": event}
    with open(os.environ["RECORD_FILE"], "a") as records:
        records.write(json.dumps(line) + "\n")


def record(event, context):
    _append(event, context)
    return {"received": event}


def fail(event, context):
    _append(event, context)
    raise RuntimeError("failed on purpose")


def append_id_when_done(event, context):
    """Sleeps, then appends the event's id only if the platform that started it still runs."""
    platform_pid = os.getppid()
    time.sleep(event.get("sleep", 0.2))
    if os.getppid() != platform_pid:
        return {"id": event["id"], "written": False}
    with open(os.environ["RECORD_FILE"], "a") as records:
        records.write(event["id"] + "\n")
    return {"id": event["id"], "written": True}


def record_slowly(event, context):
    time.sleep(event.get("sleep", 0))
    _append(event, context)
    return {"received": event}
