"""Reading a crawl's stored issues: counts per code, the URLs of one code, the issues of one page.

What ``GET /api/crawls/{id}/issues`` serves. Counts come from SQL (``GROUP BY code``); texts
come from ``shared.audit.catalogue`` in the requested language. A crawl with no pages, or one still
running, simply has fewer (or no) rows; an unknown crawl raises ``CrawlNotFound``, an unknown
code ``InvalidReportRequest`` naming ``code`` (both ``errors.ReportError``: use ``.status``).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import asyncpg

from shared.audit import audit, catalogue, evidence, problems
from shared.reports.errors import CrawlNotFound, InvalidReportRequest

MAX_LIMIT = 1000

_CRAWL = "SELECT settings->'thresholds' AS thresholds FROM crawls WHERE id = $1"
_COUNTS = "SELECT code, min(severity) AS severity, count(*) AS count FROM issues WHERE crawl_id = $1 GROUP BY code"
# The page fields evidence reads beside the details (shared.audit.evidence.PAGE_FIELDS).
_EVIDENCE_FIELDS = ", ".join(f"p.{f}" for f in evidence.PAGE_FIELDS)

# Findings of a group code (duplicates) come group by group, so a group is read together; others by
# URL. ``{key}`` is one of _GROUP_KEYS (constants, never user text); the cursor is (key, url).
_OF_CODE = f"""
SELECT * FROM (
    SELECT i.page_id, i.severity, i.details, {_EVIDENCE_FIELDS}, {{key}} AS group_key
    FROM issues i JOIN pages p ON p.id = i.page_id
    WHERE i.crawl_id = $1 AND i.code = $2
      AND ($5::text IS NULL OR strpos(lower(p.url), lower($5)) > 0 OR strpos(lower(p.url), lower($6)) > 0)
) s
WHERE ($3::text IS NULL OR (s.group_key, s.url) > ($3::text, $7::text))
ORDER BY s.group_key, s.url LIMIT $4
"""
_GROUP_KEYS = {
    None: "''::text",
    "value": "coalesce(i.details->>'value', '')",
    "content_hash": "coalesce(p.content_hash, '')",
}
_OF_CODE_QUERIES = {by: _OF_CODE.replace("{key}", key) for by, key in _GROUP_KEYS.items()}
_OF_PAGE = f"""SELECT i.code, i.severity, i.details, {_EVIDENCE_FIELDS}
FROM issues i JOIN pages p ON p.id = i.page_id WHERE i.crawl_id = $1 AND i.page_id = $2"""


async def _require_crawl(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(_CRAWL, crawl_id)
    if row is None:
        raise CrawlNotFound(crawl_id)
    return row


async def summary(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, *, lang: catalogue.Language = "en", include_zero: bool = False
) -> list[dict[str, Any]]:
    """One row per code: ``code``, ``severity``, ``count``, ``title``, ``explanation``, ``fix``, threshold.

    Most severe first, then most frequent. ``include_zero`` lists codes that did not fire too.
    """
    row = await _require_crawl(conn, crawl_id)
    thresholds = audit.thresholds_of(row["thresholds"])
    stored = await conn.fetch(_COUNTS, crawl_id)
    counts = {r["code"]: r["count"] for r in stored}
    wide = problems.site_wide(counts, await problems.content_pages(conn, crawl_id))
    rows = []
    for entry in catalogue.CATALOGUE.values():
        count = counts.get(entry.code, 0)
        if count or include_zero:
            rows.append({**entry.as_dict(lang, thresholds), "count": count, "site_wide": entry.code in wide,
                         "evidence": evidence.spec_of(entry.code).as_dict()})  # fmt: skip
    for r in stored:  # the crawl's own custom searches, each under its rule's name
        custom = None if r["code"] in catalogue.CATALOGUE else catalogue.lookup(r["code"], r["severity"])
        if custom is not None:
            rows.append({**custom.as_dict(lang, thresholds), "count": r["count"], "site_wide": custom.code in wide,
                         "evidence": evidence.spec_of(custom.code).as_dict()})  # fmt: skip
    rows.sort(key=lambda r: (catalogue.SEVERITY_ORDER[r["severity"]], -r["count"], r["code"]))
    return rows


def _page_fields(row: asyncpg.Record) -> dict[str, Any]:
    return {f: row[f] for f in evidence.PAGE_FIELDS}


def with_evidence(code: str, row: asyncpg.Record) -> dict[str, Any]:
    """A stored finding (with its page's evidence fields) as the api shows it: details and evidence rows."""
    page = _page_fields(row)
    return {
        "page_id": row.get("page_id"),
        "url": row["url"],
        "status_code": row["status_code"],
        "severity": row["severity"],
        "details": row["details"],
        "evidence": evidence.rows_of(code, row["details"], page),
        "group": evidence.group_key(code, row["details"], page) or None,
    }


async def pages_with(
    conn: asyncpg.Connection,
    crawl_id: uuid.UUID,
    code: str,
    *,
    after: tuple[str, str] | None = None,
    limit: int = 100,
    url_contains: str | None = None,
) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
    """The URLs carrying ``code`` as ``(rows, next)``; pass ``next`` as ``after`` for the next page.

    Findings come by URL; those of a group code (duplicates) group by group (``group`` names it),
    so the pages sharing one title are listed together. ``url_contains`` keeps the URLs
    containing that text (case-insensitive).

    Each row: ``page_id``, ``url``, ``status_code``, ``severity``, ``details``, ``evidence`` (the
    rows ``shared.audit.evidence`` reads from the details), ``group``.
    """
    if catalogue.lookup(code) is None:  # the caller's mistake, not an empty list
        raise InvalidReportRequest("code", str(catalogue.UnknownIssueCode(code)))
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidReportRequest("limit", f"limit must be between 1 and {MAX_LIMIT}")
    await _require_crawl(conn, crawl_id)
    # Crawled URLs are stored percent-encoded: "каталог" is also looked for as "%D0%BA...".
    needle = url_contains or None
    encoded = quote(needle.lower(), safe="/:?=&%#+@") if needle else None
    sql = _OF_CODE_QUERIES[evidence.spec_of(code).group_by]
    key, url = after if after is not None else (None, None)
    rows = await conn.fetch(sql, crawl_id, code, key, limit + 1, needle, encoded, url)
    items = [with_evidence(code, r) for r in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return items, ((last["group_key"], last["url"]) if last is not None else None)


async def of_page(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, page_id: int, *, lang: catalogue.Language = "en"
) -> list[dict[str, Any]]:
    """The issues of one page with their catalogue texts, most severe first."""
    rows = await conn.fetch(_OF_PAGE, crawl_id, page_id)
    out = []
    for r in rows:
        entry = catalogue.lookup(r["code"], r["severity"])
        # a code a newer rule set dropped stays readable until the crawl is re-audited
        text = entry.as_dict(lang) if entry else {"code": r["code"], "severity": r["severity"], "title": r["code"]}
        out.append(
            {
                **text,
                "details": r["details"],
                "evidence": evidence.rows_of(r["code"], r["details"], dict(r)),
                "family": evidence.spec_of(r["code"]).family,
                "unit": evidence.spec_of(r["code"]).unit,
            }
        )
    out.sort(key=lambda r: (catalogue.SEVERITY_ORDER[r["severity"]], r["code"]))
    return out
