import time

DEFAULT_SECONDS = 0.1


def handler(event, context):
    """Hold the environment for `seconds` (100 ms by default), then return the constant result."""
    time.sleep(event.get("seconds", DEFAULT_SECONDS))
    return {"ok": True}
