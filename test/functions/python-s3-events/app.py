"""Handlers for the S3 notification tests: they write the event they got to the log."""
import json


def record(event, context):
    """Print the event on one line after `EVENT `, so tests can read it from the log."""
    print("EVENT " + json.dumps(event))
    return {"records": len(event.get("Records", []))}
