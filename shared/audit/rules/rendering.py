"""Rendering rules (issue 17): what a page's scripts changed, and whether it rendered at all (``page.rendered``).

They read only the record, like ``pagerules``: the page's own fields already hold the rendered
values (the other rules judge the rendered page, as Google's renderer does); ``rendered`` holds
the comparison with the raw HTML, the render's error, console errors and refused requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.audit import directives, pagerules
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord, RenderedPage

# Requests a page needs to render (images, media and fonts change no text or link).
NEEDED_TYPES = frozenset({"document", "script", "stylesheet", "xhr", "fetch", "eventsource", "other", ""})
MAX_DETAILS = 20


def _issue(page: PageRecord, code: str, **details: Any) -> dict[str, Any]:
    return pagerules._issue(page, code, **details)


def _same_text(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def _robots(meta: str | None, at: datetime) -> tuple[bool, frozenset[str]]:
    """Whether a robots meta value says noindex (as the audit reads it), and its rules' names."""
    rules = directives.of(meta)
    return rules.noindex(at), rules.names


def _changes(page: PageRecord, r: RenderedPage, t: Thresholds) -> list[dict[str, Any]]:
    """Rules comparing the raw HTML with the rendered DOM (the render succeeded)."""
    out: list[dict[str, Any]] = []
    raw = r.raw
    words = r.word_count or 0
    if words < t.blank_page_words:
        out.append(_issue(page, "render_blank_page", word_count=words, raw_word_count=raw.word_count))
    elif words and (words - (raw.word_count or 0)) / words >= t.js_content_share:
        out.append(_issue(page, "js_content_added", word_count=words, raw_word_count=raw.word_count or 0))
    if r.rendered_only_links:
        out.append(_issue(page, "js_links_only_rendered", count=r.rendered_only_links,
                          links=r.rendered_only_link_urls[:MAX_DETAILS]))  # fmt: skip
    if not _same_text(raw.title, r.title):
        out.append(_issue(page, "js_title_changed", raw=raw.title, rendered=r.title))
    if not _same_text(raw.meta_description, r.meta_description):
        out.append(_issue(page, "js_meta_description_changed", raw=raw.meta_description, rendered=r.meta_description))
    if (raw.canonical or None) != (r.canonical or None):
        out.append(_issue(page, "js_canonical_changed", raw=raw.canonical, rendered=r.canonical))
    (raw_noindex, before), (noindex, after) = (
        _robots(raw.meta_robots, page.crawled_at),
        _robots(r.meta_robots, page.crawled_at),
    )
    if raw_noindex != noindex:
        out.append(_issue(page, "js_noindex_changed", raw=raw.meta_robots, rendered=r.meta_robots,
                          change="added" if noindex else "removed"))  # fmt: skip
    elif before != after:
        out.append(_issue(page, "js_meta_robots_changed", raw=raw.meta_robots, rendered=r.meta_robots))
    return out


def evaluate(page: PageRecord, thresholds: Thresholds) -> list[dict[str, Any]]:
    """The rendering issues of ``page`` (none when the crawl did not render it)."""
    r = page.rendered
    if r is None or not pagerules.content_page(page):
        return []
    out: list[dict[str, Any]] = []
    if r.render_error is not None:
        out.append(_issue(page, "render_failed", error=r.render_error))
    else:
        out += _changes(page, r, thresholds)
    if r.console_errors:
        out.append(_issue(page, "js_errors", count=len(r.console_errors), errors=r.console_errors[:5]))
    blocked = [f.url for f in r.failed_requests if f.robots and f.resource_type in NEEDED_TYPES]
    if blocked:
        out.append(_issue(page, "render_resources_blocked", count=len(blocked), urls=blocked[:MAX_DETAILS]))
    return out
