"""Page-level audit rules: the issues one page record shows on its own.

Each rule reads only the record, so the crawler runs them as pages arrive and ``audit.reaudit``
runs them again on stored records. Content checks apply to HTML pages that answered 200 (not
redirected, no error); lengths are counted in characters.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from shared.audit import canonicals, catalogue, directives, hreflang, searchpages
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord

_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def is_html(page: PageRecord) -> bool:
    """The response is an HTML document."""
    ctype = (page.content_type or "").lower()
    return "html" in ctype


def redirected(page: PageRecord) -> bool:
    """The URL answered with a redirect (whatever the redirect led to)."""
    return bool(page.redirect_chain) or (page.status_code is not None and 300 <= page.status_code < 400)


def answered_200(page: PageRecord) -> bool:
    """The URL itself answered 200 with a complete body."""
    return page.status_code == 200 and not redirected(page) and page.error is None and not page.blocked_by_robots


def content_page(page: PageRecord) -> bool:
    """An HTML page that answered 200: the pages content checks apply to."""
    return answered_200(page) and is_html(page)


def robots_rules(page: PageRecord) -> directives.Directives:
    """The robots rules that apply to this crawler, from meta robots and X-Robots-Tag together."""
    return directives.of(page.meta_robots, page.x_robots_tag)


def redirect_hops(page: PageRecord) -> int:
    """How many redirects the URL took before reaching its final URL."""
    return sum(1 for hop in page.redirect_chain if 300 <= hop.status_code < 400) or (
        1 if page.status_code is not None and 300 <= page.status_code < 400 else 0
    )


def is_redirect_loop(page: PageRecord) -> bool:
    """The redirect sequence comes back to a URL already in it."""
    if not redirected(page):
        return False
    # The chain may end with the final answer's own hop; a final URL that is not that last hop
    # is where the crawler stopped, and a loop if it was visited before.
    seen = [hop.url for hop in page.redirect_chain]
    if page.final_url and (not seen or seen[-1] != page.final_url):
        seen.append(page.final_url)
    if len(seen) != len(set(seen)):
        return True
    return "loop" in (page.error or "").lower()


def valid_hreflang(code: str) -> bool:
    """``x-default``, or an ISO 639-1 language with an optional script and ISO 3166-1 region (``hreflang``)."""
    return hreflang.problem(code) is None


def _issue(page: PageRecord, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page.id, "code": code, "severity": catalogue.severity_of(code), "details": details}


def _response_rules(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if page.blocked_by_robots:
        return [_issue(page, "blocked_by_robots")]
    loop = is_redirect_loop(page)
    if redirected(page):
        out.append(_issue(page, "status_3xx", status_code=page.status_code, final_url=page.final_url))
        if loop:
            out.append(_issue(page, "redirect_loop", chain=[h.url for h in page.redirect_chain]))
        elif (hops := redirect_hops(page)) >= t.redirect_chain_hops:
            out.append(_issue(page, "redirect_chain", hops=hops, final_url=page.final_url))
    elif page.status_code is not None and 400 <= page.status_code < 500:
        out.append(_issue(page, "status_4xx", status_code=page.status_code))
    elif page.status_code is not None and 500 <= page.status_code < 600:
        out.append(_issue(page, "status_5xx", status_code=page.status_code))
    if page.error and not loop:
        out.append(_issue(page, "fetch_failed", error=page.error))
    ttfb = page.ttfb_ms if page.ttfb_ms is not None else page.response_time_ms
    if page.status_code is not None and ttfb is not None and ttfb > t.slow_response_ms:
        out.append(_issue(page, "slow_response", ttfb_ms=round(ttfb, 1)))
    if page.in_sitemap and (not answered_200(page)):
        out.append(_issue(page, "sitemap_non_200", status_code=page.status_code, error=page.error))
    return out


def _title_rules(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    title = (page.title or "").strip()
    if not title:
        out.append(_issue(page, "title_missing"))
    elif len(title) < t.title_min_length:
        out.append(_issue(page, "title_too_short", length=len(title), title=title))
    elif len(title) > t.title_max_length:
        out.append(_issue(page, "title_too_long", length=len(title), title=title))
    if page.title_count > 1:
        out.append(_issue(page, "title_multiple", count=page.title_count))
    description = (page.meta_description or "").strip()
    if not description:
        out.append(_issue(page, "meta_description_missing"))
    elif len(description) < t.meta_description_min_length:
        out.append(_issue(page, "meta_description_too_short", length=len(description)))
    elif len(description) > t.meta_description_max_length:
        out.append(_issue(page, "meta_description_too_long", length=len(description)))
    headings = [h for h in page.h1 if h.strip()]
    if not headings:
        out.append(_issue(page, "h1_missing"))
    elif len(page.h1) > 1:
        out.append(_issue(page, "h1_multiple", count=len(page.h1)))
    return out


def _head_rules(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    out = canonicals.page_rules(page) + hreflang.page_rules(page)
    if not (page.lang or "").strip():
        out.append(_issue(page, "html_lang_missing"))
    if not (page.viewport or "").strip():
        out.append(_issue(page, "viewport_missing"))
    return out


def _body_rules(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    # An empty page (no words at all) is ``empty_page`` (shared/audit/rules/content.py), not thin.
    if searchpages.is_search_page(page.url):
        # Internal search results are not thin content to pad: they should not be indexed at all.
        if page.indexable:
            out.append(_issue(page, "search_page_indexable", word_count=page.word_count))
    elif page.indexable and page.word_count and page.word_count < t.thin_content_words:
        out.append(_issue(page, "thin_content", word_count=page.word_count))
    if page.images_missing_alt > 0:
        out.append(_issue(page, "image_missing_alt", count=page.images_missing_alt))
    if page.depth > t.deep_page_depth:
        out.append(_issue(page, "deep_page", depth=page.depth))
    own = {page.url, page.final_url}
    if not any(link.internal and link.url not in own for link in page.links):
        out.append(_issue(page, "dead_end_page"))
    if urlsplit(page.url).scheme == "https" and page.mixed_content_count > 0:
        insecure = [{"type": r.type, "url": r.url} for r in page.resources if r.url.startswith("http://")]
        out.append(_issue(page, "mixed_content", count=page.mixed_content_count, resources=insecure[:10]))
    if page.size_bytes is not None and page.size_bytes > t.large_page_bytes:
        out.append(_issue(page, "large_page", size_bytes=page.size_bytes))
    return out


def _url_rules(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    # Percent escapes (Cyrillic slugs) are uppercase hex by convention, not uppercase URLs.
    path = _PERCENT_ESCAPE.sub("", urlsplit(page.url).path)
    if path != path.lower():
        out.append(_issue(page, "url_uppercase"))
    if "_" in path:
        out.append(_issue(page, "url_underscore"))
    length = len(unquote(page.url))  # characters as the user reads them, not percent-encoded bytes
    if length > t.url_max_length:
        out.append(_issue(page, "url_too_long", length=length))
    return out


def evaluate(page: PageRecord, thresholds: Thresholds) -> list[dict[str, Any]]:
    """Every page-level issue of ``page``: ``[{"page_id", "code", "severity", "details"}]``."""
    out = _response_rules(page, thresholds)
    if answered_200(page):
        found = robots_rules(page)
        if found.noindex(page.crawled_at):
            # the details say when an unavailable_after date, not a noindex, is the reason
            expired = {} if found.noindex() else {"unavailable_after": found.unavailable_after.isoformat()}  # type: ignore[union-attr]
            out.append(_issue(page, "noindex", **expired))
            if page.in_sitemap:
                out.append(_issue(page, "sitemap_noindex"))
        if found.nofollow:
            out.append(_issue(page, "nofollow_page"))
    if content_page(page):
        # URL hygiene is about page addresses people see and share, not file names of downloads
        out += _url_rules(page, thresholds)
        out += _title_rules(page, thresholds)
        out += _head_rules(page, thresholds)
        out += _body_rules(page, thresholds)
    return out
