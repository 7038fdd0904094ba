"""Duplicate detection: exact and near duplicates, each page's closest match, and LSH at scale."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import asyncpg

from shared.audit import audit, duplicates
from shared.eventlog import events as ev
from shared.eventlog import rebuild, streams
from shared.model.crawlsettings import Thresholds
from shared.platform import cpupool
from tests.integration.auditsupport import complete, issues, linked, new_crawl, page, store

BASE = "https://dup.example/"


def _flip(value: int, bits: list[int]) -> int:
    unsigned = value & (2**64 - 1)
    for b in bits:
        unsigned ^= 1 << b
    return unsigned - 2**64 if unsigned >= 2**63 else unsigned


async def _finalize(conn: asyncpg.Connection, crawl_id) -> None:  # type: ignore[no-untyped-def]
    events = await audit.finalize(conn, crawl_id, Thresholds())
    async with conn.transaction():
        await streams.append(conn, ev.crawl_stream(crawl_id), events)


async def test_exact_and_near_duplicates_with_closest_match(pool: asyncpg.Pool) -> None:
    text = " ".join(f"word{i}" for i in range(400))
    base = duplicates.simhash("the same page served twice " * 60)
    near_text = text.replace("word200", "changed")
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, BASE)
        pages = linked(
            a := page(BASE + "a", content_hash="same", simhash=base),
            b := page(BASE + "b", content_hash="same", simhash=base),
            c := page(BASE + "c", simhash=duplicates.simhash(text + " extra words here")),
            d := page(BASE + "d", simhash=duplicates.simhash(near_text + " extra words here")),
            e := page(BASE + "e", simhash=duplicates.simhash("completely different text " * 50)),
            # identical text, but not indexable (noindex / canonicalised): never a duplicate
            page(BASE + "f", content_hash="same", simhash=base, indexable=False, meta_robots="noindex"),
            page(BASE + "g", content_hash="same", simhash=base, indexable=False, canonical=BASE + "a"),
        )
        await store(conn, crawl_id, pages)
        await complete(conn, crawl_id)
        await _finalize(conn, crawl_id)
        found = await issues(conn, crawl_id)
        assert found.get("duplicate_content") == {a.url, b.url}
        assert found.get("near_duplicate_content") == {c.url, d.url}
        closest = {
            r["url"]: (r["near_duplicate_of"], r["near_duplicate_similarity"])
            for r in await conn.fetch("SELECT * FROM pages WHERE crawl_id = $1", crawl_id)
        }
        assert closest[a.url] == (b.id, 1.0) and closest[b.url] == (a.id, 1.0)
        assert closest[c.url][0] == d.id and closest[d.url][0] == c.id
        assert 0.9 <= closest[c.url][1] < 1.0
        assert closest[e.url] == (None, None)

        # the closest matches are a projection: a rebuild from the log gives them back
        await rebuild.rebuild(conn)
        rebuilt = {
            r["url"]: (r["near_duplicate_of"], r["near_duplicate_similarity"])
            for r in await conn.fetch("SELECT * FROM pages WHERE crawl_id = $1", crawl_id)
        }
        assert rebuilt == closest

        # a re-audit that no longer finds them clears them
        await conn.execute("UPDATE pages SET simhash = NULL, content_hash = id::text WHERE crawl_id = $1", crawl_id)
        await _finalize(conn, crawl_id)
        assert "duplicate_content" not in await issues(conn, crawl_id)
        assert await conn.fetchval("SELECT count(near_duplicate_of) FROM pages WHERE crawl_id = $1", crawl_id) == 0


_COPY_COLUMNS = ("id", "crawl_id", "url", "status_code", "content_type", "indexable", "simhash", "content_hash",
                 "crawled_at")  # fmt: skip


async def test_lsh_finds_every_pair_within_six_bits_among_many_pages_fast(pool: asyncpg.Pool) -> None:
    rng = random.Random(42)
    n = 30_000
    fingerprints = [rng.getrandbits(64) - 2**63 for _ in range(n)]
    planted: dict[int, int] = {}
    for k in range(40):  # pairs exactly 6 bits apart (the 0.9 threshold's edge) at random bit positions
        i, j = 2 * k, 2 * k + 1
        fingerprints[j] = _flip(fingerprints[i], rng.sample(range(64), 6))
        planted[i + 1], planted[j + 1] = j + 1, i + 1
    fingerprints[100] = _flip(fingerprints[101], rng.sample(range(64), 7))  # 7 bits: below 0.9, not a match
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, BASE)
        rows = [(i + 1, crawl_id, f"{BASE}p/{i}", 200, "text/html", True, f, f"h{i}", now)
                for i, f in enumerate(fingerprints)]  # fmt: skip
        await conn.copy_records_to_table("pages", records=rows, columns=_COPY_COLUMNS)
        await conn.execute("ANALYZE pages")
        started = time.monotonic()
        matches = await duplicates.near(conn, crawl_id, 0.9)
        elapsed = time.monotonic() - started
    assert {m.page_id: m.other_id for m in matches} == planted
    assert all(m.similarity == round(1 - 6 / 64, 4) for m in matches)
    assert elapsed < 15, f"near-duplicate search took {elapsed:.1f} s for {n} pages"


async def test_looser_threshold_still_finds_its_pairs(pool: asyncpg.Pool) -> None:
    rng = random.Random(7)
    a = rng.getrandbits(64) - 2**63
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, BASE)
        pages = linked(
            page(BASE + "x", simhash=a),
            page(BASE + "y", simhash=_flip(a, list(range(0, 40, 4)))),  # 10 bits apart: 0.84
            page(BASE + "z", simhash=_flip(a, list(range(0, 64, 2)))),  # 32 bits apart
        )
        await store(conn, crawl_id, pages)
        assert {m.page_id for m in await duplicates.near(conn, crawl_id, 0.8)} == {pages[0].id, pages[1].id}
        assert await duplicates.near(conn, crawl_id, 0.9) == []


def test_simhash_is_close_for_close_texts() -> None:
    text = " ".join(f"w{i}" for i in range(500))
    assert duplicates.similarity(duplicates.simhash(text), duplicates.simhash(text.replace("w250", "x"))) >= 0.9
    assert duplicates.similarity(duplicates.simhash(text), duplicates.simhash("other words " * 200)) < 0.8
    assert duplicates.max_distance(0.9) == 6


async def test_fifty_thousand_identical_pages_are_exact_duplicates_found_in_the_pool(pool: asyncpg.Pool) -> None:
    """Issue 12: identical pages made the near pass quadratic (10k: 53 s; 50k: > 14 min, uncancellable)."""
    n = 50_000
    now = datetime.now(UTC)
    same = duplicates.simhash("one template page served under many URLs " * 40)
    near = _flip(same, [1, 9, 33])
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, BASE)
        rows = [(i + 1, crawl_id, f"{BASE}p/{i}", 200, "text/html", True, same, "same", now) for i in range(n)]
        rows.append((n + 1, crawl_id, f"{BASE}near", 200, "text/html", True, near, "near", now))
        await conn.copy_records_to_table("pages", records=rows, columns=_COPY_COLUMNS)
        await conn.execute("ANALYZE pages")
        async with cpupool.CpuPool(1, timeout_seconds=60) as cpu:
            started = time.monotonic()
            matches = await duplicates.near(conn, crawl_id, 0.9, offload=cpu.run)
            elapsed = time.monotonic() - started
            assert not conn.is_in_transaction()
        exact = await duplicates.exact(conn, crawl_id)
    assert len(matches) == n + 1
    assert {m.other_id for m in matches if m.page_id <= n} == {n + 1}
    assert [m.other_id for m in matches if m.page_id == n + 1] == [1]
    assert len(exact) == n and all(m.group_size == n for m in exact)
    assert elapsed < 30, f"the near pass took {elapsed:.1f} s on {n} identical pages"
