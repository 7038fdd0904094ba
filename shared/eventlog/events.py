"""Event payloads: one pydantic model per event type, registered by name.

Events are facts in the past tense. Each class names the NOTIFY channels its append wakes;
the notification is sent in the appending transaction and delivered at commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.model.crawlauth import holds_credentials
from shared.model.crawlsettings import CrawlSettings
from shared.model.pages import PageRecord
from shared.model.resources import ResourceCheck
from shared.model.sitefiles import SiteFile
from shared.model.sites import SiteSettings

# NOTIFY channels. Payloads stay tiny: ids, never data.
WORK_CHANNEL = "parsequeue"  # work became available: workers wake and try one claim
CONTROL_CHANNEL = "crawl_control"  # a crawl was paused or cancelled: its worker stops it
SCHEDULER_CHANNEL = "scheduler"  # schedules, leases or retries changed: the scheduler re-plans
EVENTS_CHANNEL = "events"  # something was appended: followers (the api's live streams) read on
OUTBOX_CHANNEL = "outbox"  # alert checks or deliveries became due: workers wake and try one claim

_registry: dict[str, type[Event]] = {}


class Event(BaseModel):
    """Base of every event payload."""

    model_config = ConfigDict(extra="forbid")
    notify: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _registry[cls.__name__] = cls

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__


def model_for(type_name: str) -> type[Event]:
    """The payload class registered under ``type_name``."""
    try:
        return _registry[type_name]
    except KeyError:
        raise KeyError(f"unknown event type {type_name!r}") from None


def registered() -> dict[str, type[Event]]:
    return dict(_registry)


class Metadata(BaseModel):
    """Who and why: correlation follows a crawl end to end, causation names the event or request."""

    model_config = ConfigDict(extra="allow")

    correlation_id: str | None = None
    causation_id: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class Recorded:
    """An event as stored: its place in the log and its decoded payload."""

    position: int
    txid: int
    stream_id: str
    version: int
    type: str
    data: Event
    metadata: Metadata
    recorded_at: datetime


# A crawl's events are the stream ``crawl-<uuid>``; SQL that names one takes this prefix as a
# parameter (claim_crawls, the due-retry scan), so the name is defined here only.
CRAWL_STREAM_PREFIX = "crawl-"
SCHEDULE_STREAM_PREFIX = "schedule-"


def crawl_stream(crawl_id: uuid.UUID | str) -> str:
    return f"{CRAWL_STREAM_PREFIX}{crawl_id}"


def schedule_stream(schedule_id: uuid.UUID | str) -> str:
    return f"{SCHEDULE_STREAM_PREFIX}{schedule_id}"


def site_stream(site_id: uuid.UUID | str) -> str:
    return f"site-{site_id}"


def channel_stream(channel_id: uuid.UUID | str) -> str:
    return f"channel-{channel_id}"


def alert_rule_stream(rule_id: uuid.UUID | str) -> str:
    return f"alertrule-{rule_id}"


def alert_stream(alert_id: uuid.UUID | str) -> str:
    return f"alert-{alert_id}"


def delivery_stream(delivery_id: uuid.UUID | str) -> str:
    return f"delivery-{delivery_id}"


# --- crawl lifecycle -------------------------------------------------------------------------


class CrawlRequested(Event):
    notify = (WORK_CHANNEL, SCHEDULER_CHANNEL)
    crawl_id: uuid.UUID
    settings: CrawlSettings
    schedule_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = Field(default=None, description="the site it belongs to (absent before sites existed)")


class CrawlStarted(Event):
    """A worker claimed the crawl and holds its lease."""

    notify = (SCHEDULER_CHANNEL,)
    crawl_id: uuid.UUID
    worker_id: str
    attempt: int
    lease_expires_at: datetime


class CrawlProgressed(Event):
    """Throttled live progress from the worker (counters, current rate)."""

    crawl_id: uuid.UUID
    pages_crawled: int
    pages_discovered: int
    errors_count: int
    pages_per_second: float = 0.0


class PagesCrawled(Event):
    """A batch of page records; appended idempotently (a page id is stored once)."""

    crawl_id: uuid.UUID
    pages: list[PageRecord]
    pages_discovered: int = Field(description="frontier size after this batch")


class ResourcesChecked(Event):
    """Answers of the crawl's resource checker: one request per URL per crawl (the resources projection)."""

    crawl_id: uuid.UUID
    resources: list[ResourceCheck]


class IssuesDetected(Event):
    """Audit findings for pages of a crawl (page-level while crawling, site-wide at the end)."""

    crawl_id: uuid.UUID
    issues: list[dict[str, Any]] = Field(description="{page_id, code, severity, details}")
    replace_codes: list[str] = Field(default_factory=list, description="codes whose old rows these replace")


class LinkScoresComputed(Event):
    """Internal link scores (0–100) of a crawl's pages, computed when it completes (shared.audit.linkscore).

    Large crawls take several events; the first (``replace``) clears the crawl's earlier scores.
    """

    crawl_id: uuid.UUID
    page_ids: list[int]
    scores: list[float]
    replace: bool = False


class CrawlCompleted(Event):
    notify = (SCHEDULER_CHANNEL, OUTBOX_CHANNEL)
    crawl_id: uuid.UUID
    pages_crawled: int


class CrawlFailed(Event):
    notify = (SCHEDULER_CHANNEL, OUTBOX_CHANNEL)
    crawl_id: uuid.UUID
    error: str


class CrawlSummarized(Event):
    """The completed crawl's figures for the trends, kept when retention drops its pages.

    Computed once by ``crawl_summary()`` (migration 0160) from the crawl's pages and issues, in the
    transaction that completes the crawl; carried in the event so a rebuild never recomputes it
    from pages that retention may have deleted since.
    """

    crawl_id: uuid.UUID
    health_score: float | None = Field(description="0-100; null when no page was in scope")
    pages_crawled: int
    pages_in_scope: int = Field(description="internal HTML pages that count for the health score")
    pages_with_errors: int
    errors: int = Field(description="issue rows of error severity")
    warnings: int
    notices: int
    indexable_pages: int
    response_time_p50: float | None = None
    response_time_p95: float | None = None


class CrawlAttemptFailed(Event):
    """The attempt failed for a reason that may pass; the scheduler re-queues it at ``retry_at``."""

    notify = (SCHEDULER_CHANNEL,)
    crawl_id: uuid.UUID
    error: str
    attempt: int
    retry_at: datetime


class CrawlRequeued(Event):
    """Back in the queue: a retry fell due or a lease was handed back."""

    notify = (WORK_CHANNEL, SCHEDULER_CHANNEL)
    crawl_id: uuid.UUID
    reason: str


class CrawlReleased(Event):
    """A worker handed its unfinished crawl back, re-queued at once: the worker was stopping (SIGTERM), or
    it lost its database connection mid-crawl (``reason`` says which). Neither is the crawl's fault, so
    the attempt is not counted: the next claim is attempt ``attempt`` again (``None``: released
    before releases said which attempt they gave back; that one stays counted)."""

    notify = (WORK_CHANNEL, SCHEDULER_CHANNEL)
    crawl_id: uuid.UUID
    worker_id: str
    reason: str | None = None
    attempt: int | None = None


class LeaseExpired(Event):
    """The worker holding the crawl stopped heartbeating; the crawl goes back to the queue."""

    notify = (WORK_CHANNEL, SCHEDULER_CHANNEL)
    crawl_id: uuid.UUID
    worker_id: str


class CrawlPaused(Event):
    notify = (CONTROL_CHANNEL, SCHEDULER_CHANNEL)
    crawl_id: uuid.UUID


class CrawlResumed(Event):
    notify = (WORK_CHANNEL, SCHEDULER_CHANNEL)
    crawl_id: uuid.UUID


class CrawlCancelled(Event):
    notify = (CONTROL_CHANNEL, SCHEDULER_CHANNEL)
    crawl_id: uuid.UUID


# --- schedules -------------------------------------------------------------------------------


class ScheduleCreated(Event):
    """A recurring crawl. ``settings`` are its crawl settings as they were when it was made (the site's
    defaults then, with the request's own fields over them); ``own_settings`` are the request's own
    fields alone: each run lays them over the site's defaults *as they are at that run*, so a later
    change of the site's defaults reaches the schedule while its own fields still win. ``None`` (a
    schedule made before schedules followed their site): every run uses ``settings``."""

    notify = (SCHEDULER_CHANNEL,)
    schedule_id: uuid.UUID
    url: str
    cron: str
    timezone: str
    settings: CrawlSettings
    site_id: uuid.UUID | None = None
    own_settings: dict[str, Any] | None = None

    _sealed = field_validator("own_settings")(classmethod(lambda cls, v: _own_sealed(v)))


class ScheduleDeleted(Event):
    notify = (SCHEDULER_CHANNEL,)
    schedule_id: uuid.UUID


class ScheduleFired(Event):
    """The schedule fired for ``fire_time`` and requested ``crawl_id`` (at most once per fire time)."""

    notify = (SCHEDULER_CHANNEL,)
    schedule_id: uuid.UUID
    fire_time: datetime
    crawl_id: uuid.UUID


def _own_sealed(own: dict[str, Any] | None) -> dict[str, Any] | None:
    if own is not None and holds_credentials(own.get("auth")):
        raise ValueError("credentials enter an event only as their vault reference (services.api.credentials.seal)")
    return own


def _no_clear_credentials(settings: SiteSettings) -> SiteSettings:
    # A crawl's settings hold only a reference by type; a site's crawl defaults are free JSON, so say it here.
    if holds_credentials(settings.crawl.get("auth")):
        raise ValueError("credentials enter an event only as their vault reference (services.api.credentials.seal)")
    return settings


# --- sites -------------------------------------------------------------------------------------


class SiteCreated(Event):
    """A site (an origin) exists: made explicitly or by the first crawl of its origin.

    ``attach_crawls`` / ``attach_schedules`` are crawls and schedules recorded before sites existed
    (migration 0160 lists them); every later crawl names its site in ``CrawlRequested``.
    """

    site_id: uuid.UUID
    origin: str
    url: str = Field(description="the start URL of the site's crawls")
    name: str
    settings: SiteSettings = Field(default_factory=SiteSettings)
    attach_crawls: list[uuid.UUID] = Field(default_factory=list)
    attach_schedules: list[uuid.UUID] = Field(default_factory=list)

    _sealed = field_validator("settings")(classmethod(lambda cls, v: _no_clear_credentials(v)))


class SiteSettingsChanged(Event):
    """The site's name, start URL or settings changed (the event carries all three as they are now)."""

    site_id: uuid.UUID
    url: str
    name: str
    settings: SiteSettings

    _sealed = field_validator("settings")(classmethod(lambda cls, v: _no_clear_credentials(v)))


class SiteDeleted(Event):
    notify = (SCHEDULER_CHANNEL,)
    site_id: uuid.UUID


class SiteFilesRead(Event):
    """What the crawl read at a host's well-known addresses when it started: robots.txt and llms.txt
    (``files``: answer, problems, ``Sitemap:`` lines, AI crawler verdicts; robots.txt's text for
    diffs), and how many URLs the sitemaps listed. The audit and the robots report read the files
    (``site_files``); alerts diff robots.txt and the sitemap count between crawls (``crawl_files``).
    A file of an origin replaces the one stored before for that origin and kind."""

    crawl_id: uuid.UUID
    files: list[SiteFile] = Field(default_factory=list)
    sitemap_urls: int | None = Field(default=None, description="URLs the sitemaps listed (None: not read)")


# --- alerts: channels, rules, alerts and their deliveries --------------------------------------


class ChannelCreated(Event):
    """A delivery channel; its secret fields are in the vault under ``secret_ref``, never here."""

    channel_id: uuid.UUID
    type: str
    name: str
    language: str
    config: dict[str, Any] = Field(description="the public part of the config (no secret field)")
    secret_ref: uuid.UUID | None = None


class ChannelDeleted(Event):
    channel_id: uuid.UUID


class AlertRuleCreated(Event):
    rule_id: uuid.UUID
    site_id: uuid.UUID
    kind: str
    params: dict[str, Any]
    channels: list[uuid.UUID]


class AlertRuleDeleted(Event):
    rule_id: uuid.UUID


class AlertsChecked(Event):
    """The site's rules were evaluated for the crawl (``alerts`` raised; ``error`` if they could not be)."""

    notify = (OUTBOX_CHANNEL,)  # retention waits for a site's checks: wake it

    crawl_id: uuid.UUID
    alerts: list[uuid.UUID] = Field(default_factory=list)
    error: str | None = None


class PlannedDelivery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delivery_id: uuid.UUID
    channel_id: uuid.UUID


class AlertRaised(Event):
    """A rule fired for a crawl; one delivery per channel of the rule goes into the outbox."""

    notify = (OUTBOX_CHANNEL, SCHEDULER_CHANNEL)
    alert_id: uuid.UUID
    site_id: uuid.UUID
    rule_id: uuid.UUID
    crawl_id: uuid.UUID
    previous_crawl_id: uuid.UUID | None = None
    kind: str
    params: dict[str, Any]
    evidence: dict[str, Any] = Field(description="counts, before/after values (capped) and the comparison link")
    deliveries: list[PlannedDelivery]


class DeliveryAttempted(Event):
    """A worker took the delivery for one attempt and holds its lease."""

    notify = (SCHEDULER_CHANNEL,)
    delivery_id: uuid.UUID
    attempt: int
    worker_id: str
    lease_expires_at: datetime


class DeliverySucceeded(Event):
    delivery_id: uuid.UUID
    attempt: int
    detail: str | None = None


class DeliveryAttemptFailed(Event):
    """The attempt failed; the delivery is tried again at ``retry_at`` (the scheduler wakes a worker)."""

    notify = (SCHEDULER_CHANNEL,)
    delivery_id: uuid.UUID
    attempt: int
    error: str
    retry_at: datetime


class DeliveryFailed(Event):
    """No more attempts: the delivery failed with ``error`` (the last one)."""

    delivery_id: uuid.UUID
    attempt: int
    error: str


class DeliveryLeaseExpired(Event):
    """The worker sending it stopped before it recorded an outcome; the delivery is due again at once."""

    notify = (OUTBOX_CHANNEL, SCHEDULER_CHANNEL)
    delivery_id: uuid.UUID
    attempt: int
    worker_id: str


# --- retention ---------------------------------------------------------------------------------


class CrawlPurged(Event):
    """Retention deleted the crawl's pages, links, issues, frontier and page events; its summary stays.

    The crawl's counters as they were are carried here, so a rebuild (which no longer sees the
    deleted page events) gives the crawl row the same values as the live projection.
    """

    crawl_id: uuid.UUID
    bytes_freed: int = Field(description="stored size of the deleted rows and events (pg_column_size)")
    rows_deleted: int
    events_deleted: int
    pages_crawled: int
    pages_discovered: int
    issues_count: int
    errors_count: int


class RetentionApplied(Event):
    """The site keeps its newest ``retention`` completed crawls' pages; ``purged`` lost theirs now."""

    site_id: uuid.UUID
    purged: list[uuid.UUID]
    bytes_freed: int
