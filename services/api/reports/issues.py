"""Reading a crawl's stored issues: counts per code, the URLs of one code, the issues of one page.

What ``GET /api/crawls/{id}/issues`` serves. Counts come from SQL (``GROUP BY code``); texts
come from ``shared.audit.catalogue`` in the requested language. A crawl with no pages, or one still
running, simply has fewer (or no) rows; an unknown crawl raises ``CrawlNotFound``, an unknown
code ``InvalidReportRequest`` naming ``code`` (both ``errors.ReportError``: use ``.status``).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import asyncpg

from services.api.reports.errors import CrawlNotFound, InvalidReportRequest
from shared.audit import audit, catalogue, problems

MAX_LIMIT = 1000

_CRAWL = "SELECT settings->'thresholds' AS thresholds FROM crawls WHERE id = $1"
_COUNTS = "SELECT code, count(*) AS count FROM issues WHERE crawl_id = $1 GROUP BY code"
_OF_CODE = """
SELECT i.page_id, p.url, i.severity, i.details, p.status_code
FROM issues i JOIN pages p ON p.id = i.page_id
WHERE i.crawl_id = $1 AND i.code = $2 AND ($3::text IS NULL OR p.url > $3)
  AND ($5::text IS NULL OR strpos(lower(p.url), lower($5)) > 0 OR strpos(lower(p.url), lower($6)) > 0)
ORDER BY p.url LIMIT $4
"""
_OF_PAGE = "SELECT code, severity, details FROM issues WHERE crawl_id = $1 AND page_id = $2"


async def _require_crawl(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(_CRAWL, crawl_id)
    if row is None:
        raise CrawlNotFound(crawl_id)
    return row


async def summary(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, *, lang: catalogue.Language = "en", include_zero: bool = False
) -> list[dict[str, Any]]:
    """One row per code: ``code``, ``severity``, ``count``, ``title``, ``explanation``, ``fix``, threshold.

    Most severe first, then most frequent. ``include_zero`` lists codes that did not fire too.
    """
    row = await _require_crawl(conn, crawl_id)
    thresholds = audit.thresholds_of(row["thresholds"])
    counts = {r["code"]: r["count"] for r in await conn.fetch(_COUNTS, crawl_id)}
    wide = problems.site_wide(counts, await problems.content_pages(conn, crawl_id))
    rows = []
    for entry in catalogue.CATALOGUE.values():
        count = counts.get(entry.code, 0)
        if count or include_zero:
            rows.append({**entry.as_dict(lang, thresholds), "count": count, "site_wide": entry.code in wide})
    rows.sort(key=lambda r: (catalogue.SEVERITY_ORDER[r["severity"]], -r["count"], r["code"]))
    return rows


async def pages_with(
    conn: asyncpg.Connection,
    crawl_id: uuid.UUID,
    code: str,
    *,
    after_url: str | None = None,
    limit: int = 100,
    url_contains: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The URLs carrying ``code``, by URL, as ``(rows, next_cursor)``; pass ``next_cursor`` as ``after_url``.

    ``url_contains`` keeps the URLs containing that text (case-insensitive).

    Each row: ``page_id``, ``url``, ``status_code``, ``severity``, ``details``.
    """
    try:
        catalogue.get(code)
    except catalogue.UnknownIssueCode as exc:  # the caller's mistake, not an empty list
        raise InvalidReportRequest(exc.field, str(exc)) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidReportRequest("limit", f"limit must be between 1 and {MAX_LIMIT}")
    await _require_crawl(conn, crawl_id)
    # Crawled URLs are stored percent-encoded: "каталог" is also looked for as "%D0%BA...".
    needle = url_contains or None
    encoded = quote(needle.lower(), safe="/:?=&%#+@") if needle else None
    rows = await conn.fetch(_OF_CODE, crawl_id, code, after_url, limit + 1, needle, encoded)
    items = [dict(r) for r in rows[:limit]]
    return items, (items[-1]["url"] if len(rows) > limit else None)


async def of_page(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, page_id: int, *, lang: catalogue.Language = "en"
) -> list[dict[str, Any]]:
    """The issues of one page with their catalogue texts, most severe first."""
    rows = await conn.fetch(_OF_PAGE, crawl_id, page_id)
    out = []
    for r in rows:
        entry = catalogue.CATALOGUE.get(r["code"])
        # a code a newer rule set dropped stays readable until the crawl is re-audited
        text = entry.as_dict(lang) if entry else {"code": r["code"], "severity": r["severity"], "title": r["code"]}
        out.append({**text, "details": r["details"]})
    out.sort(key=lambda r: (catalogue.SEVERITY_ORDER[r["severity"]], r["code"]))
    return out
