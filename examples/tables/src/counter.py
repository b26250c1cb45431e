"""Keeps the number of orders per category from the orders table's stream.

An insert adds one to its category, a removal takes one away, and a change of
category moves one from the old category to the new. A record whose update
fails is reported in batchItemFailures, so the mapping retries from that record.
The records before it in the batch are not delivered again, so none is counted
twice.
"""

import os

import boto3

dynamodb = boto3.client("dynamodb")


def _category(image):
    return (image or {}).get("category", {}).get("S")


def _add(category, amount):
    dynamodb.update_item(
        TableName=os.environ["COUNTS_TABLE"],
        Key={"category": {"S": category}},
        UpdateExpression="ADD orders :amount",
        ExpressionAttributeValues={":amount": {"N": str(amount)}},
    )


def _count(record):
    change = record["dynamodb"]
    old = _category(change.get("OldImage"))
    new = _category(change.get("NewImage"))
    if old == new:
        return
    if old is not None:
        _add(old, -1)
    if new is not None:
        _add(new, 1)


def handler(event, context):
    for record in event["Records"]:
        try:
            _count(record)
        except Exception as error:  # noqa: BLE001 - any failure retries from this record
            print(f"counting record {record['dynamodb']['SequenceNumber']} failed: {error}")
            return {
                "batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]
            }
    return {"batchItemFailures": []}
