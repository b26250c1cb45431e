"""Records when each S3 notification reached the handler, for the object store benchmark."""

import os
import time


def handler(event, context):
    started = time.time()
    keys = [record["s3"]["object"]["key"] for record in event.get("Records", [])]
    with open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as record_file:
        for key in keys:
            record_file.write(f"{started:.6f} {key}\n")
    return {"ok": True}
