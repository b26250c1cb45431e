"""Scheduled function of the py-eventbridge-schedule project.

It prints Hello World and returns True, as the project's handler does on AWS.
It also prints the event it received as one JSON line, so that tests can
compare it with EventBridge's Scheduled Event.
"""

import json


def lambda_handler(event, context):
    print("Hello World")
    print(json.dumps(event, sort_keys=True))
    return True
