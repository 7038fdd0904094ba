"""Site-wide rules on stored records: the edge cases a crawl of the defect site does not reach."""

from __future__ import annotations

import asyncpg

from shared.audit import audit
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.model.crawlsettings import Thresholds
from shared.model.pages import Hreflang, Link, RedirectHop
from tests.integration.auditsupport import issues, linked, new_crawl, page, store

S = "https://shop.example/"


async def _finalize(conn: asyncpg.Connection, crawl_id, thresholds: Thresholds | None = None) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    events = await audit.finalize(conn, crawl_id, thresholds or Thresholds())
    async with conn.transaction():
        await streams.append(conn, ev.crawl_stream(crawl_id), events)
    return await issues(conn, crawl_id)


async def test_https_site_flags_each_page_left_on_http(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S)
        pages = linked(page(S, depth=0), page(S + "a"), old := page("http://shop.example/old"))
        await store(conn, crawl_id, pages)
        assert await _finalize(conn, crawl_id) == {"http_page": {old.url}}


async def test_http_start_redirecting_to_https_is_an_https_site(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, "http://shop.example/")
        start = page("http://shop.example/", status_code=301, final_url=S, content_type=None, depth=0,
                     redirect_chain=[RedirectHop(url="http://shop.example/", status_code=301),
                                     RedirectHop(url=S, status_code=200)])  # fmt: skip
        await store(conn, crawl_id, [start, *linked(page(S), page(S + "a"))])
        assert await _finalize(conn, crawl_id) == {}


async def test_orphans_only_when_the_link_graph_is_complete(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        for settings, expect_orphan in (({}, True), ({"max_pages": 4}, False), ({"max_depth": 3}, False),
                                        ({"exclude": ["/private"]}, False)):  # fmt: skip
            crawl_id = await new_crawl(conn, S, **settings)
            home = page(S, depth=0, links=[Link(url=S + "a"), Link(url=S + "old")])
            a = page(S + "a", in_sitemap=True, links=[Link(url=S)])
            moved = page(S + "old", status_code=301, final_url=S + "new", content_type=None, links=[],
                         redirect_chain=[RedirectHop(url=S + "old", status_code=301),
                                         RedirectHop(url=S + "new", status_code=200)])  # fmt: skip
            new = page(S + "new", in_sitemap=True, links=[Link(url=S)])  # reached through the redirect
            orphan = page(S + "orphan", in_sitemap=True, links=[Link(url=S)])
            await store(conn, crawl_id, [home, a, moved, new, orphan])
            found = await _finalize(conn, crawl_id)
            assert found.get("orphan_page", set()) == ({orphan.url} if expect_orphan else set()), settings
            assert found.get("link_to_redirect") == {home.url}


async def test_canonical_and_hreflang_targets_not_crawled_are_not_judged(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S)
        pages = linked(
            page(S, depth=0),
            page(S + "a", canonical="https://elsewhere.example/a", indexable=False),
            page(S + "en", hreflang=[Hreflang(lang="en", url=S + "en"), Hreflang(lang="de", url=S + "never-crawled")]),
        )
        await store(conn, crawl_id, pages)
        assert await _finalize(conn, crawl_id) == {}


async def test_a_canonical_to_a_noindex_page_is_judged_by_the_one_directives_parser(pool: asyncpg.Pool) -> None:
    """The target's robots rules read as the worker and the page rules read them: spaces separate rules,
    another crawler's rules are not ours, an unavailable_after date that passed is noindex."""
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S)
        targets = {
            "spaced": ("noindex nofollow", None, True),
            "header": (None, "googlebot: noindex", True),
            "expired": ("unavailable_after: 2020-09-21", None, True),
            "other-bot": (None, "bingbot: noindex", False),
        }
        stored, sources = [page(S, depth=0)], {}
        for name, (meta, header, _) in targets.items():
            target = page(S + name, meta_robots=meta, x_robots_tag=header, indexable=False)
            source = page(S + name + "-copy", canonical=target.url, canonicals=[target.url], indexable=False)
            stored += [target, source]
            sources[name] = source.url
        await store(conn, crawl_id, linked(*stored))
        found = await _finalize(conn, crawl_id)
    flagged = found.get("canonical_to_non_indexable", set())
    assert flagged == {sources[name] for name, (_, _, noindex) in targets.items() if noindex}


async def test_duplicate_titles_ignore_case_and_spaces_but_not_noindex_pages(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S)
        pages = linked(
            page(S, depth=0),
            a := page(S + "a", title="Чай и кофе: лучший выбор в городе"),
            b := page(S + "b", title="  чай и кофе: ЛУЧШИЙ выбор в городе "),
            page(S + "c", title="Чай и кофе: лучший выбор в городе", indexable=False, meta_robots="noindex"),
        )
        await store(conn, crawl_id, pages)
        found = await _finalize(conn, crawl_id)
        assert found == {"title_duplicate": {a.url, b.url}}


async def test_finalize_replaces_its_own_codes_but_keeps_page_issues(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S)
        pages = linked(page(S, depth=0), dup1 := page(S + "a", title="Same title for both of these pages"),
                       page(S + "b", title="Same title for both of these pages", h1=[]))  # fmt: skip
        await store(conn, crawl_id, pages)
        page_level = [i for p in pages for i in audit.page_issues(p, Thresholds())]
        await streams.append(conn, ev.crawl_stream(crawl_id), [ev.IssuesDetected(crawl_id=crawl_id, issues=page_level)])
        first = await _finalize(conn, crawl_id)
        assert first == {"title_duplicate": {dup1.url, S + "b"}, "h1_missing": {S + "b"}}
        await conn.execute("UPDATE pages SET title = 'Now unique title of page b, long enough' WHERE url = $1", S + "b")
        assert await _finalize(conn, crawl_id) == {"h1_missing": {S + "b"}}  # fixed one gone, page issue kept
        count = await conn.fetchval("SELECT issues_count FROM crawls WHERE id = $1", crawl_id)
        assert count == 1


async def test_empty_crawl_has_no_issues(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await new_crawl(conn, S)
        assert await _finalize(conn, crawl_id) == {}
        assert len(await audit.reaudit(conn, crawl_id)) == 1  # one event that clears, nothing else
