"""Types every api response shares: the one time format, problem documents, cursors."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, PlainSerializer, WithJsonSchema

from shared.audit import catalogue


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


# Cursors are opaque to clients, but each kind has a shape the OpenAPI document states exactly
# (pattern and maxLength), and every string of that shape is a position the server accepts: a
# cursor that points between rows simply continues from there (or answers an empty page).

# The id of the last row returned (pages, list-mode URLs): at most 18 digits, so always an int64.
ID_CURSOR_PATTERN = r"^[0-9]{1,18}$"
# A crawl id.
UUID_CURSOR_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# Text (a URL, "url code") as unpadded base64url: any such string decodes to some bytes.
TEXT_CURSOR_PATTERN = r"^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$"
TEXT_CURSOR_MAX_LENGTH = 4000

CURSOR_HELP = "`next_cursor` of the previous page"


def id_cursor(**options: Any) -> Any:
    return Field(default=None, max_length=18, pattern=ID_CURSOR_PATTERN, description=CURSOR_HELP, **options)


def uuid_cursor(**options: Any) -> Any:
    return Field(default=None, max_length=36, pattern=UUID_CURSOR_PATTERN, description=CURSOR_HELP, **options)


def text_cursor(**options: Any) -> Any:
    return Field(
        default=None,
        max_length=TEXT_CURSOR_MAX_LENGTH,
        pattern=TEXT_CURSOR_PATTERN,
        description=CURSOR_HELP,
        **options,
    )


def encode_text_cursor(text: str) -> str:
    """A text position (the last URL returned) as a cursor."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_text_cursor(cursor: str | None) -> str | None:
    """The text position of a cursor of ``TEXT_CURSOR_PATTERN`` (None for no cursor).

    Lenient on purpose: bytes that are not UTF-8 become U+FFFD and text from a NUL on is dropped
    (Postgres text cannot hold it), so every cursor of the documented shape is some position.
    """
    if not cursor:
        return None
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    return raw.decode("utf-8", errors="replace").split("\x00", 1)[0]


def storable_text(value: str | None) -> str | None:
    """Text Postgres can store: no NUL and no lone surrogate (a 422 naming the field, never a 500)."""
    if value is None:
        return value
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


# A crawl's custom search rule reports under custom_search:<rule name> (shared.model.extraction).
CUSTOM_SEARCH_PATTERN = r"^custom_search:[^\x00-\x1f\x7f:]{1,64}$"
_CUSTOM_SEARCH = re.compile(CUSTOM_SEARCH_PATTERN)


def _issue_code(value: str) -> str:
    if value in catalogue.CATALOGUE or _CUSTOM_SEARCH.match(value):
        return value
    raise ValueError(
        "is no issue code: one of the catalogue's (GET /api/issues/catalogue) or a crawl's custom search "
        "(custom_search:<rule name>)"
    )


# An issue code in a query: the catalogue's stable codes (CONTRACT.md) or a crawl's custom search.
# One validator, so a wrong code is one error naming the field (a union would name each member).
IssueCode = Annotated[
    str,
    AfterValidator(_issue_code),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": list(catalogue.CODES)},
                {"type": "string", "pattern": CUSTOM_SEARCH_PATTERN},
            ]
        }
    ),  # fmt: skip
]
