"""One page schema (shared.model.pages): the table the migrations create, the projection that fills
it, the api's model, the exports and the comparison all agree with it."""

from __future__ import annotations

import types
import uuid
from datetime import UTC, datetime
from typing import Any, Union, get_args, get_origin

import asyncpg
from pydantic import BaseModel

from services.api.reports import exports
from services.api.routes.pages import Page
from shared.audit import audit
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.eventlog.projections import pages as pages_projection
from shared.model import pages as schema
from shared.model.crawlsettings import CrawlSettings
from shared.model.pages import (
    AnchorProblem,
    CookieFlags,
    Hreflang,
    Link,
    LinkElement,
    PageProjection,
    PageRecord,
    PageResource,
    PaginationLink,
    PublicPage,
    RawSignals,
    RedirectHop,
    RenderedPage,
    RenderedRequest,
    StructuredItem,
)
from shared.reports import compare

# What each Python type is stored as.
_COLUMN_TYPES = {
    int: {"integer", "bigint"},
    str: {"text"},
    bool: {"boolean"},
    float: {"double precision"},
    datetime: {"timestamp with time zone"},
    uuid.UUID: {"uuid"},
}


def _stored_as(annotation: Any) -> tuple[set[str], bool]:
    """(the column types ``annotation`` may be stored as, whether it may be NULL)."""
    nullable = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        (annotation,) = args
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return ({"ARRAY"} if item is str else {"jsonb"}), nullable
    if get_origin(annotation) is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return {"jsonb"}, nullable
    return _COLUMN_TYPES[annotation], nullable


def _fields() -> dict[str, Any]:
    fields = {n: f for n, f in PageRecord.model_fields.items() if n != "links"}
    return {**fields, **PageProjection.model_fields}


async def test_the_migrated_table_is_the_schema_column_for_column(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'pages'"
        )
    table = {r["column_name"]: (r["data_type"], r["is_nullable"] == "YES") for r in rows}
    assert set(table) == set(schema.TABLE_COLUMNS)
    for name, field in _fields().items():
        types_, nullable = _stored_as(field.annotation)
        assert table[name][0] in types_, (name, table[name], types_)
        assert table[name][1] == nullable, f"{name}: the column's NULL-ability differs from the schema's"


def test_the_api_model_exports_and_comparison_take_their_fields_from_the_schema() -> None:
    stored = _fields()
    for name, field in Page.model_fields.items():
        if name in schema.API_COMPUTED:
            continue
        assert name in stored, f"the api shows {name}, which is not a page column"
        assert _stored_as(field.annotation) == _stored_as(stored[name].annotation), name
    assert (
        set(Page.model_fields) == set(PublicPage.model_fields) | {"inlinks_count", "link_score"} | schema.API_COMPUTED
    )
    assert set(exports.PAGE_COLUMNS) <= set(stored) | schema.EXPORT_COMPUTED
    assert set(exports.PAGE_COLUMNS) >= set(PublicPage.model_fields) - {"id", "blocked_by_robots"}
    assert set(compare.FIELDS) <= set(PublicPage.model_fields)
    assert set(pages_projection.COLUMNS) == set(schema.RECORD_COLUMNS) | {"crawl_id"}


async def test_a_record_stored_and_read_back_is_the_same_record(pool: asyncpg.Pool) -> None:
    """Every field of the record (none at its default) survives the projection's insert and the audit's read."""
    crawl_id = uuid.uuid4()
    record = PageRecord(
        id=7, url="https://site.example/a", final_url="https://site.example/b", status_code=301, error="e",
        redirect_chain=[RedirectHop(url="https://site.example/a", status_code=301)], content_type="text/html",
        size_bytes=1234, response_time_ms=12.5, depth=2, blocked_by_robots=True, indexable=True,
        indexability_reason="r", title="Заголовок", title_length=9, meta_description="d", meta_description_length=1,
        h1=["h"], h2=["i", "j"], canonical="https://site.example/c", meta_robots="noindex", x_robots_tag="nofollow",
        hreflang=[Hreflang(lang="ru", url="https://site.example/ru")], lang="ru", word_count=3, content_hash="ab",
        outlinks_count=1, external_links_count=1, images_count=2, images_missing_alt=1,
        structured_data_types=["Article"], in_sitemap=True, crawled_at=datetime(2026, 1, 31, 12, 0, 0, 5, UTC),
        charset="windows-1251", ttfb_ms=3.25, referrer="https://site.example/", title_count=2,
        canonicals=["https://site.example/c"], canonical_raw="/c", viewport="width=device-width",
        canonical_links=[LinkElement(href="/c", url="https://site.example/c", source="header")],
        hreflang_outside_head=1, meta_refresh="0; url=/b",
        simhash=-42, mixed_content_count=1, open_graph={"og:title": "t"},
        structured_data=[StructuredItem(format="microdata", type=["Product"], properties={"name": "K", "offers": {
            "type": ["Offer"], "properties": {"price": "1"}}})],
        structured_data_errors=["JSON-LD block 1 is not valid JSON"],
        resources=[PageResource(url="https://site.example/a.js", type="script", blocking=True)],
        anchor_problems=[AnchorProblem(href=None, text="t", reason="no_href")],
        security_headers={"x-content-type-options": "nosniff"}, cookies=[CookieFlags(name="s", secure=True)],
        form_actions=["http://site.example/f"], has_doctype=True, charset_declared=False,
        pagination=[PaginationLink(rel="next", url="https://site.example/2")], twitter_card={"twitter:card": "x"},
        text_excerpt="Текст", lorem_ipsum=True,
        extracted={"price": "19.99", "sizes": ["S", "M"], "reviews": 3, "missing": None},
        extraction_errors={"slow": "stopped after 5 s"},
        links=[Link(url="https://site.example/x", anchor="x", rel="nofollow", internal=True,
                    original_url="https://site.example/x?utm_source=a", url_rules=["strip_params:utm_*"])],
        rendered=RenderedPage(title="t", word_count=5, raw=RawSignals(title="Loading", h1=["h"]), render_time_ms=1.5,
                              failed_requests=[RenderedRequest(url="https://site.example/app.js", reason="disallowed",
                                                               blocked=True, robots=True)]),
    )  # fmt: skip
    defaults = PageRecord(id=0, url="", crawled_at=record.crawled_at)
    assert all(getattr(record, n) != getattr(defaults, n) for n in PageRecord.model_fields if n != "crawled_at")
    async with pool.acquire() as conn:
        stream = ev.crawl_stream(crawl_id)
        await streams.append(
            conn, stream, [ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url=record.url))]
        )
        await streams.append(conn, stream, [ev.PagesCrawled(crawl_id=crawl_id, pages=[record], pages_discovered=1)])
        (read,) = [r async for r in audit.stored_records(conn, crawl_id)]
    assert read == record
