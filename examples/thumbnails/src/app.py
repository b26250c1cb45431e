"""Write a half-size copy of each JPEG uploaded to the source bucket.

For each S3 record the handler downloads the object to /tmp, halves its width
and height with Pillow, and uploads the result to the bucket named by
DESTINATION_BUCKETNAME under `resized-<key>`. Keys arrive URL-encoded in S3
events (a space as `+`), so the handler decodes them before calling S3.
"""

import os
import urllib.parse
import uuid

import boto3
from PIL import Image

s3_client = boto3.client("s3")


def resize_image(source_path, resized_path):
    """Save a copy of the image at half its width and height."""
    with Image.open(source_path) as image:
        image.thumbnail((image.width // 2, image.height // 2))
        image.save(resized_path)


def lambda_handler(event, context):
    destination_bucket = os.environ["DESTINATION_BUCKETNAME"]
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        flat_key = key.replace("/", "")
        download_path = "/tmp/{}{}".format(uuid.uuid4(), flat_key)
        upload_path = "/tmp/resized-{}".format(flat_key)

        s3_client.download_file(bucket, key, download_path)
        resize_image(download_path, upload_path)
        s3_client.upload_file(upload_path, destination_bucket, "resized-{}".format(key))
        print("resized s3://{}/{} to s3://{}/resized-{}".format(bucket, key, destination_bucket, key))
        os.remove(download_path)
        os.remove(upload_path)
