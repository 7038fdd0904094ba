"""The page record: what the crawler extracts from one URL and the audit reads back.

Field names are the ones CONTRACT.md promises (page record fields); a few more serve the audit.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


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
    url: str
    anchor: str = ""
    rel: str = ""
    internal: bool = True


class PageRecord(BaseModel):
    """One crawled (or blocked, or failed) URL of a crawl."""

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
    charset: str | None = None
    size_bytes: int | None = None
    response_time_ms: float | None = None
    ttfb_ms: float | None = None
    depth: int = 0
    referrer: str | None = None
    blocked_by_robots: bool = False
    indexable: bool = False
    indexability_reason: str | None = None
    title: str | None = None
    title_length: int | None = None
    title_count: int = 0
    meta_description: str | None = None
    meta_description_length: int | None = None
    h1: list[str] = Field(default_factory=list)
    h2: list[str] = Field(default_factory=list)
    canonical: str | None = None
    canonicals: list[str] = Field(default_factory=list)
    canonical_raw: str | None = Field(
        default=None, description="the first canonical (HTTP Link header, else <head>) as written, valid or not"
    )
    canonical_links: list[LinkElement] = Field(default_factory=list)
    meta_robots: str | None = None
    x_robots_tag: str | None = None
    hreflang: list[Hreflang] = Field(default_factory=list)
    hreflang_outside_head: int = 0
    lang: str | None = None
    viewport: str | None = None
    meta_refresh: str | None = None
    word_count: int | None = None
    content_hash: str | None = None
    simhash: int | None = None
    outlinks_count: int = 0
    external_links_count: int = 0
    images_count: int = 0
    images_missing_alt: int = 0
    mixed_content_count: int = 0
    structured_data_types: list[str] = Field(default_factory=list)
    open_graph: dict[str, str] = Field(default_factory=dict)
    in_sitemap: bool = False
    crawled_at: datetime
    links: list[Link] = Field(default_factory=list)
