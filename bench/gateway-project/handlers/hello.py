import json


def handler(event, context):
    """Return the hello response of the HTTP gateway benchmark, as API Gateway expects it."""
    return {"statusCode": 200, "body": json.dumps({"message": "hello world"})}
