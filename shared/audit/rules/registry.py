"""Runs the check families of issue 13: page rules on each record, site rules at the crawl's end."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from shared.audit import pagerules
from shared.audit.rules import content, links, rendering, resources, security, structured
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord


def page_issues(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    """The families' page-level issues of one record (content checks: HTML pages that answered 200)."""
    out = content.redirect_issues(page, t)
    if not pagerules.content_page(page):
        return out
    out += content.url_issues(page, t)
    out += content.evaluate(page, t)
    out += links.evaluate(page, t)
    out += security.evaluate(page, t)
    out += structured.evaluate(page, t)
    out += resources.evaluate(page, t)
    out += rendering.evaluate(page, t)
    return out


async def site_issues(conn: asyncpg.Connection, crawl_id: uuid.UUID, t: Thresholds) -> AsyncIterator[dict[str, Any]]:
    """The families' site-wide issues of a crawl, one at a time as the rules stream them."""
    async for issue in resources.site_issues(conn, crawl_id, t):
        yield issue
