raise RuntimeError("startup fails")


def handler(event, context):
    return event
