"""HTTP handlers for the gateway tests: each shows one part of API Gateway's contract."""
import base64
import json
import time

# The 8-byte PNG signature followed by bytes that are not valid UTF-8.
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x80binary"


def echo_event(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}


def png(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(PNG_BYTES).decode(),
        "isBase64Encoded": True,
    }


def cookies(event, context):
    return {
        "statusCode": 201,
        "cookies": ["session=abc; HttpOnly", "theme=dark"],
        "headers": {"x-custom": "yes"},
        "body": "made",
    }


def multi_value(event, context):
    return {
        "statusCode": 200,
        "headers": {"X-One": "single"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "ok",
    }


def inferred(event, context):
    return {"message": "no statusCode here"}


def malformed(event, context):
    return {"statusCode": "not a number", "body": 5}


def fail(event, context):
    raise RuntimeError("handler failed")


def slow(event, context):
    time.sleep(5)
    return {"statusCode": 200, "body": "too late"}
