import json


def lambda_handler(event, context):
    """Returns the GET /hello response with a JSON greeting, as the sam init Python template does."""
    return {"statusCode": 200, "body": json.dumps({"message": "hello world"})}
