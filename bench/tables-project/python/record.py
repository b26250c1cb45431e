"""Records when each stream record reached the handler, for the table service benchmark.

time.monotonic_ns() reads CLOCK_MONOTONIC, the clock the harness reads with
process.hrtime.bigint(), so both sides measure on one clock that NTP never steps.
"""

import os
import time


def handler(event, context):
    started = time.monotonic_ns()
    keys = [record["dynamodb"]["Keys"]["pk"]["S"] for record in event.get("Records", [])]
    with open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as record_file:
        for key in keys:
            record_file.write(f"{started} {key}\n")
    return None
