"""The robots.txt report of a crawl: the file as read, its problems, the AI crawler verdicts, llms.txt."""

from __future__ import annotations

import uuid

from aiohttp import web
from pydantic import BaseModel, Field

from services.api.reports import robots
from services.api.routes.crawls import CRAWL_ID, crawl_id_of
from services.api.routing import RouteTable, dump
from shared.model.sitefiles import AiCrawlerVerdict, SiteFile, SitemapFile
from shared.platform.service import POOL

routes = RouteTable("reports")


class RobotsReport(BaseModel):
    """robots.txt and llms.txt of the crawl's start origin, read when the crawl began."""

    crawl_id: uuid.UUID
    origin: str
    robots_txt: SiteFile | None = Field(description="null until the crawl has read it")
    llms_txt: SiteFile | None
    ai_crawlers: list[AiCrawlerVerdict] = Field(
        description="what robots.txt says to each AI crawler: allowed, partly blocked (some paths), blocked "
        "(the home page)"
    )
    body: str | None = Field(description="robots.txt as the crawl read it (its first 500 KiB)")
    sitemap_urls: int | None = Field(description="URLs the crawl took from the sitemaps (null: not read)")
    sitemaps: list[SitemapFile] = Field(
        description="every sitemap file the crawl read (robots.txt's Sitemap: lines, /sitemap.xml, the children "
        "of indexes): what it answered, the URLs it gave, and why it could not be read (wholly), if so"
    )
    previous_crawl_id: uuid.UUID | None = Field(description="the site's completed crawl before this one")
    diff: str | None = Field(description="unified diff from the previous crawl's robots.txt (null: none to compare)")


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/robots",
    summary="robots.txt, AI crawlers and llms.txt of a crawl",
    response=RobotsReport,
    errors=(404,),
    path_params=CRAWL_ID,
)
async def crawl_robots(request: web.Request) -> web.Response:
    """What the crawl read in robots.txt (answer, syntax problems, Sitemap lines and their answers, size),
    which AI crawlers (GPTBot, ClaudeBot, PerplexityBot, Google-Extended, ...) it allows or blocks, and
    whether /llms.txt exists and follows the llmstxt.org format; every sitemap file read with the reason it
    could not be read, if so; robots.txt's text and its diff from the site's previous completed crawl."""
    crawl_id = crawl_id_of(request)
    async with request.app[POOL].acquire() as conn:
        found = await robots.report(conn, crawl_id)
    return dump(RobotsReport.model_validate(found))
