"""A crawl's settings: what the user asked for, validated once and carried in ``CrawlRequested``."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from shared.model import crawlauth, crawlrules, patterns
from shared.model import extraction as extractionrules
from shared.model.userinput import HeaderValue, is_stored

MAX_URL_LENGTH = 2048
MAX_LIST_URLS = 100_000
INT4_MAX = 2**31 - 1


# What a start URL may be, as one regular expression the OpenAPI document states and the api
# applies: http(s), an optional user@, a host (a name, or an IPv6 literal in brackets exactly as
# RFC 3986 spells it), an optional port up to 65535, then anything without spaces or control
# characters. Every URL it admits splits cleanly (urllib.parse reads host and port without an
# error), which is what the projections and the worker rely on. The same text reads the same in
# ECMA-262 (JSON Schema), Rust (pydantic) and Python, so classes are spelled out (no \s, no flags).
_H16 = "[0-9A-Fa-f]{1,4}"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_LS32 = rf"(?:{_H16}:{_H16}|{_OCTET}(?:\.{_OCTET}){{3}})"
_IPV6 = (
    "(?:"
    + "|".join(
        (
            rf"(?:{_H16}:){{6}}{_LS32}",
            rf"::(?:{_H16}:){{5}}{_LS32}",
            rf"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
            rf"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
            rf"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
            rf"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
            rf"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
            rf"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
            rf"(?:(?:{_H16}:){{0,6}}{_H16})?::",
        )
    )
    + ")"
)
_PORT = "(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# Characters that NFKC turns into one of / ? # @ : (a fullwidth solidus, "℀" = a/c, ...): urllib refuses
# a host holding them, as IDNA would read them as the delimiters they resemble.
_NFKC_DELIMITERS = (
    r"\u2047\u2048\u2049\u2100\u2101\u2105\u2106\u2a74\ufe13\ufe16\ufe55\ufe56\ufe5f\ufe6b"
    r"\uff03\uff0f\uff1a\uff1f\uff20"
)
_NAME_CHAR = rf"[^\x00-\x20\x7f/?#@:\[\]{_NFKC_DELIMITERS}]"
URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://"
    rf"(?:[^\x00-\x20\x7f/?#@\[\]{_NFKC_DELIMITERS}]+@)?"  # user:password@ (no brackets: urllib reads IPv6)
    rf"(?:{_NAME_CHAR}+|\[{_IPV6}\])(?::{_PORT})?"  # host and port
    r"(?:[/?#][^\x00-\x20\x7f]*)?$"  # path, query, fragment
)
_URL = re.compile(URL_PATTERN.removeprefix("^").removesuffix("$"))
# What ``crawlrules.check_proxy`` accepts, for the document: http(s) with an optional port, socks5(h)
# with a port, a host as in URL_PATTERN, nothing after it but a slash.
_HOST = rf"(?:{_NAME_CHAR}+|\[{_IPV6}\])"
PROXY_PATTERN = (
    rf"^(?:[Hh][Tt][Tt][Pp][Ss]?://{_HOST}(?::(?:{_PORT})?)?|[Ss][Oo][Cc][Kk][Ss]5[Hh]?://{_HOST}:{_PORT})/?$"
)


def _check_http_url(value: str, field: str = "url") -> str:
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"{field} is longer than {MAX_URL_LENGTH} characters")
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError(f"{field} must start with http:// or https://")
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError(f"{field} must not contain spaces or control characters")
    if not _URL.fullmatch(value):
        raise ValueError(f"{field} has no valid host")
    return value


def _url_item(value: str, info: ValidationInfo) -> str:
    # Stored URLs were checked (by the rules of their day) when they were written.
    return value if is_stored(info) else _check_http_url(value, "URL")


_URL_SCHEMA = {"pattern": URL_PATTERN, "maxLength": MAX_URL_LENGTH}
HttpUrlText = Annotated[
    str, AfterValidator(_url_item), Field(json_schema_extra=_URL_SCHEMA)  # type: ignore[arg-type]
]
"""An http(s) URL as the user typed it (not normalised): the checks of ``URL_PATTERN``."""


def _start_url_schema(schema: dict[str, Any]) -> None:
    # Optional in list mode (the first of `urls`), so the field has a default, but "" is no URL:
    # the document states the pattern and leaves the default out.
    schema.pop("default", None)
    schema.update(_URL_SCHEMA)


class Thresholds(BaseModel):
    """Audit thresholds; defaults from the issue catalogue, settable per crawl."""

    # Finite numbers only (JSON has no NaN; 1e400 parses as infinity) and ints within Postgres' int4:
    # every value here is stored as jsonb and read back, by Python and by SQL.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    title_min_length: int = Field(default=30, ge=0, le=INT4_MAX)
    title_max_length: int = Field(default=60, ge=1, le=INT4_MAX)
    meta_description_min_length: int = Field(default=70, ge=0, le=INT4_MAX)
    meta_description_max_length: int = Field(default=160, ge=1, le=INT4_MAX)
    slow_response_ms: float = Field(default=800, gt=0, le=86_400_000)
    thin_content_words: int = Field(default=200, ge=0, le=INT4_MAX)
    near_duplicate_similarity: float = Field(default=0.9, ge=0.8, le=1)
    deep_page_depth: int = Field(default=4, ge=1, le=INT4_MAX)
    url_max_length: int = Field(default=115, ge=1, le=INT4_MAX)
    large_page_bytes: int = Field(default=2 * 1024 * 1024, ge=1, le=INT4_MAX)
    redirect_chain_hops: int = Field(default=2, ge=1, le=INT4_MAX)
    # issue 13's checks
    links_max_per_page: int = Field(default=300, ge=1, le=INT4_MAX)
    url_max_params: int = Field(default=3, ge=0, le=INT4_MAX)
    image_max_bytes: int = Field(default=300_000, ge=1, le=INT4_MAX)
    page_weight_max_bytes: int = Field(default=4_096_000, ge=1, le=INT4_MAX)
    link_score_min: float = Field(default=15, ge=0, le=100)
    js_content_share: float = Field(default=0.5, gt=0, le=1)
    blank_page_words: int = Field(default=10, ge=0, le=INT4_MAX)


class CrawlSettings(BaseModel):
    """The body of ``POST /api/crawls`` and the settings a worker crawls with."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    url: str = Field(
        default="",
        description="start URL (spider mode) or the first of `urls` (list mode)",
        json_schema_extra=_start_url_schema,
    )
    mode: Literal["spider", "list"] = "spider"
    urls: list[HttpUrlText] = Field(default_factory=list, max_length=MAX_LIST_URLS)
    max_pages: int = Field(default=10_000, ge=1, le=1_000_000)
    max_depth: int | None = Field(default=None, ge=0, le=1000)
    include: list[patterns.RegexPattern] = Field(default_factory=list, max_length=100)
    exclude: list[patterns.RegexPattern] = Field(default_factory=list, max_length=100)
    user_agent: HeaderValue = Field(default=crawlrules.OUR_USER_AGENT, min_length=1, max_length=512)
    user_agent_preset: crawlrules.UserAgentPreset | None = Field(
        default=None,
        description="pose as a known crawler (its User-Agent; robots.txt is read for its product token); "
        "`custom` (or none) sends `user_agent` as given",
    )
    max_rps: float = Field(default=5.0, gt=0, le=1000)
    concurrency: int = Field(default=4, ge=1, le=64)
    respect_robots: bool = True
    use_sitemaps: bool = True
    include_subdomains: bool = False
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    check_resources: bool = Field(
        default=True, description="request every image, stylesheet, script and icon pages load (once per URL per crawl)"
    )
    check_external_links: bool = Field(default=False, description="request external link targets (once per URL)")
    render: Literal["off", "chromium"] = Field(
        default="off",
        description="`chromium`: every HTML page is also rendered in headless Chromium; the audit judges the "
        "rendered page and links found only in it are followed",
    )
    render_timeout_seconds: float = Field(default=20.0, gt=0, le=120, description="time one page may take to render")
    render_max_requests: int = Field(default=300, ge=1, le=5000, description="requests one rendered page may make")
    render_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=64 * 1024, le=200 * 1024 * 1024, description="bytes one rendered page may load"
    )
    render_load_media: bool = Field(default=False, description="download images, media and fonts while rendering")
    thresholds: Thresholds = Field(default_factory=Thresholds)
    url_rules: crawlrules.UrlRules = Field(default_factory=crawlrules.UrlRules)
    extraction: Annotated[list[extractionrules.ExtractionRule], AfterValidator(extractionrules.unique_names)] = Field(
        default_factory=list,
        max_length=extractionrules.MAX_RULES,
        description="custom extraction and custom search rules; values land in each page's `extracted`",
    )
    proxy: Annotated[
        crawlrules.ProxyUrl,
        Field(json_schema_extra={"pattern": PROXY_PATTERN, "maxLength": crawlrules.MAX_PROXY_LENGTH}),
    ] = None
    auth: crawlauth.AuthReference | None = Field(
        default=None,
        description="the crawl's credentials as stored: their vault reference and which are set (never their "
        "values). POST /api/crawls takes the credentials themselves (write-only)",
    )

    @model_validator(mode="after")
    def _start_url(self, info: ValidationInfo) -> CrawlSettings:
        if self.mode == "list":
            if not self.urls:
                raise ValueError("list mode needs at least one URL in `urls`")
            if not self.url:
                self.url = self.urls[0]
        if not self.url:
            raise ValueError("`url` is required")
        if is_stored(info):
            return self  # checked (by the rules of its day) when it was written
        self.url = _check_http_url(self.url)
        preset = self.user_agent_preset
        if preset is not None and preset != "custom":
            named = crawlrules.USER_AGENT_PRESETS[preset]
            if "user_agent" in self.model_fields_set and self.user_agent not in (named, crawlrules.OUR_USER_AGENT):
                raise ValueError(f"`user_agent` and `user_agent_preset` {preset!r} disagree: send one of them")
            self.user_agent = named
        if self.mode == "spider":
            # Compiled with RE2 (linear time): a pattern like (a+)+$ cannot stall the api here.
            if self.include and not patterns.any_match(map(patterns.compile_pattern, self.include), self.url):
                raise ValueError("the start URL does not match any `include` pattern")
            if patterns.any_match(map(patterns.compile_pattern, self.exclude), self.url):
                raise ValueError("the start URL matches an `exclude` pattern")
        return self
