"""How many distinct problems a crawl has: template issues counted once, as site-wide.

"7,102 issues" on a 1,170-page site is mostly one missing tag on every page. A code that fires on
at least 90 % of the crawl's HTML pages (and the crawl has at least 10 of them) is a **site-wide**
problem: a template fix, one problem with its page count. The per-page findings stay as they are
(every page still lists it); summaries and health numbers count distinct problems.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from shared.audit import catalogue

SITE_WIDE_SHARE = 0.9
SITE_WIDE_MIN_PAGES = 10

_COUNTS = "SELECT code, severity, count(*) AS pages FROM issues WHERE crawl_id = $1 GROUP BY code, severity"
# HTML pages that answered 200: the pages a template renders.
_CONTENT_PAGES = """SELECT count(*) FROM pages WHERE crawl_id = $1 AND status_code = 200 AND error IS NULL
                    AND NOT blocked_by_robots AND redirect_chain = '[]'::jsonb AND content_type ILIKE '%html%'"""


def site_wide(pages_by_code: dict[str, int], content_pages: int) -> set[str]:
    """The codes that fire on at least ``SITE_WIDE_SHARE`` of ``content_pages`` (none on small crawls)."""
    if content_pages < SITE_WIDE_MIN_PAGES:
        return set()
    return {code for code, pages in pages_by_code.items() if pages >= SITE_WIDE_SHARE * content_pages}


def problems(pages_by_code: dict[str, int], wide: set[str]) -> int:
    """Distinct problems: one per site-wide code, one per page for the others."""
    return sum(1 if code in wide else pages for code, pages in pages_by_code.items())


async def content_pages(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> int:
    """The crawl's HTML pages that answered 200 (what "90 % of pages" counts)."""
    return int(await conn.fetchval(_CONTENT_PAGES, crawl_id) or 0)


async def of_crawl(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> dict[str, Any]:
    """The crawl's counts: ``content_pages``, ``site_wide`` (codes), ``problems`` and
    ``problems_by_severity`` (distinct), ``issues`` and ``issues_by_severity`` (rows)."""
    rows = await conn.fetch(_COUNTS, crawl_id)
    pages = await content_pages(conn, crawl_id)
    pages_by_code = {r["code"]: int(r["pages"]) for r in rows}
    wide = site_wide(pages_by_code, pages)
    by_severity = {s: 0 for s in catalogue.SEVERITY_ORDER}
    issues_by_severity = {s: 0 for s in catalogue.SEVERITY_ORDER}
    for r in rows:
        by_severity[r["severity"]] += 1 if r["code"] in wide else int(r["pages"])
        issues_by_severity[r["severity"]] += int(r["pages"])
    return {
        "content_pages": pages,
        "site_wide": sorted(wide),
        "problems": sum(by_severity.values()),
        "problems_by_severity": by_severity,
        "issues": sum(issues_by_severity.values()),
        "issues_by_severity": issues_by_severity,
    }
