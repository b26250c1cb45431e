"""Three classic uses of AWS Lambda, one handler each.

- `summarise_csv`: react to a file upload (an S3 `ObjectCreated` event) by
  reading the CSV file and returning a summary of its rows and columns.
- `web_backend`: serve a small JSON API behind an API Gateway HTTP API
  (payload format 2.0).
- `cleanup_job`: run on a schedule (an EventBridge `Scheduled Event`) and
  delete old files from a folder.

The handlers use only the standard library and boto3, which Lambda's Python
runtimes include, so this file runs on AWS Lambda without a deployment package.
"""

import base64
import binascii
import csv
import io
import json
import logging
import math
import os
import re
import stat
import tempfile
import urllib.parse
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

logger = logging.getLogger()
logger.setLevel(logging.INFO)


# --- Shared helpers ------------------------------------------------------------


def _resolve_code_path(folder):
    """Return `folder` as an absolute path, resolving a relative one against the code folder.

    Lambda sets LAMBDA_TASK_ROOT to the folder that contains the function's code
    (/var/task on AWS) and starts the runtime there, hence the fallback to the
    working folder when the variable is missing.
    """
    if os.path.isabs(folder):
        return folder
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    return os.path.join(task_root, folder)


# --- 1. Summarise a CSV file uploaded to S3 ------------------------------------

# The S3 client is created on first use and reused after that. Module-level
# values survive between invocations of one execution environment, so later
# invocations skip the cost of building a client.
_s3_client = None


def summarise_csv(event, context):
    """Summarise each CSV file named in an S3 `ObjectCreated` event.

    Returns `{"summaries": [...]}` with one summary per record: the bucket and
    key, the row count, the column names, and the sum and mean of every
    numeric column. With the environment variable CSV_DIR set, the handler
    reads CSV_DIR/<key> from the local disk instead of calling S3, and a
    relative CSV_DIR is taken from the code folder.
    """
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records:
        raise ValueError(
            "event has no Records list; expected an S3 event notification"
            " such as ObjectCreated:Put"
        )

    summaries = []
    for record in records:
        event_source = record.get("eventSource")
        event_name = record.get("eventName", "")
        is_upload = event_source == "aws:s3" and event_name.startswith("ObjectCreated:")
        if not is_upload:
            logger.warning(
                "skipped record %r from %r: only S3 ObjectCreated events are summarised",
                event_name,
                event_source,
            )
            continue

        bucket = record["s3"]["bucket"]["name"]
        # S3 sends the key URL-encoded with "+" for spaces, so the object
        # "reports/daily sales.csv" arrives as "reports/daily+sales.csv".
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        logger.info("summarising s3://%s/%s", bucket, key)

        text = _read_object(bucket, key).decode("utf-8-sig")
        summary = {"bucket": bucket, "key": key, **_summarise_csv_text(text)}
        logger.info(
            "s3://%s/%s has %d rows and %d columns",
            bucket,
            key,
            summary["row_count"],
            len(summary["columns"]),
        )
        summaries.append(summary)

    return {"summaries": summaries}


def _read_object(bucket, key):
    """Return the object's bytes, from CSV_DIR when it is set and from S3 otherwise."""
    csv_dir = os.environ.get("CSV_DIR", "")
    if csv_dir:
        return _read_local_object(csv_dir, key)

    global _s3_client
    if _s3_client is None:
        # Imported here, not at the top of the file, so that the other
        # handlers in this module do not spend time importing boto3 when
        # their execution environment starts.
        import boto3

        _s3_client = boto3.client("s3")

    # NOTE: the whole object is read into memory, so this example suits files
    # well below the function's memory size.
    response = _s3_client.get_object(Bucket=bucket, Key=key)
    return response["Body"].read()


def _read_local_object(csv_dir, key):
    """Read CSV_DIR/<key>, rejecting keys that would lead out of CSV_DIR."""
    folder = os.path.realpath(_resolve_code_path(csv_dir))
    path = os.path.realpath(os.path.join(folder, key))
    if os.path.commonpath([folder, path]) != folder:
        raise ValueError(f"object key {key!r} points outside CSV_DIR {folder!r}")

    logger.info("reading %s instead of S3 because CSV_DIR is set", path)
    with open(path, "rb") as file:
        return file.read()


def _summarise_csv_text(text):
    """Count the rows of a CSV text with a header line and total its numeric columns.

    A column counts as numeric when every non-empty value in it is a finite
    decimal number. Empty values are left out of the sums and means.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = list(reader.fieldnames or [])
    values_by_column = {column: [] for column in columns}

    row_count = 0
    for row in reader:
        row_count += 1
        for column in columns:
            value = (row.get(column) or "").strip()
            if value:
                values_by_column[column].append(value)

    numeric_columns = {}
    for column, values in values_by_column.items():
        numbers = _parse_numbers(values)
        if numbers:
            total = sum(numbers)
            numeric_columns[column] = {
                "count": len(numbers),
                "sum": _to_json_number(total),
                "mean": _to_json_number(total / len(numbers)),
            }

    return {"row_count": row_count, "columns": columns, "numeric_columns": numeric_columns}


def _parse_numbers(values):
    """Return the values as Decimals, or None if any of them is not a finite number."""
    numbers = []
    for value in values:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        numbers.append(number)
    return numbers


def _to_json_number(number):
    """Convert a Decimal to an int when it is whole and to a float otherwise.

    Decimal keeps sums such as 0.1 + 0.2 exact, but json.dumps() rejects it.
    """
    if number == number.to_integral_value():
        return int(number)
    return float(number)


# --- 2. A JSON web backend behind an API Gateway HTTP API ----------------------

# NOTE: the items live in the memory of one execution environment. Each
# environment starts from this seed, a cold start loses every added item, and
# concurrent environments do not see each other's items. A real backend keeps
# them in a database such as DynamoDB.
_items = {
    "1": {"id": "1", "name": "Notebook", "price": 4.5},
    "2": {"id": "2", "name": "Pencil", "price": 0.8},
    "3": {"id": "3", "name": "Backpack", "price": 39.9},
}

_ITEM_PATH = re.compile(r"^/items/([^/]+)$")
MAX_NAME_LENGTH = 100


class _BadRequest(Exception):
    """Invalid request input, which the web backend rejects with status 400."""


def web_backend(event, context):
    """Serve GET /items, GET /items/{id} and POST /items as JSON.

    Returns an API Gateway response: 200 or 201 with the item(s), 400 for an
    invalid request body, and 404 for unknown items and any other route.
    """
    http = event.get("requestContext", {}).get("http", {})
    method = http.get("method", "")
    path = _route_path(event)
    logger.info("%s %s", method, path)

    try:
        if path == "/items" and method == "GET":
            return _json_response(200, {"items": list(_items.values())})

        if path == "/items" and method == "POST":
            item = _create_item(_read_json_body(event))
            logger.info("created item %s", item["id"])
            return _json_response(201, item)

        match = _ITEM_PATH.match(path)
        if match and method == "GET":
            item_id = urllib.parse.unquote(match.group(1))
            if item_id not in _items:
                return _json_response(404, {"message": f"item {item_id!r} not found"})
            return _json_response(200, _items[item_id])

    except _BadRequest as error:
        logger.info("rejected %s %s: %s", method, path, error)
        return _json_response(400, {"message": str(error)})

    return _json_response(404, {"message": f"route not found: {method} {path}"})


def _route_path(event):
    """Return the request path without the stage name.

    An HTTP API serves its `$default` stage at the root of its URL, but a
    request to a named stage such as `prod` arrives with rawPath
    `/prod/items`. Strip that prefix so that routes match on every stage.
    """
    path = event.get("rawPath") or "/"
    stage = event.get("requestContext", {}).get("stage", "$default")
    prefix = f"/{stage}"
    if stage != "$default" and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :] or "/"
    return path


def _read_json_body(event):
    """Decode the request body as JSON, base64-decoding it first if API Gateway encoded it."""
    body = event.get("body")
    if body is None or body == "":
        raise _BadRequest("request body is missing; send a JSON object")

    # API Gateway base64-encodes a request body that it treats as binary and
    # then sets isBase64Encoded to true.
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _BadRequest("request body is not valid base64-encoded UTF-8 text") from None

    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise _BadRequest(f"request body is not valid JSON: {error}") from None


def _create_item(data):
    """Validate a new item {"name": str, "price": number >= 0}, store it and return it."""
    if not isinstance(data, dict):
        raise _BadRequest(
            'request body must be a JSON object such as {"name": "Pen", "price": 1.2}'
        )

    unknown = sorted(set(data) - {"name", "price"})
    if unknown:
        raise _BadRequest(f"unknown fields {unknown}; an item has only name and price")

    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _BadRequest('"name" is missing or empty; give a non-empty string')
    if len(name) > MAX_NAME_LENGTH:
        raise _BadRequest(
            f'"name" is {len(name)} characters long; the maximum is {MAX_NAME_LENGTH}'
        )

    price = data.get("price")
    # bool is a subclass of int in Python, so true and false need their own
    # check. json.loads() accepts NaN and Infinity, which are not valid JSON.
    is_number = isinstance(price, (int, float)) and not isinstance(price, bool)
    if not is_number or not math.isfinite(price) or price < 0:
        raise _BadRequest(f'"price" must be a number of at least 0, got {json.dumps(price)}')

    item_id = str(max((int(existing) for existing in _items), default=0) + 1)
    item = {"id": item_id, "name": name.strip(), "price": price}
    _items[item_id] = item
    return item


def _json_response(status_code, payload):
    """Build the response object API Gateway turns into an HTTP response."""
    return {
        "statusCode": status_code,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(payload),
    }


# --- 3. A scheduled clean-up job -----------------------------------------------

DEFAULT_MAX_AGE_HOURS = 24


def cleanup_job(event, context):
    """Delete the files in CLEANUP_DIR that are older than MAX_AGE_HOURS.

    The event's `time` is taken as the current time, so the cut-off follows
    the schedule and not the moment the invocation happens to start. Only
    regular files directly in the folder are considered, so subfolders and
    symbolic links are left alone. CLEANUP_DIR defaults to the function's
    temporary folder (/tmp on AWS) and MAX_AGE_HOURS to 24.

    When you run this outside Lambda, set CLEANUP_DIR: the default is this
    machine's temporary folder.
    """
    now = _event_time(event)
    max_age_hours = _max_age_hours()
    folder = _resolve_code_path(os.environ.get("CLEANUP_DIR") or tempfile.gettempdir())
    logger.info(
        "cleaning %s: deleting files older than %s hours before %s",
        folder,
        max_age_hours,
        now.isoformat(),
    )

    removed, kept, failed = [], [], []
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda entry: entry.name):
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # deleted since the folder was listed
            if not stat.S_ISREG(info.st_mode):
                continue

            age_hours = (now.timestamp() - info.st_mtime) / 3600
            record = {"name": entry.name, "age_hours": round(age_hours, 2)}
            if age_hours <= max_age_hours:
                kept.append(record)
                continue

            try:
                os.remove(entry.path)
            except FileNotFoundError:
                # Another process deleted the file first, which is the goal.
                pass
            except OSError as error:
                logger.error("failed to delete %s: %s", entry.path, error)
                failed.append({**record, "error": str(error)})
                continue
            removed.append(record)

    logger.info("removed %d files, kept %d, failed on %d", len(removed), len(kept), len(failed))
    return {
        "folder": folder,
        "now": now.isoformat(),
        "max_age_hours": max_age_hours,
        "removed": removed,
        "kept": kept,
        "failed": failed,
    }


def _event_time(event):
    """Return the event's `time` (ISO 8601, UTC) as an aware datetime.

    Falls back to the current time when the event has none, so that the job
    can also be invoked by hand with an empty event.
    """
    value = event.get("time") if isinstance(event, dict) else None
    if value is None:
        logger.info("event has no time; using the current time")
        return datetime.now(timezone.utc)

    try:
        # EventBridge writes UTC as a "Z" suffix, which fromisoformat() accepts
        # only from Python 3.11 on.
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise ValueError(
            f"event time {value!r} is not an ISO 8601 timestamp such as 2024-05-01T03:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _max_age_hours():
    """Read MAX_AGE_HOURS, a non-negative number of hours (24 when unset)."""
    text = os.environ.get("MAX_AGE_HOURS", "")
    if not text:
        return DEFAULT_MAX_AGE_HOURS
    message = (
        f"MAX_AGE_HOURS {text!r} is not a non-negative number of hours; set it to, for example, 24"
    )
    try:
        hours = float(text)
    except ValueError:
        raise ValueError(message) from None
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(message)
    return int(hours) if hours.is_integer() else hours
