"""Comparing two crawls of one site: pages added and removed, fields changed, issues new and fixed.

Pages are matched by URL. The older crawl (by ``created_at``) is "before", whichever order the
ids come in. Everything is computed in SQL: ``summary`` returns counts, ``changes`` one page of
one kind of change (keyset pagination by URL), ``stream`` every change through a server-side
cursor; neither crawl is ever loaded into memory.

Errors (``reporterrors``, each with ``.status``): an unknown crawl (404), a crawl that has not
completed (409), the same crawl twice or crawls of different sites (422).
"""

from __future__ import annotations

import contextlib
import difflib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg

from shared.reports.errors import CrawlNotFinished, CrawlNotFound, CrawlsNotComparable, InvalidReportRequest

Kind = Literal["added", "removed", "changed", "issues_new", "issues_fixed"]
KINDS: tuple[str, ...] = ("added", "removed", "changed", "issues_new", "issues_fixed")
# The page fields whose change is a change (fields of the page schema's PublicPage: a test holds them to it).
FIELDS = ("status_code", "indexable", "title", "meta_description", "h1", "canonical", "word_count", "extracted")
_MEASURED = "word_count"  # compared with a tolerance, not for equality
# A word count moving by less than this share is page furniture (dates, counters), not a change.
WORD_COUNT_CHANGE = 0.1
MAX_LIMIT = 1000
MAX_DIFF_LINES = 200


@dataclass(frozen=True)
class Pair:
    """The two crawls of a comparison, oldest first."""

    before: uuid.UUID
    after: uuid.UUID
    site: str


_CRAWLS = "SELECT id, site, status, created_at FROM crawls WHERE id = ANY($1::uuid[])"


async def pair(conn: asyncpg.Connection, crawl_id: uuid.UUID, other_id: uuid.UUID) -> Pair:
    """Check that the two crawls can be compared and order them (older = before).

    A crawl compared with itself is a valid question with an empty answer (nothing changed), not
    an error: the document cannot say "two different ids", so the api does not ask for them.
    """
    rows = {r["id"]: r for r in await conn.fetch(_CRAWLS, [crawl_id, other_id])}
    for cid in (crawl_id, other_id):
        if cid not in rows:
            raise CrawlNotFound(cid)
    for cid in (crawl_id, other_id):
        if rows[cid]["status"] != "completed":
            raise CrawlNotFinished(cid, rows[cid]["status"])
    a, b = rows[crawl_id], rows[other_id]
    if a["site"] != b["site"]:
        raise CrawlsNotComparable(f"The crawls are of different sites ({a['site']} and {b['site']}).")
    before, after = sorted((a, b), key=lambda r: (r["created_at"], str(r["id"])))
    return Pair(before=before["id"], after=after["id"], site=a["site"])


# $1 = before, $2 = after. A page "changed" when one of FIELDS differs; word counts only when
# they move by WORD_COUNT_CHANGE or more.
_WORD_COUNT_MOVED = """((b.word_count IS NULL) <> (a.word_count IS NULL)
    OR abs(b.word_count - a.word_count) >= $3::float8 * greatest(b.word_count, a.word_count, 1))"""
_CHANGED_WHERE = " OR ".join([*(f"b.{f} IS DISTINCT FROM a.{f}" for f in FIELDS if f != _MEASURED), _WORD_COUNT_MOVED])
_PAGE_COLUMNS = ", ".join(f"b.{f} AS before_{f}, a.{f} AS after_{f}" for f in FIELDS)

_PAGES = {
    "added": """SELECT a.url, a.id AS page_id, a.status_code FROM pages a
                WHERE a.crawl_id = $2 AND ($4::text IS NULL OR a.url > $4)
                  AND NOT EXISTS (SELECT 1 FROM pages b WHERE b.crawl_id = $1 AND b.url = a.url)
                  AND $3::float8 IS NOT NULL
                ORDER BY a.url LIMIT $5""",
    "removed": """SELECT b.url, b.id AS page_id, b.status_code FROM pages b
                  WHERE b.crawl_id = $1 AND ($4::text IS NULL OR b.url > $4)
                    AND NOT EXISTS (SELECT 1 FROM pages a WHERE a.crawl_id = $2 AND a.url = b.url)
                    AND $3::float8 IS NOT NULL
                  ORDER BY b.url LIMIT $5""",
    "changed": f"""SELECT a.url, a.id AS page_id, {_PAGE_COLUMNS}
                   FROM pages a JOIN pages b ON b.crawl_id = $1 AND b.url = a.url
                   WHERE a.crawl_id = $2 AND ($4::text IS NULL OR a.url > $4) AND ({_CHANGED_WHERE})
                   ORDER BY a.url LIMIT $5""",
    # An issue is identified by (URL, code). page_added / page_removed tell whether the page
    # itself is new or gone, so a user can tell "new problem" from "new page with a problem".
    "issues_new": """SELECT p.url || ' ' || i.code AS cursor, p.url, i.code, i.severity, i.details, i.page_id,
                            NOT EXISTS (SELECT 1 FROM pages o WHERE o.crawl_id = $1 AND o.url = p.url) AS page_added
                     FROM issues i JOIN pages p ON p.id = i.page_id
                     WHERE i.crawl_id = $2 AND ($4::text IS NULL OR p.url || ' ' || i.code > $4)
                       AND NOT EXISTS (SELECT 1 FROM issues oi JOIN pages op ON op.id = oi.page_id
                                       WHERE oi.crawl_id = $1 AND oi.code = i.code AND op.url = p.url)
                       AND $3::float8 IS NOT NULL
                     ORDER BY p.url || ' ' || i.code LIMIT $5""",
    "issues_fixed": """SELECT p.url || ' ' || i.code AS cursor, p.url, i.code, i.severity, i.details, i.page_id,
                              NOT EXISTS (SELECT 1 FROM pages o WHERE o.crawl_id = $2 AND o.url = p.url)
                                  AS page_removed
                       FROM issues i JOIN pages p ON p.id = i.page_id
                       WHERE i.crawl_id = $1 AND ($4::text IS NULL OR p.url || ' ' || i.code > $4)
                         AND NOT EXISTS (SELECT 1 FROM issues oi JOIN pages op ON op.id = oi.page_id
                                         WHERE oi.crawl_id = $2 AND oi.code = i.code AND op.url = p.url)
                         AND $3::float8 IS NOT NULL
                       ORDER BY p.url || ' ' || i.code LIMIT $5""",
}

_SUMMARY = f"""
SELECT
  (SELECT count(*) FROM pages a WHERE a.crawl_id = $2
     AND NOT EXISTS (SELECT 1 FROM pages b WHERE b.crawl_id = $1 AND b.url = a.url)) AS added,
  (SELECT count(*) FROM pages b WHERE b.crawl_id = $1
     AND NOT EXISTS (SELECT 1 FROM pages a WHERE a.crawl_id = $2 AND a.url = b.url)) AS removed,
  (SELECT count(*) FROM pages a JOIN pages b ON b.crawl_id = $1 AND b.url = a.url
     WHERE a.crawl_id = $2 AND ({_CHANGED_WHERE})) AS changed
"""
_FIELD_COUNTS = f"""
SELECT {", ".join(f"count(*) FILTER (WHERE b.{f} IS DISTINCT FROM a.{f}) AS {f}" for f in FIELDS if f != _MEASURED)},
       count(*) FILTER (WHERE {_WORD_COUNT_MOVED}) AS {_MEASURED}
FROM pages a JOIN pages b ON b.crawl_id = $1 AND b.url = a.url WHERE a.crawl_id = $2
"""
_ISSUE_COUNTS = """
WITH bi AS (SELECT p.url, i.code FROM issues i JOIN pages p ON p.id = i.page_id WHERE i.crawl_id = $1),
     ai AS (SELECT p.url, i.code FROM issues i JOIN pages p ON p.id = i.page_id WHERE i.crawl_id = $2)
SELECT coalesce(ai.code, bi.code) AS code,
       count(*) FILTER (WHERE bi.url IS NULL) AS new, count(*) FILTER (WHERE ai.url IS NULL) AS fixed
FROM ai FULL JOIN bi ON ai.url = bi.url AND ai.code = bi.code
WHERE ai.url IS NULL OR bi.url IS NULL
GROUP BY 1 ORDER BY 1
"""


async def summary(conn: asyncpg.Connection, crawl_id: uuid.UUID, other_id: uuid.UUID) -> dict[str, Any]:
    """Counts of every kind of change, per changed field and per issue code.

    ``{"before", "after", "site", "pages": {"added", "removed", "changed"}, "fields": {field: n},
    "issues": {"new", "fixed", "by_code": [{"code", "new", "fixed"}]}}``
    """
    p = await pair(conn, crawl_id, other_id)
    pages = await conn.fetchrow(_SUMMARY, p.before, p.after, WORD_COUNT_CHANGE)
    fields = await conn.fetchrow(_FIELD_COUNTS, p.before, p.after, WORD_COUNT_CHANGE)
    by_code = [dict(r) for r in await conn.fetch(_ISSUE_COUNTS, p.before, p.after)]
    return {
        "before": p.before,
        "after": p.after,
        "site": p.site,
        "pages": dict(pages),
        "fields": dict(fields),
        "issues": {
            "new": sum(r["new"] for r in by_code),
            "fixed": sum(r["fixed"] for r in by_code),
            "by_code": by_code,
        },
    }


def _shape(kind: str, row: asyncpg.Record) -> dict[str, Any]:
    if kind != "changed":
        out = dict(row)
        out.pop("cursor", None)
        return out
    fields = {}
    for f in FIELDS:
        before, after = row[f"before_{f}"], row[f"after_{f}"]
        if before == after:
            continue
        small = before is not None and after is not None and f == _MEASURED
        if small and abs(before - after) < WORD_COUNT_CHANGE * max(before, after, 1):
            continue
        fields[f] = {"before": before, "after": after}
    return {"url": row["url"], "page_id": row["page_id"], "fields": fields}


def _cursor(kind: str, row: asyncpg.Record) -> str:
    return str(row["cursor"] if kind.startswith("issues") else row["url"])


async def changes(
    conn: asyncpg.Connection,
    crawl_id: uuid.UUID,
    other_id: uuid.UUID,
    kind: str,
    *,
    after: str | None = None,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of one ``kind`` of change (``KINDS``), as ``(rows, next_cursor)``.

    Rows: ``added``/``removed`` ``{url, page_id, status_code}``; ``changed`` ``{url, page_id,
    fields: {name: {before, after}}}``; ``issues_new``/``issues_fixed`` ``{url, code, severity,
    details, page_id, page_added|page_removed}``. Pass ``next_cursor`` back as ``after``.
    """
    if kind not in KINDS:
        raise InvalidReportRequest("kind", f"kind must be one of {', '.join(KINDS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidReportRequest("limit", f"limit must be between 1 and {MAX_LIMIT}")
    p = await pair(conn, crawl_id, other_id)
    rows = await conn.fetch(_PAGES[kind], p.before, p.after, WORD_COUNT_CHANGE, after, limit + 1)
    items = [_shape(kind, r) for r in rows[:limit]]
    return items, (_cursor(kind, rows[limit - 1]) if len(rows) > limit else None)


async def stream(conn: asyncpg.Connection, crawl_id: uuid.UUID, other_id: uuid.UUID) -> AsyncIterator[dict[str, Any]]:
    """Every change of every kind, each row tagged with ``kind``, through a server-side cursor.

    Call ``pair`` first if errors must surface before the first row is sent.
    """
    p = await pair(conn, crawl_id, other_id)
    context = contextlib.nullcontext() if conn.is_in_transaction() else conn.transaction(readonly=True)
    async with context:
        for kind in KINDS:
            sql = _PAGES[kind]
            async for row in conn.cursor(sql, p.before, p.after, WORD_COUNT_CHANGE, None, None, prefetch=1000):
                yield {"kind": kind, **_shape(kind, row)}


def robots_diff(before: str | None, after: str | None) -> str:
    """A unified diff of two crawls' robots.txt bodies (capped at ``MAX_DIFF_LINES`` lines)."""
    lines = list(
        difflib.unified_diff(
            (before or "").splitlines(), (after or "").splitlines(), "robots.txt (before)", "robots.txt (after)",
            lineterm="",
        )
    )  # fmt: skip
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines"]
    return "\n".join(lines)
