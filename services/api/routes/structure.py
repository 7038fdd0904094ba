"""Maps of a crawl: the site as a tree of URL folders, the link graph of its strongest pages, and
the progress of a running crawl. Everything is aggregated here, in SQL: the browser gets a level of
the tree, a few hundred nodes, a few thousand points, never the whole crawl.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.api.models import Timestamp, storable_text
from services.api.routes.crawls import CRAWL_ID, crawl_id_of, require_crawl
from services.api.routing import RouteTable, dump
from shared.audit import problems
from shared.eventlog import events as ev
from shared.platform.service import POOL

routes = RouteTable("structure")

MAX_CHILDREN = 500
MAX_GRAPH_NODES = 500
MAX_GRAPH_EDGES = 20_000
MAX_POINTS = 600
LATEST_ERRORS = 10


# --- the tree ------------------------------------------------------------------------------------


class TreeQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str = Field(
        default="",
        # 600 characters: even percent-encoded 4-byte characters fit the server's 8 KB request line
        max_length=600,
        pattern=r"^([^\x00]*/)?$",
        description="the folder to open: a URL prefix ending in `/` (`https://site/docs/`); empty: the sites",
    )

    _text = field_validator("path")(storable_text)


class TreeNode(BaseModel):
    name: str = Field(description="the folder or page name (one path segment), or the origin at the top")
    path: str = Field(description="the prefix to open it with (`?path=`), when it has pages below it")
    folder: bool = Field(description="it has pages below it")
    page_id: int | None = Field(description="the page at exactly this URL, when there is one")
    pages: int = Field(description="pages at or below it")
    with_issues: int = Field(
        description="of those, pages with at least one issue that is not one of the crawl's site-wide problems "
        "(`site_wide` in the issue summary: a template finding on nearly every page, which would put every folder "
        "at 100 %)"
    )
    avg_depth: float
    avg_link_score: float | None


class Tree(BaseModel):
    path: str
    pages: int = Field(description="pages below `path`")
    children: list[TreeNode] = Field(description="by pages, most first (at most 500)")
    truncated: bool


# One level: the pages under the prefix, grouped by their next path segment (the query string is
# not part of the folder). At the top the group is the origin. The prefix is matched as text, so
# the scan is the crawl's pages (an index range would need a C-collated index on every insert).
# A page "has issues" when it has one that is not a site-wide problem ($4): those are on nearly
# every page and would make every folder read 100 %.
_LEVEL = """
WITH scoped AS (
    SELECT p.id, p.url, p.depth, p.link_score,
           split_part(substr(p.url, length($2) + 1), '?', 1) AS rest,
           EXISTS (SELECT 1 FROM issues i WHERE i.crawl_id = p.crawl_id AND i.page_id = p.id
                          AND i.code <> ALL($4::text[])) AS has_issues
    FROM pages p
    WHERE p.crawl_id = $1 AND left(p.url, length($2)) = $2
), grouped AS (
    SELECT CASE WHEN $2 = '' THEN substring(url from '^[a-zA-Z]+://[^/?#]+') ELSE split_part(rest, '/', 1) END
               AS name,
           id, url, depth, link_score, has_issues,
           CASE WHEN $2 = '' THEN true ELSE strpos(rest, '/') > 0 END AS below
    FROM scoped
)
SELECT name, bool_or(below) AS folder, count(*) AS pages, count(*) FILTER (WHERE has_issues) AS with_issues,
       avg(depth)::float8 AS avg_depth, avg(link_score)::float8 AS avg_link_score,
       min(id) FILTER (WHERE NOT below) AS page_id, count(*) OVER () AS groups, sum(count(*)) OVER () AS total
FROM grouped GROUP BY name ORDER BY count(*) DESC, name LIMIT $3
"""


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/structure",
    summary="The site as a tree of URL folders",
    query=TreeQuery,
    response=Tree,
    errors=(404, 422),
    path_params=CRAWL_ID,
)
async def crawl_structure(request: web.Request, query: TreeQuery) -> web.Response:
    """One level of the tree under `path`: each folder (or page) with its page count, how many of
    them have issues (site-wide problems left out), their average depth and link score. Open a folder
    with its `path`."""
    crawl_id = crawl_id_of(request)
    async with request.app[POOL].acquire() as conn:
        await require_crawl(conn, crawl_id)
        wide = (await problems.of_crawl(conn, crawl_id))["site_wide"]
        rows = await conn.fetch(_LEVEL, crawl_id, query.path, MAX_CHILDREN, wide)
    children = []
    for r in rows:
        name = r["name"] or ""
        base = f"{name}/" if not query.path else f"{query.path}{name}/"
        children.append(
            TreeNode(
                name=name or "/",
                path=base if r["folder"] else "",
                folder=r["folder"],
                page_id=r["page_id"],
                pages=r["pages"],
                with_issues=r["with_issues"],
                avg_depth=round(r["avg_depth"], 2),
                avg_link_score=round(r["avg_link_score"], 1) if r["avg_link_score"] is not None else None,
            )
        )
    total = int(rows[0]["total"]) if rows else 0
    groups = int(rows[0]["groups"]) if rows else 0
    return dump(Tree(path=query.path, pages=total, children=children, truncated=groups > len(children)))


# --- the link graph ------------------------------------------------------------------------------


class GraphQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=200, ge=1, le=MAX_GRAPH_NODES, description="how many of the strongest pages")


class GraphNode(BaseModel):
    id: int
    url: str
    title: str | None
    status_code: int | None
    indexable: bool
    depth: int
    link_score: float | None


class Graph(BaseModel):
    nodes: list[GraphNode] = Field(description="the strongest pages by link score (inlinks before scores exist)")
    edges: list[tuple[int, int]] = Field(description="[source, target] page ids: internal links among them")
    truncated: bool = Field(description="more pages (or links) than shown")


_NODES = """SELECT id, url, title, status_code, indexable, depth, link_score FROM pages
WHERE crawl_id = $1 AND NOT blocked_by_robots
ORDER BY link_score DESC NULLS LAST, inlinks_count DESC, depth, id LIMIT $2"""
_EDGES = """SELECT DISTINCT l.source_id, t.id AS target_id
FROM links l JOIN pages t ON t.crawl_id = l.crawl_id AND t.url = l.target_url
WHERE l.crawl_id = $1 AND l.internal AND l.source_id = ANY($2::bigint[]) AND t.id = ANY($2::bigint[])
  AND t.id <> l.source_id
LIMIT $3"""
_COUNT = "SELECT count(*) FROM pages WHERE crawl_id = $1 AND NOT blocked_by_robots"


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/graph",
    summary="The link graph of the strongest pages",
    query=GraphQuery,
    response=Graph,
    errors=(404, 422),
    path_params=CRAWL_ID,
)
async def crawl_graph(request: web.Request, query: GraphQuery) -> web.Response:
    """The `limit` pages with the highest link score (at most 500: a graph stays readable and the
    browser fluid) and the internal links among them, one edge per linked pair."""
    crawl_id = crawl_id_of(request)
    async with request.app[POOL].acquire() as conn:
        await require_crawl(conn, crawl_id)
        nodes = await conn.fetch(_NODES, crawl_id, query.limit)
        ids = [r["id"] for r in nodes]
        edges = await conn.fetch(_EDGES, crawl_id, ids, MAX_GRAPH_EDGES + 1)
        total = await conn.fetchval(_COUNT, crawl_id)
    return dump(
        Graph(
            nodes=[GraphNode.model_validate(dict(r)) for r in nodes],
            edges=[(r["source_id"], r["target_id"]) for r in edges[:MAX_GRAPH_EDGES]],
            truncated=total > len(nodes) or len(edges) > MAX_GRAPH_EDGES,
        )
    )


# --- progress ------------------------------------------------------------------------------------


class ProgressPoint(BaseModel):
    at: Timestamp
    pages_crawled: int
    pages_discovered: int
    pages_per_second: float = Field(description="pages stored per second since the previous point")


class LatestError(BaseModel):
    page_id: int
    url: str
    status_code: int | None
    error: str | None
    crawled_at: Timestamp


class Progress(BaseModel):
    """A crawl's progress so far; the live stream (`/events`) carries what happens next."""

    points: list[ProgressPoint] = Field(description="progress over time, oldest first (at most 600)")
    queued: int = Field(description="URLs discovered and not crawled yet")
    status_codes: dict[str, int] = Field(description="pages per status code so far (`error`: no answer)")
    latest_errors: list[LatestError] = Field(description="the newest pages that failed or answered 4xx/5xx")


_POINTS = """
WITH p AS (
    SELECT recorded_at AS at, (data->>'pages_crawled')::int AS crawled, (data->>'pages_discovered')::int AS discovered,
           row_number() OVER (ORDER BY position) AS n, count(*) OVER () AS total
    FROM events WHERE stream_id = $1 AND type = $2
), kept AS (
    SELECT * FROM p WHERE (n - 1) % greatest(1, ceil(total::float8 / $3)::int) = 0 OR n = total
)
SELECT at, crawled, discovered,
       coalesce((crawled - lag(crawled) OVER w) / nullif(extract(epoch FROM at - lag(at) OVER w), 0), 0)::float8 AS rate
FROM kept WINDOW w AS (ORDER BY n) ORDER BY n
"""
_STATUS = """SELECT coalesce(status_code::text, 'error') AS status, count(*) AS n FROM pages
WHERE crawl_id = $1 AND NOT blocked_by_robots GROUP BY 1"""
_ERRORS = """SELECT id AS page_id, url, status_code, error, crawled_at FROM pages
WHERE crawl_id = $1 AND NOT blocked_by_robots AND (error IS NOT NULL OR status_code >= 400)
ORDER BY crawled_at DESC, id DESC LIMIT $2"""
_COUNTERS = "SELECT pages_crawled, pages_discovered FROM crawls WHERE id = $1"


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/progress",
    summary="Progress of a crawl: rate over time, queue, status codes, latest errors",
    response=Progress,
    errors=(404,),
    path_params=CRAWL_ID,
)
async def crawl_progress(request: web.Request) -> web.Response:
    """Pages per second over time (from the crawl's progress events), the URLs still queued, the
    status codes so far and the newest errors. Follow `/events` for what comes next."""
    crawl_id = crawl_id_of(request)
    async with request.app[POOL].acquire() as conn:
        await require_crawl(conn, crawl_id)
        points = await conn.fetch(_POINTS, ev.crawl_stream(crawl_id), ev.CrawlProgressed.type_name(), MAX_POINTS)
        statuses = await conn.fetch(_STATUS, crawl_id)
        errors = await conn.fetch(_ERRORS, crawl_id, LATEST_ERRORS)
        counters = await conn.fetchrow(_COUNTERS, crawl_id)
    return dump(
        Progress(
            points=[
                ProgressPoint(
                    at=r["at"],
                    pages_crawled=r["crawled"],
                    pages_discovered=r["discovered"],
                    pages_per_second=round(max(r["rate"], 0.0), 2),
                )
                for r in points
            ],  # fmt: skip
            queued=max(counters["pages_discovered"] - counters["pages_crawled"], 0),
            status_codes={r["status"]: r["n"] for r in statuses},
            latest_errors=[LatestError.model_validate(dict(r)) for r in errors],
        )
    )
