"""A first AWS Lambda handler: the event, the context and the execution environment.

Lambda calls `lambda_handler(event, context)` once per invocation:

- `event` is the JSON document the caller sent, already decoded into Python
  values (usually a dict). Its shape depends on the caller: `aws lambda invoke`
  sends whatever payload you give it, while S3, API Gateway or EventBridge send
  their own event formats. Here a caller may send `{"name": "Ada"}`.
- `context` is an object that Lambda's Python runtime builds for each
  invocation. It describes the function (name, version, memory) and this
  request (request id, log stream, time left before the timeout).

Whatever the handler returns is serialised to JSON and sent back to the caller.
"""

import json
import logging

DEFAULT_NAME = "World"

# Lambda's Python runtime installs a handler on the root logger that writes
# each record to the function's log with its level, time and request id.
# Python's root logger drops records below WARNING unless its level is
# changed, so lower it to INFO.
logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Code at module level runs once per execution environment, when Lambda starts
# a new environment and imports this module (a "cold start"). Lambda then
# reuses the environment for later invocations ("warm starts") until it shuts
# it down, so module-level values survive between those invocations. This
# counter therefore counts the invocations of this environment only. Lambda
# runs several environments side by side under load, and each has its own count.
invocation_count = 0
logger.info("module loaded: a new execution environment is starting")


def lambda_handler(event, context):
    """Greet the caller named in the event and describe the invocation's context."""
    global invocation_count
    invocation_count += 1

    # print() writes to standard output, which Lambda sends to the log as is.
    print("received event:", json.dumps(event))

    name = _name_from(event)
    greeting = f"Hello, {name}!"
    logger.info(
        "invocation %d of this environment (cold start: %s) greets %s",
        invocation_count,
        invocation_count == 1,
        name,
    )

    return {
        "greeting": greeting,
        "invocation_count": invocation_count,
        "cold_start": invocation_count == 1,
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            # A string such as "128", because Lambda passes it as an
            # environment variable.
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            # Milliseconds until Lambda stops this invocation for running past
            # the function's timeout.
            "remaining_time_in_millis": context.get_remaining_time_in_millis(),
        },
    }


def _name_from(event):
    """Return the event's "name" if it is a non-empty string, else DEFAULT_NAME."""
    if not isinstance(event, dict):
        return DEFAULT_NAME

    name = event.get("name")
    if not isinstance(name, str) or not name.strip():
        return DEFAULT_NAME
    return name.strip()
