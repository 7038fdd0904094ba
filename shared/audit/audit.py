"""The audit: turns page and link records into issues (codes in ``shared.audit.catalogue``).

Used by the crawler:
- ``page_issues(page, thresholds)``: page-level rules on each record while crawling.
- ``finalize(conn, crawl_id, thresholds)``: site-wide rules when the crawl completes; returns
  the ``IssuesDetected`` events to append (the caller appends them in its transaction).
Used by operators (``seo admin reaudit ID``):
- ``reaudit(conn, crawl_id)``: every rule again on the stored records of an old crawl, so rules
  can change without recrawling.

Issues are dicts ``{"page_id", "code", "severity", "details"}``; the issues projection stores
one row per (crawl, code, page). Rules live in ``pagerules`` and ``siterules`` beside this module,
and in ``rules/`` (the check families, rendering included, run by ``rules.registry``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

import asyncpg
from pydantic import ValidationError

from shared.audit import catalogue, pagerules, siterules
from shared.audit.rules import registry
from shared.eventlog import events as ev
from shared.model.crawlsettings import Thresholds
from shared.model.pages import Link, PageRecord

EVENT_BATCH = 2000  # issues per IssuesDetected event: events stay a few MB even with long details
PAGE_BATCH = 1000  # stored records read at a time by reaudit


class UnknownCrawl(LookupError):
    """No crawl has this id."""

    def __init__(self, crawl_id: uuid.UUID | str) -> None:
        super().__init__(f"No crawl has the id {crawl_id}.")
        self.crawl_id = crawl_id


def page_issues(page: PageRecord, thresholds: Thresholds) -> list[dict[str, Any]]:
    """Issues of one page record: ``[{"page_id", "code", "severity", "details"}]``."""
    return pagerules.evaluate(page, thresholds) + registry.page_issues(page, thresholds)


def to_events(
    crawl_id: uuid.UUID, issues: Iterable[dict[str, Any]], replace_codes: Iterable[str]
) -> list[ev.IssuesDetected]:
    """Issues as ``IssuesDetected`` events of bounded size; only the first replaces old rows.

    Append all of them in one transaction so that readers never see the old rows gone and the
    new ones half written. At least one event is returned, so the old rows go even when no
    issue remains.
    """
    batch: list[dict[str, Any]] = []
    events: list[ev.IssuesDetected] = []
    replace = sorted(set(replace_codes))
    for issue in issues:
        batch.append(issue)
        if len(batch) >= EVENT_BATCH:
            events.append(ev.IssuesDetected(crawl_id=crawl_id, issues=batch, replace_codes=[] if events else replace))
            batch = []
    if batch or not events:
        events.append(ev.IssuesDetected(crawl_id=crawl_id, issues=batch, replace_codes=[] if events else replace))
    return events


async def site_events(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, thresholds: Thresholds
) -> AsyncIterator[ev.IssuesDetected]:
    """Site-wide issues of a completed crawl as events of at most ``EVENT_BATCH`` issues, produced as
    the rules stream, so memory stays flat however many pages share a finding. The first event
    replaces the earlier site-wide rows; at least one event comes. ``conn`` only reads: append the
    events on another connection as they come.
    """
    batch = [*await siterules.evaluate(conn, crawl_id, thresholds)]
    first = True
    async for issue in registry.site_issues(conn, crawl_id, thresholds):
        batch.append(issue)
        if len(batch) >= EVENT_BATCH:
            yield ev.IssuesDetected(crawl_id=crawl_id, issues=batch, replace_codes=list(catalogue.SITE_CODES))
            batch, first = [], False
    for event in to_events(crawl_id, batch, catalogue.SITE_CODES if first else []):
        if event.issues or first:
            yield event


async def finalize(conn: asyncpg.Connection, crawl_id: uuid.UUID, thresholds: Thresholds) -> list[ev.IssuesDetected]:
    """Site-wide issues of a completed crawl, as events to append (they replace earlier site-wide rows)."""
    return [event async for event in site_events(conn, crawl_id, thresholds)]


_THRESHOLDS = "SELECT settings->'thresholds' FROM crawls WHERE id = $1"


def thresholds_of(stored: dict[str, Any] | None) -> Thresholds:
    """A crawl's stored thresholds; values an older version allowed but this one refuses fall back
    to their defaults instead of making the crawl unreadable."""
    try:
        return Thresholds.model_validate(stored or {})
    except ValidationError:
        valid = {}
        for name, value in (stored or {}).items():
            try:
                Thresholds.model_validate({name: value})
                valid[name] = value
            except ValidationError:
                continue
        return Thresholds.model_validate(valid)


_PAGE_BATCH = "SELECT * FROM pages WHERE crawl_id = $1 AND id > $2 ORDER BY id LIMIT $3"
_LINKS_OF = """SELECT source_id, target_url, anchor, rel, internal FROM links
               WHERE source_id = ANY($1::bigint[]) ORDER BY source_id, ordinal"""
_RECORD_FIELDS = set(PageRecord.model_fields) - {"links"}


def record_of(row: asyncpg.Record, links: list[Link]) -> PageRecord:
    """A stored page row (and its links) as the record the crawler produced."""
    values = {k: v for k, v in dict(row).items() if k in _RECORD_FIELDS}
    return PageRecord.model_validate({**values, "links": links})


async def stored_records(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> Any:
    """The crawl's stored page records, in id order, a batch at a time (async iterator)."""
    last = 0
    while True:
        rows = await conn.fetch(_PAGE_BATCH, crawl_id, last, PAGE_BATCH)
        if not rows:
            return
        links: dict[int, list[Link]] = {}
        for link in await conn.fetch(_LINKS_OF, [r["id"] for r in rows]):
            links.setdefault(link["source_id"], []).append(
                Link(url=link["target_url"], anchor=link["anchor"] or "", rel=link["rel"] or "",
                     internal=link["internal"])
            )  # fmt: skip
        for row in rows:
            yield record_of(row, links.get(row["id"], []))
        last = rows[-1]["id"]


async def reaudit(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, thresholds: Thresholds | None = None
) -> list[ev.IssuesDetected]:
    """Every issue of a stored crawl recomputed from its pages and links, as events to append.

    The events replace every code (``replace_codes`` = the whole catalogue), so issues of rules
    that no longer fire disappear. ``thresholds`` default to the ones the crawl ran with.
    Meant for finished crawls (a running one finalizes on its own). Append the events in one
    transaction. Raises ``UnknownCrawl`` for an unknown crawl.
    """
    if thresholds is None:
        stored = await conn.fetchrow(_THRESHOLDS, crawl_id)
        if stored is None:
            raise UnknownCrawl(crawl_id)
        thresholds = thresholds_of(stored[0])
    issues: list[dict[str, Any]] = []
    async for record in stored_records(conn, crawl_id):
        issues += page_issues(record, thresholds)
    issues += await siterules.evaluate(conn, crawl_id, thresholds)
    issues += [issue async for issue in registry.site_issues(conn, crawl_id, thresholds)]
    return to_events(crawl_id, issues, catalogue.CODES)
