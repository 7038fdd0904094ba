"""Page records: what a fetch (or a robots block) and an extraction become in the pages table."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from services.worker.crawl.frontier import SITEMAP_DEPTH, Entry
from services.worker.extract import extract, headlinks
from services.worker.fetch import charset, urls
from services.worker.fetch.fetcher import Fetched
from shared.model.pages import PageRecord

_REFRESH_URL = re.compile(r"url\s*=\s*(.+)$", re.IGNORECASE)


def _depth(entry: Entry) -> int:
    # Known only from a sitemap: one step from the sitemap, which is a seed.
    return 1 if entry.depth >= SITEMAP_DEPTH else entry.depth


def blocked(entry: Entry, reason: str = "blocked by robots.txt") -> PageRecord:
    """A URL robots.txt disallows (or robots.txt was unavailable): recorded, never requested."""
    return PageRecord(
        id=entry.id,
        url=entry.url,
        depth=_depth(entry),
        referrer=entry.referrer,
        in_sitemap=entry.in_sitemap,
        blocked_by_robots=True,
        indexable=False,
        indexability_reason=reason,
        crawled_at=datetime.now(UTC),
    )


def _has(directives: str | None, *words: str) -> bool:
    if not directives:
        return False
    # X-Robots-Tag may name a bot ("googlebot: noindex"); any noindex counts.
    tokens = {t.strip().split(":")[-1].strip() for t in directives.lower().replace(";", ",").split(",")}
    return any(w in tokens for w in words)


def _indexability(page: PageRecord, is_html: bool) -> tuple[bool, str | None]:
    if page.error:
        return False, "fetch failed"
    if page.status_code is None:
        return False, "no response"
    if 300 <= page.status_code < 400:
        return False, "redirect"
    if page.status_code != 200:
        return False, f"status {page.status_code}"
    if not is_html:
        return False, "not HTML"
    if _has(page.meta_robots, "noindex", "none") or _has(page.x_robots_tag, "noindex", "none"):
        return False, "noindex"
    if page.canonical and page.canonical not in (page.url, page.final_url):
        return False, "canonicalised"
    return True, None


def build(entry: Entry, fetched: Fetched, is_internal: Callable[[str], bool]) -> tuple[PageRecord, list[str]]:
    """The record of a fetched URL and the URLs it leads to (links, canonical, hreflang, redirect)."""
    headers = fetched.headers
    page = PageRecord(
        id=entry.id,
        url=entry.url,
        final_url=fetched.final_url,
        status_code=fetched.chain[0].status_code if fetched.chain else fetched.status,
        error=fetched.error,
        redirect_chain=fetched.chain,
        content_type=(fetched.content_type or None) and extract.clean(fetched.content_type, 200),
        size_bytes=fetched.size_bytes,
        response_time_ms=round(fetched.response_time_ms, 2) if fetched.response_time_ms is not None else None,
        ttfb_ms=round(fetched.ttfb_ms, 2) if fetched.ttfb_ms is not None else None,
        depth=_depth(entry),
        referrer=entry.referrer,
        in_sitemap=entry.in_sitemap,
        x_robots_tag=extract.clean(",".join(headers.getall("X-Robots-Tag", [])), 500) or None,
        crawled_at=datetime.now(UTC),
    )
    leads: list[str] = []
    if fetched.final_url != entry.url and fetched.status is not None and not fetched.error:
        leads.append(fetched.final_url)  # the redirect target is a page of its own
    # Canonical and hreflang count from the HTTP Link header and <head> only (headlinks).
    header = headlinks.from_header(extract.link_header(",".join(headers.getall("Link", []))), fetched.final_url)

    if fetched.body and not fetched.error and not fetched.chain and fetched.is_html:
        text, page.charset = charset.decode(fetched.body, fetched.content_type)
        found = extract.extract(text, fetched.final_url, is_internal)
        page.title = found.title
        page.title_length = len(found.title) if found.title is not None else None
        page.title_count = found.title_count
        page.meta_description = found.meta_description
        page.meta_description_length = len(found.meta_description) if found.meta_description is not None else None
        page.meta_robots = found.meta_robots
        page.h1, page.h2 = found.h1, found.h2
        page.hreflang = header.hreflang + found.hreflang
        page.hreflang_outside_head = found.hreflang_outside_head
        page.lang = found.lang
        page.viewport = found.viewport
        page.meta_refresh = found.meta_refresh
        page.word_count = found.word_count
        page.content_hash = found.content_hash
        page.simhash = found.simhash
        page.links = found.links
        page.outlinks_count = sum(1 for link in found.links if link.internal)
        page.external_links_count = len(found.links) - page.outlinks_count
        page.images_count = found.images_count
        page.images_missing_alt = found.images_missing_alt
        page.mixed_content_count = found.mixed_content_count
        page.structured_data_types = found.structured_data_types
        page.open_graph = found.open_graph
        canonical_links = header.canonical_links + found.canonical_links
        leads.extend(link.url for link in found.links if link.internal)
        refresh = _REFRESH_URL.search(found.meta_refresh or "")
        refresh_target = urls.normalize(refresh.group(1).strip("'\" "), fetched.final_url) if refresh else None
        if refresh_target is not None:
            leads.append(refresh_target)  # a meta refresh is a redirect search engines follow
    else:
        canonical_links = header.canonical_links
        page.hreflang = header.hreflang
    page.canonical_links = canonical_links
    counted = [link for link in canonical_links if link.source != "body"]
    page.canonical_raw = counted[0].href if counted else None
    page.canonicals = list(dict.fromkeys(link.url for link in counted if link.url))
    page.canonical = page.canonicals[0] if page.canonicals else None
    leads.extend(page.canonicals)
    leads.extend(h.url for h in page.hreflang if h.url)
    page.indexable, page.indexability_reason = _indexability(page, fetched.is_html)
    return page, leads
