"""Rules for values a user sends, and the one context that relaxes them for values read back.

A rule added today (patterns must run on RE2, a header value has no control characters) must not
make yesterday's event log unreadable: an event was valid when it was written, and a projection
rebuild or a live stream that re-reads it must not fail on it. So readers of stored data validate
with ``context=STORED`` and the input-only rules let such values through; everything else (the
api's bodies, a worker starting a crawl from its settings) gets the full rules.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo

STORED: dict[str, Any] = {"stored": True}


def is_stored(info: ValidationInfo) -> bool:
    """Whether this validation reads back stored data (``context=STORED``) rather than new input."""
    return bool(info.context and info.context.get("stored"))


def _no_control_characters(value: str, info: ValidationInfo) -> str:
    # CR/LF in a header value splits the request (robots.txt then looks "unreachable"); NUL and the
    # other C0 controls and DEL are not allowed in HTTP field values (RFC 9110 5.5) either.
    if is_stored(info):
        return value
    bad = next((ch for ch in value if ord(ch) < 0x20 or ord(ch) == 0x7F), None)
    if bad is not None:
        raise ValueError(f"must not contain control characters (found {bad!r}): it is sent as an HTTP header")
    return value


# The same rule for the OpenAPI document (its generators then never draw a control character).
HEADER_VALUE_PATTERN = r"^[^\x00-\x1f\x7f]*$"

HeaderValue = Annotated[
    str, AfterValidator(_no_control_characters), Field(json_schema_extra={"pattern": HEADER_VALUE_PATTERN})
]
"""A string sent as an HTTP header value (user agent, custom headers): no control characters."""
