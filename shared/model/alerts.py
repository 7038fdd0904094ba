"""Alert rules and delivery channels: what may fire for a site, and where a message goes.

A rule's ``params`` are checked by the model of its kind (``RULE_PARAMS``). A channel's ``config``
is checked by the model of its type (``CHANNEL_CONFIGS``); the fields in ``SECRET_FIELDS`` are
write-only: they go to the vault and never into an event, a log line or an answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Severity = Literal["error", "warning", "notice"]
SEVERITY_RANK = {"notice": 0, "warning": 1, "error": 2}
Language = Literal["en", "ru"]
ChannelType = Literal["webhook", "slack", "telegram", "email"]
MAX_WATCHED_URLS = 200
MAX_EVIDENCE_ITEMS = 20
# An address as SMTP takes it (one @, no spaces or angle brackets); the server has the last word.
EmailAddress = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+$")]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CrawlFailedParams(_Params):
    """The crawl failed (after its retries)."""


class HealthDropParams(_Params):
    """The health score fell by ``points`` or more since the previous completed crawl."""

    points: float = Field(default=5, gt=0, le=100)


class NewIssuesParams(_Params):
    """Issues (URL and code) that the previous crawl did not have, of ``severity`` or worse."""

    severity: Severity = "error"
    codes: list[str] = Field(default_factory=list, max_length=100, description="only these codes (all when empty)")
    min_count: int = Field(default=1, ge=1)


class IssueCountUpParams(_Params):
    """The count of one code rose by ``min_increase`` or more, or by ``min_percent`` % or more."""

    code: str = Field(min_length=1, max_length=100)
    min_increase: int | None = Field(default=None, ge=1)
    min_percent: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_threshold(self) -> IssueCountUpParams:
        if self.min_increase is None and self.min_percent is None:
            raise ValueError("give `min_increase`, `min_percent` or both")
        return self


class PagesParams(_Params):
    """At least ``min_pages`` pages (for: broken, noindexed, removed)."""

    min_pages: int = Field(default=1, ge=1)


class FieldChangedParams(_Params):
    """``field`` changed on ``min_pages`` pages or more."""

    field: Literal["canonical", "title", "meta_description"]
    min_pages: int = Field(default=1, ge=1)


class RobotsChangedParams(_Params):
    """robots.txt differs from the previous crawl's (content or status)."""


class SitemapChangedParams(_Params):
    """The number of URLs in the sitemaps changed by ``min_percent`` % or more."""

    min_percent: float = Field(default=10, gt=0)


class WatchUrlsParams(_Params):
    """Any change at all to these URLs: status, indexability, fields, issues, gone or back."""

    urls: list[str] = Field(min_length=1, max_length=MAX_WATCHED_URLS)

    @field_validator("urls")
    @classmethod
    def _http(cls, urls: list[str]) -> list[str]:
        cleaned = [u.strip() for u in urls if u.strip()]
        for url in cleaned:
            if not url.lower().startswith(("http://", "https://")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return list(dict.fromkeys(cleaned))


RULE_PARAMS: dict[str, type[_Params]] = {
    "crawl_failed": CrawlFailedParams,
    "health_drop": HealthDropParams,
    "new_issues": NewIssuesParams,
    "issue_count_up": IssueCountUpParams,
    "pages_broken": PagesParams,
    "pages_noindexed": PagesParams,
    "field_changed": FieldChangedParams,
    "pages_removed": PagesParams,
    "robots_changed": RobotsChangedParams,
    "sitemap_changed": SitemapChangedParams,
    "watch_urls": WatchUrlsParams,
}
RuleKind = Literal[
    "crawl_failed", "health_drop", "new_issues", "issue_count_up", "pages_broken", "pages_noindexed",
    "field_changed", "pages_removed", "robots_changed", "sitemap_changed", "watch_urls",
]  # fmt: skip


def rule_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` checked against ``kind``'s model, with its defaults filled in (raises ValueError)."""
    model = RULE_PARAMS.get(kind)
    if model is None:
        raise ValueError(f"unknown rule kind {kind!r}")
    return model.model_validate(params).model_dump()


# --- channels ---------------------------------------------------------------------------------


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookConfig(_Config):
    url: str = Field(min_length=1, max_length=2048, description="where the JSON POST goes")
    secret: str = Field(min_length=16, max_length=512, description="HMAC key of X-SEO-Signature (write-only)")


class SlackConfig(_Config):
    webhook_url: str = Field(min_length=1, max_length=2048, description="the incoming-webhook URL (write-only)")


class TelegramConfig(_Config):
    bot_token: str = Field(min_length=5, max_length=200, pattern=r"^[0-9]+:[A-Za-z0-9_-]+$",
                           description="from @BotFather (write-only)")  # fmt: skip
    chat_id: str = Field(min_length=1, max_length=100, pattern=r"^-?[0-9]+$|^@[A-Za-z0-9_]{4,}$")


class EmailConfig(_Config):
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="STARTTLS (587), SSL/TLS from the start (465), or none (local relays only)"
    )
    username: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=512, description="write-only")
    from_address: EmailAddress = Field(alias="from")
    to: list[EmailAddress] = Field(min_length=1, max_length=50)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


CHANNEL_CONFIGS: dict[str, type[_Config]] = {
    "webhook": WebhookConfig,
    "slack": SlackConfig,
    "telegram": TelegramConfig,
    "email": EmailConfig,
}
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "webhook": ("secret",),
    "slack": ("webhook_url",),
    "telegram": ("bot_token",),
    "email": ("password",),
}


def split_config(channel_type: str, config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A channel's config checked by its type's model, split into (public part, secrets)."""
    model = CHANNEL_CONFIGS[channel_type].model_validate(config)
    everything = model.model_dump(mode="json", by_alias=True)
    secret_names = SECRET_FIELDS[channel_type]
    secrets = {k: str(v) for k, v in everything.items() if k in secret_names and v is not None}
    public = {k: v for k, v in everything.items() if k not in secret_names}
    return public, secrets


def full_config(channel_type: str, public: dict[str, Any], secrets: dict[str, str]) -> BaseModel:
    """The channel's whole config again (for sending), from its public part and its secrets."""
    return CHANNEL_CONFIGS[channel_type].model_validate({**public, **secrets})
