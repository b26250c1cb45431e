"""JSON decoding of events and encoding of handler results.

AWS's Python runtime encodes with simplejson, and this module reproduces the
output with the standard json module:
- decimal.Decimal is written as its exact str() form (Decimal("1.10") gives
  1.10), and a NaN Decimal is written as NaN;
- NaN and Infinity floats are allowed;
- for runtime ids python3.12 and newer, non-ASCII text is written as UTF-8,
  and older runtime ids escape it as \\uXXXX.
"""

import json
import os
import sys

from .errors import MARSHAL_ERROR, UNMARSHAL_ERROR, FaultError

# The oldest runtime id whose output keeps non-ASCII characters unescaped.
_FIRST_UNESCAPED_VERSION = (3, 12)
_EXECUTION_ENV_PREFIX = "AWS_Lambda_python"


def writes_unescaped_unicode(execution_env):
    """Tell whether a runtime id such as AWS_Lambda_python3.12 keeps non-ASCII text."""
    if not execution_env or not execution_env.startswith(_EXECUTION_ENV_PREFIX):
        return False
    major, _, minor = execution_env[len(_EXECUTION_ENV_PREFIX) :].partition(".")
    if not (major.isdigit() and minor.isdigit()):
        return False
    return (int(major), int(minor)) >= _FIRST_UNESCAPED_VERSION


# NOTE: simplejson, as AWS's runtime configures it, writes a namedtuple as a
# JSON object of its fields, but this encoder writes it as an array.
class _DecimalAwareEncoder(json.JSONEncoder):
    """JSONEncoder that writes Decimal values as raw JSON numbers.

    The standard encoder cannot insert raw text, so each Decimal is first
    written as a marker string that no other value can produce: a NUL
    character, a random nonce and another NUL. The markers are then replaced
    by the Decimal texts in the order the encoder met them.
    """

    def __init__(self, ensure_ascii):
        super().__init__(ensure_ascii=ensure_ascii, allow_nan=True)
        self._marker = "\x00%s\x00" % os.urandom(8).hex()
        self._encoded_marker = json.dumps(self._marker)
        self._decimal_texts = []

    def default(self, o):
        # A Decimal can only exist once the decimal module is loaded, so other
        # unserialisable values do not cost an import of it.
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            self._decimal_texts.append(str(o))
            return self._marker
        return super().default(o)

    def encode(self, o):
        self._decimal_texts = decimal_texts = []
        text = super().encode(o)
        if not decimal_texts:
            return text
        pieces = text.split(self._encoded_marker)
        if len(pieces) != len(decimal_texts) + 1:
            raise ValueError("Decimal placeholder count mismatch")
        merged = [pieces[0]]
        for decimal_text, piece in zip(decimal_texts, pieces[1:]):
            merged.append(decimal_text)
            merged.append(piece)
        return "".join(merged)


class Marshaller:
    """Event decoder and result encoder for one runtime id."""

    def __init__(self, execution_env):
        self._encoder = _DecimalAwareEncoder(
            ensure_ascii=not writes_unescaped_unicode(execution_env)
        )

    def to_json(self, value):
        """Encode a runtime-built value such as an error payload."""
        return self._encoder.encode(value)

    def decode_event(self, body, content_type):
        """Decode an event body; non-JSON content types pass through as bytes."""
        # AWS's runtime passes other content types through undecoded. A missing
        # Content-Type header is treated as JSON, the Runtime API's default.
        if content_type and content_type != "application/json":
            return body
        try:
            return json.loads(body)
        except Exception as error:
            raise FaultError(UNMARSHAL_ERROR, "Unable to unmarshal input: %s" % error)

    def encode_result(self, result):
        """Return (body bytes, content type) for a handler's return value."""
        if isinstance(result, bytes):
            return result, "application/unknown"
        try:
            return self._encoder.encode(result).encode("utf-8"), "application/json"
        except Exception as error:
            raise FaultError(MARSHAL_ERROR, "Unable to marshal response: %s" % error)
