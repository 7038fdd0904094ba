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
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import asyncpg
from pydantic import ValidationError

from shared.audit import catalogue, customsearch, duplicates, linkscore, pagerules, siterules
from shared.audit.rules import registry
from shared.eventlog import events as ev
from shared.model.crawlsettings import Thresholds
from shared.model.extraction import ExtractionRule, search_code
from shared.model.pages import Link, PageRecord
from shared.model.userinput import STORED

EVENT_BATCH = 2000  # issues per IssuesDetected event: events stay a few MB even with long details
PAGE_BATCH = 1000  # stored records read at a time by reaudit


class UnknownCrawl(LookupError):
    """No crawl has this id."""

    def __init__(self, crawl_id: uuid.UUID | str) -> None:
        super().__init__(f"No crawl has the id {crawl_id}.")
        self.crawl_id = crawl_id


def page_issues(page: PageRecord, thresholds: Thresholds, rules: Sequence[ExtractionRule] = ()) -> list[dict[str, Any]]:
    """Issues of one page record: ``[{"page_id", "code", "severity", "details"}]``; ``rules`` are the
    crawl's extraction rules (custom searches and extraction shortfalls)."""
    return (
        pagerules.evaluate(page, thresholds)
        + registry.page_issues(page, thresholds)
        + customsearch.page_issues(page, rules)
    )


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
    conn: asyncpg.Connection, crawl_id: uuid.UUID, thresholds: Thresholds, *, offload: duplicates.Offload | None = None
) -> AsyncIterator[ev.Event]:
    """The end of a crawl as events, produced as the rules stream (memory stays flat however many
    pages share a finding): first the pages' link scores (``LinkScoresComputed``), then the site-wide
    issues in events of at most ``EVENT_BATCH``, the first of which replaces the earlier site-wide
    rows (at least one comes). CPU passes (the link score, near duplicates) run through ``offload``
    (the CPU pool). ``conn`` only reads: append the events on another connection as they come.

    Call it outside a transaction: its CPU passes must not keep one open.
    """
    scores = await linkscore.compute(conn, crawl_id, offload=offload)
    for scored in linkscore.to_events(crawl_id, scores):
        yield scored
    batch = [*await siterules.evaluate(conn, crawl_id, thresholds, offload)]
    batch += await linkscore.issues(conn, crawl_id, scores, thresholds)
    first = True
    async for issue in registry.site_issues(conn, crawl_id, thresholds):
        batch.append(issue)
        if len(batch) >= EVENT_BATCH:
            yield ev.IssuesDetected(crawl_id=crawl_id, issues=batch, replace_codes=list(catalogue.SITE_CODES))
            batch, first = [], False
    for event in to_events(crawl_id, batch, catalogue.SITE_CODES if first else []):
        if event.issues or first:
            yield event


async def finalize(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, thresholds: Thresholds, *, offload: duplicates.Offload | None = None
) -> list[ev.Event]:
    """The end of a crawl (``site_events``) as one list of events to append."""
    return [event async for event in site_events(conn, crawl_id, thresholds, offload=offload)]


_THRESHOLDS = "SELECT settings->'thresholds', settings->'extraction' FROM crawls WHERE id = $1"


def rules_of(stored: list[Any] | None) -> list[ExtractionRule]:
    """A crawl's stored ``extraction`` rules (read back as they were written)."""
    return [ExtractionRule.model_validate(r, context=STORED) for r in stored or []]


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
_LINKS_OF = """SELECT source_id, target_url, anchor, rel, internal, original_url, url_rules FROM links
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
                     internal=link["internal"], original_url=link["original_url"], url_rules=link["url_rules"] or [])
            )  # fmt: skip
        for row in rows:
            yield record_of(row, links.get(row["id"], []))
        last = rows[-1]["id"]


async def reaudit(
    conn: asyncpg.Connection,
    crawl_id: uuid.UUID,
    thresholds: Thresholds | None = None,
    *,
    offload: duplicates.Offload | None = None,
) -> list[ev.IssuesDetected]:
    """Every issue of a stored crawl recomputed from its pages and links, as events to append.

    The events replace every code (``replace_codes`` = the whole catalogue), so issues of rules
    that no longer fire disappear. ``thresholds`` default to the ones the crawl ran with.
    Meant for finished crawls (a running one finalizes on its own). Append the events in one
    transaction. Raises ``UnknownCrawl`` for an unknown crawl.
    """
    stored = await conn.fetchrow(_THRESHOLDS, crawl_id)
    if stored is None:
        raise UnknownCrawl(crawl_id)
    if thresholds is None:
        thresholds = thresholds_of(stored[0])
    rules = rules_of(stored[1])
    issues: list[dict[str, Any]] = []
    async for record in stored_records(conn, crawl_id):
        issues += page_issues(record, thresholds, rules)
    issues += await siterules.evaluate(conn, crawl_id, thresholds, offload)
    issues += [issue async for issue in registry.site_issues(conn, crawl_id, thresholds)]
    issues += await linkscore.issues(conn, crawl_id, await _stored_scores(conn, crawl_id), thresholds)
    return to_events(crawl_id, issues, [*catalogue.CODES, *(search_code(r.name) for r in rules if r.search)])


_SCORES = "SELECT id, link_score FROM pages WHERE crawl_id = $1 AND link_score IS NOT NULL"


async def _stored_scores(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> dict[int, float]:
    return {r["id"]: r["link_score"] for r in await conn.fetch(_SCORES, crawl_id)}
