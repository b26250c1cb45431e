"""Handlers that allocate memory, for the memory limit tests."""
import os
import time

MIB = 1024 * 1024


def allocate(event, context):
    """Allocates event["megabytes"] MB with every page written, keeps it for
    event["holdSeconds"], then frees it."""
    blocks = []
    for _ in range(event["megabytes"]):
        blocks.append(b"\x01" * MIB)
    time.sleep(event.get("holdSeconds", 0))
    return {"allocatedMb": len(blocks), "pid": os.getpid()}
