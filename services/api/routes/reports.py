"""Report routes: the issue summary (and the URLs of one code), the catalogue."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from services.api.models import decode_cursor, encode_cursor
from services.api.routes.crawls import CRAWL_ID, crawl_id_of, require_crawl
from services.api.routing import RouteTable, dump
from shared import catalogue
from shared.service import POOL

routes = RouteTable("reports")

Severity = Literal["error", "warning", "notice"]
IssueCode = Literal[catalogue.CODES]  # type: ignore[valid-type]  # the stable codes of CONTRACT.md


class IssueSummaryRow(BaseModel):
    code: str
    severity: Severity
    count: int = Field(description="pages (or URLs) with this issue")
    title: str
    explanation: str
    fix: str


class IssueUrl(BaseModel):
    page_id: int
    url: str
    status_code: int | None
    details: dict[str, Any]


class IssueSummary(BaseModel):
    """Without `code`: one row per code. With `code`: that code's row and its URLs (cursor-paginated)."""

    crawl_id: str
    totals: dict[str, int] = Field(description="issue rows per severity")
    items: list[IssueSummaryRow]
    urls: list[IssueUrl] | None = None
    next_cursor: str | None = None


class IssuesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: IssueCode | None = Field(default=None, description="list the URLs with this code")
    severity: Severity | None = None
    lang: Literal["en", "ru"] = "en"
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = Field(
        default=None, max_length=200, pattern=r"^[A-Za-z0-9_-]*$", description="`next_cursor` of the previous page"
    )


class CatalogueEntry(BaseModel):
    code: str
    severity: Severity
    scope: str
    threshold: str | None
    threshold_value: Any = None
    title: str
    explanation: str
    fix: str


class Catalogue(BaseModel):
    items: list[CatalogueEntry]


class CatalogueQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    lang: Literal["en", "ru"] = "en"


_SUMMARY = """SELECT code, severity, count(*) AS count FROM issues
WHERE crawl_id = $1 AND ($2::text IS NULL OR code = $2) AND ($3::text IS NULL OR severity = $3)
GROUP BY code, severity"""
_URLS = """SELECT i.page_id, p.url, p.status_code, i.details FROM issues i
JOIN pages p ON p.id = i.page_id
WHERE i.crawl_id = $1 AND i.code = $2 AND i.page_id > $3
ORDER BY i.page_id LIMIT $4"""


def _texts(code: str, lang: Literal["en", "ru"]) -> dict[str, str]:
    try:
        return catalogue.get(code).text(lang)
    except catalogue.UnknownIssueCode:
        return {"title": code, "explanation": "", "fix": ""}


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/issues",
    summary="Issue summary of a crawl",
    query=IssuesQuery,
    response=IssueSummary,
    errors=(404, 422),
    path_params=CRAWL_ID,
)
async def crawl_issues(request: web.Request, query: IssuesQuery) -> web.Response:
    """One row per issue code (severity, count, title, explanation, fix), most severe first;
    `?code=X` adds the URLs with that code."""
    crawl_id = crawl_id_of(request)
    after = 0
    if query.cursor:
        (raw,) = decode_cursor(query.cursor, 1)
        after = raw if isinstance(raw, int) and raw >= 0 else 0
    async with request.app[POOL].acquire() as conn:
        await require_crawl(conn, crawl_id)
        rows = await conn.fetch(_SUMMARY, crawl_id, query.code, query.severity)
        urls = await conn.fetch(_URLS, crawl_id, query.code, after, query.limit + 1) if query.code else None
    items = sorted(
        (IssueSummaryRow(code=r["code"], severity=r["severity"], count=r["count"], **_texts(r["code"], query.lang))
         for r in rows),
        key=lambda row: (catalogue.SEVERITY_ORDER.get(row.severity, 9), -row.count, row.code),
    )  # fmt: skip
    totals = {"error": 0, "warning": 0, "notice": 0}
    for row in items:
        totals[row.severity] += row.count
    summary = IssueSummary(crawl_id=str(crawl_id), totals=totals, items=items)
    if urls is not None:
        summary.urls = [IssueUrl.model_validate(dict(r)) for r in urls[: query.limit]]
        if len(urls) > query.limit:
            summary.next_cursor = encode_cursor([summary.urls[-1].page_id])
    return dump(summary)


@routes.operation(
    "GET", "/api/issues/catalogue", summary="Every issue code", query=CatalogueQuery, response=Catalogue, errors=(422,)
)
async def issue_catalogue(request: web.Request, query: CatalogueQuery) -> web.Response:
    """Every code the audit can report, with severity, threshold, title, explanation and fix."""
    return dump(Catalogue(items=[CatalogueEntry.model_validate(e) for e in catalogue.listing(query.lang)]))
