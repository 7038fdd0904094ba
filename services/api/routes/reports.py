"""Report routes: the issue summary (and the URLs of one code), the catalogue, compare, exports, sitemap.

The queries live in the report libraries (``services.api.reports``: ``issues``, ``exports``; ``shared.reports``:
``compare``, shared with the worker's alert checks); these routes parse, page and stream. The libraries' errors
carry their status (``shared.reports.errors``),
turned into problem documents by the problem middleware.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from services.api.models import IssueCode, decode_text_cursor, encode_text_cursor, text_cursor
from services.api.problems import Problem
from services.api.reports import exports, issues, urlrules
from services.api.routes.crawls import CRAWL_ID, crawl_id_of
from services.api.routing import RouteTable, dump
from services.api.security import add_stream_headers
from shared.audit import catalogue, evidence
from shared.platform.service import POOL
from shared.reports import compare
from shared.reports import errors as reporterrors

routes = RouteTable("reports")

Severity = Literal["error", "warning", "notice"]
Language = Literal["en", "ru"]


EvidenceFamily = Literal[evidence.FAMILIES]  # type: ignore[valid-type]
EvidenceColumn = Literal[evidence.COLUMNS]  # type: ignore[valid-type]
EvidenceUnit = Literal["ms", "bytes", "words", "levels", "count"]


class EvidenceSpec(BaseModel):
    """How a code's findings read: the UI draws each `family` with its own renderer."""

    family: EvidenceFamily
    columns: list[EvidenceColumn] = Field(description="the columns its evidence rows fill")
    unit: EvidenceUnit | None = Field(description="the unit of `measure`")


class EvidenceRow(BaseModel):
    """One thing the rule saw, in columns a person reads (docs/AUDIT.md, Evidence); unused columns are absent."""

    model_config = ConfigDict(extra="forbid")

    target: str | None = None
    anchor: str | None = None
    status: int | None = None
    occurrences: int | None = None
    value: Any = None
    length: int | None = None
    measure: float | None = None
    lang: str | None = None
    similarity: float | None = None
    group_size: int | None = None
    chain: list[dict[str, Any]] | None = None
    reason: str | None = None
    field: str | None = None


class IssueSummaryRow(BaseModel):
    code: str
    severity: Severity
    count: int = Field(description="pages (or URLs) with this issue")
    site_wide: bool = Field(
        default=False,
        description="fires on at least 90 % of the crawl's HTML pages (and at least 10 of them): one template "
        "problem, counted once in `problems`",
    )
    title: str
    explanation: str
    fix: str
    scope: str
    threshold: str | None = Field(description="the crawl setting (under `thresholds`) that tunes this rule")
    threshold_value: Any = None
    evidence: EvidenceSpec


class IssueUrl(BaseModel):
    page_id: int
    url: str
    status_code: int | None
    severity: Severity
    details: dict[str, Any]
    evidence: list[EvidenceRow] = Field(description="the details as rows of the code's evidence columns")
    group: str | None = Field(description="duplicates: the group this finding belongs to (rows come group by group)")


class IssueSummary(BaseModel):
    """Without `code`: one row per code. With `code`: also that code's URLs (cursor-paginated)."""

    crawl_id: uuid.UUID
    totals: dict[str, int] = Field(description="issue rows per severity")
    problems: dict[str, int] = Field(
        description="distinct problems per severity: a site-wide code counts once, every other one per page"
    )
    items: list[IssueSummaryRow]
    urls: list[IssueUrl] | None = None
    next_cursor: str | None = None


class IssuesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: IssueCode | None = Field(default=None, description="list the URLs with this code")
    severity: Severity | None = None
    include_zero: bool = Field(default=False, description="also list codes that did not fire")
    lang: Language = "en"
    limit: int = Field(default=100, ge=1, le=issues.MAX_LIMIT)
    cursor: str | None = text_cursor()


class Catalogue(BaseModel):
    items: list[dict[str, Any]] = Field(description="code, severity, scope, threshold, title, explanation, fix")


class CatalogueQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    lang: Language = "en"


_GROUP_SEPARATOR = "\x1f"  # between a finding's group and its URL in a cursor (neither holds it)


def _group_cursor(raw: str | None) -> tuple[str, str] | None:
    """A findings cursor: the group and the URL of the last finding, as text (duplicates come group by group)."""
    text = decode_text_cursor(raw)
    if text is None:
        return None
    key, separator, url = text.partition(_GROUP_SEPARATOR)
    return (key, url) if separator else ("", key)


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
    `?code=X` adds the URLs with that code, by URL, cursor-paginated."""
    crawl_id = crawl_id_of(request)
    async with request.app[POOL].acquire() as conn:
        rows = await issues.summary(conn, crawl_id, lang=query.lang, include_zero=query.include_zero)
        urls = next_url = None
        if query.code is not None:
            urls, next_url = await issues.pages_with(
                conn, crawl_id, query.code, after=_group_cursor(query.cursor), limit=query.limit
            )
    items = [IssueSummaryRow.model_validate(r) for r in rows if query.severity in (None, r["severity"])]
    totals = {"error": 0, "warning": 0, "notice": 0}
    distinct = {"error": 0, "warning": 0, "notice": 0}
    for row in items:
        totals[row.severity] += row.count
        distinct[row.severity] += 1 if row.site_wide else row.count
    return dump(
        IssueSummary(
            crawl_id=crawl_id,
            totals=totals,
            problems=distinct,
            items=items,
            urls=[IssueUrl.model_validate(u) for u in urls] if urls is not None else None,
            next_cursor=encode_text_cursor(_GROUP_SEPARATOR.join(next_url)) if next_url else None,
        )
    )


@routes.operation(
    "GET", "/api/issues/catalogue", summary="Every issue code", query=CatalogueQuery, response=Catalogue, errors=(422,)
)
async def issue_catalogue(request: web.Request, query: CatalogueQuery) -> web.Response:
    """Every code the audit can report, with severity, threshold, title, explanation and fix."""
    return dump(Catalogue(items=catalogue.listing(query.lang)))


# --- compare -----------------------------------------------------------------------------------

CompareKind = Literal["added", "removed", "changed", "issues_new", "issues_fixed"]


class CompareQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: CompareKind | None = Field(default=None, description="list the rows of this kind of change")
    limit: int = Field(default=100, ge=1, le=compare.MAX_LIMIT)
    cursor: str | None = text_cursor()


class Comparison(BaseModel):
    """Counts of every kind of change; with `kind`, one page of those rows. The older crawl is `before`."""

    before: uuid.UUID
    after: uuid.UUID
    site: str
    pages: dict[str, int] = Field(description="added, removed, changed")
    fields: dict[str, int] = Field(description="pages whose field changed, per field")
    issues: dict[str, Any] = Field(description="new, fixed, by_code: [{code, new, fixed}]")
    kind: CompareKind | None = None
    items: list[dict[str, Any]] | None = None
    next_cursor: str | None = None


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/compare/{other_id}",
    summary="What changed between two crawls",
    query=CompareQuery,
    response=Comparison,
    errors=(404, 409, 422),
    path_params={**CRAWL_ID, "other_id": {"type": "string", "format": "uuid"}},
)
async def compare_crawls(request: web.Request, query: CompareQuery) -> web.Response:
    """Pages added and removed, fields changed, issues new and fixed, between two completed crawls of one site."""
    crawl_id, other_id = crawl_id_of(request), crawl_id_of(request, "other_id")
    async with request.app[POOL].acquire() as conn:
        result = Comparison.model_validate(await compare.summary(conn, crawl_id, other_id))
        if query.kind is not None:
            items, after = await compare.changes(
                conn, crawl_id, other_id, query.kind, after=decode_text_cursor(query.cursor), limit=query.limit
            )
            result.kind, result.items = query.kind, items
            result.next_cursor = encode_text_cursor(after) if after else None
    return dump(result)


# --- URL rules --------------------------------------------------------------------------------


class UrlRuleCount(BaseModel):
    rule: str = Field(description="strip_params:<name>, strip_params:all, lowercase or rewrite:<index>")
    description: str
    urls_rewritten: int = Field(description="distinct URLs, as written in links, that the rule changed")
    urls_after: int = Field(description="distinct URLs they became (fewer: the rule collapsed spellings)")
    links: int = Field(description="links whose target the rule changed")


class UrlRuleReport(BaseModel):
    crawl_id: uuid.UUID
    items: list[UrlRuleCount] = Field(description="every rule of the crawl's `url_rules`, in the order they run")


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/url-rules",
    summary="What each URL rule changed",
    response=UrlRuleReport,
    errors=(404,),
    path_params=CRAWL_ID,
)
async def crawl_url_rules(request: web.Request) -> web.Response:
    """Per rule of `url_rules`: how many URLs found in links it changed, and how many URLs they became."""
    crawl_id = crawl_id_of(request)
    async with request.app[POOL].acquire() as conn:
        rows = await urlrules.summary(conn, crawl_id)
    return dump(UrlRuleReport(crawl_id=crawl_id, items=[UrlRuleCount.model_validate(r) for r in rows]))


# --- exports and sitemap -----------------------------------------------------------------------


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["csv", "json", "xlsx"] = Field(default="csv", description="json is JSON Lines, one row a line")
    what: Literal["pages", "issues", "links"] = "pages"
    lang: Language = Field(default="en", description="language of the issue texts")


class SitemapQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    part: int | None = Field(default=None, ge=1, le=100_000, description="the N-th urlset of a sitemap index")


async def _stream(request: web.Request, export: exports.Export, attachment: bool) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": export.content_type, "Cache-Control": "no-store"})
    if attachment:
        response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    add_stream_headers(request, response)
    await response.prepare(request)
    try:
        async for chunk in export.chunks:
            await response.write(chunk)
    except ConnectionResetError:
        pass  # the client stopped the download; the cursor closes with the connection's release
    finally:
        close = getattr(export.chunks, "aclose", None)
        if close is not None:
            await close()
    await response.write_eof()
    return response


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/export",
    summary="Export pages, issues or links",
    query=ExportQuery,
    media_types=(
        "text/csv",
        "application/x-ndjson",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    response_schema={"type": "string", "format": "binary"},
    errors=(404, 422),
    path_params=CRAWL_ID,
)
async def export_crawl(request: web.Request, query: ExportQuery) -> web.StreamResponse:
    """Streams the rows as they are read (flat memory however big the crawl); a download, with a file name."""
    crawl_id = crawl_id_of(request)
    async with request.app[POOL].acquire() as conn:
        export = await exports.open_export(conn, crawl_id, what=query.what, fmt=query.format, lang=query.lang)
        return await _stream(request, export, attachment=True)


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/sitemap.xml",
    summary="sitemap.xml of the indexable 200 pages",
    query=SitemapQuery,
    media_types=("application/xml",),
    response_schema={"type": "string"},
    errors=(404, 422),
    path_params=CRAWL_ID,
)
async def crawl_sitemap(request: web.Request, query: SitemapQuery) -> web.StreamResponse:
    """Up to 50,000 URLs as one urlset; more become a sitemap index whose parts are `?part=N`."""
    crawl_id = crawl_id_of(request)
    self_url = str(request.url.with_query(None))
    async with request.app[POOL].acquire() as conn:
        try:
            export = await exports.open_sitemap(conn, crawl_id, self_url=self_url, part=query.part)
        except reporterrors.InvalidReportRequest as exc:
            # A part past the end is a document that does not exist, not a malformed request.
            raise Problem(404, f"This sitemap has no part {query.part}: {exc}.") from None
        return await _stream(request, export, attachment=False)
