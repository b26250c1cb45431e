import os
import sys
import time

import extra_module


def handler(event, context):
    return {
        "cwd": os.getcwd(),
        "environment": dict(os.environ),
        "stdin": sys.stdin.read(),
        "sys_path_0": sys.path[0],
        "extra": extra_module.VALUE,
        "tz_offset": time.timezone,
        "function_name": context.function_name,
    }
