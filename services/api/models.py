"""Types every api response shares: the one time format, problem documents, cursors."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from services.api.problems import Problem


def iso_time(value: datetime) -> str:
    """The api's one time format: ISO 8601, microseconds always, UTC offset as +00:00."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="microseconds")


# One time format everywhere: ISO 8601 with microseconds and the UTC offset, even when the
# microseconds are zero (pydantic's default drops them, which breaks naive string sorting).
Timestamp = Annotated[
    datetime,
    PlainSerializer(iso_time, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-01-31T12:00:00.123456+00:00"]}),
]


class FieldError(BaseModel):
    field: str = Field(description="the offending field, dotted for nested ones (`settings.max_pages`)")
    message: str


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = Field(description="what went wrong, for a human")
    errors: list[FieldError] | None = Field(default=None, description="validation errors, one per field")


def encode_cursor(values: list[Any]) -> str:
    """An opaque pagination cursor (the sort key of the last row returned)."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise Problem(422, "cursor is not valid", errors=[{"field": "cursor", "message": "malformed cursor"}])
    return values


# A crawl's custom search rule reports under custom_search:<rule name> (shared.model.extraction).
CustomSearchCode = Annotated[str, Field(pattern=r"^custom_search:[^\x00-\x1f\x7f:]{1,64}$")]
