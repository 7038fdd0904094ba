"""Reading stored issues: counts per code from SQL, URLs of a code page by page, a page's issues."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from services.api.reports import issues
from shared.audit import audit, catalogue
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.model.crawlsettings import Thresholds
from shared.reports.errors import CrawlNotFound, InvalidReportRequest
from tests.integration.auditsupport import linked, new_crawl, page, store

S = "https://issues.example/"


async def test_summary_listing_and_page_issues(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S, thresholds={"title_max_length": 50})
        pages = linked(
            page(S, depth=0),
            *[page(f"{S}каталог/{n}", title=None) for n in range(5)],
            long := page(S + "long", title="A title that is longer than fifty characters but not sixty"),
        )
        await store(conn, crawl_id, pages)
        found = [i for p in pages for i in audit.page_issues(p, Thresholds(title_max_length=50))]
        await streams.append(conn, ev.crawl_stream(crawl_id), [ev.IssuesDetected(crawl_id=crawl_id, issues=found)])

        rows = await issues.summary(conn, crawl_id, lang="ru")
        assert [(r["code"], r["severity"], r["count"]) for r in rows] == [
            ("title_missing", "error", 5),
            ("title_too_long", "warning", 1),
        ]
        assert rows[0]["title"] == "Нет тега title" and rows[0]["fix"]
        assert rows[1]["threshold_value"] == 50  # the crawl's own threshold, not the default
        everything = await issues.summary(conn, crawl_id, include_zero=True)
        assert len(everything) == len(catalogue.CODES)

        first, cursor = await issues.pages_with(conn, crawl_id, "title_missing", limit=3)
        rest, end = await issues.pages_with(conn, crawl_id, "title_missing", after=cursor, limit=3)
        assert len(first) == 3 and len(rest) == 2 and end is None
        assert [r["url"] for r in first + rest] == sorted(p.url for p in pages if p.title is None)
        only, _ = await issues.pages_with(conn, crawl_id, "title_missing", url_contains="КАТАЛОГ/3")
        assert [r["url"] for r in only] == [S + "каталог/3"]
        await store(conn, crawl_id, [encoded := page(S + "%D1%87%D0%B0%D0%B9", title=None)])
        await streams.append(conn, ev.crawl_stream(crawl_id), [ev.IssuesDetected(
            crawl_id=crawl_id, issues=audit.page_issues(encoded, Thresholds()))])  # fmt: skip
        only, _ = await issues.pages_with(conn, crawl_id, "title_missing", url_contains="Чай")
        assert [r["url"] for r in only] == [encoded.url]

        (issue,) = await issues.of_page(conn, crawl_id, long.id, lang="ru")
        assert issue["code"] == "title_too_long" and issue["title"] == "Слишком длинный title"
        assert issue["details"]["length"] == len(long.title or "")


async def test_bad_questions_get_clear_errors(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S)
        assert await issues.summary(conn, crawl_id) == []  # a crawl with no pages yet: empty, not an error
        with pytest.raises(InvalidReportRequest) as unknown:
            await issues.pages_with(conn, crawl_id, "no_such_code")
        assert unknown.value.status == 422 and unknown.value.field == "code"
        with pytest.raises(InvalidReportRequest):
            await issues.pages_with(conn, crawl_id, "title_missing", limit=0)
        with pytest.raises(CrawlNotFound):
            await issues.summary(conn, uuid.uuid4())


async def test_the_same_finding_twice_in_one_event_keeps_the_last(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S)
        p = page(S + "twice")
        await store(conn, crawl_id, [p])
        twice = [
            {"page_id": p.id, "code": "title_too_long", "severity": "warning", "details": {"length": 70}},
            {"page_id": p.id, "code": "title_too_long", "severity": "warning", "details": {"length": 80}},
        ]
        await streams.append(conn, ev.crawl_stream(crawl_id), [ev.IssuesDetected(crawl_id=crawl_id, issues=twice)])
        (issue,) = await issues.of_page(conn, crawl_id, p.id)
        assert issue["details"] == {"length": 80}
        assert await conn.fetchval("SELECT issues_count FROM crawls WHERE id = $1", crawl_id) == 1
