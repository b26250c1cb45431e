"""HTTP API for orders: PUT /orders/{id} stores an order, DELETE removes it, and
GET /counts returns the number of orders per category that the counter keeps.

The handler only writes the orders table. The counts come from order-counter,
which the orders table's stream invokes after each change.
"""

import base64
import json
import os

import boto3

dynamodb = boto3.client("dynamodb")


def _response(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def _body(event):
    """Return the request body as text. HTTP APIs base64-encode bodies whose Content-Type
    is not a text type, such as curl's default application/x-www-form-urlencoded."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body).decode("utf-8")
    return body


def _put_order(order_id, event):
    try:
        order = json.loads(_body(event) or "{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _response(400, {"message": "the body must be a JSON object"})
    if not isinstance(order, dict):
        return _response(400, {"message": "the body must be a JSON object"})
    category = order.get("category")
    if not isinstance(category, str) or category == "":
        return _response(400, {"message": "set category to a non-empty string"})
    dynamodb.put_item(
        TableName=os.environ["ORDERS_TABLE"],
        Item={"id": {"S": order_id}, "category": {"S": category}},
    )
    return _response(200, {"id": order_id, "category": category})


def _counts():
    pages = dynamodb.get_paginator("scan").paginate(TableName=os.environ["COUNTS_TABLE"])
    counts = {}
    for page in pages:
        for item in page["Items"]:
            counts[item["category"]["S"]] = int(item["orders"]["N"])
    return _response(200, counts)


def handler(event, context):
    method = event["requestContext"]["http"]["method"]
    if method == "GET":
        return _counts()
    order_id = event["pathParameters"]["id"]
    if method == "DELETE":
        dynamodb.delete_item(TableName=os.environ["ORDERS_TABLE"], Key={"id": {"S": order_id}})
        return _response(200, {"id": order_id, "deleted": True})
    return _put_order(order_id, event)
