"""A crawl's settings: what the user asked for, validated once and carried in ``CrawlRequested``."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_URL_LENGTH = 2048
MAX_LIST_URLS = 100_000


def _check_http_url(value: str, field: str = "url") -> str:
    value = value.strip()
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"{field} is longer than {MAX_URL_LENGTH} characters")
    lowered = value.lower()
    if not (lowered.startswith("http://") or lowered.startswith("https://")):
        raise ValueError(f"{field} must start with http:// or https://")
    rest = value.split("://", 1)[1]
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if not host or host.startswith(":") or "@" in host and not host.split("@", 1)[1]:
        raise ValueError(f"{field} has no host")
    if any(ch.isspace() for ch in value):
        raise ValueError(f"{field} must not contain spaces")
    return value


class Thresholds(BaseModel):
    """Audit thresholds; defaults from the issue catalogue, settable per crawl."""

    model_config = ConfigDict(extra="forbid")

    title_min_length: int = Field(default=30, ge=0)
    title_max_length: int = Field(default=60, ge=1)
    meta_description_min_length: int = Field(default=70, ge=0)
    meta_description_max_length: int = Field(default=160, ge=1)
    slow_response_ms: float = Field(default=800, gt=0)
    thin_content_words: int = Field(default=200, ge=0)
    near_duplicate_similarity: float = Field(default=0.9, ge=0.8, le=1)
    deep_page_depth: int = Field(default=4, ge=1)
    url_max_length: int = Field(default=115, ge=1)
    large_page_bytes: int = Field(default=2 * 1024 * 1024, ge=1)
    redirect_chain_hops: int = Field(default=2, ge=1)
    # issue 13's checks
    links_max_per_page: int = Field(default=300, ge=1)
    url_max_params: int = Field(default=3, ge=0)
    image_max_bytes: int = Field(default=300_000, ge=1)
    page_weight_max_bytes: int = Field(default=4_096_000, ge=1)
    js_content_share: float = Field(default=0.5, gt=0, le=1)
    blank_page_words: int = Field(default=10, ge=0)


class CrawlSettings(BaseModel):
    """The body of ``POST /api/crawls`` and the settings a worker crawls with."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(default="", description="start URL (spider mode) or the first of `urls` (list mode)")
    mode: Literal["spider", "list"] = "spider"
    urls: list[str] = Field(default_factory=list, max_length=MAX_LIST_URLS)
    max_pages: int = Field(default=10_000, ge=1, le=1_000_000)
    max_depth: int | None = Field(default=None, ge=0, le=1000)
    include: list[str] = Field(default_factory=list, max_length=100)
    exclude: list[str] = Field(default_factory=list, max_length=100)
    user_agent: str = Field(default="SEOCrawler/1.0 (+self-hosted)", min_length=1, max_length=512)
    max_rps: float = Field(default=5.0, gt=0, le=1000)
    concurrency: int = Field(default=4, ge=1, le=64)
    respect_robots: bool = True
    use_sitemaps: bool = True
    include_subdomains: bool = False
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    check_resources: bool = Field(
        default=True, description="request every image, stylesheet, script and icon pages load (once per URL per crawl)"
    )
    check_external_links: bool = Field(default=False, description="request external link targets (once per URL)")
    render: Literal["off", "chromium"] = Field(
        default="off",
        description="`chromium`: every HTML page is also rendered in headless Chromium; the audit judges the "
        "rendered page and links found only in it are followed",
    )
    render_timeout_seconds: float = Field(default=20.0, gt=0, le=120, description="time one page may take to render")
    render_max_requests: int = Field(default=300, ge=1, le=5000, description="requests one rendered page may make")
    render_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=64 * 1024, le=200 * 1024 * 1024, description="bytes one rendered page may load"
    )
    render_load_media: bool = Field(default=False, description="download images, media and fonts while rendering")
    thresholds: Thresholds = Field(default_factory=Thresholds)

    @field_validator("urls")
    @classmethod
    def _urls_are_http(cls, urls: list[str]) -> list[str]:
        return [_check_http_url(u, "urls") for u in urls if u.strip()]

    @field_validator("include", "exclude")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from exc
        return patterns

    @model_validator(mode="after")
    def _start_url(self) -> CrawlSettings:
        if self.mode == "list":
            if not self.urls:
                raise ValueError("list mode needs at least one URL in `urls`")
            if not self.url:
                self.url = self.urls[0]
        if not self.url:
            raise ValueError("`url` is required")
        self.url = _check_http_url(self.url)
        if self.mode == "spider":
            if self.include and not any(re.search(p, self.url) for p in self.include):
                raise ValueError("the start URL does not match any `include` pattern")
            if any(re.search(p, self.url) for p in self.exclude):
                raise ValueError("the start URL matches an `exclude` pattern")
        return self
