"""Records each stream batch with the times it started and ended, as one JSON line.

The line goes to RECORD_FILE once the batch ends, so tests can tell which batches ran at
the same time. SLEEP_SECONDS sets how long each batch takes.
"""

import json
import os
import time


def handler(event, context):
    started = time.time()
    time.sleep(float(os.environ.get("SLEEP_SECONDS", "0")))
    records = event["Records"]
    entry = {
        "sequences": [r["dynamodb"]["SequenceNumber"] for r in records],
        "keys": [r["dynamodb"]["Keys"]["pk"]["S"] for r in records],
        "versions": [
            int(r["dynamodb"].get("NewImage", {}).get("version", {}).get("N", "0"))
            for r in records
        ],
        "started": started,
        "ended": time.time(),
    }
    with open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as lines:
        lines.write(json.dumps(entry) + "\n")
    return None
