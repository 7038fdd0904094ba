"""Exports opened back the way users open them: csv module, JSON Lines, openpyxl, an XML parser."""

from __future__ import annotations

import csv
import io
import json
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import asyncpg
import openpyxl
import pytest

from services.api.reports import exports
from shared.audit import audit
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.model.crawlsettings import Thresholds
from shared.model.pages import Link
from shared.reports.errors import CrawlNotFound, InvalidReportRequest
from tests.integration.auditsupport import new_crawl, page, store

BASE = "https://пример.example/"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


async def _crawl(conn: asyncpg.Connection) -> uuid.UUID:
    crawl_id = await new_crawl(conn, BASE)
    home = page(BASE, title="Главная страница магазина чая и кофе", h1=["Чай", "Кофе"], depth=0)
    formula = page(BASE + "formula", title='=HYPERLINK("http://evil.example","click")')
    missing = page(BASE + "missing", status_code=404, content_type="text/html", indexable=False, title=None)
    noindex = page(BASE + "hidden", meta_robots="noindex", indexable=False)
    home.links = [Link(url=formula.url, anchor="Формула"), Link(url=missing.url, anchor="Битая ссылка"),
                  Link(url=noindex.url, anchor="Скрытая", rel="nofollow"),
                  Link(url="https://other.example/", anchor="out", internal=False)]  # fmt: skip
    formula.links = [Link(url=home.url, anchor="Домой")]
    noindex.links = [Link(url=home.url, anchor="Домой")]
    pages = [home, formula, missing, noindex]
    await store(conn, crawl_id, pages)
    events: list[ev.Event] = [
        ev.IssuesDetected(crawl_id=crawl_id, issues=[i for p in pages for i in audit.page_issues(p, Thresholds())])
    ]
    events += await audit.finalize(conn, crawl_id, Thresholds())
    await streams.append(conn, ev.crawl_stream(crawl_id), events)
    return crawl_id


async def _bytes(export: exports.Export) -> bytes:
    return b"".join([chunk async for chunk in export.chunks])


async def test_csv_exports_open_in_the_csv_module_with_cyrillic(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await _crawl(conn)
        export = await exports.open_export(conn, crawl_id, what="pages", fmt="csv")
        data = await _bytes(export)
        assert export.filename.endswith("-pages.csv") and export.content_type.startswith("text/csv")
        assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        by_url = {r["url"]: r for r in rows}
        assert by_url[BASE]["title"] == "Главная страница магазина чая и кофе"
        assert by_url[BASE]["h1"] == "Чай | Кофе" and by_url[BASE]["indexable"] == "True"
        assert by_url[BASE + "missing"]["status_code"] == "404"
        assert by_url[BASE + "formula"]["title"].startswith("'=")  # never a live formula in Excel

        export = await exports.open_export(conn, crawl_id, what="issues", fmt="csv", lang="ru")
        issues = list(csv.DictReader(io.StringIO((await _bytes(export)).decode("utf-8-sig"))))
        pairs = {(r["url"], r["code"]) for r in issues}
        assert (BASE, "broken_internal_link") in pairs and (BASE + "missing", "status_4xx") in pairs
        # one row per finding, the evidence in columns a spreadsheet filters: the broken link's
        # target, anchor, status and how often the page repeats it; a short title's text and length
        (broken,) = [r for r in issues if r["code"] == "broken_internal_link"]
        assert broken["title"] == "Битая внутренняя ссылка" and broken["severity"] == "error" and broken["fix"]
        assert (broken["target"], broken["anchor"], broken["status"], broken["occurrences"]) == (
            BASE + "missing",
            "Битая ссылка",
            "404",
            "1",
        )
        (gone,) = [r for r in issues if r["code"] == "status_4xx"]
        assert gone["url"] == BASE + "missing" and gone["status"] == "404" and gone["target"] == ""
        assert "details" not in broken

        links = list(csv.DictReader(io.StringIO((await _bytes(
            await exports.open_export(conn, crawl_id, what="links", fmt="csv"))).decode("utf-8-sig"))))  # fmt: skip
        by_target = {r["target_url"]: r for r in links if r["source_url"] == BASE}
        assert by_target[BASE + "missing"]["anchor"] == "Битая ссылка"
        assert by_target[BASE + "missing"]["target_status_code"] == "404"
        assert by_target[BASE + "hidden"]["rel"] == "nofollow"
        assert by_target["https://other.example/"]["internal"] == "False"
        assert by_target["https://other.example/"]["target_status_code"] == ""


async def test_json_lines_and_xlsx(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await _crawl(conn)
        lines = (await _bytes(await exports.open_export(conn, crawl_id, what="pages", fmt="json"))).decode()
        records = [json.loads(line) for line in lines.splitlines()]
        assert {r["url"] for r in records} == {BASE, BASE + "formula", BASE + "missing", BASE + "hidden"}
        home = next(r for r in records if r["url"] == BASE)
        assert home["h1"] == ["Чай", "Кофе"] and home["indexable"] is True

        export = await exports.open_export(conn, crawl_id, what="issues", fmt="xlsx", lang="ru")
        book = openpyxl.load_workbook(io.BytesIO(await _bytes(export)), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert rows[0] == exports.ISSUE_COLUMNS
        assert any(r[2] == "broken_internal_link" and r[4] == "Битая внутренняя ссылка" for r in rows[1:])

        book = openpyxl.load_workbook(io.BytesIO(await _bytes(
            await exports.open_export(conn, crawl_id, what="pages", fmt="xlsx"))))  # fmt: skip
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        values = {sheet.cell(row=i, column=1).value: [c.value for c in sheet[i]] for i in range(2, sheet.max_row + 1)}
        assert values[BASE][header.index("title")] == "Главная страница магазина чая и кофе"
        assert values[BASE][header.index("status_code")] == 200
        formula = values[BASE + "formula"][header.index("title")]
        assert formula.startswith("=HYPERLINK") and sheet.cell(row=3, column=1).data_type != "f"
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


async def test_sitemap_lists_indexable_200_pages_and_splits_past_the_limit(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with pool.acquire() as conn:
        crawl_id = await _crawl(conn)
        sitemap = await exports.open_sitemap(conn, crawl_id, self_url="https://api.example/sitemap.xml")
        root = ET.fromstring(await _bytes(sitemap))
        assert root.tag == f"{SM}urlset"
        assert {e.text for e in root.iter(f"{SM}loc")} == {BASE, BASE + "formula"}

        monkeypatch.setattr(exports, "SITEMAP_MAX_URLS", 1)
        index = ET.fromstring(
            await _bytes(await exports.open_sitemap(conn, crawl_id, self_url="https://a.example/s.xml"))
        )
        assert index.tag == f"{SM}sitemapindex"
        assert [e.text for e in index.iter(f"{SM}loc")] == [
            "https://a.example/s.xml?part=1",
            "https://a.example/s.xml?part=2",
        ]
        parts = [ET.fromstring(await _bytes(await exports.open_sitemap(conn, crawl_id, self_url="x", part=n)))
                 for n in (1, 2)]  # fmt: skip
        assert sorted(e.text for p in parts for e in p.iter(f"{SM}loc")) == sorted([BASE, BASE + "formula"])
        with pytest.raises(InvalidReportRequest) as info:
            await exports.open_sitemap(conn, crawl_id, self_url="x", part=3)
        assert info.value.field == "part" and info.value.status == 422


async def test_bad_requests_and_empty_crawls(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        empty = await new_crawl(conn, "https://empty.example/")
        with pytest.raises(CrawlNotFound) as missing:
            await exports.open_export(conn, uuid.uuid4(), what="pages", fmt="csv")
        assert missing.value.status == 404
        for what, fmt, field in (("nope", "csv", "what"), ("pages", "pdf", "format")):
            with pytest.raises(InvalidReportRequest) as info:
                await exports.open_export(conn, empty, what=what, fmt=fmt)
            assert info.value.field == field
        data = await _bytes(await exports.open_export(conn, empty, what="links", fmt="csv"))
        assert data.decode("utf-8-sig").strip() == ",".join(exports.LINK_COLUMNS)
        assert await _bytes(await exports.open_export(conn, empty, what="pages", fmt="json")) == b""
        book = openpyxl.load_workbook(
            io.BytesIO(await _bytes(await exports.open_export(conn, empty, what="pages", fmt="xlsx")))
        )
        # `extracted` becomes one column per extraction rule: a crawl without rules has none
        assert [c.value for c in book.worksheets[0][1]] == [c for c in exports.PAGE_COLUMNS if c != "extracted"]
        root = ET.fromstring(await _bytes(await exports.open_sitemap(conn, empty, self_url="x")))
        assert root.tag == f"{SM}urlset" and len(root) == 0


async def test_large_export_streams_in_bounded_chunks(pool: asyncpg.Pool) -> None:
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, "https://big.example/")
        rows = [(i, crawl_id, f"https://big.example/страница-{i}", 200, "text/html", True, f"Заголовок {i}", now)
                for i in range(1, 2001)]  # fmt: skip
        await conn.copy_records_to_table(
            "pages", records=rows,
            columns=("id", "crawl_id", "url", "status_code", "content_type", "indexable", "title", "crawled_at"),
        )  # fmt: skip
        sizes = [len(c) async for c in (await exports.open_export(conn, crawl_id, what="pages", fmt="csv")).chunks]
        assert len(sizes) >= 3 and max(sizes) < exports.CHUNK_BYTES * 2
        xlsx = b"".join([c async for c in (await exports.open_export(conn, crawl_id, what="pages", fmt="xlsx")).chunks])
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).worksheets[0]
        assert sum(1 for _ in sheet.iter_rows()) == 2001
