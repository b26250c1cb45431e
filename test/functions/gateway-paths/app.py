"""Handlers for the gateway path, timeout and AWS_IAM tests."""
import json
import time


def echo_event(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}


def slow(event, context):
    """Sleeps past the integration timeout that the tests inject, but within its own Timeout."""
    time.sleep(1.5)
    return {"statusCode": 200, "body": "finished"}
