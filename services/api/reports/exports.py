"""Exports of a crawl: pages, issues and links as CSV, JSON Lines or XLSX, and sitemap.xml.

Everything streams: rows come from a server-side cursor and leave as byte chunks, so memory
stays flat however big the crawl. XLSX is written by xlsxwriter in ``constant_memory`` mode to
a temporary file (a zip cannot be sent before it is finished), then streamed from disk.

Usage (the api)::

    async with pool.acquire() as conn:
        export = await exports.open_export(conn, crawl_id, what="pages", fmt="csv")  # errors raise here
        # send export.content_type / export.filename headers, then:
        async for chunk in export.chunks:
            await response.write(chunk)

The connection must stay acquired until ``chunks`` is exhausted (or closed). Errors are
``reporterrors.ReportError`` (404 unknown crawl, 422 unknown ``what`` / ``fmt`` / ``part``).
Crawled text is hostile: CSV cells that a spreadsheet would run as a formula are prefixed
with ``'``, XLSX cells are always written as strings, never formulas.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import math
import os
import re
import tempfile
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import asyncpg
import xlsxwriter

from shared.audit import catalogue, evidence
from shared.model import pages
from shared.reports.errors import CrawlNotFound, InvalidReportRequest

WHAT = ("pages", "issues", "links")
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
SITEMAP_MAX_URLS = 50_000
CHUNK_BYTES = 64 * 1024
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included: larger exports continue on a new sheet
XLSX_MAX_CELL = 32_767

# What users see of a page (the page schema's PublicPage), with what an export computes beside it.
PAGE_COLUMNS = pages.export_columns()
# One row per finding: a page's issue with each thing its rule saw (a broken link, a member of a
# duplicate group) in the evidence columns (shared.audit.evidence), blank where a code has none.
ISSUE_COLUMNS = ("url", "status_code", "code", "severity", "title", *evidence.COLUMNS, "explanation", "fix")
LINK_COLUMNS = ("source_url", "target_url", "original_url", "anchor", "rel", "internal", "target_status_code")

_PAGES = """
SELECT p.*, d.url AS near_duplicate_of_url,
       (SELECT count(*) FROM issues i WHERE i.crawl_id = p.crawl_id AND i.page_id = p.id) AS issues_count
FROM pages p LEFT JOIN pages d ON d.id = p.near_duplicate_of
WHERE p.crawl_id = $1 ORDER BY p.id
"""
_ISSUES = f"""
SELECT i.code, i.severity, i.details, {", ".join(f"p.{f}" for f in evidence.PAGE_FIELDS)}
FROM issues i JOIN pages p ON p.id = i.page_id
WHERE i.crawl_id = $1
ORDER BY CASE i.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, i.code, p.url
"""
_LINKS = """
SELECT s.url AS source_url, l.target_url, l.original_url, l.anchor, l.rel, l.internal,
       t.status_code AS target_status_code
FROM links l JOIN pages s ON s.id = l.source_id
LEFT JOIN pages t ON t.crawl_id = l.crawl_id AND t.url = l.target_url
WHERE l.crawl_id = $1 ORDER BY l.source_id, l.ordinal
"""
_SITEMAP_WHERE = """crawl_id = $1 AND indexable AND status_code = 200 AND error IS NULL
                    AND redirect_chain = '[]'::jsonb AND content_type ILIKE '%html%'"""
_SITEMAP_COUNT = f"SELECT count(*) FROM pages WHERE {_SITEMAP_WHERE}"
_SITEMAP_URLS = f"SELECT url FROM pages WHERE {_SITEMAP_WHERE} ORDER BY id OFFSET $2 LIMIT $3"
_CRAWL_RULES = "SELECT coalesce(settings->'extraction', '[]'::jsonb) FROM crawls WHERE id = $1"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Export:
    """A ready stream: send ``content_type`` and ``filename`` as headers, then the ``chunks``."""

    filename: str
    content_type: str
    chunks: AsyncGenerator[bytes, None]  # aclose() it if you stop early (releases the cursor)


def _cell(value: Any) -> Any:
    """A value as a flat cell: lists of text joined, objects as JSON, times as ISO 8601."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " | ".join(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _text(value: Any) -> str:
    value = _CONTROL.sub("", str(value))
    return "'" + value if value.startswith(_FORMULA_START) else value


Shape = Callable[[asyncpg.Record], list[dict[str, Any]]]
Rows = tuple[tuple[str, ...], str, Shape]


def extracted_column(rule_name: str) -> str:
    """The export column of an extraction rule's values (beside the page's fields, never one of them)."""
    return f"extracted.{rule_name}"


def _rows_of(what: str, lang: catalogue.Language, rule_names: Sequence[str] = ()) -> Rows:
    """The columns, the query and how one database row becomes export rows (issues: one per finding)."""
    if what == "pages":
        # `extracted` becomes one column per extraction rule of the crawl, in the rules' order.
        at = PAGE_COLUMNS.index("extracted")
        extra = tuple(extracted_column(n) for n in rule_names)
        columns = (*PAGE_COLUMNS[:at], *extra, *PAGE_COLUMNS[at + 1 :])

        def page(r: asyncpg.Record) -> list[dict[str, Any]]:
            values = {c: r[c] for c in PAGE_COLUMNS if c != "extracted"}
            found = r["extracted"] or {}
            values.update((extracted_column(n), found.get(n)) for n in rule_names)
            return [values]

        return columns, _PAGES, page

    if what == "issues":

        def issue(r: asyncpg.Record) -> list[dict[str, Any]]:
            entry = catalogue.lookup(r["code"], r["severity"])
            text = entry.text(lang) if entry else {"title": r["code"], "explanation": "", "fix": ""}
            head = {"url": r["url"], "status_code": r["status_code"], "code": r["code"], "severity": r["severity"],
                    "title": text["title"]}  # fmt: skip
            tail = {"explanation": text["explanation"], "fix": text["fix"]}
            page = {f: r[f] for f in evidence.PAGE_FIELDS}
            found = evidence.rows_of(r["code"], r["details"], page) or [{}]
            return [{**head, **{c: _evidence_cell(c, row.get(c)) for c in evidence.COLUMNS}, **tail} for row in found]

        return ISSUE_COLUMNS, _ISSUES, issue
    return LINK_COLUMNS, _LINKS, lambda r: [{c: r[c] for c in LINK_COLUMNS}]


def _evidence_cell(column: str, value: Any) -> Any:
    return evidence.chain_text(value) if column == "chain" and value else value


async def _cursor(conn: asyncpg.Connection, sql: str, *args: Any) -> AsyncIterator[asyncpg.Record]:
    context = contextlib.nullcontext() if conn.is_in_transaction() else conn.transaction(readonly=True)
    async with context:
        async for row in conn.cursor(sql, *args, prefetch=1000):
            yield row


async def _csv(conn: asyncpg.Connection, crawl_id: uuid.UUID, what: str, rows: Rows) -> AsyncGenerator[bytes, None]:
    columns, sql, shape = rows
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")  # the BOM that makes Excel read UTF-8 (Cyrillic) correctly
    writer.writerow(columns)
    async for row in _cursor(conn, sql, crawl_id):
        for values in shape(row):
            writer.writerow(["" if (v := _cell(values[c])) is None else _text(v) if isinstance(v, str) else v
                             for c in columns])  # fmt: skip
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


async def _jsonl(conn: asyncpg.Connection, crawl_id: uuid.UUID, what: str, rows: Rows) -> AsyncGenerator[bytes, None]:
    _, sql, shape = rows
    parts: list[str] = []
    size = 0
    async for row in _cursor(conn, sql, crawl_id):
        for values in shape(row):
            line = json.dumps(values, ensure_ascii=False, default=str) + "\n"
            parts.append(line)
            size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


async def _xlsx(conn: asyncpg.Connection, crawl_id: uuid.UUID, what: str, rows: Rows) -> AsyncGenerator[bytes, None]:
    columns, sql, shape = rows
    with tempfile.TemporaryDirectory(prefix="seo-export-") as tmp:
        path = os.path.join(tmp, "export.xlsx")
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tmp, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False})  # fmt: skip
        bold = book.add_format({"bold": True})
        sheet, row_no, sheets = None, XLSX_MAX_ROWS, 0
        async for record in _cursor(conn, sql, crawl_id):
            for values in shape(record):
                if row_no >= XLSX_MAX_ROWS:
                    sheets += 1
                    sheet = book.add_worksheet(what if sheets == 1 else f"{what} {sheets}")
                    sheet.write_row(0, 0, columns, bold)
                    sheet.freeze_panes(1, 0)
                    row_no = 1
                assert sheet is not None
                for col, name in enumerate(columns):
                    value = _cell(values[name])
                    if isinstance(value, str):
                        sheet.write_string(row_no, col, _CONTROL.sub("", value)[:XLSX_MAX_CELL])
                    elif isinstance(value, bool):
                        sheet.write_boolean(row_no, col, value)
                    elif value is not None:
                        sheet.write_number(row_no, col, value)
                row_no += 1
        if sheet is None:  # no rows: still a valid workbook with its header
            sheet = book.add_worksheet(what)
            sheet.write_row(0, 0, columns, bold)
        await asyncio.to_thread(book.close)  # zipping a big workbook must not stall the event loop
        with open(path, "rb") as handle:  # noqa: ASYNC230 - local temp file, read in bounded chunks
            while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
                yield chunk


async def _require_crawl(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> list[str]:
    """The crawl's extraction rule names (``CrawlNotFound`` when there is no such crawl)."""
    rules = await conn.fetchval(_CRAWL_RULES, crawl_id)
    if rules is None:
        raise CrawlNotFound(crawl_id)
    return [str(rule.get("name")) for rule in rules if isinstance(rule, dict)]


async def open_export(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, *, what: str, fmt: str, lang: catalogue.Language = "en"
) -> Export:
    """Validate and prepare an export of ``what`` (pages, issues, links) as ``fmt`` (csv, json, xlsx).

    Issue exports carry the catalogue texts in ``lang`` (en or ru). A crawl with no pages exports
    just the header (CSV/XLSX) or nothing (JSON Lines); a running crawl exports what it has so far.
    """
    if what not in WHAT:
        raise InvalidReportRequest("what", f"what must be one of {', '.join(WHAT)}")
    if fmt not in FORMATS:
        raise InvalidReportRequest("format", f"format must be one of {', '.join(FORMATS)}")
    if lang not in ("en", "ru"):
        raise InvalidReportRequest("lang", "lang must be en or ru")
    rule_names = await _require_crawl(conn, crawl_id)
    content_type, ext = FORMATS[fmt]
    writer = {"csv": _csv, "json": _jsonl, "xlsx": _xlsx}[fmt]
    rows = _rows_of(what, lang, rule_names)
    return Export(f"crawl-{crawl_id}-{what}.{ext}", content_type, writer(conn, crawl_id, what, rows))


async def _urlset(conn: asyncpg.Connection, crawl_id: uuid.UUID, offset: int) -> AsyncGenerator[bytes, None]:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    size = 0
    async for row in _cursor(conn, _SITEMAP_URLS, crawl_id, offset, SITEMAP_MAX_URLS):
        line = f"  <url><loc>{escape(row['url'])}</loc></url>\n"
        parts.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append("</urlset>\n")
    yield "".join(parts).encode("utf-8")


async def _index(self_url: str, parts: int) -> AsyncGenerator[bytes, None]:
    joiner = "&" if "?" in self_url else "?"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    lines += [f"  <sitemap><loc>{escape(f'{self_url}{joiner}part={n}')}</loc></sitemap>\n" for n in range(1, parts + 1)]
    lines.append("</sitemapindex>\n")
    yield "".join(lines).encode("utf-8")


async def open_sitemap(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, *, self_url: str, part: int | None = None
) -> Export:
    """sitemap.xml of the crawl's indexable pages that answered 200 (HTML, not redirected).

    Up to 50,000 URLs: one ``<urlset>``. More: without ``part`` a ``<sitemapindex>`` whose entries
    are ``{self_url}?part=N`` (so ``self_url`` must be the absolute URL of this sitemap), and
    ``part=N`` (1-based) is the N-th urlset. An out-of-range ``part`` raises (422, field ``part``).
    """
    await _require_crawl(conn, crawl_id)
    total = await conn.fetchval(_SITEMAP_COUNT, crawl_id)
    parts = max(1, math.ceil(total / SITEMAP_MAX_URLS))
    if part is not None and not 1 <= part <= parts:
        raise InvalidReportRequest("part", f"part must be between 1 and {parts}")
    if part is None and parts > 1:
        chunks = _index(self_url, parts)
    else:
        chunks = _urlset(conn, crawl_id, ((part or 1) - 1) * SITEMAP_MAX_URLS)
    return Export("sitemap.xml", "application/xml; charset=utf-8", chunks)
