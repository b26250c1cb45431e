"""Handler of the schedules benchmark.

It reads the clock first, then appends "<event time> <start time>" to
RECORD_FILE, both as seconds since the epoch.
"""

import calendar
import os
import time


def record_start(event, context):
    started = time.time()
    scheduled = calendar.timegm(time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ"))
    with open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as record:
        record.write(f"{scheduled} {started:.6f}\n")
    return {"ok": True}
