"""Site-wide audit rules: issues that need the whole crawl (links, duplicates, canonicals, hreflang).

Each rule is SQL over the ``pages`` and ``links`` projections of one crawl, so it runs when the
crawl completes and again on an old crawl (``audit.reaudit``). Large result sets are read with
a server-side cursor and grouped per page as they stream.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from shared.audit import canonicals, catalogue, duplicates, hreflang, queries, sitefiles
from shared.model.crawlsettings import Thresholds

MAX_DETAIL_ITEMS = 10  # a page's details list this many examples, plus the total count

_ok, _content, _redirects = queries.ok, queries.content, queries.redirects


# A link target is broken when it (or where it redirects to) fails or answers 4xx/5xx.
_LINK_TARGETS = f"""
WITH targets AS (
    SELECT t.url, {_redirects("t")} AS redirects,
           NOT t.blocked_by_robots AND (t.error IS NOT NULL OR t.status_code >= 400
                OR f.error IS NOT NULL OR f.status_code >= 400) AS broken,
           coalesce(f.status_code, t.status_code) AS final_status, t.status_code
    FROM pages t LEFT JOIN pages f ON f.crawl_id = t.crawl_id AND f.url = t.final_url AND f.id <> t.id
    WHERE t.crawl_id = $1
)
SELECT l.source_id, l.target_url, l.anchor, tg.status_code, tg.final_status, tg.redirects, tg.broken
FROM links l JOIN targets tg ON tg.url = l.target_url
WHERE l.crawl_id = $1 AND l.internal AND (tg.broken OR tg.redirects)
ORDER BY l.source_id, l.ordinal
"""

# Pages sharing a key among indexable content pages; {key} is one of _GROUP_KEYS (constants).
_GROUPS = f"""
SELECT id, k, n, CASE WHEN first_id <> id THEN first_url ELSE second_url END AS other_url
FROM (
    SELECT id, k, count(*) OVER w AS n, first_value(id) OVER w AS first_id,
           first_value(url) OVER w AS first_url, nth_value(url, 2) OVER w AS second_url
    FROM (SELECT p.id, p.url, {{key}} AS k FROM pages p
          WHERE p.crawl_id = $1 AND p.indexable AND {_content("p")}) c
    WHERE k IS NOT NULL AND k <> ''
    WINDOW w AS (PARTITION BY k ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
) s WHERE n > 1 ORDER BY id
"""
_GROUP_KEYS = {
    "title_duplicate": "lower(btrim(p.title))",
    "meta_description_duplicate": "lower(btrim(p.meta_description))",
    "h1_duplicate": "lower(btrim(p.h1[1]))",
}

# Reached by a followed link: some other page links to it, or to a URL that redirects to it.
# The start URL (and where it redirects) is reached by definition.
_ORPHANS = f"""
SELECT p.id FROM pages p
WHERE p.crawl_id = $1 AND p.in_sitemap AND {_ok("p")}
  AND p.url <> ALL($2::text[])
  AND NOT EXISTS (SELECT 1 FROM links l
                  WHERE l.crawl_id = $1 AND l.internal AND l.target_url = p.url AND l.source_id <> p.id)
  AND NOT EXISTS (SELECT 1 FROM pages r JOIN links l ON l.crawl_id = $1 AND l.internal AND l.target_url = r.url
                  WHERE r.crawl_id = $1 AND r.final_url = p.url AND r.final_url <> r.url
                    AND l.source_id <> p.id)
ORDER BY p.id
"""

_START = """
SELECT c.url, p.final_url, c.settings,
       (SELECT count(*) FROM pages a WHERE a.crawl_id = c.id) AS fetched
FROM crawls c LEFT JOIN pages p ON p.crawl_id = c.id AND p.url = c.url WHERE c.id = $1
"""

_HTTP_PAGES = f"""
SELECT p.id, p.url FROM pages p
WHERE p.crawl_id = $1 AND {_content("p")} AND p.url LIKE 'http://%' AND ($2 OR p.url = ANY($3::text[]))
ORDER BY p.id
"""


def _issue(page_id: int, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page_id, "code": code, "severity": catalogue.severity_of(code), "details": details}


_stream = queries.stream


async def link_issues(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> list[dict[str, Any]]:
    """``broken_internal_link`` and ``link_to_redirect``, one issue per source page.

    Links are de-duplicated by target: a page that repeats one broken link ten times (a header,
    a footer, a table of contents) has one entry with ``occurrences`` 10 and the first anchor
    text. ``count`` is the number of distinct targets, ``links_count`` the links to them.
    """
    out: list[dict[str, Any]] = []
    current: int | None = None
    found: dict[str, dict[str, dict[str, Any]]] = {"broken": {}, "redirects": {}}
    links = {"broken": 0, "redirects": 0}

    def flush() -> None:
        if current is None:
            return
        for kind, code in (("broken", "broken_internal_link"), ("redirects", "link_to_redirect")):
            targets = found[kind]
            if targets:
                out.append(_issue(current, code, links=list(targets.values())[:MAX_DETAIL_ITEMS],
                                  count=len(targets), links_count=links[kind]))  # fmt: skip

    def add(kind: str, item: dict[str, Any]) -> None:
        links[kind] += 1
        known = found[kind].get(item["url"])
        if known is not None:
            known["occurrences"] += 1
        else:
            found[kind][item["url"]] = {**item, "occurrences": 1}

    async for row in _stream(conn, _LINK_TARGETS, crawl_id):
        if row["source_id"] != current:
            flush()
            current = row["source_id"]
            found, links = {"broken": {}, "redirects": {}}, {"broken": 0, "redirects": 0}
        item = {"url": row["target_url"], "anchor": row["anchor"] or "", "status_code": row["status_code"]}
        if row["broken"]:
            add("broken", {**item, "final_status": row["final_status"]})
        if row["redirects"]:
            add("redirects", item)
    flush()
    return out


async def group_issues(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> list[dict[str, Any]]:
    """``title_duplicate``, ``meta_description_duplicate``, ``h1_duplicate`` among indexable pages."""
    out: list[dict[str, Any]] = []
    for code, key in _GROUP_KEYS.items():
        async for row in _stream(conn, _GROUPS.replace("{key}", key), crawl_id):
            out.append(_issue(row["id"], code, value=row["k"], count=row["n"], example_url=row["other_url"]))
    return out


async def duplicate_issues(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, t: Thresholds, offload: duplicates.Offload | None = None
) -> list[dict[str, Any]]:
    """``duplicate_content`` and ``near_duplicate_content``; details name the closest match.

    The near-duplicate matching is CPU work: it runs through ``offload`` (the CPU pool).
    """
    out = [
        _issue(m.page_id, "duplicate_content", duplicate_of=m.other_id, duplicate_of_url=m.other_url,
               similarity=1.0, count=m.group_size)
        for m in await duplicates.exact(conn, crawl_id)
    ]  # fmt: skip
    out += [
        _issue(m.page_id, "near_duplicate_content", duplicate_of=m.other_id, duplicate_of_url=m.other_url,
               similarity=m.similarity)
        for m in await duplicates.near(conn, crawl_id, t.near_duplicate_similarity, offload=offload)
    ]  # fmt: skip
    return out


def link_graph_complete(settings: dict[str, Any], fetched: int) -> bool:
    """Whether every page that could link to another was crawled (so "no link to it" is a fact).

    Not so in list mode, past ``max_pages`` (the frontier stops taking URLs), or when
    ``max_depth`` or include/exclude patterns left parts of the site uncrawled: a sitemap page
    linked only from there would be reported as an orphan by mistake.
    """
    if settings.get("mode", "spider") != "spider" or settings.get("max_depth") is not None:
        return False
    if settings.get("include") or settings.get("exclude"):
        return False
    return fetched < int(settings.get("max_pages") or 10_000)


async def structure_issues(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> list[dict[str, Any]]:
    """``orphan_page`` and ``http_page``."""
    start = await conn.fetchrow(_START, crawl_id)
    if start is None:
        return []
    entry = [u for u in (start["url"], start["final_url"]) if u]
    out: list[dict[str, Any]] = []
    if link_graph_complete(start["settings"] or {}, start["fetched"]):
        out += [_issue(row["id"], "orphan_page") async for row in _stream(conn, _ORPHANS, crawl_id, entry)]
    # An https site with pages left on http: each such page. A site crawled over http: once, on
    # its start page (one finding about the site, not the same notice on every URL).
    https_site = urlsplit(entry[-1]).scheme == "https"
    async for row in _stream(conn, _HTTP_PAGES, crawl_id, https_site, entry):
        details = {} if https_site else {"site_wide": True}
        out.append(_issue(row["id"], "http_page", **details))
    return out


async def evaluate(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, thresholds: Thresholds, offload: duplicates.Offload | None = None
) -> list[dict[str, Any]]:
    """Every site-wide issue of the crawl (CPU-heavy passes run through ``offload``, the CPU pool)."""
    out = await link_issues(conn, crawl_id)
    out += await group_issues(conn, crawl_id)
    out += await canonicals.site_rules(conn, crawl_id)
    out += await hreflang.site_rules(conn, crawl_id)
    out += await duplicate_issues(conn, crawl_id, thresholds, offload)
    out += await structure_issues(conn, crawl_id)
    out += await sitefiles.site_rules(conn, crawl_id)
    return out
