"""Handlers for the environment pool tests: process ids, background threads, /tmp markers."""
import os
import tempfile
import threading
import time

# Provisioned environments import this module before any request; the test reads this file
# to find their processes.
if os.environ.get("PIDS_FILE"):
    with open(os.environ["PIDS_FILE"], "a") as pids:
        pids.write(f"{os.getpid()}\n")

counter_thread = None


def describe(event, context):
    """Sleeps `sleep_ms`, then returns the process id and the initialization type."""
    time.sleep(event.get("sleep_ms", 0) / 1000)
    return {
        "pid": os.getpid(),
        "initialization_type": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"),
    }


def start_counter(event, context):
    """Starts, once per environment, a thread that writes a growing count to `path` every 50 ms."""
    global counter_thread
    if counter_thread is None:
        counter_thread = threading.Thread(target=_count, args=(event["path"],), daemon=True)
        counter_thread.start()
    time.sleep(event.get("sleep_ms", 0) / 1000)
    return {"pid": os.getpid()}


def _count(path):
    count = 0
    while True:
        count += 1
        with open(path + ".part", "w") as handle:
            handle.write(str(count))
        os.replace(path + ".part", path)
        time.sleep(0.05)


def write_tmp_marker(event, context):
    """Writes an empty file named `name` into the environment's temporary folder."""
    open(os.path.join(tempfile.gettempdir(), event["name"]), "w").close()
    return {"pid": os.getpid()}
