# The missing colon below is deliberate.
def handler(event, context)
    return event
