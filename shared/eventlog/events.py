"""Event payloads: one pydantic model per event type, registered by name.

Events are facts in the past tense. Each class names the NOTIFY channels its append wakes;
the notification is sent in the appending transaction and delivered at commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.model.crawlsettings import CrawlSettings
from shared.model.pages import PageRecord
from shared.model.resources import ResourceCheck
from shared.model.sitefiles import SiteFile

# NOTIFY channels. Payloads stay tiny: ids, never data.
WORK_CHANNEL = "parsequeue"  # work became available: workers wake and try one claim
CONTROL_CHANNEL = "crawl_control"  # a crawl was paused or cancelled: its worker stops it
SCHEDULER_CHANNEL = "scheduler"  # schedules, leases or retries changed: the scheduler re-plans
EVENTS_CHANNEL = "events"  # something was appended: followers (the api's live streams) read on

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


# --- crawl lifecycle -------------------------------------------------------------------------


class CrawlRequested(Event):
    notify = (WORK_CHANNEL, SCHEDULER_CHANNEL)
    crawl_id: uuid.UUID
    settings: CrawlSettings
    schedule_id: uuid.UUID | None = None


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


class SiteFilesRead(Event):
    """What the crawl read at a host's well-known addresses (robots.txt, llms.txt); a file of an
    origin replaces the one stored before for that origin and kind."""

    crawl_id: uuid.UUID
    files: list[SiteFile]


class CrawlCompleted(Event):
    notify = (SCHEDULER_CHANNEL,)
    crawl_id: uuid.UUID
    pages_crawled: int


class CrawlFailed(Event):
    notify = (SCHEDULER_CHANNEL,)
    crawl_id: uuid.UUID
    error: str


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
    """A stopping worker handed its unfinished crawl back (SIGTERM), re-queued at once."""

    notify = (WORK_CHANNEL, SCHEDULER_CHANNEL)
    crawl_id: uuid.UUID
    worker_id: str


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
    notify = (SCHEDULER_CHANNEL,)
    schedule_id: uuid.UUID
    url: str
    cron: str
    timezone: str
    settings: CrawlSettings


class ScheduleDeleted(Event):
    notify = (SCHEDULER_CHANNEL,)
    schedule_id: uuid.UUID


class ScheduleFired(Event):
    """The schedule fired for ``fire_time`` and requested ``crawl_id`` (at most once per fire time)."""

    notify = (SCHEDULER_CHANNEL,)
    schedule_id: uuid.UUID
    fire_time: datetime
    crawl_id: uuid.UUID
