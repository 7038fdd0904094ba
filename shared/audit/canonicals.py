"""Canonical rules: what a page's canonical links say (page rules) and where they lead (site rules).

Only canonicals in ``<head>`` and in HTTP ``Link`` headers count, as for Google; one in ``<body>``
(or after an element that ends the head, such as an ``<img>``) is reported and otherwise ignored.
A canonical that is not an http(s) URL (``file:///...``, ``javascript:``, unparsable) is invalid
and ignored by search engines: an error. A relative one is accepted by Google, which recommends
absolute URLs: a notice (Lighthouse fails it; docs/AUDIT.md says why we differ).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import asyncpg

from shared.audit import catalogue, queries
from shared.model.pages import LinkElement, PageRecord

MAX_DETAIL_ITEMS = 10


def _issue(page_id: int, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page_id, "code": code, "severity": catalogue.severity_of(code), "details": details}


def counted(page: PageRecord) -> list[LinkElement]:
    """The canonical links search engines read: HTTP Link header and ``<head>``.

    Records stored before ``canonical_links`` existed carry only the resolved ``canonicals``.
    """
    if not page.canonical_links:
        return [LinkElement(href=url, url=url, source="head") for url in page.canonicals]
    return [link for link in page.canonical_links if link.source != "body"]


def is_relative(href: str) -> bool:
    """``/a``, ``a``, ``//host/a``: the href needs the page's address to mean a URL."""
    try:
        return not urlsplit(href).scheme
    except ValueError:
        return False


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def page_rules(page: PageRecord) -> list[dict[str, Any]]:
    """Canonical issues of one HTML page that answered 200."""
    out: list[dict[str, Any]] = []
    links = counted(page)
    if not links and not page.canonicals:  # a body canonical alone is missing too (and outside the head)
        out.append(_issue(page.id, "canonical_missing"))
    invalid = [link for link in links if link.url is None]
    if invalid:
        out.append(_issue(page.id, "canonical_invalid", href=invalid[0].href, source=invalid[0].source,
                          count=len(invalid)))  # fmt: skip
    relative = [link for link in links if link.url is not None and is_relative(link.href)]
    if relative:
        out.append(_issue(page.id, "canonical_relative", href=relative[0].href, canonical=relative[0].url))
    head = {link.url for link in links if link.url and link.source == "head"}
    header = {link.url for link in links if link.url and link.source == "header"}
    if len(head) > 1 or len(header) > 1:
        out.append(_issue(page.id, "canonical_multiple", canonicals=sorted(head | header)[:MAX_DETAIL_ITEMS]))
    if head and header and head != header:
        out.append(_issue(page.id, "canonical_header_mismatch", head=sorted(head), header=sorted(header)))
    body = [link.href for link in page.canonical_links if link.source == "body"]
    if body:
        out.append(_issue(page.id, "canonical_outside_head", hrefs=body[:MAX_DETAIL_ITEMS]))
    target = page.canonical
    own = page.final_url or page.url
    if target and target not in (page.url, own):
        path = urlsplit(target).path or "/"
        if _origin(target) == _origin(own) and path == "/" and (urlsplit(own).path or "/") != "/":
            out.append(_issue(page.id, "canonical_to_homepage", canonical=target))
        alternates = {h.url for h in page.hreflang if h.url}
        if own in alternates and target in alternates:
            out.append(_issue(page.id, "canonical_to_hreflang_alternate", canonical=target))
    return out


# Canonical targets that were crawled: what they answered. A target outside the crawl is not judged.
_TARGETS = f"""
SELECT s.id, s.canonical, t.status_code, t.error, t.blocked_by_robots,
       {queries.redirects("t")} AS redirects, {queries.ok("t")} AS ok, {queries.robots_columns("t")},
       t.canonical AS next_canonical, t.final_url AS target_final_url
FROM pages s JOIN pages t ON t.crawl_id = s.crawl_id AND t.url = s.canonical
WHERE s.crawl_id = $1 AND {queries.content("s")} AND s.canonical IS NOT NULL AND s.canonical <> s.url
ORDER BY s.id
"""


async def site_rules(conn: asyncpg.Connection, crawl_id: Any) -> list[dict[str, Any]]:
    """``canonical_to_non_200``, ``canonical_to_redirect``, ``canonical_to_blocked``,
    ``canonical_to_non_indexable`` and ``canonical_chain`` (targets that were crawled)."""
    out: list[dict[str, Any]] = []
    async for row in queries.stream(conn, _TARGETS, crawl_id):
        canonical = row["canonical"]
        if row["blocked_by_robots"]:
            out.append(_issue(row["id"], "canonical_to_blocked", canonical=canonical))
        elif row["redirects"]:
            out.append(_issue(row["id"], "canonical_to_redirect", canonical=canonical,
                              status_code=row["status_code"], final_url=row["target_final_url"]))  # fmt: skip
        elif not row["ok"]:
            out.append(_issue(row["id"], "canonical_to_non_200", canonical=canonical, status_code=row["status_code"],
                              error=row["error"]))  # fmt: skip
        elif queries.says_noindex(row):
            out.append(_issue(row["id"], "canonical_to_non_indexable", canonical=canonical))
        elif row["next_canonical"] and row["next_canonical"] != canonical:
            out.append(_issue(row["id"], "canonical_chain", canonical=canonical, then=row["next_canonical"]))
    return out
