"""Consumes a batch of stream records and does nothing, for the table service benchmark."""


def handler(event, context):
    return None
