"""Handlers for the runtime tests: results, errors, context and globals."""

import decimal
import os
import sys

invocation_count = 0


def echo(event, context):
    return event


def return_none(event, context):
    return None


def return_bytes(event, context):
    return b"\x00\x01raw bytes\xff"


def return_decimals(event, context):
    return {
        "price": decimal.Decimal("1.10"),
        "big": decimal.Decimal("12345678901234567890.123456789"),
        "not_a_number": decimal.Decimal("NaN"),
        "list": [decimal.Decimal("-0"), decimal.Decimal("1E+2"), 2.5],
    }


def return_unicode(event, context):
    return {"text": "caf\u00e9 \u2603"}


def return_unserializable(event, context):
    return {"values": {1, 2}}


def fail_deeper():
    raise ValueError("boom")


def raise_error(event, context):
    print("about to fail")
    fail_deeper()


def count(event, context):
    global invocation_count
    invocation_count += 1
    if event.get("fail"):
        raise RuntimeError("failed on call %d" % invocation_count)
    return invocation_count


def describe_context(event, context):
    client_context = context.client_context
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "invoked_function_arn": context.invoked_function_arn,
        "aws_request_id": context.aws_request_id,
        "tenant_id": context.tenant_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "cognito_identity_id": context.identity.cognito_identity_id,
        "cognito_identity_pool_id": context.identity.cognito_identity_pool_id,
        "has_client_context": client_context is not None,
        "client": None
        if client_context is None or client_context.client is None
        else {
            "installation_id": client_context.client.installation_id,
            "app_title": client_context.client.app_title,
            "app_version_name": client_context.client.app_version_name,
            "app_version_code": client_context.client.app_version_code,
            "app_package_name": client_context.client.app_package_name,
        },
        "custom": None if client_context is None else client_context.custom,
        "env": None if client_context is None else client_context.env,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "repr": repr(context),
    }


def write_with_context_log(event, context):
    context.log("context log line\n")
    sys.stdout.write("partial")
    sys.stdout.write(" line\n")
    return "ok"


def exit_process(event, context):
    sys.exit(3)


def describe_process(event, context):
    return {
        "cwd": os.getcwd(),
        "sys_path_0": sys.path[0],
        "stdin": sys.stdin.read(),
        "environment": dict(os.environ),
        "logging_loaded": "logging" in sys.modules,
    }


def repeat(event, context):
    return "x" * event["size"]
