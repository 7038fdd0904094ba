"""Page routes: the page records of a crawl (filter, sort, cursor pagination) and one page in full."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal, get_args

from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.api.models import IssueCode, Timestamp, id_cursor
from services.api.problems import Problem
from services.api.reports import issues
from services.api.routes.crawls import CRAWL_ID, crawl_id_of, require_crawl
from services.api.routes.reports import EvidenceFamily, EvidenceRow, EvidenceUnit
from services.api.routing import RouteTable, dump
from shared.model.pages import API_COMPUTED, PageProjection, PublicPage, StructuredItem
from shared.platform.service import POOL

routes = RouteTable("pages")

PAGE_ID = {**CRAWL_ID, "page_id": {"type": "integer", "minimum": 1}}


def _answer_schema(schema: dict[str, Any]) -> None:
    # Every field is always in an answer (null when unknown): required, and no defaults to suggest otherwise.
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)
    # The inlink count (the projection's, declared last) is listed with the other link counts.
    for key in ("properties", "required"):
        schema[key] = _before(schema.get(key, {}), "inlinks_count", "outlinks_count")


def _before(items: Any, name: str, anchor: str) -> Any:
    """``items`` (a dict's keys or a list) with ``name`` moved just before ``anchor``."""
    keys = list(items)
    if name not in keys or anchor not in keys:
        return items
    keys.remove(name)
    keys.insert(keys.index(anchor), name)
    return {k: items[k] for k in keys} if isinstance(items, dict) else keys


# The page schema's PublicPage (shared.model.pages) plus the inlink count the projection fills in.
class Page(PublicPage):
    """A page record (the fields CONTRACT.md promises, plus the page id and any fetch error)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True, json_schema_extra=_answer_schema)

    crawled_at: Timestamp
    inlinks_count: int = 0
    link_score: float | None = Field(default=None, description=PageProjection.model_fields["link_score"].description)
    issues_count: int = Field(default=0, description="issues of this page (one per code)")
    top_issue: str | None = Field(default=None, description="the code of its most severe issue")


class PageList(BaseModel):
    items: list[Page]
    total: int = Field(description="pages matching the filters")
    next_cursor: str | None


class Inlink(BaseModel):
    page_id: int
    url: str
    anchor: str | None
    rel: str | None


class Outlink(BaseModel):
    url: str
    anchor: str | None
    rel: str | None
    internal: bool
    page_id: int | None = Field(description="the target's page id when it was crawled")
    status_code: int | None
    original_url: str | None = Field(default=None, description="the href as written, when a URL rule changed it")


class PageIssue(BaseModel):
    code: str
    severity: Literal["error", "warning", "notice"]
    title: str
    explanation: str = ""
    fix: str = ""
    details: dict[str, Any]
    family: EvidenceFamily = Field(description="which renderer draws the evidence")
    unit: EvidenceUnit | None = None
    evidence: list[EvidenceRow]


class PageDetail(Page):
    structured_data: list[StructuredItem] = Field(
        description="the page's structured-data items (JSON-LD, microdata, RDFa): format, type and properties"
    )
    inlinks: list[Inlink] = Field(description="pages linking here (first 500)")
    outlinks: list[Outlink] = Field(description="links on this page, in document order (first 1000)")
    issues: list[PageIssue]


Sort = Literal[
    "id", "url", "status_code", "depth", "response_time_ms", "size_bytes", "title_length", "word_count",
    "inlinks_count", "crawled_at", "link_score", "issues_count",
]  # fmt: skip


# A custom extraction rule's column: `extracted:<rule name>` (names hold no colon: shared.model.extraction).
EXTRACTED_PREFIX = "extracted:"
_RULE_NAME = r"[^\x00-\x1f\x7f:]{1,64}"
SORTS: tuple[str, ...] = get_args(Sort)
_EXTRACTED_SORT = re.compile(f"{EXTRACTED_PREFIX}{_RULE_NAME}")


def _sort(value: str) -> str:
    if value in SORTS or _EXTRACTED_SORT.fullmatch(value):
        return value
    raise ValueError(f"sort by one of {', '.join(SORTS)}, or by extracted:<rule name>")


PageSort = Annotated[
    str,
    AfterValidator(_sort),
    Field(
        description="a column, or `extracted:<rule name>`: a custom extraction rule's value; a value holding one "
        "number among other characters (`$19.99`, `120,00 €`, `SKU-20`) sorts by that number; other values (and "
        "none) come before them, in text order",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "enum": list(SORTS)},
                {"type": "string", "pattern": f"^{EXTRACTED_PREFIX}{_RULE_NAME}$"},
            ]
        },
    ),
]


class PagesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = id_cursor()
    status_code: str | None = Field(
        default=None, pattern=r"^([1-5][0-9][0-9]|[1-5]xx|error)$", description="`404`, a class like `4xx`, or `error`"
    )
    indexable: bool | None = None
    issue: IssueCode | None = Field(default=None, description="an issue code (or custom_search:<rule name>)")
    q: str | None = Field(default=None, max_length=200, description="text search in URL and title")
    extracted: str | None = Field(
        default=None,
        pattern=f"^{_RULE_NAME}:[^\x00-\x1f\x7f]{{0,200}}$",
        description="`<rule name>:<text>`: pages whose value of that custom extraction rule contains the text (case "
        "aside); `<rule name>:` alone: pages where the rule found something (a value, a match, a count above 0)",
    )
    sort: PageSort = "id"
    order: Literal["asc", "desc"] = "asc"


# Computed as they are read, from the issues projection (an index probe per page of the batch).
_ISSUES_COUNT = "(SELECT count(*) FROM issues i WHERE i.crawl_id = p.crawl_id AND i.page_id = p.id)"
_TOP_ISSUE = """(SELECT i.code FROM issues i WHERE i.crawl_id = p.crawl_id AND i.page_id = p.id
    ORDER BY CASE i.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, i.code LIMIT 1)"""
_COMPUTED = {"issues_count": _ISSUES_COUNT, "top_issue": _TOP_ISSUE}
assert set(_COMPUTED) == API_COMPUTED

# The columns a Page shows: its fields, each a column of the same name (or computed as it is read).
_PAGE_COLUMNS = ", ".join(
    f"{_COMPUTED[name]} AS {name}" if name in _COMPUTED else f"p.{name}" for name in Page.model_fields
)

# Every filter is a parameter that may be NULL, so one query text serves all combinations.
_FILTERS = """p.crawl_id = $1
  AND ($2::int IS NULL OR p.status_code = $2)
  AND ($3::int IS NULL OR p.status_code >= $3 AND p.status_code < $3 + 100)
  AND (NOT $4::bool OR p.status_code IS NULL)
  AND ($5::bool IS NULL OR p.indexable = $5)
  AND ($6::text IS NULL OR EXISTS (
        SELECT 1 FROM issues i WHERE i.crawl_id = p.crawl_id AND i.page_id = p.id AND i.code = $6))
  AND ($7::text IS NULL OR p.url ILIKE $7 ESCAPE '\\' OR p.title ILIKE $7 ESCAPE '\\')
  AND ($8::text IS NULL OR CASE
        WHEN $9::text IS NOT NULL THEN (p.extracted ->> $8) ILIKE $9 ESCAPE '\\'
        ELSE CASE jsonb_typeof(p.extracted -> $8)
            WHEN 'number' THEN (p.extracted ->> $8)::numeric > 0
            WHEN 'array' THEN jsonb_array_length(p.extracted -> $8) > 0
            WHEN 'string' THEN true
            ELSE false END
      END)"""

# Sort keys never NULL (keyset comparison with NULLs would drop rows): missing numbers sort as -1.
_SORT_KEYS: dict[str, tuple[str, str]] = {
    "id": ("p.id", "bigint"),
    "url": ("p.url", "text"),
    "status_code": ("coalesce(p.status_code, -1)", "int"),
    "depth": ("p.depth", "int"),
    "response_time_ms": ("coalesce(p.response_time_ms, -1)", "float8"),
    "size_bytes": ("coalesce(p.size_bytes, -1)", "int"),
    "title_length": ("coalesce(p.title_length, -1)", "int"),
    "word_count": ("coalesce(p.word_count, -1)", "int"),
    "inlinks_count": ("p.inlinks_count", "int"),
    "crawled_at": ("p.crawled_at", "timestamptz"),
    "link_score": ("coalesce(p.link_score, -1)", "float8"),
    "issues_count": (_ISSUES_COUNT, "bigint"),
}

_COUNT = f"SELECT count(*) FROM pages p WHERE {_FILTERS}"


# A rule's value ($12 names the rule) as two never-NULL keys: the number it reads as (a JSON number, or
# a string holding one unsigned number among other characters: "$19.99"; "120,00 €" reads 120.00;
# "SKU-20" reads 20, before "SKU-100"), else -Infinity; then its text. So prices sort as prices,
# codes in natural order, and other values in text order.
_VALUE = "(p.extracted -> $12::text)"
_ONE_NUMBER = r"^[^0-9]*[0-9]+([.,][0-9]{1,9})?[^0-9]*$"
_EXTRACTED_NUMBER = f"""coalesce(CASE
    WHEN jsonb_typeof({_VALUE}) = 'number' THEN ({_VALUE} #>> '{{}}')::numeric
    WHEN jsonb_typeof({_VALUE}) = 'string' AND ({_VALUE} #>> '{{}}') ~ '{_ONE_NUMBER}'
        THEN replace(substring({_VALUE} #>> '{{}}' FROM '[0-9]+(?:[.,][0-9]{{1,9}})?'), ',', '.')::numeric
    END, '-Infinity'::numeric)"""
_EXTRACTED_TEXT = (
    f"coalesce(CASE WHEN jsonb_typeof({_VALUE}) = 'string' THEN {_VALUE} #>> '{{}}' ELSE {_VALUE}::text END, '')"
)


def _list_query(sort: str, order: str) -> str:
    keys = [_EXTRACTED_NUMBER, _EXTRACTED_TEXT] if sort == "extracted" else [_SORT_KEYS[sort][0]]
    op, direction = (">", "ASC") if order == "asc" else ("<", "DESC")
    # The cursor is the last page's id; its sort key is read back here (the inner `p` is that page).
    # An id that is no page of this crawl compares as NULL: an empty page, not an error.
    row = ", ".join(keys)
    after = ", ".join(f"(SELECT {k} FROM pages p WHERE p.crawl_id = $1 AND p.id = $10)" for k in keys)
    ordering = ", ".join(f"{k} {direction}" for k in keys)
    return f"""SELECT {_PAGE_COLUMNS} FROM pages p
WHERE {_FILTERS}
  AND ($10::bigint IS NULL OR ({row}, p.id) {op} ({after}, $10))
ORDER BY {ordering}, p.id {direction}
LIMIT $11"""


# Built once from the fixed sort table: no user text ever reaches the SQL (a rule's name is a parameter).
_LIST_QUERIES = {(s, o): _list_query(s, o) for s in (*_SORT_KEYS, "extracted") for o in ("asc", "desc")}

_GET_PAGE = f"SELECT {_PAGE_COLUMNS}, p.structured_data FROM pages p WHERE p.crawl_id = $1 AND p.id = $2"
_INLINKS = """SELECT s.id AS page_id, s.url, l.anchor, l.rel
FROM links l JOIN pages s ON s.id = l.source_id
WHERE l.crawl_id = $1 AND l.target_url = $2 AND l.source_id <> $3
ORDER BY s.id, l.ordinal LIMIT 500"""
_OUTLINKS = """SELECT l.target_url AS url, l.anchor, l.rel, l.internal, t.id AS page_id, t.status_code,
       l.original_url
FROM links l LEFT JOIN pages t ON t.crawl_id = l.crawl_id AND t.url = l.target_url
WHERE l.source_id = $1 ORDER BY l.ordinal LIMIT 1000"""


def page_id_of(request: web.Request) -> int:
    """The ``page_id`` of the path; 404 when it cannot be one."""
    try:
        page_id = int(request.match_info["page_id"])
    except ValueError:
        raise Problem(404, f"No page has the id {request.match_info['page_id']!r}.") from None
    if not 0 < page_id < 2**63:
        raise Problem(404, f"No page has the id {page_id}.")
    return page_id


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filter_args(crawl_id: uuid.UUID, query: PagesQuery) -> list[Any]:
    exact = klass = None
    errors_only = False
    if query.status_code == "error":
        errors_only = True
    elif query.status_code and query.status_code.endswith("xx"):
        klass = int(query.status_code[0]) * 100
    elif query.status_code:
        exact = int(query.status_code)
    rule = text = None
    if query.extracted is not None:
        rule, _, wanted = query.extracted.partition(":")
        text = _like(wanted) if wanted else None
    return [crawl_id, exact, klass, errors_only, query.indexable, query.issue, _like(query.q) if query.q else None,
            rule, text]  # fmt: skip


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/pages",
    summary="Page records of a crawl",
    query=PagesQuery,
    response=PageList,
    errors=(404, 422),
    path_params=CRAWL_ID,
)
async def list_pages(request: web.Request, query: PagesQuery) -> web.Response:
    """Filter by `status_code` (`404`, `4xx`, `error`), `indexable`, `issue` code, `q` (URL and title) and
    `extracted` (a custom extraction rule's value); sort by a column (or `extracted:<rule name>`) in either order;
    follow `next_cursor` for the next page (with the same filters and sort)."""
    crawl_id = crawl_id_of(request)
    args = _filter_args(crawl_id, query)
    after_id = int(query.cursor) if query.cursor else None
    async with request.app[POOL].acquire() as conn:
        await require_crawl(conn, crawl_id)
        total = await conn.fetchval(_COUNT, *args)
        sort, rule = query.sort, None
        if sort.startswith(EXTRACTED_PREFIX):
            sort, rule = "extracted", sort.removeprefix(EXTRACTED_PREFIX)
        extra = [rule] if rule is not None else []  # $12: the rule an `extracted:` sort reads
        rows = await conn.fetch(_LIST_QUERIES[sort, query.order], *args, after_id, query.limit + 1, *extra)
    items = [Page.model_validate(dict(r)) for r in rows[: query.limit]]
    next_cursor = str(items[-1].id) if len(rows) > query.limit else None
    return dump(PageList(items=items, total=total, next_cursor=next_cursor))


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/pages/{page_id}",
    summary="One page with its links and issues",
    response=PageDetail,
    errors=(404,),
    path_params=PAGE_ID,
)
async def get_page(request: web.Request) -> web.Response:
    """The page record with its inlinks, outlinks, redirect chain and issues."""
    crawl_id, page_id = crawl_id_of(request), page_id_of(request)
    async with request.app[POOL].acquire() as conn:
        await require_crawl(conn, crawl_id)
        row = await conn.fetchrow(_GET_PAGE, crawl_id, page_id)
        if row is None:
            raise Problem(404, f"Crawl {crawl_id} has no page with the id {page_id}.")
        inlinks = await conn.fetch(_INLINKS, crawl_id, row["url"], page_id)
        outlinks = await conn.fetch(_OUTLINKS, page_id)
        page_issues = await issues.of_page(conn, crawl_id, page_id)
    detail = PageDetail(
        **dict(row),
        inlinks=[Inlink.model_validate(dict(r)) for r in inlinks],
        outlinks=[Outlink.model_validate(dict(r)) for r in outlinks],
        issues=[PageIssue.model_validate(i) for i in page_issues],
    )
    return dump(detail)
