"""Records every stream batch it receives as one JSON line in RECORD_FILE.

Items steer the outcome through their NewImage attribute `fail`:
  "always" fails every delivery, "once" fails the first delivery of that record.
A failure raises, or with RESPONSE_MODE=partial returns the record in batchItemFailures.
An event without Records (a failure record from a mapping) is written as {"failure": event}.
SLEEP_SECONDS delays each batch, so that a test can stop the platform during one.
"""

import json
import os
import time


def _deliveries():
    counts = {}
    try:
        with open(os.environ["RECORD_FILE"], encoding="utf-8") as lines:
            for line in lines:
                for sequence in json.loads(line).get("sequences", []):
                    counts[sequence] = counts.get(sequence, 0) + 1
    except FileNotFoundError:
        pass
    return counts


def _write(entry):
    with open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as lines:
        lines.write(json.dumps(entry) + "\n")


def handler(event, context):
    if "Records" not in event:
        _write({"failure": event})
        return None

    records = event["Records"]
    earlier = _deliveries()
    _write(
        {
            "sequences": [r["dynamodb"]["SequenceNumber"] for r in records],
            "keys": [r["dynamodb"]["Keys"]["pk"]["S"] for r in records],
            "versions": [
                int(r["dynamodb"].get("NewImage", {}).get("version", {}).get("N", "0"))
                for r in records
            ],
            "eventSourceARN": records[0].get("eventSourceARN"),
        }
    )
    time.sleep(float(os.environ.get("SLEEP_SECONDS", "0")))

    for record in records:
        sequence = record["dynamodb"]["SequenceNumber"]
        fail = record["dynamodb"].get("NewImage", {}).get("fail", {}).get("S")
        if fail == "always" or (fail == "once" and earlier.get(sequence, 0) == 0):
            if os.environ.get("RESPONSE_MODE") == "partial":
                return {"batchItemFailures": [{"itemIdentifier": sequence}]}
            raise RuntimeError(f"record {sequence} failed")
    return {"batchItemFailures": []}
