def main(event, context):
    return {"handler": "src/handlers/api.main", "event": event}
