"""Helpers for audit tests: crawls and page records stored through the event log, as the crawler does."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlsettings import CrawlSettings
from shared.model.pages import Link, PageRecord

_ids = itertools.count(1)


async def new_crawl(
    conn: asyncpg.Connection,
    url: str = "https://example.com/",
    *,
    schedule_id: uuid.UUID | None = None,
    **settings: Any,
) -> uuid.UUID:
    crawl_id = uuid.uuid4()
    event = ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url=url, **settings), schedule_id=schedule_id)
    await streams.append(conn, ev.crawl_stream(crawl_id), [event], expected_version=eventstore.NO_STREAM)
    return crawl_id


async def complete(conn: asyncpg.Connection, crawl_id: uuid.UUID, pages: int = 0) -> None:
    await streams.append(conn, ev.crawl_stream(crawl_id), [ev.CrawlCompleted(crawl_id=crawl_id, pages_crawled=pages)])


async def store(conn: asyncpg.Connection, crawl_id: uuid.UUID, pages: list[PageRecord]) -> None:
    await streams.append(
        conn, ev.crawl_stream(crawl_id), [ev.PagesCrawled(crawl_id=crawl_id, pages=pages, pages_discovered=len(pages))]
    )


def page(url: str, **changes: Any) -> PageRecord:
    """A clean indexable HTML page at ``url`` (``changes`` override fields)."""
    n = next(_ids)
    values: dict[str, Any] = {
        "id": n,
        "url": url,
        "final_url": url,
        "status_code": 200,
        "content_type": "text/html",
        "indexable": True,
        "title": f"A distinct and descriptive title number {n}",
        "title_count": 1,
        "meta_description": f"A distinct description for page {n}, long enough for the length check to pass.",
        "h1": [f"Heading {n}"],
        "canonical": url,
        "canonicals": [url],
        "lang": "en",
        "viewport": "width=device-width",
        "word_count": 300,
        "content_hash": f"hash-{n}",
        "depth": 1,
        "crawled_at": datetime(2026, 1, 1, tzinfo=UTC),
        # what issue 13's checks read
        "has_doctype": True,
        "charset_declared": True,
        "open_graph": {"og:title": f"Page {n}", "og:image": "/og.png"},
        "twitter_card": {"twitter:card": "summary"},
        "security_headers": {
            "strict-transport-security": "max-age=31536000",
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
        },
    }
    values.update(changes)
    return PageRecord(**values)


def linked(*pages: PageRecord) -> list[PageRecord]:
    """Every page links to every other one (no orphans, no dead ends)."""
    for p in pages:
        if p.status_code == 200 and not p.links:
            p.links = [Link(url=o.url, anchor="x") for o in pages if o is not p]
    return list(pages)


async def issues(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> dict[str, set[str]]:
    """code -> URLs carrying it."""
    rows = await conn.fetch(
        "SELECT i.code, p.url FROM issues i JOIN pages p ON p.id = i.page_id WHERE i.crawl_id = $1", crawl_id
    )
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["code"], set()).add(r["url"])
    return out
