"""Handlers for the gateway fixture replay and its cookie tests."""
import json


def echo_event(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}


def set_cookies(event, context):
    """Return two cookies in the response shape of the event's payload format."""
    if event.get("version") == "2.0":
        return {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": "ok"}
    return {
        "statusCode": 200,
        "multiValueHeaders": {"Set-Cookie": ["a=1; Path=/", "b=2"]},
        "body": "ok",
    }
