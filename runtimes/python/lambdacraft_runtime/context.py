"""The context object handed to Python handlers.

Attributes, methods and repr() follow AWS's Python runtime (awslambdaric
lambda_context.py), so handler code written for AWS gets the same object.
"""

import os
import sys
import time


class LambdaContext:
    """Per-invocation context: function metadata, request id and deadline."""

    def __init__(
        self,
        request_id,
        deadline_epoch_ms,
        invoked_function_arn,
        client_context=None,
        cognito_identity=None,
        tenant_id=None,
    ):
        environ = os.environ
        self.aws_request_id = request_id
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, as on AWS, because it comes straight from the environment.
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _make_client_context(client_context)
        self.identity = CognitoIdentity(cognito_identity)
        # Same private name as in AWS's runtime, for code that reads it.
        self._epoch_deadline_time_in_ms = deadline_epoch_ms

    def get_remaining_time_in_millis(self):
        """Return the milliseconds left before the deadline, never below 0."""
        remaining_ms = self._epoch_deadline_time_in_ms - time.time_ns() // 1000000
        return remaining_ms if remaining_ms > 0 else 0

    def log(self, msg):
        """Write str(msg) to stdout as is, with no newline added, as AWS does."""
        sys.stdout.write(str(msg))

    def __repr__(self):
        return _format_repr(
            self,
            (
                "aws_request_id",
                "log_group_name",
                "log_stream_name",
                "function_name",
                "memory_limit_in_mb",
                "function_version",
                "invoked_function_arn",
                "client_context",
                "identity",
                "tenant_id",
            ),
        )


class CognitoIdentity:
    """Amazon Cognito identity of the caller; both ids are None when absent."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity=None):
        if identity is None:
            identity = {}
        self.cognito_identity_id = identity.get("cognitoIdentityId")
        self.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")

    def __repr__(self):
        return _format_repr(self, self.__slots__)


class Client:
    """Mobile client application that invoked the function."""

    __slots__ = (
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __init__(self, client):
        for name in self.__slots__:
            setattr(self, name, client.get(name))

    def __repr__(self):
        return _format_repr(self, self.__slots__)


class ClientContext:
    """Client context sent by the caller: client, custom and env."""

    __slots__ = ("custom", "env", "client")

    def __init__(self, client_context):
        self.custom = client_context.get("custom")
        self.env = client_context.get("env")
        client = client_context.get("client")
        self.client = None if client is None else Client(client)

    def __repr__(self):
        return _format_repr(self, self.__slots__)


def _make_client_context(client_context):
    if client_context is None:
        return None
    return ClientContext(client_context)


def _format_repr(instance, names):
    fields = ",".join("%s=%s" % (name, getattr(instance, name)) for name in names)
    return "%s([%s])" % (type(instance).__name__, fields)
