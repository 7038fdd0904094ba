"""Page records: what a fetch (or a robots block) and an extraction become in the pages table.

``build`` is CPU work on bytes already fetched (decode, parse, extract): no I/O, no event loop, so
it can move to a process pool as it is. Its steps, in order: the response's own facts, the
``Link`` header, the HTML's signals (copied field by field where the extraction and the page
schema share a name), canonicals and hreflang from both (``<head>`` and the header only, as
search engines read them: ``headlinks``), then indexability.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.worker.crawl.frontier import SITEMAP_DEPTH, Entry
from services.worker.extract import extract, headlinks
from services.worker.fetch import urlrules, urls
from services.worker.fetch.fetcher import Fetched
from shared import charset, extractor
from shared.audit import directives
from shared.model.crawlrules import UrlRules
from shared.model.extraction import ExtractionRule
from shared.model.pages import CookieFlags, PageRecord, RawSignals, RenderedPage, RenderedRequest

if TYPE_CHECKING:  # the renderer imports Playwright; extraction (and its worker processes) need not
    from services.worker.render.renderer import Rendering

MAX_RENDERED_ONLY_URLS = 20
_REFRESH_URL = re.compile(r"url\s*=\s*(.+)$", re.IGNORECASE)
# Response headers the security checks read, kept as sent (lower-cased names, values trimmed).
SECURITY_HEADERS = ("strict-transport-security", "x-content-type-options", "content-security-policy",
                    "x-frame-options", "referrer-policy")  # fmt: skip
MAX_COOKIES = 30


def _cookies(values: list[str]) -> list[CookieFlags]:
    """Names and flags of the cookies a response sets; their values are never kept."""
    out = []
    for value in values[:MAX_COOKIES]:
        name, _, rest = value.partition("=")
        flags = {part.strip().split("=", 1)[0].lower(): part.strip() for part in rest.split(";")[1:]}
        same_site = flags.get("samesite", "").partition("=")[2].strip() or None
        out.append(CookieFlags(name=extract.clean(name, 100), secure="secure" in flags,
                               http_only="httponly" in flags, same_site=same_site and same_site[:20]))  # fmt: skip
    return out


# The extraction's fields that are page record fields of the same name and meaning, copied as they
# are. Canonical links and hreflang are merged with the Link header's first.
_MERGED = frozenset({"canonical_links", "hreflang"})
_COPIED = tuple(
    f.name for f in dataclasses.fields(extract.Extracted) if f.name in PageRecord.model_fields and f.name not in _MERGED
)


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
    if directives.of(page.meta_robots, page.x_robots_tag).noindex(page.crawled_at):
        return False, "noindex"  # unavailable_after in the past included (the details say so)
    if page.canonical and page.canonical not in (page.url, page.final_url):
        return False, "canonicalised"
    return True, None


def _x_robots_tag(fetched: Fetched) -> str | None:
    """Every ``X-Robots-Tag`` header as one value; those that name a crawler last, so that the rules of
    a header without one are not read as the previous header's crawler's (shared.audit.directives)."""
    values = sorted(fetched.headers.getall("X-Robots-Tag", []), key=_names_a_crawler)
    return extract.clean(",".join(values), 500) or None


def _names_a_crawler(value: str) -> bool:
    rules = directives.parse(value)
    return bool(rules) and rules[0].crawler is not None


def _response(entry: Entry, fetched: Fetched) -> PageRecord:
    """The record of what the server answered, before anything in the body is read."""
    return PageRecord(
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
        x_robots_tag=_x_robots_tag(fetched),
        crawled_at=datetime.now(UTC),
        security_headers={
            name: extract.clean(",".join(fetched.headers.getall(name)), 500)
            for name in SECURITY_HEADERS
            if name in fetched.headers
        },
        cookies=_cookies(fetched.headers.getall("Set-Cookie", [])),
    )


def _content(page: PageRecord, found: extract.Extracted) -> list[str]:
    """Copy the HTML's signals into the record; returns the URLs they lead to (links, meta refresh)."""
    for name in _COPIED:
        setattr(page, name, getattr(found, name))
    page._sketches = found.sketches
    page.title_length = len(found.title) if found.title is not None else None
    page.meta_description_length = len(found.meta_description) if found.meta_description is not None else None
    page.outlinks_count = sum(1 for link in found.links if link.internal)
    page.external_links_count = len(found.links) - page.outlinks_count
    leads = [link.url for link in found.links if link.internal]
    refresh = _REFRESH_URL.search(found.meta_refresh or "")
    refresh_target = urls.normalize(refresh.group(1).strip("'\" "), page.final_url or page.url) if refresh else None
    if refresh_target is not None:
        leads.append(refresh_target)  # a meta refresh is a redirect search engines follow
    return leads


def _apply_url_rules(page: PageRecord, leads: list[str], rewriter: urlrules.Rewriter) -> list[str]:
    """The crawl's URL rules on the internal links (the original kept beside) and on the leads."""
    seen: dict[str, urlrules.Rewritten] = {}

    def rewrite(url: str) -> urlrules.Rewritten:
        done = seen.get(url)
        if done is None:
            done = seen[url] = rewriter.apply(url)
        return done

    for link in page.links:
        if link.internal:
            done = rewrite(link.url)
            if done.rules:
                link.original_url, link.url, link.url_rules = link.url, done.url, list(done.rules)
    return [rewrite(url).url for url in leads]


def failed(fetched: Fetched, reason: str) -> Fetched:
    """The fetch as a failure with ``reason``: the record keeps status and headers, and parses nothing."""
    fetched.error, fetched.body = reason, b""
    return fetched


@functools.lru_cache(maxsize=16)
def _rewriter(url_rules: str) -> urlrules.Rewriter:
    """A crawl's URL rules compiled once per pool process (keyed by their JSON)."""
    return urlrules.Rewriter(UrlRules.model_validate_json(url_rules))


def build_isolated(
    entry: Entry,
    fetched: Fetched,
    start_url: str,
    include_subdomains: bool,
    url_rules: str = "{}",
    rules: Sequence[ExtractionRule] = (),
) -> tuple[dict[str, Any], list[str]]:
    """``build`` as a CPU-pool task: picklable arguments in, the record and its leads out (never a DOM).

    The record travels as plain data (``model_dump``): unpickling a pydantic model of 5,000 links
    costs the receiving loop ten times what validating the plain data does (``received``). The crawl
    scope is rebuilt from its two picklable parts (``is_internal`` needs no more), the URL rules from
    their JSON (compiled once per process); an extraction that raises is that page's recorded error,
    not a failed task.
    """
    is_internal = urls.Scope(start_url, include_subdomains=include_subdomains).is_internal
    rewriter = _rewriter(url_rules)
    try:
        page, leads = build(entry, fetched, is_internal, rewriter, rules)
    except Exception as exc:  # a parser surprise is a recorded outcome, not a dead crawl
        reason = f"extraction failed: {type(exc).__name__}: {exc}"[:500]
        page, leads = build(entry, failed(fetched, reason), is_internal, rewriter)
    return _portable(page), leads


# The page's near-duplicate sketches travel beside its fields (they are no field of the record).
_SKETCHES = "__sketches__"


def _portable(page: PageRecord) -> dict[str, Any]:
    data = page.model_dump()
    if page._sketches is not None:
        data[_SKETCHES] = page._sketches
    return data


def received(built: tuple[dict[str, Any], list[str]]) -> tuple[PageRecord, list[str]]:
    """What ``build_isolated`` (or ``render_isolated``) sent, as the record again."""
    data, leads = built
    sketches = data.pop(_SKETCHES, None)
    page = PageRecord.model_validate(data)
    page._sketches = sketches
    return page, leads


def _signals(page: PageRecord, fetched: Fetched, found: extract.Extracted | None) -> list[str]:
    """The HTML's signals (if any) and the ``Link`` header's on ``page``; the URLs they lead to.

    Canonical and hreflang count from the HTTP Link header and <head> only (headlinks).
    """
    header = headlinks.from_header(extract.link_header(",".join(fetched.headers.getall("Link", []))), fetched.final_url)
    canonical_links, page.hreflang = list(header.canonical_links), list(header.hreflang)
    leads: list[str] = []
    if found is not None:
        leads += _content(page, found)
        canonical_links += found.canonical_links
        page.hreflang += found.hreflang
        page.charset_declared = charset.declared(fetched.body, fetched.content_type)
        leads.extend(p.url for p in found.pagination)  # pagination targets are pages to check
    page.canonical_links = canonical_links
    counted = [link for link in canonical_links if link.source != "body"]
    page.canonical_raw = counted[0].href if counted else None
    page.canonicals = list(dict.fromkeys(link.url for link in counted if link.url))
    page.canonical = page.canonicals[0] if page.canonicals else None
    return leads


def build(
    entry: Entry,
    fetched: Fetched,
    is_internal: Callable[[str], bool],
    rewriter: urlrules.Rewriter | None = None,
    rules: Sequence[ExtractionRule] = (),
) -> tuple[PageRecord, list[str]]:
    """The record of a fetched URL and the URLs it leads to (links, canonical, hreflang, redirect).

    With ``rewriter`` (the crawl's URL rules), internal links and leads are the rewritten URLs;
    ``rules`` (the crawl's extraction rules) fill ``extracted`` on HTML pages.
    """
    page = _response(entry, fetched)
    leads: list[str] = []
    if fetched.final_url != entry.url and fetched.status is not None and not fetched.error:
        leads.append(fetched.final_url)  # the redirect target is a page of its own
    if fetched.needs_parsing():
        text, page.charset = charset.decode(fetched.body, fetched.content_type)
        leads += _signals(page, fetched, extract.extract(text, fetched.final_url, is_internal))
        if rules:
            custom = extractor.run(text, list(rules))
            page.extracted, page.extraction_errors = custom.values, custom.errors
    else:
        _signals(page, fetched, None)
    leads.extend(page.canonicals)
    leads.extend(h.url for h in page.hreflang if h.url)
    page.indexable, page.indexability_reason = _indexability(page, fetched.is_html)
    if rewriter is not None and rewriter.active:
        leads = _apply_url_rules(page, leads, rewriter)
    return page, leads


def render_isolated(
    page_data: dict[str, Any],
    fetched: Fetched,
    rendering: Rendering,
    start_url: str,
    include_subdomains: bool,
    url_rules: str = "{}",
    rules: Sequence[ExtractionRule] = (),
) -> tuple[dict[str, Any], list[str]]:
    """``with_rendering`` as a CPU-pool task: the rendered DOM is parsed off the event loop, like the raw
    HTML (``build_isolated``); the crawl's extraction rules run on the rendered HTML, and its URL rules
    on the rendered links. An extraction that raises is the render's recorded error."""
    page = PageRecord.model_validate(page_data)
    is_internal = urls.Scope(start_url, include_subdomains=include_subdomains).is_internal
    found = None
    if rendering.html is not None:
        try:
            found = extract.extract(rendering.html, fetched.final_url, is_internal)
        except Exception as exc:  # as for the raw HTML: a recorded outcome
            reason = f"extraction of the rendered DOM failed: {type(exc).__name__}: {exc}"[:500]
            rendering.error, rendering.html = reason, None
    leads = with_rendering(page, fetched, rendering, found, _rewriter(url_rules))
    if found is not None and rules and rendering.html is not None:
        custom = extractor.run(rendering.html, list(rules))
        page.extracted, page.extraction_errors = custom.values, custom.errors
    return page.model_dump(), leads


def with_rendering(
    page: PageRecord,
    fetched: Fetched,
    rendering: Rendering,
    found: extract.Extracted | None,
    rewriter: urlrules.Rewriter | None = None,
) -> list[str]:
    """Make ``page`` (built from the raw HTML) the rendered page; the further URLs it leads to.

    The rendered DOM's signals (``found``, the same extractor's) replace the raw ones, which go to
    ``page.rendered.raw`` for the comparison; status, headers, redirects, size and charset stay the
    raw response's. A render that failed (``found`` is None) leaves the raw page and records why.
    """
    raw = RawSignals(
        title=page.title, meta_description=page.meta_description, canonical=page.canonical,
        meta_robots=page.meta_robots, h1=page.h1, word_count=page.word_count,
        outlinks_count=page.outlinks_count, external_links_count=page.external_links_count,
    )  # fmt: skip
    info = RenderedPage(
        raw=raw,
        render_error=rendering.error,
        render_time_ms=rendering.time_ms,
        requests=rendering.requests,
        bytes=rendering.bytes,
        console_errors=rendering.console_errors,
        failed_requests=[RenderedRequest(url=f.url, resource_type=f.resource_type, reason=f.reason,
                                         blocked=f.blocked, robots=f.robots) for f in rendering.failed_requests],
    )  # fmt: skip
    page.rendered = info
    leads: list[str] = []
    if rendering.navigated_to is not None:
        target = urls.normalize(rendering.navigated_to, fetched.final_url)
        if target is not None:
            leads.append(target)  # a redirect done by script: search engines follow it too
    if found is None:
        return leads
    raw_links = {link.url for link in page.links}
    raw_noindex = directives.of(page.meta_robots, None).noindex(page.crawled_at)
    leads += _signals(page, fetched, found)
    leads += page.canonicals
    leads += [h.url for h in page.hreflang if h.url]
    if rewriter is not None and rewriter.active:  # the raw links were rewritten too: compare like with like
        leads = _apply_url_rules(page, leads, rewriter)
    only = [link.url for link in page.links if link.url not in raw_links]
    info.title, info.meta_description, info.canonical = page.title, page.meta_description, page.canonical
    info.meta_robots, info.h1, info.word_count = page.meta_robots, page.h1, page.word_count
    info.outlinks_count, info.external_links_count = page.outlinks_count, page.external_links_count
    info.rendered_only_links, info.rendered_only_link_urls = len(only), only[:MAX_RENDERED_ONLY_URLS]
    page.indexable, page.indexability_reason = _indexability(page, fetched.is_html)
    if raw_noindex and page.indexable:
        # Google does not render a page whose HTML says noindex: a script removing it changes nothing.
        page.indexable, page.indexability_reason = False, "noindex"
    return leads
