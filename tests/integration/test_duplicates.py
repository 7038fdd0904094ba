"""Duplicate detection: exact and near duplicates (estimated Jaccard of word 3-shingles, MinHash + LSH),
each page's closest match, at scale, and through a real crawl of a local site."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import asyncpg
import pytest

from bench import synthetic
from services.worker.crawl import sketches
from services.worker.extract import extract
from shared.audit import audit, duplicates, minhash
from shared.eventlog import events as ev
from shared.eventlog import rebuild, streams
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord
from shared.platform import cpupool
from tests.integration.auditsupport import complete, issues, linked, new_crawl, page, store
from tests.integration.crawlharness import crawl
from tests.sites import Site

BASE = "https://dup.example/"


def _text(words: list[str] | str) -> PageRecord:
    """A page whose body text is ``words``, with the sketches the crawler computes for it."""
    text = words if isinstance(words, str) else " ".join(words)
    record = page(BASE + "tmp")
    record._sketches = minhash.sketches(extract.words_of(text))
    return record


def with_text(url: str, words: list[str] | str, **changes: object) -> PageRecord:
    record = page(url, **changes)
    record._sketches = _text(words)._sketches
    return record


async def _store(conn: asyncpg.Connection, crawl_id, pages: list[PageRecord]) -> None:  # type: ignore[no-untyped-def]
    """Pages as a batch stores them: the event, and their sketches."""
    async with conn.transaction():
        await store(conn, crawl_id, pages)
        await sketches.add(conn, crawl_id, pages)


async def _finalize(conn: asyncpg.Connection, crawl_id) -> None:  # type: ignore[no-untyped-def]
    events = await audit.finalize(conn, crawl_id, Thresholds())
    async with conn.transaction():
        await streams.append(conn, ev.crawl_stream(crawl_id), events)


async def test_exact_and_near_duplicates_with_closest_match(pool: asyncpg.Pool) -> None:
    text = " ".join(f"word{i}" for i in range(400))
    base = "the same page served twice " * 60
    near_text = text.replace("word200", "changed")
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, BASE)
        pages = linked(
            a := with_text(BASE + "a", base, content_hash="same"),
            b := with_text(BASE + "b", base, content_hash="same"),
            c := with_text(BASE + "c", text + " extra words here"),
            d := with_text(BASE + "d", near_text + " extra words here"),
            e := with_text(BASE + "e", "completely different text " * 50),
            # identical text, but not indexable (noindex / canonicalised): never a duplicate
            with_text(BASE + "f", base, content_hash="same", indexable=False, meta_robots="noindex"),
            with_text(BASE + "g", base, content_hash="same", indexable=False, canonical=BASE + "a"),
        )
        await _store(conn, crawl_id, pages)
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
        await conn.execute("DELETE FROM page_sketches WHERE crawl_id = $1", crawl_id)
        await conn.execute("UPDATE pages SET content_hash = id::text WHERE crawl_id = $1", crawl_id)
        await _finalize(conn, crawl_id)
        assert "duplicate_content" not in await issues(conn, crawl_id)
        assert await conn.fetchval("SELECT count(near_duplicate_of) FROM pages WHERE crawl_id = $1", crawl_id) == 0


_COPY_COLUMNS = ("id", "crawl_id", "url", "status_code", "content_type", "indexable", "content_hash", "crawled_at")


async def _copy(conn: asyncpg.Connection, crawl_id, texts: list[list[str]], hashes: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Many pages at once (COPY), each with the sketches of its text."""
    now = datetime.now(UTC)
    rows = [(i + 1, crawl_id, f"{BASE}p/{i}", 200, "text/html", True, h, now) for i, h in enumerate(hashes)]
    await conn.copy_records_to_table("pages", records=rows, columns=_COPY_COLUMNS)
    made: dict[int, tuple[bytes, bytes]] = {}
    sketch_rows = []
    for i, words in enumerate(texts):
        key = id(words)
        if key not in made:
            stored = minhash.sketches([w.encode() for w in words])
            assert stored is not None
            made[key] = stored
        sketch_rows.append((crawl_id, i + 1, *made[key]))
    await conn.copy_records_to_table("page_sketches", records=sketch_rows,
                                     columns=("crawl_id", "page_id", "signature", "sketch"))  # fmt: skip
    await conn.execute("ANALYZE pages")


async def test_pairs_at_known_jaccard_among_many_pages_found_closest_first(pool: asyncpg.Pool) -> None:
    """At the default threshold 0.9: pairs at 0.98, 0.95, 0.92 and 0.90 found, 0.80 not, among 3,000 pages."""
    texts: list[list[str]] = [synthetic.pair_at(0.5, seed=1000 + i, min_shingles=150)[0] for i in range(3000)]
    planted: dict[int, int] = {}
    for k, jaccard in enumerate((0.98, 0.95, 0.92, 0.90, 0.80)):
        a, b = synthetic.pair_at(jaccard, seed=k)
        texts[2 * k], texts[2 * k + 1] = a, b
        if jaccard >= 0.9:
            planted[2 * k + 1], planted[2 * k + 2] = 2 * k + 2, 2 * k + 1
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, BASE)
        await _copy(conn, crawl_id, texts, [f"h{i}" for i in range(len(texts))])
        matches = await duplicates.near(conn, crawl_id, 0.9)
    assert {m.page_id: m.other_id for m in matches} == planted
    similarity = {m.page_id: m.similarity for m in matches}
    assert [similarity[2 * k + 1] for k in range(4)] == [0.98, 0.95, 0.92, 0.9]


async def test_looser_threshold_still_finds_its_pairs(pool: asyncpg.Pool) -> None:
    a, b = synthetic.pair_at(0.84, seed=3)
    other = synthetic.pair_at(0.5, seed=4)[0]
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, BASE)
        pages = linked(with_text(BASE + "x", a), with_text(BASE + "y", b), with_text(BASE + "z", other))
        await _store(conn, crawl_id, pages)
        assert {m.page_id for m in await duplicates.near(conn, crawl_id, 0.8)} == {pages[0].id, pages[1].id}
        assert await duplicates.near(conn, crawl_id, 0.9) == []


async def test_fifty_thousand_identical_pages_are_exact_duplicates_found_in_the_pool(pool: asyncpg.Pool) -> None:
    """Issue 12: identical pages made the near pass quadratic (10k: 53 s; 50k: > 14 min, uncancellable)."""
    n = 50_000
    same, near = synthetic.pair_at(0.95, seed=11)
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, BASE)
        await _copy(conn, crawl_id, [same] * n + [near], ["same"] * n + ["near"])
        async with cpupool.CpuPool(1, timeout_seconds=60) as cpu:
            started = time.monotonic()
            matches = await duplicates.near(conn, crawl_id, 0.9, offload=cpu.run)
            elapsed = time.monotonic() - started
            assert not conn.is_in_transaction()
        exact = await duplicates.exact(conn, crawl_id)
    assert len(matches) == n + 1
    assert {m.other_id for m in matches if m.page_id <= n} == {n + 1}
    assert [m.other_id for m in matches if m.page_id == n + 1] == [1]
    assert {m.similarity for m in matches} == {0.95}
    assert len(exact) == n and all(m.group_size == n for m in exact)
    assert elapsed < 30, f"the near pass took {elapsed:.1f} s on {n} identical pages"


def _html(title: str, words: list[str]) -> str:
    """A page whose body text is exactly ``words`` (the title is in <head>, not in the body text)."""
    return f"<html><head><title>{title}</title></head><body><p>{' '.join(words)}</p></body></html>"


@pytest.mark.timeout(180)
async def test_a_real_crawl_reports_pairs_at_known_jaccard_as_near_duplicates(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    """Issue 13, through the crawler: pages served by a local site whose body texts are pairs at Jaccard
    0.98, 0.95, 0.92 and 0.90 (of word 3-shingles) are near duplicates at the default 0.9; 0.80 is not."""
    site: Site = await site_factory()
    urls: list[str] = []
    expected: dict[str, str] = {}
    for k, jaccard in enumerate((0.98, 0.95, 0.92, 0.90, 0.80)):
        a, b = synthetic.pair_at(jaccard, seed=20 + k)
        for side, words in (("a", a), ("b", b)):
            path = f"/pair-{k}-{side}"
            site.page(
                path, f"<html><head><title>Pair {k} {side}</title></head><body><p>{' '.join(words)}</p></body></html>"
            )
            urls.append(site.url(path))
        if jaccard >= 0.9:
            expected[site.url(f"/pair-{k}-a")], expected[site.url(f"/pair-{k}-b")] = (
                site.url(f"/pair-{k}-b"), site.url(f"/pair-{k}-a"),
            )  # fmt: skip
    for i in range(6):  # unrelated pages around them
        words = synthetic.pair_at(0.5, seed=300 + i, min_shingles=150)[0]
        site.page(
            f"/other-{i}", f"<html><head><title>Other {i}</title></head><body><p>{' '.join(words)}</p></body></html>"
        )
        urls.append(site.url(f"/other-{i}"))
    job = await crawl(pool, url=urls[0], mode="list", urls=urls, respect_robots=False)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT p.url, o.url AS other, p.near_duplicate_similarity AS similarity
               FROM issues i JOIN pages p ON p.id = i.page_id JOIN pages o ON o.id = p.near_duplicate_of
               WHERE i.crawl_id = $1 AND i.code = 'near_duplicate_content'""",
            job.crawl_id,
        )
        left = await conn.fetchval("SELECT count(*) FROM page_sketches WHERE crawl_id = $1", job.crawl_id)
    assert {r["url"]: r["other"] for r in rows} == expected
    found = {r["url"]: r["similarity"] for r in rows}
    for k, jaccard in enumerate((0.98, 0.95, 0.92, 0.90)):
        assert found[site.url(f"/pair-{k}-a")] == pytest.approx(jaccard, abs=0.005)
    assert left == len(urls)  # the body left them for the claim loop's CrawlCompleted to drop
