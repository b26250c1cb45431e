def fail_at_import():
    raise Exception("Runtime startup fails")


fail_at_import()


def handler(event, context):
    return event
