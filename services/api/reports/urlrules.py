"""What a crawl's URL rules did: per rule, how many URLs as written it changed and how many they became.

Read from the link rows (``links.original_url`` and ``links.url_rules``, written from the
``PagesCrawled`` payload): a rule "collapsed" URLs when several spellings became fewer URLs, e.g.
twelve ``?utm_source=`` variants of one page became that one page. URLs known only from sitemaps or
the list are rewritten too, but have no link row and are not counted.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from shared.reports.errors import CrawlNotFound

_CRAWL = "SELECT settings->'url_rules' AS rules FROM crawls WHERE id = $1"
_COUNTS = """
SELECT r.rule, count(DISTINCT l.original_url) AS urls_rewritten, count(DISTINCT l.target_url) AS urls_after,
       count(*) AS links
FROM links l CROSS JOIN LATERAL unnest(l.url_rules) AS r(rule)
WHERE l.crawl_id = $1 AND l.url_rules IS NOT NULL
GROUP BY r.rule
"""


def _configured(rules: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Every rule of the settings, in the order they run: (name, what it does)."""
    rules = rules or {}
    out: list[tuple[str, str]] = []
    strip = rules.get("strip_params") or []
    if strip == "all":
        out.append(("strip_params:all", "remove every query parameter"))
    else:
        out += [(f"strip_params:{name}", f"remove the query parameter {name}") for name in strip]
    if rules.get("lowercase"):
        out.append(("lowercase", "lower-case the path"))
    for index, rewrite in enumerate(rules.get("rewrite") or []):
        out.append((f"rewrite:{index}", f"{rewrite.get('pattern')} → {rewrite.get('replacement', '')}"))
    return out


async def summary(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> list[dict[str, Any]]:
    """One row per configured rule (in order, zero counts included): ``rule``, ``description``,
    ``urls_rewritten`` (distinct URLs as written it changed), ``urls_after`` (distinct URLs they became),
    ``links`` (link rows it changed)."""
    row = await conn.fetchrow(_CRAWL, crawl_id)
    if row is None:
        raise CrawlNotFound(crawl_id)
    counts = {r["rule"]: r for r in await conn.fetch(_COUNTS, crawl_id)}
    out = []
    for name, description in _configured(row["rules"]):
        hit = counts.get(name)
        out.append({
            "rule": name,
            "description": description,
            "urls_rewritten": hit["urls_rewritten"] if hit else 0,
            "urls_after": hit["urls_after"] if hit else 0,
            "links": hit["links"] if hit else 0,
        })  # fmt: skip
    return out
