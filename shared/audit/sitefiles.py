"""robots.txt and llms.txt rules: one finding each about the site, on its start page.

They read the ``site_files`` the crawl stored for the start URL's origin (``SiteFilesRead``): the
answer robots.txt gave and what it did to the crawl, its syntax (Lighthouse's robots-txt line
checks), its ``Sitemap:`` lines and what they answered, its size, and whether ``/llms.txt``
follows the llmstxt.org format.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from shared.audit import catalogue
from shared.model.sitefiles import SiteFile, SitemapFile

MAX_DETAIL_ITEMS = 20
SITEMAP_PROBLEMS = frozenset({"Invalid sitemap URL", "Invalid sitemap URL protocol"})

# The start page: the crawl's URL (list mode: its first URL), whatever it answered.
_START = "SELECT p.id, p.url FROM crawls c JOIN pages p ON p.crawl_id = c.id AND p.url = c.url WHERE c.id = $1"
_FILES = "SELECT data FROM site_files WHERE crawl_id = $1 AND origin = $2"
# URLs the crawl did not fetch because robots.txt was unavailable (records.blocked's reason).
_BLOCKED_BY_OUTAGE = """SELECT count(*) FROM pages WHERE crawl_id = $1 AND blocked_by_robots
                        AND indexability_reason LIKE 'blocked: robots.txt%'"""


def _issue(page_id: int, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page_id, "code": code, "severity": catalogue.severity_of(code), "details": details}


def robots_rules(page_id: int, robots: SiteFile, blocked: int) -> list[dict[str, Any]]:
    """The robots.txt findings, given how many URLs its outages kept the crawl from fetching."""
    out: list[dict[str, Any]] = []
    if robots.outcome == "missing":
        out.append(_issue(page_id, "robots_txt_missing", url=robots.url, status_code=robots.status,
                          reason=robots.reason))  # fmt: skip
    if robots.outcome == "unavailable" or robots.failures:
        out.append(_issue(page_id, "robots_txt_unavailable", url=robots.url, status_code=robots.status,
                          error=robots.error, failed_answers=robots.failures, urls_not_fetched=blocked,
                          recovered=robots.outcome != "unavailable"))  # fmt: skip
    syntax = [p for p in robots.problems if p.message not in SITEMAP_PROBLEMS]
    if syntax:
        out.append(_issue(page_id, "robots_txt_invalid", url=robots.url,
                          problems=[p.model_dump() for p in syntax[:MAX_DETAIL_ITEMS]],
                          count=robots.problem_count - (len(robots.problems) - len(syntax))))  # fmt: skip
    invalid = [{"value": s.value} for s in robots.sitemaps if s.url is None]
    if invalid:
        out.append(_issue(page_id, "robots_txt_sitemap_invalid", url=robots.url, sitemaps=invalid[:MAX_DETAIL_ITEMS]))
    failing = [
        {"url": s.url, "status_code": s.status, "error": s.error}
        for s in robots.sitemaps
        if s.url and s.fetched and (s.error is not None or s.status != 200)
    ]
    if failing:
        out.append(_issue(page_id, "robots_txt_sitemap_unreachable", url=robots.url,
                          sitemaps=failing[:MAX_DETAIL_ITEMS]))  # fmt: skip
    if robots.truncated:
        out.append(_issue(page_id, "robots_txt_too_large", url=robots.url, size_bytes=robots.size_bytes))
    unreadable = [
        {"url": f.url, "found_in": f.found_in, "index": f.index, "status_code": f.status, "error": f.error}
        for f in robots.sitemap_files
        if _unreadable(f)
    ]
    if unreadable:
        out.append(_issue(page_id, "sitemap_unreadable", sitemaps=unreadable[:MAX_DETAIL_ITEMS],
                          count=len(unreadable)))  # fmt: skip
    return out


def _unreadable(sitemap: SitemapFile) -> bool:
    """A sitemap that could not be read (wholly), not counting what other codes say: no sitemap at the
    default address is no finding, and a robots.txt Sitemap: line without an answer is
    ``robots_txt_sitemap_unreachable``."""
    if sitemap.error is None:
        return False
    if sitemap.found_in == "index":
        return True  # an index's child: unreachable, broken or on another host
    return sitemap.status is not None and 200 <= sitemap.status < 300


def llms_rules(page_id: int, llms: SiteFile) -> list[dict[str, Any]]:
    if llms.exists and llms.problem_count:
        problems = [p.model_dump(exclude={"text"}) for p in llms.problems[:MAX_DETAIL_ITEMS]]
        return [_issue(page_id, "llms_txt_invalid", url=llms.url, count=llms.problem_count, problems=problems)]
    return []


async def site_rules(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> list[dict[str, Any]]:
    """The robots.txt and llms.txt findings of the crawl's start origin, on the start page."""
    start = await conn.fetchrow(_START, crawl_id)
    if start is None:
        return []
    parts = urlsplit(start["url"])
    rows = await conn.fetch(_FILES, crawl_id, f"{parts.scheme}://{parts.netloc}")
    files = [SiteFile.model_validate(row["data"]) for row in rows]
    out: list[dict[str, Any]] = []
    for found in files:
        if found.kind == "robots.txt":
            blocked = await conn.fetchval(_BLOCKED_BY_OUTAGE, crawl_id) if found.failures else 0
            out += robots_rules(start["id"], found, int(blocked or 0))
        else:
            out += llms_rules(start["id"], found)
    return out
