"""Alert checks: a crawl of a site ended; which of the site's rules fire against its previous completed crawl.

``evaluate`` reads the projections (through ``shared.reports.compare`` where the comparison has
the answer) and returns the ``AlertRaised`` events to append: one per rule that fired, each with
its evidence (counts, up to ``MAX_EVIDENCE_ITEMS`` URLs with before/after values, and the link
to the full comparison) and one planned delivery per channel of the rule. Alert and delivery ids
are derived from the rule, the crawl and the channel, so a check that runs twice (its worker died
after appending) raises nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from shared.eventlog import events as ev
from shared.model.alerts import MAX_EVIDENCE_ITEMS, SEVERITY_RANK
from shared.reports import compare

_NAMESPACE = uuid.UUID("6f1d2a8e-4c1b-4f8e-9a57-0d6b3c2e9f10")

_CRAWL = "SELECT id, site_id, status, error, created_at FROM crawls WHERE id = $1"
_RULES = "SELECT id, kind, params, channels FROM alert_rules WHERE site_id = $1 ORDER BY created_at, id"
_CHANNELS = "SELECT id FROM channels WHERE id = ANY($1::uuid[])"
# The newest completed crawl of the site before this one that still has its pages.
_PREVIOUS = """
SELECT c.id FROM crawls c
WHERE c.site_id = $1 AND c.status = 'completed' AND c.created_at < $2 AND c.id <> $3
  AND NOT EXISTS (SELECT 1 FROM crawl_purges p WHERE p.crawl_id = c.id)
ORDER BY c.created_at DESC, c.id DESC LIMIT 1
"""
_HEALTH = "SELECT crawl_id, health_score FROM crawl_summaries WHERE crawl_id = ANY($1::uuid[])"
_FILES = """SELECT crawl_id, robots_status, robots_txt, robots_error, sitemap_urls
            FROM crawl_files WHERE crawl_id = ANY($1::uuid[])"""

# $1 before, $2 after, $3 cap.
_NEW_ISSUES = """
WITH fresh AS (
    SELECT p.url, i.code, i.severity FROM issues i JOIN pages p ON p.id = i.page_id
    WHERE i.crawl_id = $2 AND i.severity = ANY($3::text[]) AND (cardinality($4::text[]) = 0 OR i.code = ANY($4::text[]))
      AND NOT EXISTS (SELECT 1 FROM issues oi JOIN pages op ON op.id = oi.page_id
                      WHERE oi.crawl_id = $1 AND oi.code = i.code AND op.url = p.url)
)
SELECT (SELECT count(*) FROM fresh) AS total, url, code, severity FROM fresh ORDER BY url, code LIMIT $5
"""
_CODE_COUNTS = """
SELECT (SELECT count(*) FROM issues WHERE crawl_id = $1 AND code = $3) AS before,
       (SELECT count(*) FROM issues WHERE crawl_id = $2 AND code = $3) AS after
"""
_CODE_NEW_URLS = """
SELECT p.url FROM issues i JOIN pages p ON p.id = i.page_id
WHERE i.crawl_id = $2 AND i.code = $3
  AND NOT EXISTS (SELECT 1 FROM issues oi JOIN pages op ON op.id = oi.page_id
                  WHERE oi.crawl_id = $1 AND oi.code = $3 AND op.url = p.url)
ORDER BY p.url LIMIT $4
"""
# Pages of both crawls (matched by URL) where ``condition`` holds; the count and the first rows.
_PAIRED = """
WITH hit AS (
    SELECT a.url, {before} AS before, {after} AS after FROM pages a JOIN pages b ON b.crawl_id = $1 AND b.url = a.url
    WHERE a.crawl_id = $2 AND ({condition})
)
SELECT (SELECT count(*) FROM hit) AS total, url, before, after FROM hit ORDER BY url LIMIT $3
"""
_BROKEN = _PAIRED.format(
    before="b.status_code",
    after="coalesce(a.status_code::text, a.error)",
    condition="b.status_code BETWEEN 200 AND 299 AND (a.status_code >= 400 OR a.error IS NOT NULL)",
)
_NOINDEXED = _PAIRED.format(
    before="'indexable'", after="coalesce(a.indexability_reason, 'non-indexable')",
    # Pages that broke are pages_broken's; this is an answering page that search engines may no longer index.
    condition="b.indexable AND NOT a.indexable AND a.status_code BETWEEN 200 AND 299",
)  # fmt: skip
_FIELD_CHANGED = {
    field: _PAIRED.format(
        before=f"b.{field}",
        after=f"a.{field}",
        condition=f"b.status_code BETWEEN 200 AND 299 AND a.status_code BETWEEN 200 AND 299 "
        f"AND b.{field} IS DISTINCT FROM a.{field}",
    )  # fmt: skip
    for field in ("canonical", "title", "meta_description")
}
_WATCHED_PAGES = """
SELECT p.crawl_id, p.url, p.status_code, p.error, p.indexable, p.title, p.meta_description, p.h1, p.canonical,
       p.word_count, coalesce((SELECT array_agg(i.code ORDER BY i.code) FROM issues i
                               WHERE i.crawl_id = p.crawl_id AND i.page_id = p.id), '{}') AS codes
FROM pages p WHERE p.crawl_id = ANY($1::uuid[]) AND p.url = ANY($2::text[])
"""
_WATCHED_FIELDS = ("status_code", "error", "indexable", "title", "meta_description", "h1", "canonical", "codes")


def alert_id_for(rule_id: uuid.UUID, crawl_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"alert:{rule_id}:{crawl_id}")


def delivery_id_for(alert_id: uuid.UUID, channel_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"delivery:{alert_id}:{channel_id}")


class Context:
    """One check: the crawl, the previous completed crawl of its site, and what both stored."""

    def __init__(self, conn: asyncpg.Connection, crawl: asyncpg.Record, previous: uuid.UUID | None) -> None:
        self.conn = conn
        self.crawl = crawl
        self.crawl_id: uuid.UUID = crawl["id"]
        self.previous = previous
        self.completed = crawl["status"] == "completed"

    @property
    def link(self) -> str:
        if self.previous is not None:
            return f"/crawls/{self.crawl_id}/compare/{self.previous}"
        return f"/crawls/{self.crawl_id}"

    async def paired(self, sql: str) -> dict[str, Any] | None:
        rows = await self.conn.fetch(sql, self.previous, self.crawl_id, MAX_EVIDENCE_ITEMS)
        if not rows:
            return None
        items = [{"url": r["url"], "before": r["before"], "after": r["after"]} for r in rows]
        return {"count": rows[0]["total"], "items": items}


Evidence = dict[str, Any]
Check = Callable[[Context, dict[str, Any]], Awaitable[Evidence | None]]


def _capped(evidence: Evidence) -> Evidence:
    evidence["truncated"] = evidence.get("count", 0) > len(evidence.get("items", []))
    return evidence


async def _crawl_failed(ctx: Context, params: dict[str, Any]) -> Evidence | None:
    if ctx.crawl["status"] != "failed":
        return None
    return {"count": 1, "error": ctx.crawl["error"] or "", "items": []}


async def _health_drop(ctx: Context, params: dict[str, Any]) -> Evidence | None:
    scores = dict(await ctx.conn.fetch(_HEALTH, [ctx.previous, ctx.crawl_id]))
    before, after = scores.get(ctx.previous), scores.get(ctx.crawl_id)
    if before is None or after is None or before - after < params["points"]:
        return None
    return {"count": 1, "before": before, "after": after, "items": []}


async def _new_issues(ctx: Context, params: dict[str, Any]) -> Evidence | None:
    floor = SEVERITY_RANK[params["severity"]]
    severities = [s for s, rank in SEVERITY_RANK.items() if rank >= floor]
    rows = await ctx.conn.fetch(
        _NEW_ISSUES, ctx.previous, ctx.crawl_id, severities, params["codes"], MAX_EVIDENCE_ITEMS
    )
    total = rows[0]["total"] if rows else 0
    if total < params["min_count"]:
        return None
    items = [{"url": r["url"], "code": r["code"], "severity": r["severity"]} for r in rows]
    return {"count": total, "items": items}


async def _issue_count_up(ctx: Context, params: dict[str, Any]) -> Evidence | None:
    row = await ctx.conn.fetchrow(_CODE_COUNTS, ctx.previous, ctx.crawl_id, params["code"])
    before, after = row["before"], row["after"]
    increase = after - before
    if increase <= 0:
        return None
    percent = 100.0 * increase / before if before else float("inf")
    by_count = params["min_increase"] is not None and increase >= params["min_increase"]
    by_share = params["min_percent"] is not None and percent >= params["min_percent"]
    if not (by_count or by_share):
        return None
    urls = await ctx.conn.fetch(_CODE_NEW_URLS, ctx.previous, ctx.crawl_id, params["code"], MAX_EVIDENCE_ITEMS)
    return {
        "count": increase, "before": before, "after": after,
        "percent": None if before == 0 else round(percent, 1),
        "items": [{"url": r["url"], "code": params["code"]} for r in urls],
    }  # fmt: skip


def _paired_check(sql: str) -> Check:
    async def check(ctx: Context, params: dict[str, Any]) -> Evidence | None:
        found = await ctx.paired(sql)
        if found is None or found["count"] < params["min_pages"]:
            return None
        return found

    return check


async def _field_changed(ctx: Context, params: dict[str, Any]) -> Evidence | None:
    found = await ctx.paired(_FIELD_CHANGED[params["field"]])
    if found is None or found["count"] < params["min_pages"]:
        return None
    for item in found["items"]:
        item["field"] = params["field"]
    return found


async def _pages_removed(ctx: Context, params: dict[str, Any]) -> Evidence | None:
    assert ctx.previous is not None
    summary = await compare.summary(ctx.conn, ctx.previous, ctx.crawl_id)
    removed = summary["pages"]["removed"]
    if removed < params["min_pages"]:
        return None
    rows, _ = await compare.changes(ctx.conn, ctx.previous, ctx.crawl_id, "removed", limit=MAX_EVIDENCE_ITEMS)
    return {"count": removed, "items": [{"url": r["url"], "before": r["status_code"], "after": None} for r in rows]}


async def _files(ctx: Context) -> tuple[asyncpg.Record | None, asyncpg.Record | None]:
    rows = {r["crawl_id"]: r for r in await ctx.conn.fetch(_FILES, [ctx.previous, ctx.crawl_id])}
    return rows.get(ctx.previous), rows.get(ctx.crawl_id)


async def _robots_changed(ctx: Context, params: dict[str, Any]) -> Evidence | None:
    before, after = await _files(ctx)
    if before is None or after is None:
        return None  # one of the crawls did not read robots.txt (respect_robots off, or older than this check)
    old = (before["robots_status"], before["robots_txt"] or "")
    new = (after["robots_status"], after["robots_txt"] or "")
    if old == new:
        return None
    return {
        "count": 1, "before": before["robots_status"], "after": after["robots_status"],
        "diff": compare.robots_diff(before["robots_txt"], after["robots_txt"]), "items": [],
    }  # fmt: skip


async def _sitemap_changed(ctx: Context, params: dict[str, Any]) -> Evidence | None:
    before, after = await _files(ctx)
    if before is None or after is None or before["sitemap_urls"] is None or after["sitemap_urls"] is None:
        return None
    old, new = before["sitemap_urls"], after["sitemap_urls"]
    if old == new:
        return None
    percent = 100.0 * (new - old) / old if old else 100.0
    if abs(percent) < params["min_percent"]:
        return None
    return {"count": abs(new - old), "before": old, "after": new, "percent": round(percent, 1), "items": []}


async def _watch_urls(ctx: Context, params: dict[str, Any]) -> Evidence | None:
    rows = await ctx.conn.fetch(_WATCHED_PAGES, [ctx.previous, ctx.crawl_id], params["urls"])
    before = {r["url"]: r for r in rows if r["crawl_id"] == ctx.previous}
    after = {r["url"]: r for r in rows if r["crawl_id"] == ctx.crawl_id}
    items: list[dict[str, Any]] = []
    changed_urls = 0
    for url in params["urls"]:
        old, new = before.get(url), after.get(url)
        if old is None and new is None:
            continue
        found = []
        if old is None or new is None:
            found.append({"url": url, "field": "page", "before": "crawled" if old else None,
                          "after": "crawled" if new else None})  # fmt: skip
        else:
            for field in _WATCHED_FIELDS:
                if old[field] != new[field]:
                    found.append(
                        {"url": url, "field": field, "before": _plain(old[field]), "after": _plain(new[field])}
                    )
        if found:
            changed_urls += 1
            items.extend(found)
    if not changed_urls:
        return None
    return {"count": changed_urls, "items": items[:MAX_EVIDENCE_ITEMS], "changes": len(items)}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


CHECKS: dict[str, Check] = {
    "crawl_failed": _crawl_failed,
    "health_drop": _health_drop,
    "new_issues": _new_issues,
    "issue_count_up": _issue_count_up,
    "pages_broken": _paired_check(_BROKEN),
    "pages_noindexed": _paired_check(_NOINDEXED),
    "field_changed": _field_changed,
    "pages_removed": _pages_removed,
    "robots_changed": _robots_changed,
    "sitemap_changed": _sitemap_changed,
    "watch_urls": _watch_urls,
}
# What needs only the crawl itself; everything else compares it with the previous completed crawl.
_ALONE = frozenset({"crawl_failed"})


async def evaluate(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> list[ev.AlertRaised]:
    """The alerts the rules of the crawl's site raise for it (empty when none fires)."""
    crawl = await conn.fetchrow(_CRAWL, crawl_id)
    if crawl is None or crawl["site_id"] is None:
        return []
    previous = None
    if crawl["status"] == "completed":
        previous = await conn.fetchval(_PREVIOUS, crawl["site_id"], crawl["created_at"], crawl_id)
    ctx = Context(conn, crawl, previous)
    raised = []
    for rule in await conn.fetch(_RULES, crawl["site_id"]):
        kind = rule["kind"]
        if kind not in _ALONE and (not ctx.completed or previous is None):
            continue  # nothing to compare with: a failed crawl, or the site's first completed one
        evidence = await CHECKS[kind](ctx, rule["params"])
        if evidence is None:
            continue
        evidence["link"] = ctx.link
        alert_id = alert_id_for(rule["id"], crawl_id)
        channels = [r["id"] for r in await conn.fetch(_CHANNELS, rule["channels"])]
        raised.append(
            ev.AlertRaised(
                alert_id=alert_id, site_id=crawl["site_id"], rule_id=rule["id"], crawl_id=crawl_id,
                previous_crawl_id=previous, kind=kind, params=rule["params"], evidence=_capped(evidence),
                deliveries=[
                    ev.PlannedDelivery(delivery_id=delivery_id_for(alert_id, c), channel_id=c) for c in sorted(channels)
                ],
            )
        )  # fmt: skip
    return raised
