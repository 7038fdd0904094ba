"""A site: an origin (scheme + host + port) with its own history, defaults and retention.

Every crawl belongs to one site. The site's settings are the crawl settings its crawls start
from (a crawl's own fields win) and how many completed crawls keep their page-level data.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.model import crawlauth
from shared.model.crawlsettings import CrawlSettings

DEFAULT_RETENTION = 20
MAX_NAME_LENGTH = 200
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased, without a default port.

    ``https://Example.com:443/a`` and ``https://example.com/b`` are one site; ``http://`` and
    ``https://`` of one host are two (as browsers and search engines see them).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def _crawl_defaults_fields() -> frozenset[str]:
    return frozenset(name for name in CrawlSettings.model_fields if name not in ("url", "urls", "mode"))


CRAWL_DEFAULT_FIELDS = _crawl_defaults_fields()


class SiteSettings(BaseModel):
    """What a site decides for its crawls: their default settings and how many keep their pages."""

    model_config = ConfigDict(extra="forbid")

    crawl: dict[str, Any] = Field(
        default_factory=dict,
        description="default crawl settings (the fields of POST /api/crawls except `url`, `urls` and `mode`); "
        "a crawl's own fields win",
    )
    retention: int = Field(
        default=DEFAULT_RETENTION,
        ge=0,
        le=10_000,
        description="completed crawls that keep their pages, links and issues (older ones keep their summary "
        "for the trends); 0 keeps all",
    )

    @field_validator("crawl")
    @classmethod
    def _crawl_defaults_are_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - CRAWL_DEFAULT_FIELDS)
        if unknown:
            raise ValueError(f"crawl defaults cannot set {', '.join(unknown)}")
        # Validated as a whole crawl's settings would be, so a bad default fails here, not at crawl time.
        # Credentials (write-only) come as a request's `auth` does; the api seals them before storing.
        if value.get("auth") is not None:
            crawlauth.CrawlAuth.model_validate(value["auth"])
        CrawlSettings.model_validate({**without_auth(value), "url": "https://example.com/"})
        return value


def without_auth(crawl: dict[str, Any]) -> dict[str, Any]:
    """Crawl defaults without their ``auth`` (handled on its own: credentials or a reference)."""
    return {k: v for k, v in crawl.items() if k != "auth"}


def crawl_settings_for(defaults: dict[str, Any], given: dict[str, Any]) -> CrawlSettings:
    """The settings of a crawl of a site: the site's defaults, then what the request said. A stored reference of
    credentials (the site's, the schedule's own) is kept, and a crawl copies it (services.api.credentials,
    services.scheduler.cron); anything else under ``auth`` (a request's credentials, a bare ``secret_ref``) is
    left out for the caller to seal into the owner's own reference."""
    merged = {**defaults, **given}
    if merged.get("auth") is not None and not crawlauth.is_reference(merged["auth"]):
        del merged["auth"]
    return CrawlSettings.model_validate(merged)


def schedule_settings(
    stored: dict[str, Any], own: dict[str, Any] | None, defaults: dict[str, Any] | None
) -> tuple[CrawlSettings, str | None]:
    """A scheduled run's settings: the schedule's ``own`` fields over its site's ``defaults`` as they are
    now. ``(settings, problem)``: a schedule made before schedules kept their own fields (``own`` is
    None), or whose fields no longer fit the site's current defaults (``problem`` says why), runs with
    the settings it was made with (``stored``)."""
    if own is None:
        return CrawlSettings.model_validate(stored), None
    try:
        return crawl_settings_for(defaults or {}, own), None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        problem = f"{where}: {first.get('msg', exc)}" if where else str(first.get("msg", exc))
        return CrawlSettings.model_validate(stored), problem
