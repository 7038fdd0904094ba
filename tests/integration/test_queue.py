"""The claim query and the retry policy: distinct claims under concurrency, the partial index, backoff bounds."""

from __future__ import annotations

import asyncio
import random
import re

import asyncpg

from services.worker import queue
from shared.platform.settings import Settings
from tests.integration.service_support import claim_one, request_crawl, stream_types


async def test_concurrent_claims_take_distinct_crawls_and_stop_when_empty(pool: asyncpg.Pool) -> None:
    ids = {await request_crawl(pool) for _ in range(8)}

    async def claim(worker: int) -> object:
        async with pool.acquire() as conn:
            return await claim_one(conn, f"worker-{worker}")

    claims = await asyncio.gather(*(claim(i) for i in range(12)))
    taken = [c for c in claims if isinstance(c, queue.Claim)]
    assert len(taken) == 8 and {c.crawl_id for c in taken} == ids
    assert claims.count(None) == 4
    for c in taken:
        assert c.attempt == 1 and c.started_at >= c.available_at
        assert await stream_types(pool, c.crawl_id) == ["CrawlRequested", "CrawlStarted"]
    async with pool.acquire() as conn:
        leased = await conn.fetchval("SELECT count(*) FROM parsequeue WHERE lease_owner IS NOT NULL")
    assert leased == 8


async def test_the_claim_query_is_served_by_the_partial_queue_index(pool: asyncpg.Pool) -> None:
    for _ in range(3):
        await request_crawl(pool)
    async with pool.acquire() as conn, conn.transaction():
        # The claim is one call of claim_crawls (migration 0040): explain the picking query of the
        # function as installed, with its parameters as placeholders.
        source = await conn.fetchval("SELECT prosrc FROM pg_proc WHERE proname = 'claim_crawls'")
        match = re.search(r"FOR picked IN\s+(SELECT .*?SKIP LOCKED)", source, re.S)
        assert match, source
        pick = match.group(1)
        for name, placeholder in (("p_lease_seconds", "$1"), ("p_running", "$2::uuid[]"), ("p_limit", "$3::int")):
            pick = pick.replace(name, placeholder)
        await conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + pick, 30.0, [], 4))
    assert "parsequeue_ready" in plan, plan


async def test_finish_does_nothing_once_the_lease_is_gone(pool: asyncpg.Pool) -> None:
    await request_crawl(pool)
    async with pool.acquire() as conn:
        claim = await claim_one(conn, "worker-a")
        assert isinstance(claim, queue.Claim)
        await conn.execute("UPDATE parsequeue SET lease_owner = 'worker-b' WHERE crawl_id = $1", claim.crawl_id)
        settings = Settings()
        event = await queue.finish(conn, claim.crawl_id, 1, queue.Outcome("completed"), worker_id="worker-a",
                                   settings=settings)  # fmt: skip
    assert event is None
    assert await stream_types(pool, claim.crawl_id) == ["CrawlRequested", "CrawlStarted"]


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    settings = Settings(retry_base_seconds=10, retry_max_seconds=60)
    rng = random.Random(7)
    for attempt, full in ((1, 10), (2, 20), (3, 40), (4, 60), (9, 60)):
        delays = [queue.backoff_seconds(attempt, settings, rng=rng) for _ in range(200)]
        assert all(full / 2 <= d <= full for d in delays), (attempt, min(delays), max(delays))
        assert max(delays) - min(delays) > full / 4  # jittered, not one fixed value
