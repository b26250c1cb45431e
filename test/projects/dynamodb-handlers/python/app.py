"""Write and read books through boto3's Table resource, as a handler would on AWS.

The code sets no endpoint, region or credentials: they all come from the
environment the platform gives the function.
"""

import os
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key

dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(os.environ["BOOKS_TABLE"])


def _plain(value):
    """Turn boto3's Decimal and set values into JSON types."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(member) for member in value)
    if isinstance(value, dict):
        return {key: _plain(member) for key, member in value.items()}
    if isinstance(value, list):
        return [_plain(member) for member in value]
    return value


def handler(event, context):
    for book in event["books"]:
        table.put_item(
            Item={
                "author": book["author"],
                "title": book["title"],
                "genre": book["genre"],
                "pages": book["pages"],
                "rating": Decimal(book["rating"]),
                "tags": set(book["tags"]),
            }
        )
    key = {"author": event["author"], "title": event["title"]}
    got = table.get_item(Key=key, ConsistentRead=True)
    by_author = table.query(
        KeyConditionExpression=Key("author").eq(event["author"]),
        FilterExpression=Attr("pages").gt(100),
        ScanIndexForward=False,
    )
    by_genre = table.query(
        IndexName="by-genre",
        KeyConditionExpression=Key("genre").eq(event["genre"]) & Key("title").begins_with("The"),
    )
    return {
        "item": _plain(got.get("Item")),
        "authorTitles": [item["title"] for item in by_author["Items"]],
        "authorScanned": by_author["ScannedCount"],
        "genreTitles": [item["title"] for item in by_genre["Items"]],
        "endpoint": dynamodb.meta.client.meta.endpoint_url,
        "region": dynamodb.meta.client.meta.region_name,
    }
