def main(event, context):
    return {"module": __name__, "event": event}
