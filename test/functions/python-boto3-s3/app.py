"""A handler that uses boto3 as it would on AWS, with no endpoint in the code."""
import boto3


def round_trip(event, context):
    """List the buckets, write an object, read it back and return what boto3 saw."""
    s3 = boto3.client("s3")
    buckets = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    s3.put_object(Bucket=event["bucket"], Key=event["key"], Body=event["body"].encode("utf-8"))
    body = s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read()
    return {
        "buckets": buckets,
        "body": body.decode("utf-8"),
        "endpoint": s3.meta.endpoint_url,
        "botocore": boto3.__version__,
    }
