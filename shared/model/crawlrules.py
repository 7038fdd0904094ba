"""What a crawl does to the URLs it finds and how it presents itself: URL rules, user-agent presets, a proxy.

These are parts of ``CrawlSettings`` (CONTRACT.md, "Crawl settings added"): ``url_rules`` rewrite a
URL before it enters the frontier (strip query parameters, lower-case the path, regex rewrites on
RE2), ``user_agent_preset`` names a crawler to pose as (robots.txt is then read for that crawler's
product token), and ``proxy`` sends every request of the crawl through an HTTP(S) or SOCKS5 proxy.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from shared.model import patterns
from shared.model.userinput import is_stored

MAX_REWRITE_RULES = 20
MAX_STRIP_PARAMS = 100
MAX_REPLACEMENT_LENGTH = 2048

# --- user-agent presets -------------------------------------------------------------------------

OUR_USER_AGENT = "SEOCrawler/1.0 (+self-hosted)"
# The crawlers' own published strings (Chrome's version as Google's documentation shows it today).
USER_AGENT_PRESETS: dict[str, str] = {
    "ours": OUR_USER_AGENT,
    "googlebot_smartphone": (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    ),
    "googlebot_desktop": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36"
    ),
    "bingbot": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
        "+http://www.bing.com/bingbot.htm) Chrome/131.0.6778.69 Safari/537.36"
    ),
    "yandexbot": "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
}
UserAgentPreset = Literal["ours", "googlebot_smartphone", "googlebot_desktop", "bingbot", "yandexbot", "custom"]

# --- URL rules ----------------------------------------------------------------------------------

# A query parameter name, or a prefix ending in * (utm_*): what people type in every crawler's settings.
PARAM_NAME_PATTERN = r"^[^\x00-\x20\x7f&=#*]{1,200}\*?$"
_PARAM_NAME = re.compile(PARAM_NAME_PATTERN)


def _param_names(value: list[str] | str, info: ValidationInfo) -> list[str] | str:
    if is_stored(info) or not isinstance(value, list):
        return value
    for index, name in enumerate(value):
        if not _PARAM_NAME.fullmatch(name):
            raise ValueError(
                f"item {index}, {name[:80]!r}, is not a query parameter name: no spaces, &, = or #, "
                "and * only at the end (utm_*)"
            )
    return value


ParamName = Annotated[str, Field(json_schema_extra={"pattern": PARAM_NAME_PATTERN})]

_ESCAPE = re.compile(r"\\(\d+|g<[^>]*>|.?)", re.DOTALL)


def check_replacement(pattern: patterns.UserPattern, replacement: str) -> str:
    """``replacement`` when every group it names (\\1, \\g<name>) exists in ``pattern``; ValueError otherwise."""
    groups = pattern.regex.groups
    for escape in _ESCAPE.findall(replacement):
        if escape == "":
            raise ValueError("the replacement ends with a lone backslash (write \\\\ for a backslash)")
        name = escape[2:-1] if escape.startswith("g<") else escape if escape.isdigit() else None
        if name is None:
            continue  # an escaped character stands for itself
        if name.isdigit() and int(name) > groups:
            raise ValueError(f"the replacement refers to group {name}, and the pattern has {groups}")
        if not name.isdigit() and name not in pattern.regex.groupindex:
            raise ValueError(f"the replacement refers to group <{name}>, which the pattern does not name")
    return replacement


class RewriteRule(BaseModel):
    """A regex rewrite: every match of ``pattern`` in the URL becomes ``replacement`` (\\1 for a group)."""

    model_config = ConfigDict(extra="forbid")

    pattern: patterns.RegexPattern
    replacement: str = Field(default="", max_length=MAX_REPLACEMENT_LENGTH)

    @model_validator(mode="after")
    def _groups_exist(self, info: ValidationInfo) -> RewriteRule:
        if not is_stored(info):
            check_replacement(patterns.compile_pattern(self.pattern), self.replacement)
        return self


class UrlRules(BaseModel):
    """Rewrites applied to every URL before it enters the frontier, in this order; the original is kept."""

    model_config = ConfigDict(extra="forbid")

    strip_params: Annotated[list[ParamName] | Literal["all"], AfterValidator(_param_names)] = Field(
        default_factory=list,
        max_length=MAX_STRIP_PARAMS,
        description='query parameters to remove (utm_* removes every name starting utm_), or "all"',
    )
    lowercase: bool = Field(default=False, description="lower-case the path (not the query)")
    rewrite: list[RewriteRule] = Field(default_factory=list, max_length=MAX_REWRITE_RULES)

    def active(self) -> bool:
        return bool(self.strip_params or self.lowercase or self.rewrite)


# --- proxy --------------------------------------------------------------------------------------

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
MAX_PROXY_LENGTH = 300


def check_proxy(value: str) -> str:
    """A proxy URL: http, https, socks5 or socks5h, a host and a port; no credentials, path or query."""
    if len(value) > MAX_PROXY_LENGTH:
        raise ValueError(f"the proxy URL is longer than {MAX_PROXY_LENGTH} characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"the proxy URL is not valid: {exc}") from None
    if parts.scheme.lower() not in PROXY_SCHEMES:
        raise ValueError(f"the proxy URL must start with one of {', '.join(s + '://' for s in PROXY_SCHEMES)}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("the proxy URL must not hold credentials")
    if not parts.hostname:
        raise ValueError("the proxy URL has no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("the proxy URL is a scheme, a host and a port only")
    if port is None and parts.scheme.lower().startswith("socks"):
        raise ValueError("a SOCKS proxy URL needs a port (socks5://host:1080)")
    return value


def _proxy(value: str | None, info: ValidationInfo) -> str | None:
    return value if value is None or is_stored(info) else check_proxy(value)


ProxyUrl = Annotated[
    str | None,
    AfterValidator(_proxy),
    Field(
        description="send every request through this proxy: http://, https://, socks5:// or socks5h:// "
        "(the proxy resolves names), host and port",
    ),
]
"""A proxy URL (``crawlsettings.PROXY_PATTERN`` states in the document what ``check_proxy`` accepts)."""
