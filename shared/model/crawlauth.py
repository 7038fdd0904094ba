"""A crawl's credentials (CONTRACT.md, "Crawl settings added": ``auth``): write-only secrets.

What a user sends (``CrawlAuth``): HTTP basic auth, extra request headers, a cookie string and a
form login (the login page, the field values to submit, and a text the page after logging in
shows). Any of them together. They go only to the crawl's own origin (scheme, host and port).

What the crawl's settings carry once the api has taken them (``AuthReference``): the reference of
the encrypted values in the vault (``secret_ref``) and which methods are set. Events, answers,
logs and exports only ever see that; the worker reads the values from the vault when it starts.
Sending a reference back (the settings of a crawl, schedule or site as returned) reuses the
stored credentials for the same origin.
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from shared.model.userinput import HeaderValue, is_stored

AuthMethod = Literal["basic", "headers", "cookies", "form"]
METHODS: tuple[AuthMethod, ...] = ("basic", "headers", "cookies", "form")
MAX_HEADERS = 50
MAX_FIELDS = 50
MAX_COOKIE_LENGTH = 8192
MAX_VALUE_LENGTH = 4096

HEADER_NAME_PATTERN = r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$"
_HEADER_NAME = re.compile(HEADER_NAME_PATTERN)
# Headers the crawl's HTTP client writes itself, or that have a setting of their own.
_RESERVED_HEADERS = {
    "host": "the crawler sets it for every request",
    "content-length": "the crawler sets it for every request",
    "transfer-encoding": "the crawler sets it for every request",
    "connection": "the crawler sets it for every request",
    "keep-alive": "the crawler sets it for every request",
    "upgrade": "the crawler sets it for every request",
    "te": "the crawler sets it for every request",
    "expect": "the crawler sets it for every request",
    "accept-encoding": "the crawler decodes what it asks for itself",
    "proxy-authorization": "a proxy's credentials are not sent to sites",
    "proxy-connection": "the crawler sets it for every request",
    "cookie": "put cookies in `auth.cookies`",
    "user-agent": "set `user_agent` or `user_agent_preset`",
}
_COOKIE_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,200}$")
_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"


def _header_names(value: dict[str, str] | None, info: ValidationInfo) -> dict[str, str] | None:
    if value is None or is_stored(info):
        return value
    seen: set[str] = set()
    for name in value:
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"{name[:60]!r} is not an HTTP header name")
        reason = _RESERVED_HEADERS.get(name.lower())
        if reason is not None:
            raise ValueError(f"the header {name!r} cannot be set here: {reason}")
        if name.lower() in seen:
            raise ValueError(f"the header {name!r} is given twice (header names ignore case)")
        seen.add(name.lower())
    return value


def _cookie_string(value: str | None, info: ValidationInfo) -> str | None:
    if value is None or is_stored(info):
        return value
    pairs = [p.strip() for p in value.split(";") if p.strip()]
    if not pairs:
        raise ValueError("the cookie string is empty: write name=value; name2=value2")
    for index, pair in enumerate(pairs):
        name, equals, _ = pair.partition("=")
        # The name only in messages: the value is the secret.
        if not equals or not _COOKIE_NAME.fullmatch(name.strip()):
            raise ValueError(f"cookie {index + 1} is not name=value (write name=value; name2=value2)")
    return value


def basic_header(username: str, password: str) -> str:
    """The ``Authorization`` value of HTTP basic auth (RFC 7617, UTF-8)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def cookie_pairs(value: str) -> dict[str, str]:
    """``"a=1; b=2"`` as ``{"a": "1", "b": "2"}`` (a later name wins)."""
    pairs: dict[str, str] = {}
    for pair in value.split(";"):
        name, equals, cookie = pair.strip().partition("=")
        if equals and name.strip():
            pairs[name.strip()] = cookie.strip()
    return pairs


def _http_url(value: str, info: ValidationInfo) -> str:
    if is_stored(info):
        return value
    if not re.match(r"^[Hh][Tt][Tt][Pp][Ss]?://[^\x00-\x20\x7f/?#]+", value) or re.search(r"[\x00-\x20\x7f]", value):
        raise ValueError("the login page must be an http(s) URL on the crawl's origin")
    return value


class BasicAuth(BaseModel):
    """HTTP basic auth (RFC 7617): sent with every request to the crawl's origin."""

    model_config = ConfigDict(extra="forbid")

    username: HeaderValue = Field(min_length=1, max_length=256, json_schema_extra={"pattern": r"^[^\x00-\x1f\x7f:]*$"})
    password: HeaderValue = Field(default="", max_length=1024)

    @model_validator(mode="after")
    def _no_colon(self, info: ValidationInfo) -> BasicAuth:
        if not is_stored(info) and ":" in self.username:
            raise ValueError("the username of basic auth cannot contain a colon (RFC 7617)")
        return self


class FormLogin(BaseModel):
    """A login form: fetched, filled with ``fields`` (its hidden fields kept), submitted, and checked."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, AfterValidator(_http_url)] = Field(
        max_length=2048, description="the login page (on the crawl's origin); its form is filled and submitted"
    )
    fields: dict[
        Annotated[str, Field(min_length=1, max_length=200, pattern=_NO_CONTROL)],
        Annotated[str, Field(max_length=MAX_VALUE_LENGTH)],
    ] = Field(min_length=1, max_length=MAX_FIELDS, description="form field name → value (username, password, ...)")
    success_text: str = Field(
        min_length=1,
        max_length=500,
        description='a text the page shown after logging in contains ("Log out", the user\'s name): proof it worked',
    )


class Credentials(BaseModel):
    """The secret part of ``auth``: what the vault keeps and the worker reads."""

    model_config = ConfigDict(extra="forbid")

    basic: BasicAuth | None = Field(default=None, description="HTTP basic auth")
    headers: Annotated[
        dict[str, Annotated[HeaderValue, Field(max_length=MAX_VALUE_LENGTH)]] | None, AfterValidator(_header_names)
    ] = Field(
        default=None,
        max_length=MAX_HEADERS,
        description="extra request headers (Authorization, Accept-Language, ...)",
        json_schema_extra={"propertyNames": {"pattern": HEADER_NAME_PATTERN}},
    )
    cookies: Annotated[HeaderValue | None, AfterValidator(_cookie_string)] = Field(
        default=None, max_length=MAX_COOKIE_LENGTH, description="a cookie string: name=value; name2=value2"
    )
    form: FormLogin | None = Field(
        default=None,
        description="a form login, performed before the crawl and again whenever a page redirects to the login page",
    )

    def methods_set(self) -> list[AuthMethod]:
        return [m for m in METHODS if getattr(self, m) is not None]


class CrawlAuth(Credentials):
    """The ``auth`` of a request: credentials (write-only), or the reference of stored ones."""

    secret_ref: uuid.UUID | None = Field(
        default=None,
        description="stored credentials (the `auth.secret_ref` of a crawl, schedule or site of the same origin, "
        "as returned): reused instead of sending them again",
    )
    methods: list[AuthMethod] | None = Field(
        default=None, description="ignored on input (the settings as returned list them)"
    )

    @model_validator(mode="after")
    def _one_source(self) -> CrawlAuth:
        given = self.methods_set()
        if self.secret_ref is not None and given:
            raise ValueError("`auth` is either credentials or a `secret_ref`, not both")
        if self.secret_ref is None and not given:
            raise ValueError("`auth` needs at least one of basic, headers, cookies or form (or a `secret_ref`)")
        return self

    def credentials(self) -> Credentials:
        """The credentials alone (no reference): what is sealed in the vault."""
        return Credentials.model_validate(self.model_dump(include=set[str](METHODS), exclude_none=True))


class AuthReference(BaseModel):
    """``auth`` as a crawl's settings carry it: where the encrypted credentials are, and which are set."""

    model_config = ConfigDict(extra="forbid")

    secret_ref: uuid.UUID = Field(description="the credentials in the vault (encrypted with SECRET_KEY)")
    methods: list[AuthMethod] = Field(description="which credentials are set (their values are never returned)")


def is_reference(value: Any) -> bool:
    """Whether ``value`` (JSON) is an ``AuthReference`` as stored: a reference and its methods, no credentials."""
    return isinstance(value, dict) and set(value) == {"secret_ref", "methods"}


def holds_credentials(value: Any) -> bool:
    """Whether ``value`` (an ``auth`` as JSON or a model) holds credentials in clear (never store such a thing)."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return isinstance(value, dict) and any(value.get(m) is not None for m in METHODS)
