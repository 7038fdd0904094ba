"""A page's links, paged on the server: the pages linking to it, the links on it, and its crawl path.

Counts are defined once (docs/AUDIT.md, "Counts"): **inlinks** are the other pages that link to a
URL (one row per page, however many links it has to it; links to itself, ``#fragment`` links
included, are none), so their total is the page record's ``inlinks_count``. **Outlinks** are the
page's ``<a href>`` links in document order, one per target and anchor text, so the internal ones
add up to ``outlinks_count`` and the others to ``external_links_count``.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.api.models import id_cursor, storable_text
from services.api.problems import Problem
from services.api.routes.crawls import crawl_id_of, require_crawl
from services.api.routes.pages import PAGE_ID, page_id_of
from services.api.routing import RouteTable, dump
from shared.platform.service import POOL

routes = RouteTable("pages")

_NOFOLLOW = "coalesce(l.rel ~* '(^|\\s)nofollow(\\s|$)', false)"
_PAGE = "SELECT url, depth, referrer FROM pages WHERE crawl_id = $1 AND id = $2"


class LinkingPage(BaseModel):
    page_id: int = Field(description="the linking page")
    url: str
    status_code: int | None
    anchor: str | None = Field(description="the anchor text of its first link here")
    links: int = Field(description="how many links that page has to this one")
    nofollow: bool = Field(description="every one of them is rel=nofollow")


class PageLink(BaseModel):
    ordinal: int = Field(description="its place among the page's links")
    url: str
    anchor: str | None
    rel: str | None
    internal: bool
    nofollow: bool
    page_id: int | None = Field(description="the target's page id when it was crawled")
    status_code: int | None = Field(description="the target's status, when crawled")
    error: str | None = Field(description="why fetching the target failed")


class LinkingPageList(BaseModel):
    items: list[LinkingPage]
    total: int = Field(description="linking pages matching the filters (without filters: `inlinks_count`)")
    next_cursor: str | None


class PageLinkList(BaseModel):
    items: list[PageLink]
    total: int = Field(description="links matching the filters")
    next_cursor: str | None


class InlinksQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = id_cursor()
    nofollow: bool | None = Field(default=None, description="only pages whose links here are (not) all nofollow")
    q: str | None = Field(
        default=None, max_length=200, pattern=r"^[^\x00]*$", description="text in the anchor or the linking URL"
    )

    _text = field_validator("q")(storable_text)


LinkStatus = Literal["2xx", "3xx", "4xx", "5xx", "error", "uncrawled"]


class OutlinksQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = id_cursor()
    internal: bool | None = Field(default=None, description="internal (true) or external (false) links only")
    status: LinkStatus | None = Field(default=None, description="the target's status class, `error` or `uncrawled`")
    nofollow: bool | None = None
    q: str | None = Field(
        default=None, max_length=200, pattern=r"^[^\x00]*$", description="text in the anchor or the target URL"
    )

    _text = field_validator("q")(storable_text)


_INLINK_GROUPS = f"""
SELECT l.source_id AS page_id, s.url, s.status_code, count(*) AS links,
       (array_agg(l.anchor ORDER BY l.ordinal) FILTER (WHERE l.anchor IS NOT NULL))[1] AS anchor,
       bool_and({_NOFOLLOW}) AS nofollow
FROM links l JOIN pages s ON s.id = l.source_id
WHERE l.crawl_id = $1 AND l.target_url = $2 AND l.source_id <> $3 AND l.internal
GROUP BY l.source_id, s.url, s.status_code
HAVING ($4::bool IS NULL OR bool_and({_NOFOLLOW}) = $4)
   AND ($5::text IS NULL OR strpos(lower(s.url), $5) > 0
        OR bool_or(strpos(lower(coalesce(l.anchor, '')), $5) > 0))
"""
_INLINKS = f"SELECT * FROM ({_INLINK_GROUPS}) g WHERE $6::bigint IS NULL OR g.page_id > $6 ORDER BY g.page_id LIMIT $7"
_INLINKS_TOTAL = f"SELECT count(*) FROM ({_INLINK_GROUPS}) g"

_OUTLINK_FILTERS = f"""l.source_id = $1
  AND ($2::bool IS NULL OR l.internal = $2)
  AND ($3::bool IS NULL OR {_NOFOLLOW} = $3)
  AND ($4::text IS NULL OR strpos(lower(l.target_url), $4) > 0 OR strpos(lower(coalesce(l.anchor, '')), $4) > 0)
  AND ($5::text IS NULL
       OR $5 = 'uncrawled' AND t.id IS NULL
       OR $5 = 'error' AND t.id IS NOT NULL AND (t.error IS NOT NULL AND NOT t.blocked_by_robots)
       OR $5 LIKE '_xx' AND t.status_code >= $6 AND t.status_code < $6 + 100)"""
_OUTLINK_FROM = "FROM links l LEFT JOIN pages t ON t.crawl_id = l.crawl_id AND t.url = l.target_url"
_OUTLINKS = f"""SELECT l.ordinal, l.target_url AS url, l.anchor, l.rel, l.internal, {_NOFOLLOW} AS nofollow,
       t.id AS page_id, t.status_code, t.error
{_OUTLINK_FROM} WHERE {_OUTLINK_FILTERS} AND ($7::bigint IS NULL OR l.ordinal > $7) ORDER BY l.ordinal LIMIT $8"""
_OUTLINKS_TOTAL = f"SELECT count(*) {_OUTLINK_FROM} WHERE {_OUTLINK_FILTERS}"


def _after(cursor: str | None) -> int | None:
    """The position after which a page of rows starts (a page id or a link's ordinal): digits only."""
    return int(cursor) if cursor else None


def _text(q: str | None) -> str | None:
    return q.strip().lower() or None if q else None


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/pages/{page_id}/inlinks",
    summary="The pages linking to a page",
    query=InlinksQuery,
    response=LinkingPageList,
    errors=(404, 422),
    path_params=PAGE_ID,
)
async def page_inlinks(request: web.Request, query: InlinksQuery) -> web.Response:
    """One row per other page linking here (its first anchor text, how many links, whether all are
    nofollow), by page id; `total` without filters is the page's `inlinks_count`."""
    crawl_id, page_id = crawl_id_of(request), page_id_of(request)
    q = _text(query.q)
    async with request.app[POOL].acquire() as conn:
        await require_crawl(conn, crawl_id)
        page = await conn.fetchrow(_PAGE, crawl_id, page_id)
        if page is None:
            raise Problem(404, f"Crawl {crawl_id} has no page with the id {page_id}.")
        args = (crawl_id, page["url"], page_id, query.nofollow, q)
        rows = await conn.fetch(_INLINKS, *args, _after(query.cursor), query.limit + 1)
        total = await conn.fetchval(_INLINKS_TOTAL, *args)
    items = [LinkingPage.model_validate(dict(r)) for r in rows[: query.limit]]
    more = len(rows) > query.limit
    after = str(items[-1].page_id) if more else None
    return dump(LinkingPageList(items=items, total=total, next_cursor=after))


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/pages/{page_id}/outlinks",
    summary="The links on a page",
    query=OutlinksQuery,
    response=PageLinkList,
    errors=(404, 422),
    path_params=PAGE_ID,
)
async def page_outlinks(request: web.Request, query: OutlinksQuery) -> web.Response:
    """The page's links in document order with each target's status; filter by internal or
    external, the target's status, nofollow and text in the anchor or URL."""
    crawl_id, page_id = crawl_id_of(request), page_id_of(request)
    status_floor = int(query.status[0]) * 100 if query.status and query.status.endswith("xx") else None
    async with request.app[POOL].acquire() as conn:
        await require_crawl(conn, crawl_id)
        if await conn.fetchrow(_PAGE, crawl_id, page_id) is None:
            raise Problem(404, f"Crawl {crawl_id} has no page with the id {page_id}.")
        args = (page_id, query.internal, query.nofollow, _text(query.q), query.status, status_floor)
        rows = await conn.fetch(_OUTLINKS, *args, _after(query.cursor), query.limit + 1)
        total = await conn.fetchval(_OUTLINKS_TOTAL, *args)
    items = [PageLink.model_validate(dict(r)) for r in rows[: query.limit]]
    more = len(rows) > query.limit
    after = str(items[-1].ordinal) if more else None
    return dump(PageLinkList(items=items, total=total, next_cursor=after))


# --- the crawl path ------------------------------------------------------------------------------


class PathStep(BaseModel):
    page_id: int
    url: str
    depth: int
    status_code: int | None
    anchor: str | None = Field(description="the anchor text of the link to the next step")


class CrawlPath(BaseModel):
    """How the crawler first reached the page: from the start URL, one followed link a step."""

    steps: list[PathStep] = Field(description="the start URL first, the page last")
    complete: bool = Field(description="the chain reaches a page the crawl started from (depth 0)")
    sitemap_only: bool = Field(description="no link led here: the URL came from a sitemap")


# Each page remembers the URL it was first found on (its referrer); the crawl claims URLs by depth,
# so that first chain is a shortest one. Strictly decreasing depth: no cycle can make it loop.
_PATH = """
WITH RECURSIVE path AS (
    SELECT p.id, p.url, p.referrer, p.depth, p.status_code, 0 AS step FROM pages p
    WHERE p.crawl_id = $1 AND p.id = $2
    UNION ALL
    SELECT r.id, r.url, r.referrer, r.depth, r.status_code, path.step + 1
    FROM path JOIN pages r ON r.crawl_id = $1 AND r.url = path.referrer
    WHERE r.depth < path.depth AND path.step < 1000
)
SELECT path.id AS page_id, path.url, path.depth, path.status_code, path.referrer, path.step,
       (SELECT l.anchor FROM links l JOIN path nxt ON nxt.step = path.step - 1
        WHERE l.source_id = path.id AND l.target_url = nxt.url ORDER BY l.ordinal LIMIT 1) AS anchor
FROM path ORDER BY path.step DESC
"""


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/pages/{page_id}/path",
    summary="The crawl path to a page",
    response=CrawlPath,
    errors=(404,),
    path_params=PAGE_ID,
)
async def page_path(request: web.Request) -> web.Response:
    """The chain of links the crawler followed from the start URL to this page (the page it was
    first found on, and that page's, and so on), with each link's anchor text."""
    crawl_id, page_id = crawl_id_of(request), page_id_of(request)
    async with request.app[POOL].acquire() as conn:
        await require_crawl(conn, crawl_id)
        rows = await conn.fetch(_PATH, crawl_id, page_id)
    if not rows:
        raise Problem(404, f"Crawl {crawl_id} has no page with the id {page_id}.")
    steps = [PathStep.model_validate(dict(r)) for r in rows]
    first = rows[0]
    return dump(
        CrawlPath(
            steps=steps,
            complete=first["depth"] == 0,
            sitemap_only=len(rows) == 1 and first["referrer"] is None and first["depth"] > 0,
        )
    )
