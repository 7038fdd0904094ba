"""``seo admin reaudit``: the operator's re-audit of a finished crawl, run as a process, as an operator runs it."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import asyncpg

from shared.eventlog import events as ev
from shared.eventlog import eventstore
from tests.integration.auditsupport import complete, issues, linked, new_crawl, page, store

S = "https://shop.example/"


async def _admin(dsn: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": dsn}
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "admin", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(command.communicate(), 60)
    assert command.returncode is not None
    return command.returncode, out.decode(), err.decode()


async def test_reaudit_replaces_a_finished_crawls_issues_with_what_the_rules_find_now(
    pool: asyncpg.Pool, dsn: str
) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S)
        short = page(S + "short", title="Short")
        await store(conn, crawl_id, linked(page(S, depth=0), short))
        await complete(conn, crawl_id, 2)
        # Issues as an older rule set left them: one that no longer fires, the real one missing.
        await conn.execute(
            "INSERT INTO issues (crawl_id, page_id, code, severity) VALUES ($1, $2, 'h1_missing', 'warning')",
            crawl_id, short.id,
        )  # fmt: skip
    code, out, err = await _admin(dsn, "reaudit", str(crawl_id))
    assert code == 0, err
    assert f"Crawl {crawl_id} re-audited: 1 issues (before: 0)." in out  # the stale row was never counted
    async with pool.acquire() as conn:
        assert await issues(conn, crawl_id) == {"title_too_short": {short.url}}
        assert await conn.fetchval("SELECT issues_count FROM crawls WHERE id = $1", crawl_id) == 1
        (last,) = (await eventstore.read_stream(conn, ev.crawl_stream(crawl_id)))[-1:]
    assert last.type == "IssuesDetected" and last.metadata.actor == "admin"
    assert last.metadata.correlation_id == str(crawl_id)


async def test_reaudit_refuses_what_it_cannot_do_with_a_reason(pool: asyncpg.Pool, dsn: str) -> None:
    async with pool.acquire() as conn:
        running = await new_crawl(conn, S)
    for args, reason in (
        ((str(running),), f"Crawl {running} is queued; only a finished crawl can be re-audited."),
        ((str(uuid.uuid4()),), "No crawl has the id"),
        (("not-an-id",), "'not-an-id' is not a crawl id."),
    ):
        code, _, err = await _admin(dsn, "reaudit", *args)
        assert code == 2 and reason in err and "Traceback" not in err, err
    async with pool.acquire() as conn:
        assert [e.type for e in await eventstore.read_stream(conn, ev.crawl_stream(running))] == ["CrawlRequested"]
