"""The audit: turns stored page and link records into issues (codes in ``shared.catalogue``).

Interface used by the crawler (the audit issue fills in the rules):
- ``page_issues(page, thresholds)``: page-level rules, run while crawling on each record.
- ``finalize(conn, crawl_id, thresholds)``: site-wide rules when the crawl completes; returns
  the ``IssuesDetected`` events to append (the caller appends them in its transaction).
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from shared import events as ev
from shared.crawlsettings import Thresholds
from shared.pages import PageRecord


def page_issues(page: PageRecord, thresholds: Thresholds) -> list[dict[str, Any]]:
    """Issues of one page record: ``[{"page_id", "code", "severity", "details"}]``."""
    return []


async def finalize(conn: asyncpg.Connection, crawl_id: uuid.UUID, thresholds: Thresholds) -> list[ev.IssuesDetected]:
    """Site-wide issues of a completed crawl, as events to append."""
    return []
