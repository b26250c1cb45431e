"""Init phase and invocation loop of the Python runtime."""

import json
import os
import sys

from . import aws_endpoints, errors, logs, startup
from .context import LambdaContext
from .errors import FaultError
from .handler import load_handler
from .marshalling import Marshaller
from .runtime_api import RuntimeApiClient, RuntimeApiProtocolError, RuntimeApiUnavailableError

_TRACE_ID_VARIABLE = "_X_AMZN_TRACE_ID"
# AWS's runtime leaves out X-Ray error causes of 1 MiB and more.
_MAX_XRAY_CAUSE_BYTES = 1024 * 1024


def main(runtime_dir):
    """Run the runtime: init, then serve events until the process is stopped."""
    try:
        if startup.is_deferred_start():
            startup.preload_modules()
            startup.apply_start_message()
        logs.make_stdio_unbuffered()
        startup.configure_sys_path(runtime_dir)
        aws_endpoints.install()
        logs.install_logging_setup()
        client = RuntimeApiClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", ""))
    except (startup.StartupError, ValueError, OSError) as error:
        _exit_with_message("runtime startup failed: %s" % error)

    marshaller = Marshaller(os.environ.get("AWS_EXECUTION_ENV"))
    try:
        handler = _initialize(client, marshaller)
        _serve(client, marshaller, handler)
    except (RuntimeApiUnavailableError, RuntimeApiProtocolError) as error:
        _exit_with_message("%s; stopping the runtime" % error)


def _initialize(client, marshaller):
    """Import the handler; on failure, report the init error and exit with status 1."""
    try:
        return load_handler(os.environ.get("_HANDLER", ""))
    except FaultError as fault:
        report = errors.report_fault(fault, "")
    except Exception as error:
        report = errors.report_exception(error, "")

    # NOTE: AWS's runtime also logs a "LAMBDA_WARNING: Unhandled exception"
    # advice line at WARNING level before the error; this runtime does not.
    _log_error(report.payload, marshaller)
    logs.flush_stdio()
    body = marshaller.to_json(report.payload).encode("utf-8")
    response = client.report_init_error(report.payload["errorType"], body)
    if not 200 <= response.status < 300:
        _write_stderr_line(
            "Runtime API rejected the init error with HTTP %d: %s"
            % (response.status, response.describe_body())
        )
    sys.exit(1)


def _serve(client, marshaller, handler):
    """Invoke the handler for each event until the process is stopped."""
    event = client.next_invocation()
    while True:
        _check_next_response(event)
        event = _invoke(client, marshaller, handler, event)


def _invoke(client, marshaller, handler, event):
    """Run the handler for one event, post its outcome and return the next event."""
    headers = event.headers
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    tenant_id = headers.get("lambda-runtime-aws-tenant-id") or None
    logs.set_invocation(request_id, tenant_id)
    _set_trace_id(headers.get("lambda-runtime-trace-id"))

    try:
        context = _create_context(request_id, headers, tenant_id)
        payload = marshaller.decode_event(event.body, headers.get("content-type"))
        result = handler(payload, context)
        body, content_type = marshaller.encode_result(result)
    except FaultError as fault:
        report = errors.report_fault(fault, request_id)
    except Exception as error:
        report = errors.report_exception(error, request_id)
    else:
        logs.flush_stdio()
        post_response = client.respond(request_id, body, content_type)
        _check_post_response(post_response, request_id, "response")
        return client.next_invocation()

    _log_error(report.payload, marshaller)
    logs.flush_stdio()
    error_body = marshaller.to_json(report.payload).encode("utf-8")
    post_response = client.report_error(request_id, error_body, _xray_cause(report))
    _check_post_response(post_response, request_id, "error")
    return client.next_invocation()


def _create_context(request_id, headers, tenant_id):
    deadline = headers.get("lambda-runtime-deadline-ms", "")
    return LambdaContext(
        request_id,
        int(deadline) if deadline.isdigit() else 0,
        headers.get("lambda-runtime-invoked-function-arn", ""),
        _parse_json_header(headers.get("lambda-runtime-client-context"), "Client Context"),
        _parse_json_header(headers.get("lambda-runtime-cognito-identity"), "Cognito Identity"),
        tenant_id,
    )


def _parse_json_header(value, description):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError as error:
        raise FaultError(
            errors.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse %s JSON: %s" % (description, error),
        )


def _set_trace_id(trace_id):
    if trace_id:
        os.environ[_TRACE_ID_VARIABLE] = trace_id
    elif _TRACE_ID_VARIABLE in os.environ:
        del os.environ[_TRACE_ID_VARIABLE]


def _log_error(payload, marshaller):
    if logs.uses_json_format():
        line = errors.format_error_json_log(payload, marshaller.to_json)
    else:
        line = errors.format_error_log(payload)
    sys.stdout.write(line)


def _xray_cause(report):
    # json.dumps escapes non-ASCII text, so the header value is plain ASCII.
    cause = errors.make_xray_error_cause(report, json.dumps)
    return cause if len(cause) < _MAX_XRAY_CAUSE_BYTES else None


def _check_next_response(event):
    if event.status != 200:
        _exit_with_message(
            "GET /next returned HTTP %d: %s; stopping the runtime"
            % (event.status, event.describe_body())
        )


def _check_post_response(response, request_id, outcome):
    """Exit on a 5xx status; log any other non-2xx status and keep serving."""
    if 200 <= response.status < 300:
        return
    description = "HTTP %d to the %s of request %s: %s" % (
        response.status,
        outcome,
        request_id,
        response.describe_body(),
    )
    if response.status >= 500:
        _exit_with_message("Runtime API returned %s; stopping the runtime" % description)
    _write_stderr_line("Runtime API returned %s; serving the next event" % description)


def _write_stderr_line(message):
    sys.stderr.write("[lambdacraft runtime] %s\n" % message)


def _exit_with_message(message):
    _write_stderr_line(message)
    logs.flush_stdio()
    sys.exit(1)
