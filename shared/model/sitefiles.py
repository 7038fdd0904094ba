"""Site files: what a crawl read at a host's well-known addresses (robots.txt, llms.txt).

One ``SiteFile`` per file and origin, carried by the ``SiteFilesRead`` event and kept in the
``site_files`` table; the audit reports on them and the api serves them (AI crawler report).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class FileProblem(BaseModel):
    line: int
    text: str = ""
    message: str


class SitemapAnswer(BaseModel):
    """A ``Sitemap:`` line of robots.txt and what its URL answered (None: not fetched)."""

    value: str
    url: str | None = Field(default=None, description="the absolute http(s) URL, None when the line is not one")
    status: int | None = None
    error: str | None = None
    fetched: bool = False


class SitemapFile(BaseModel):
    """One sitemap file the crawl read, how it found it, and what came of it (``error``: why it could not
    be read, or not wholly: unreachable, not well-formed, over a limit, a DTD refused, ...)."""

    url: str
    found_in: Literal["robots.txt", "/sitemap.xml", "index"] = Field(
        description="where the crawl learned of it: a Sitemap: line of robots.txt, the default address, or an index"
    )
    index: str | None = Field(default=None, description="the sitemap index that named it")
    status: int | None = Field(default=None, description="what it answered (None: not fetched or no answer)")
    kind: Literal["urlset", "index", "text"] | None = None
    urls: int = Field(default=0, description="page URLs it listed (an index: 0)")
    error: str | None = None


class AiCrawlerVerdict(BaseModel):
    """What robots.txt says to one AI crawler."""

    token: str
    operator: str
    purpose: Literal["training", "search", "user"]
    verdict: Literal["allowed", "partly blocked", "blocked"]
    group: Literal["own", "*", "none"] = Field(description="the group it obeys: its own, the * group, or none")
    line: int | None = Field(default=None, description="the robots.txt line that blocks the home page")
    note: str = ""


class SiteFile(BaseModel):
    """robots.txt or llms.txt of one origin, as the crawl found it."""

    kind: Literal["robots.txt", "llms.txt"]
    origin: str
    url: str
    final_url: str | None = None
    status: int | None = None
    error: str | None = None
    content_type: str | None = None
    size_bytes: int | None = None
    exists: bool = False
    problems: list[FileProblem] = Field(default_factory=list)
    problem_count: int = 0
    # robots.txt
    outcome: Literal["rules", "missing", "unavailable", "not consulted"] | None = None
    reason: str | None = None
    truncated: bool = False
    failures: int = Field(default=0, description="answers that were 5xx, 429 or no answer at all")
    sitemaps: list[SitemapAnswer] = Field(default_factory=list)
    sitemap_files: list[SitemapFile] = Field(
        default_factory=list, description="every sitemap file the crawl read (robots.txt, /sitemap.xml, indexes)"
    )
    ai_crawlers: list[AiCrawlerVerdict] = Field(default_factory=list)
    text: str | None = Field(
        default=None, description="robots.txt as read (its first 500 KiB), for diffs; not kept in site_files"
    )
    # llms.txt
    title: str | None = None
    links: int = 0
