"""The page schema: what the crawler records of one URL, and every list of page columns derived from it.

One home for the page's fields. ``PublicPage`` is what users see of a page (CONTRACT.md's page
record fields, plus the id, any fetch error and the robots block): the api's ``Page`` extends it
and the exports' columns are its fields. ``PageRecord`` adds what only the audit reads and the
links; it is the ``PagesCrawled`` payload, and the ``pages`` projection stores every field of it
but the links (rows of ``links``) as a column of the same name. ``PageProjection`` is what that
projection adds. The column lists below derive from these classes; tests/unit/test_page_schema.py
holds the table the migrations create, the api's model, the exports and the comparison to them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, Field, PrivateAttr


class RedirectHop(BaseModel):
    url: str
    status_code: int


class Hreflang(BaseModel):
    """One hreflang alternate: the value as written, the resolved URL ("" when the href is missing or
    not http(s)), the href as written (None when the element has none) and where it was found."""

    lang: str
    url: str
    href: str | None = None
    source: str = "head"  # "head" | "header"


class LinkElement(BaseModel):
    """A canonical link as written (``href``), resolved (``url``: None when it is not an http(s)
    URL), and where it was found: ``head``, ``header`` (HTTP Link) or ``body`` (ignored by Google)."""

    href: str
    url: str | None = None
    source: str = "head"


class Link(BaseModel):
    url: str = Field(description="the target as the crawler requested it (after the crawl's URL rules)")
    anchor: str = ""
    rel: str = ""
    internal: bool = True
    original_url: str | None = Field(default=None, description="the target as written, when a URL rule changed it")
    url_rules: list[str] = Field(default_factory=list, description="the URL rules that changed it, in order")


# --- what the checks of issue 13 read (services/worker/extract: resources, anchors, structured) ---


class PageResource(BaseModel):
    """A subresource the page loads: requested once per crawl by the resource checker."""

    url: str
    type: Literal["image", "stylesheet", "script", "icon"]
    blocking: bool = Field(default=False, description="a script in <head> without async, defer or type=module")
    unsized: bool = Field(default=False, description="an <img> without both width and height")


class AnchorProblem(BaseModel):
    """An ``<a>`` that crawlers cannot follow, or whose href is written badly."""

    href: str | None = Field(description="the href as written (trimmed, truncated); null when there is none")
    text: str = ""
    reason: Literal["javascript", "empty_href", "fragment_only", "no_href", "file", "unparsable", "non_ascii"]


class StructuredItem(BaseModel):
    """One structured-data item (JSON-LD node, microdata or RDFa item), nested items inline."""

    format: Literal["json-ld", "microdata", "rdfa"]
    type: list[str] = Field(default_factory=list, description="the item's types, schema.org prefix removed")
    properties: dict[str, Any] = Field(default_factory=dict)


class CookieFlags(BaseModel):
    """A cookie the page sets (``Set-Cookie``): its name and flags, never its value."""

    name: str
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None


class PaginationLink(BaseModel):
    rel: Literal["next", "prev"]
    url: str


class RenderedRequest(BaseModel):
    """A request the page made while rendering that got no answer: refused by the crawler, or failed."""

    url: str
    resource_type: str = Field(default="", description="script, stylesheet, xhr, fetch, document, websocket...")
    reason: str
    blocked: bool = Field(
        default=False, description="refused by the crawler (SSRF guard, robots.txt, a limit, the render policy)"
    )
    robots: bool = Field(default=False, description="refused because robots.txt disallows it")


class RawSignals(BaseModel):
    """The raw HTML's values of what scripts may change: the left side of the raw/rendered comparison."""

    title: str | None = None
    meta_description: str | None = None
    canonical: str | None = None
    meta_robots: str | None = None
    h1: list[str] = Field(default_factory=list)
    word_count: int | None = None
    outlinks_count: int = 0
    external_links_count: int = 0


class RenderedPage(BaseModel):
    """What headless Chromium made of the page, beside the raw HTML's values (crawls with rendering).

    The page record's own fields hold the rendered values (what the audit judges) when the render
    succeeded, the raw ones when it failed (``render_error``).
    """

    title: str | None = None
    meta_description: str | None = None
    canonical: str | None = None
    meta_robots: str | None = None
    h1: list[str] = Field(default_factory=list)
    word_count: int | None = None
    outlinks_count: int = 0
    external_links_count: int = 0
    rendered_only_links: int = Field(default=0, description="links in the rendered DOM and not in the raw HTML")
    rendered_only_link_urls: list[str] = Field(default_factory=list, description="the first 20 of them")
    raw: RawSignals = Field(default_factory=RawSignals)
    render_error: str | None = Field(default=None, description="why the page could not be rendered")
    render_time_ms: float | None = None
    requests: int = Field(default=0, description="requests the page made while rendering")
    bytes: int = Field(default=0, description="bytes it loaded, the HTML included")
    console_errors: list[str] = Field(default_factory=list, description="uncaught exceptions and console errors")
    failed_requests: list[RenderedRequest] = Field(default_factory=list)


class PublicPage(BaseModel):
    """What users see of a page: CONTRACT.md's page record fields, plus its id, any fetch error and the robots block."""

    id: int = Field(description="the page id: the URL's frontier id, stable across rebuilds")
    url: str
    final_url: str | None = None
    status_code: int | None = None
    error: str | None = None
    redirect_chain: list[RedirectHop] = Field(
        default_factory=list,
        description="empty unless the URL redirected; then every response in order, starting with the URL "
        "itself and ending with the final URL's own answer (absent when the chain stopped: a loop, too many "
        "hops, a non-HTTP or out-of-scope target; final_url then names where it pointed)",
    )
    content_type: str | None = None
    size_bytes: int | None = None
    response_time_ms: float | None = None
    depth: int = 0
    blocked_by_robots: bool = False
    indexable: bool = False
    indexability_reason: str | None = None
    title: str | None = None
    title_length: int | None = None
    meta_description: str | None = None
    meta_description_length: int | None = None
    h1: list[str] = Field(default_factory=list)
    h2: list[str] = Field(default_factory=list)
    canonical: str | None = None
    canonical_raw: str | None = Field(
        default=None,
        description="the first canonical (HTTP Link header, else <head>) as written, valid or not (e.g. a file:// URL)",
    )
    meta_robots: str | None = None
    x_robots_tag: str | None = None
    hreflang: list[Hreflang] = Field(default_factory=list)
    lang: str | None = None
    word_count: int | None = None
    content_hash: str | None = None
    outlinks_count: int = 0
    external_links_count: int = 0
    images_count: int = 0
    images_missing_alt: int = 0
    structured_data_types: list[str] = Field(default_factory=list)
    in_sitemap: bool = False
    extracted: dict[str, str | int | list[str] | None] = Field(
        default_factory=dict, description="the crawl's extraction rules: rule name → value (a list with `multiple`)"
    )
    extraction_errors: dict[str, str] = Field(
        default_factory=dict, description="rule name → why the rule fell short on this page (skipped, cut, stopped)"
    )
    crawled_at: datetime
    rendered: RenderedPage | None = Field(
        default=None, description="crawls that render: what Chromium made of the page beside the raw HTML's values"
    )


class PageRecord(PublicPage):
    """One crawled (or blocked, or failed) URL of a crawl: what users see, what the audit reads, the links."""

    charset: str | None = None
    ttfb_ms: float | None = None
    referrer: str | None = None
    title_count: int = 0
    canonicals: list[str] = Field(default_factory=list)
    canonical_links: list[LinkElement] = Field(default_factory=list)
    hreflang_outside_head: int = 0
    viewport: str | None = None
    meta_refresh: str | None = None
    simhash: int | None = None
    mixed_content_count: int = 0
    open_graph: dict[str, str] = Field(default_factory=dict)
    # --- issue 13's checks -----------------------------------------------------------------------
    structured_data: list[StructuredItem] = Field(default_factory=list)
    structured_data_errors: list[str] = Field(default_factory=list)
    resources: list[PageResource] = Field(default_factory=list)
    anchor_problems: list[AnchorProblem] = Field(default_factory=list)
    security_headers: dict[str, str] = Field(default_factory=dict)
    cookies: list[CookieFlags] = Field(default_factory=list)
    form_actions: list[str] = Field(default_factory=list)
    has_doctype: bool | None = None
    charset_declared: bool | None = None
    pagination: list[PaginationLink] = Field(default_factory=list)
    twitter_card: dict[str, str] = Field(default_factory=dict)
    text_excerpt: str | None = None
    # The MinHash signature and bottom-k sketch of the page's word 3-shingles, from extraction to the
    # crawl's page_sketches (the near-duplicate pass reads them there): working data, never a field of
    # the record, an event or an export.
    _sketches: tuple[bytes, bytes] | None = PrivateAttr(default=None)
    lorem_ipsum: bool = False
    links: list[Link] = Field(default_factory=list)


class PageProjection(BaseModel):
    """What the ``pages`` projection adds to a stored record, worked out from the crawl's other events."""

    crawl_id: uuid.UUID
    inlinks_count: int = Field(default=0, description="pages linking here; counted when the crawl completes")
    near_duplicate_of: int | None = Field(default=None, description="the most similar other page (the audit's)")
    near_duplicate_similarity: float | None = None
    link_score: float | None = Field(
        default=None,
        description="internal PageRank, 0–100 (the strongest page 100); set when the crawl completes, null for "
        "redirects and canonicalised pages, which hand their links on (shared.audit.linkscore)",
    )


# --- the column lists, derived ----------------------------------------------------------------

# The record's fields the pages projection stores, each as the column of the same name (the links
# are rows of ``links``). Lists of models are stored as JSON objects.
RECORD_COLUMNS: tuple[str, ...] = tuple(name for name in PageRecord.model_fields if name != "links")


def _is_model_list(annotation: Any) -> bool:
    args = get_args(annotation)
    item = args[0] if get_origin(annotation) is list and args else None
    return isinstance(item, type) and issubclass(item, BaseModel)


MODEL_LIST_COLUMNS: frozenset[str] = frozenset(
    name for name in RECORD_COLUMNS if _is_model_list(PageRecord.model_fields[name].annotation)
)


def _is_model(annotation: Any) -> bool:
    return any(isinstance(t, type) and issubclass(t, BaseModel) for t in (get_args(annotation) or (annotation,)))


# Fields holding one model (or None), stored as a JSON object: ``rendered``.
MODEL_COLUMNS: frozenset[str] = frozenset(
    name
    for name in RECORD_COLUMNS
    if name not in MODEL_LIST_COLUMNS and _is_model(PageRecord.model_fields[name].annotation)
)

# Every column of ``pages``: the stored record and what the projection adds.
TABLE_COLUMNS: tuple[str, ...] = (*RECORD_COLUMNS, *PageProjection.model_fields)

# Columns an export computes when it reads (they are not stored as such).
EXPORT_COMPUTED: frozenset[str] = frozenset({"near_duplicate_of_url", "issues_count"})

# What the api's page answers compute as they read, from the issues projection.
API_COMPUTED: frozenset[str] = frozenset({"issues_count", "top_issue"})


def export_columns() -> tuple[str, ...]:
    """The page export's columns, in order: what users see (without the internal id and the robots
    block, which the status and indexability already say), with the duplicate, link and issue counts
    beside the fields they qualify."""
    columns: list[str] = []
    for name in PublicPage.model_fields:
        if name in ("id", "blocked_by_robots"):
            continue
        if name == "outlinks_count":
            columns += ["near_duplicate_of_url", "near_duplicate_similarity", "inlinks_count", "link_score"]
        if name == "crawled_at":
            columns.append("issues_count")
        columns.append(name)
    return tuple(columns)
