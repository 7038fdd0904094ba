"""Resource checks: what a page loads (images, stylesheets, scripts, its icon), where its links and
pagination lead, and whether its http address has an https twin.

Page rules read the page's own ``resources`` list (render-blocking scripts, images without size).
Site rules join ``pages.resources`` (and ``links``) with the ``resources`` projection, where the
crawl's resource checker stored the answer to one request per URL (services/worker/crawl/resources.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from shared.audit import catalogue, queries
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord

MAX_DETAIL_ITEMS = 10
BLOCKED = "blocked by robots.txt"  # the checker's error for a URL robots.txt keeps it from requesting
WEIGHED = ("image", "stylesheet", "script")


def _issue(page_id: int, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page_id, "code": code, "severity": catalogue.severity_of(code), "details": details}


def https_probe_url(url: str) -> str | None:
    """Where the https twin of an http URL's host answers: ``https://host/`` (port 80 maps to 443; any
    other port is kept, as a browser typing https:// with that port would). None for an https URL."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    if parts.port in (None, 80):
        host = host.rsplit(":", 1)[0] if parts.port == 80 else host
    return f"https://{host}/"


def evaluate(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    """Page rules on a content page's resource list."""
    out: list[dict[str, Any]] = []
    unsized = [r.url for r in page.resources if r.type == "image" and r.unsized]
    if unsized:
        out.append(_issue(page.id, "image_missing_dimensions", count=len(unsized), urls=unsized[:MAX_DETAIL_ITEMS]))
    blocking = [r.url for r in page.resources if r.type == "script" and r.blocking]
    if blocking:
        out.append(_issue(page.id, "render_blocking_script", count=len(blocking), urls=blocking[:MAX_DETAIL_ITEMS]))
    return out


# Failed: an error other than the robots block, or a 4xx/5xx final answer.
_FAILED = "((c.error IS NOT NULL AND c.error <> '" + BLOCKED + "') OR c.status_code >= 400)"

_PAGE_RESOURCES = f"""
SELECT p.id, p.size_bytes AS html_bytes, r->>'type' AS type, r->>'url' AS url, c.status_code, c.error,
       c.size_bytes, {_FAILED} AS failed
FROM pages p CROSS JOIN LATERAL jsonb_array_elements(p.resources) r
JOIN resources c ON c.crawl_id = p.crawl_id AND c.url = r->>'url'
WHERE p.crawl_id = $1 AND p.resources <> '[]'::jsonb AND {queries.content("p")}
ORDER BY p.id
"""

_EXTERNAL_LINKS = f"""
SELECT l.source_id AS id, l.target_url AS url, c.status_code, c.error, c.final_url, {_FAILED} AS failed
FROM links l JOIN resources c ON c.crawl_id = l.crawl_id AND c.url = l.target_url
WHERE l.crawl_id = $1 AND NOT l.internal AND ({_FAILED} OR c.final_url <> c.url)
ORDER BY l.source_id, l.ordinal
"""

_PAGINATION = f"""
SELECT p.id, x->>'rel' AS rel, x->>'url' AS url, t.status_code, t.error
FROM pages p CROSS JOIN LATERAL jsonb_array_elements(p.pagination) x
JOIN pages t ON t.crawl_id = p.crawl_id AND t.url = x->>'url'
WHERE p.crawl_id = $1 AND p.pagination <> '[]'::jsonb AND {queries.content("p")}
  AND NOT t.blocked_by_robots AND (t.error IS NOT NULL OR t.status_code >= 400)
ORDER BY p.id
"""

_HTTP_CONTENT = f"""
SELECT p.id, p.url FROM pages p
WHERE p.crawl_id = $1 AND p.url LIKE 'http://%' AND {queries.content("p")} ORDER BY p.id
"""
_PROBE = "SELECT status_code, final_url, error FROM resources WHERE crawl_id = $1 AND url = $2"
_START_PAGE = f"""
SELECT p.id, p.url FROM crawls c JOIN pages p ON p.crawl_id = c.id AND p.url = c.url
WHERE c.id = $1 AND p.url LIKE 'http://%' AND {queries.content("p")}
"""


async def _resource_issues(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, t: Thresholds
) -> AsyncIterator[dict[str, Any]]:
    """Per page, as the rows stream (a site whose template loads a broken file has it on every page)."""
    current: int | None = None
    rows: list[Any] = []
    async for row in queries.stream(conn, _PAGE_RESOURCES, crawl_id):
        if row["id"] != current and rows:
            for issue in _page_resource_issues(rows, t):
                yield issue
            rows = []
        current = row["id"]
        rows.append(row)
    if rows:
        for issue in _page_resource_issues(rows, t):
            yield issue


def _page_resource_issues(rows: list[Any], t: Thresholds) -> list[dict[str, Any]]:
    """One page's resource issues from its joined rows."""
    page_id, html_bytes = rows[0]["id"], rows[0]["html_bytes"] or 0
    broken: dict[str, list[dict[str, Any]]] = {}
    large: list[dict[str, Any]] = []
    weight: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for row in rows:
        kind, failed = row["type"], row["failed"]
        answer = {"url": row["url"], "status_code": row["status_code"], "error": row["error"]}
        if kind == "icon":
            if failed:
                out.append(_issue(page_id, "favicon_missing", **answer))
            continue
        if failed:
            broken.setdefault(kind, []).append(answer)
        elif row["size_bytes"] is not None:
            weight[row["url"]] = row["size_bytes"]
            if kind == "image" and row["size_bytes"] > t.image_max_bytes:
                large.append({"url": row["url"], "bytes": row["size_bytes"]})
    if broken:
        count = sum(len(v) for v in broken.values())
        out.append(_issue(page_id, "resource_broken", count=count,
                          by_type={k: v[:MAX_DETAIL_ITEMS] for k, v in broken.items()}))  # fmt: skip
    if large:
        out.append(_issue(page_id, "image_too_large", count=len(large), images=large[:MAX_DETAIL_ITEMS]))
    total = html_bytes + sum(weight.values())
    if total > t.page_weight_max_bytes:
        out.append(_issue(page_id, "page_weight_too_large", bytes=total, resources=len(weight)))
    return out


async def _external_link_issues(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> AsyncIterator[dict[str, Any]]:
    """``external_link_broken`` and ``external_link_redirect`` (targets the checker requested)."""
    broken: dict[int, list[dict[str, Any]]] = {}
    redirects: dict[int, list[dict[str, Any]]] = {}
    async for row in queries.stream(conn, _EXTERNAL_LINKS, crawl_id):
        if row["failed"]:
            broken.setdefault(row["id"], []).append(
                {"url": row["url"], "status_code": row["status_code"], "error": row["error"]}
            )
        else:
            redirects.setdefault(row["id"], []).append({"url": row["url"], "final_url": row["final_url"]})
    for pid, v in broken.items():
        yield _issue(pid, "external_link_broken", count=len(v), links=v[:MAX_DETAIL_ITEMS])
    for pid, v in redirects.items():
        yield _issue(pid, "external_link_redirect", count=len(v), links=v[:MAX_DETAIL_ITEMS])


async def _pagination_issues(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> AsyncIterator[dict[str, Any]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    async for row in queries.stream(conn, _PAGINATION, crawl_id):
        grouped.setdefault(row["id"], []).append(
            {"rel": row["rel"], "url": row["url"], "status_code": row["status_code"], "error": row["error"]}
        )
    for pid, v in grouped.items():
        yield _issue(pid, "pagination_broken", targets=v)


async def _https_issues(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> AsyncIterator[dict[str, Any]]:
    """``http_no_https_redirect``: like ``http_page``, once on the start page of a site crawled over
    http, else on each http page, when the host's https twin answers (below 400, still on https)."""
    answers: dict[str, str | None] = {}  # probe URL -> itself when https answered, else None

    async def answered(url: str) -> str | None:
        probe = https_probe_url(url)
        if probe is None:
            return None
        if probe not in answers:
            row = await conn.fetchrow(_PROBE, crawl_id, probe)
            ok = (row is not None and row["error"] is None and row["status_code"] is not None
                  and row["status_code"] < 400 and str(row["final_url"] or probe).startswith("https://"))  # fmt: skip
            answers[probe] = probe if ok else None
        return answers[probe]

    start = await conn.fetchrow(_START_PAGE, crawl_id)
    if start is not None:  # the start page answered over http: the site is crawled over http
        if probe := await answered(start["url"]):
            yield _issue(start["id"], "http_no_https_redirect", https_url=probe, site_wide=True)
        return
    http_pages = [(row["id"], row["url"]) async for row in queries.stream(conn, _HTTP_CONTENT, crawl_id)]
    for pid, url in http_pages:  # an https site with pages left on http: few, each listed
        if probe := await answered(url):
            yield _issue(pid, "http_no_https_redirect", https_url=probe)


async def site_issues(conn: asyncpg.Connection, crawl_id: uuid.UUID, t: Thresholds) -> AsyncIterator[dict[str, Any]]:
    """Every site-wide issue of the resource family, as the rows stream (memory stays flat)."""
    for rule in (_resource_issues(conn, crawl_id, t), _external_link_issues(conn, crawl_id),
                 _pagination_issues(conn, crawl_id), _https_issues(conn, crawl_id)):  # fmt: skip
        async for issue in rule:
            yield issue
