"""A module that allocates 300 MB while it is imported, during Init."""
import os

MIB = 1024 * 1024

blocks = [b"\x01" * MIB for _ in range(300)]


def handler(event, context):
    return {"pid": os.getpid()}
