"""The views' routes: paged link lists with filters, one definition of each count, the crawl path,
the URL tree, the link graph with link scores, progress, and issue evidence."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.api.app import create_app
from shared.audit import audit
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.model.crawlsettings import Thresholds
from shared.model.pages import Link, PageRecord
from shared.platform.settings import Settings

TOKEN = "test-token-views-0123456789abcdefghijkl"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SITE = "https://shop.example"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _page(pid: int, path: str, depth: int, links: list[Link], referrer: str | None = None, **kw: object) -> PageRecord:
    fields: dict[str, object] = {"status_code": 200, "content_type": "text/html", "indexable": True, "title": f"T{pid}"}
    fields.update(kw)
    # as the extractor counts them (services.worker.extract.records)
    fields["outlinks_count"] = sum(1 for link in links if link.internal)
    fields["external_links_count"] = sum(1 for link in links if not link.internal)
    return PageRecord(id=pid, url=f"{SITE}{path}", depth=depth, links=links, referrer=referrer, crawled_at=NOW,
                      **fields)  # type: ignore[arg-type]  # fmt: skip


def _site() -> list[PageRecord]:
    hub = [Link(url=f"{SITE}/docs/{n}", anchor=f"Doc {n}") for n in range(1, 8)]
    return [
        _page(
            1,
            "/",
            0,
            [
                Link(url=f"{SITE}/docs/", anchor="Docs"),
                Link(url=f"{SITE}/", anchor="Top"),
                Link(url="https://elsewhere.example/", anchor="Out", internal=False),
            ],
        ),  # fmt: skip
        _page(
            2,
            "/docs/",
            1,
            [
                *hub,
                Link(url=f"{SITE}/", anchor="Home"),
                Link(url=f"{SITE}/gone", anchor="Gone"),
                Link(url=f"{SITE}/gone", anchor="Gone again"),
                Link(url=f"{SITE}/docs/1", anchor="Sponsored", rel="nofollow"),
            ],
            f"{SITE}/",
        ),  # fmt: skip
        *[
            _page(
                2 + n,
                f"/docs/{n}",
                2,
                [
                    Link(url=f"{SITE}/", anchor="Home"),
                    Link(url=f"{SITE}/docs/", anchor="Up"),
                    Link(url=f"{SITE}/docs/{n}", anchor="Self (#top)"),
                ],
                f"{SITE}/docs/",
            )
            for n in range(1, 8)
        ],  # fmt: skip
        _page(10, "/gone", 2, [], f"{SITE}/docs/", status_code=404, indexable=False, title=None),
        _page(11, "/only-in-sitemap", 1, [], None, in_sitemap=True),
    ]


async def _crawl(pool) -> uuid.UUID:  # type: ignore[no-untyped-def]
    crawl_id = uuid.uuid4()
    stream = ev.crawl_stream(crawl_id)
    pages = _site()
    async with pool.acquire() as conn:
        await streams.append(conn, stream, [ev.CrawlRequested(crawl_id=crawl_id, settings={"url": f"{SITE}/"})])
        await streams.append(conn, stream, [ev.CrawlProgressed(crawl_id=crawl_id, pages_crawled=0, pages_discovered=3,
                                                               errors_count=0)])  # fmt: skip
        await streams.append(conn, stream, [ev.PagesCrawled(crawl_id=crawl_id, pages=pages, pages_discovered=11)])
        await streams.append(conn, stream, [ev.CrawlProgressed(crawl_id=crawl_id, pages_crawled=11,
                                                               pages_discovered=11, errors_count=1)])  # fmt: skip
        issues = [i for p in pages for i in audit.page_issues(p, Thresholds())]
        await streams.append(conn, stream, [ev.IssuesDetected(crawl_id=crawl_id, issues=issues)])
        await streams.append(conn, stream, [ev.CrawlCompleted(crawl_id=crawl_id, pages_crawled=11)])
        events = await audit.finalize(conn, crawl_id, Thresholds())
        async with conn.transaction():
            await streams.append(conn, stream, events)
    return crawl_id


async def test_link_lists_page_and_filter_and_their_totals_are_the_counts(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    crawl_id = await _crawl(pool)
    base = f"/api/crawls/{crawl_id}/pages"

    async def get(path: str) -> dict:  # type: ignore[type-arg]
        resp = await client.get(path)
        assert resp.status == 200, await resp.text()
        return await resp.json()  # type: ignore[no-any-return]

    # inlinks: other pages, one row each; the page's own "#top" link is no inlink
    home = await get(f"{base}/1")
    inlinks = await get(f"{base}/1/inlinks")
    assert inlinks["total"] == home["inlinks_count"] == 8  # /docs/ and the seven docs; not itself
    assert [i["page_id"] for i in inlinks["items"]] == [2, 3, 4, 5, 6, 7, 8, 9]
    doc1 = await get(f"{base}/3")
    doc1_in = await get(f"{base}/3/inlinks")
    # /docs/ links to /docs/1 twice (once nofollow): one linking page, two links; its own link is none
    assert doc1_in["total"] == doc1["inlinks_count"] == 1
    assert doc1_in["items"] == [{"page_id": 2, "url": f"{SITE}/docs/", "status_code": 200, "anchor": "Doc 1",
                                 "links": 2, "nofollow": False}]  # fmt: skip

    # paging with a cursor: nothing lost, nothing twice
    seen, cursor = [], None
    while True:
        body = await get(f"{base}/1/inlinks?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        seen += [i["page_id"] for i in body["items"]]
        assert body["total"] == 8
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [2, 3, 4, 5, 6, 7, 8, 9]
    assert [i["page_id"] for i in (await get(f"{base}/1/inlinks?q=docs/3"))["items"]] == [5]

    # outlinks: document order; internal ones add up to outlinks_count, external ones to external_links_count
    docs = await get(f"{base}/2")
    internal = await get(f"{base}/2/outlinks?internal=true&limit=500")
    assert internal["total"] == docs["outlinks_count"] == len(_site()[1].links)
    assert (await get(f"{base}/1/outlinks?internal=false"))["total"] == home["external_links_count"] == 1
    broken = await get(f"{base}/2/outlinks?status=4xx")
    assert [(o["anchor"], o["status_code"]) for o in broken["items"]] == [("Gone", 404), ("Gone again", 404)]
    assert [o["anchor"] for o in (await get(f"{base}/2/outlinks?nofollow=true"))["items"]] == ["Sponsored"]
    assert [o["anchor"] for o in (await get(f"{base}/2/outlinks?q=doc 7"))["items"]] == ["Doc 7"]
    page = await get(f"{base}/2/outlinks?limit=4")
    rest = await get(f"{base}/2/outlinks?limit=500&cursor={page['next_cursor']}")
    assert [o["ordinal"] for o in page["items"] + rest["items"]] == list(range(internal["total"]))

    for query, field in (("limit=0", "limit"), ("status=6xx", "status"), ("cursor=%%%", "cursor")):
        resp = await client.get(f"{base}/2/outlinks?{query}")
        assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == field, query
    assert (await client.get(f"{base}/999/inlinks")).status == 404


async def test_crawl_path_tree_graph_and_progress(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    crawl_id = await _crawl(pool)
    crawl = f"/api/crawls/{crawl_id}"

    path = await (await client.get(f"{crawl}/pages/10/path")).json()
    assert [(s["url"], s["anchor"]) for s in path["steps"]] == [
        (f"{SITE}/", "Docs"),
        (f"{SITE}/docs/", "Gone"),
        (f"{SITE}/gone", None),
    ]
    assert path["complete"] and not path["sitemap_only"]
    alone = await (await client.get(f"{crawl}/pages/11/path")).json()
    assert alone["sitemap_only"] and not alone["complete"] and len(alone["steps"]) == 1

    top = await (await client.get(f"{crawl}/structure")).json()
    assert top["pages"] == 11 and [(n["name"], n["path"]) for n in top["children"]] == [(SITE, f"{SITE}/")]
    site = await (await client.get(f"{crawl}/structure", params={"path": f"{SITE}/"})).json()
    by_name = {n["name"]: n for n in site["children"]}
    assert by_name["docs"]["pages"] == 8 and by_name["docs"]["folder"] and by_name["docs"]["page_id"] is None
    assert by_name["gone"]["page_id"] == 10 and not by_name["gone"]["folder"] and by_name["gone"]["with_issues"] == 1
    assert by_name["/"]["page_id"] == 1 and by_name["docs"]["avg_depth"] == 1.88
    # Site-wide problems (on nearly every page: one template fix) would put every folder at 100 %; the
    # share counts the other issues: in docs/ only the hub's broken link to /gone.
    summary = await (await client.get(f"{crawl}/issues")).json()
    wide = {row["code"] for row in summary["items"] if row["site_wide"]}
    assert {"meta_description_missing", "h1_missing"} <= wide, wide
    assert by_name["docs"]["with_issues"] == 1
    docs = await (await client.get(f"{crawl}/structure", params={"path": f"{SITE}/docs/"})).json()
    assert sorted(n["name"] for n in docs["children"]) == ["/", "1", "2", "3", "4", "5", "6", "7"]
    resp = await client.get(f"{crawl}/structure", params={"path": f"{SITE}/docs"})
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "path"

    graph = await (await client.get(f"{crawl}/graph?limit=3")).json()
    # the hub every page links back to and that links to all of them is the strongest
    assert graph["nodes"][0]["url"] == f"{SITE}/docs/" and graph["nodes"][0]["link_score"] == 100
    assert [n["link_score"] for n in graph["nodes"]] == sorted((n["link_score"] for n in graph["nodes"]), reverse=True)
    ids = {n["id"] for n in graph["nodes"]}
    assert graph["edges"] and all(s in ids and t in ids and s != t for s, t in graph["edges"])
    assert graph["truncated"]
    assert (await client.get(f"{crawl}/graph?limit=501")).status == 422

    progress = await (await client.get(f"{crawl}/progress")).json()
    assert [p["pages_crawled"] for p in progress["points"]] == [0, 11]
    assert progress["status_codes"] == {"200": 10, "404": 1} and progress["queued"] == 0
    assert [e["url"] for e in progress["latest_errors"]] == [f"{SITE}/gone"]


async def test_link_scores_in_the_page_records_and_the_issue_evidence(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    crawl_id = await _crawl(pool)
    crawl = f"/api/crawls/{crawl_id}"
    pages = await (await client.get(f"{crawl}/pages?sort=link_score&order=desc")).json()
    scores = [p["link_score"] for p in pages["items"]]
    assert scores[0] == 100 and pages["items"][0]["url"] == f"{SITE}/docs/"
    assert scores == sorted(scores, reverse=True)
    assert pages["items"][-1]["url"] == f"{SITE}/only-in-sitemap"  # no link reaches it: the weakest
    gone = next(p for p in pages["items"] if p["url"] == f"{SITE}/gone")
    assert gone["issues_count"] >= 1 and gone["top_issue"] == "status_4xx"
    by_issues = await (await client.get(f"{crawl}/pages?sort=issues_count&order=desc&limit=2")).json()
    assert by_issues["items"][0]["issues_count"] >= by_issues["items"][1]["issues_count"]

    # the broken link, de-duplicated: one target, repeated twice, with its first anchor and status
    broken = await (await client.get(f"{crawl}/issues?code=broken_internal_link")).json()
    (row,) = broken["urls"]
    assert row["url"] == f"{SITE}/docs/"
    assert [(e["target"], e["anchor"], e["status"], e["occurrences"]) for e in row["evidence"]] == [
        (f"{SITE}/gone", "Gone", 404, 2)
    ]
    summary = {r["code"]: r for r in broken["items"]}
    assert summary["broken_internal_link"]["evidence"] == {
        "family": "links",
        "columns": ["target", "anchor", "status", "occurrences"],
        "unit": None,
    }
    detail = await (await client.get(f"{crawl}/pages/2")).json()
    issue = next(i for i in detail["issues"] if i["code"] == "broken_internal_link")
    assert issue["family"] == "links" and issue["evidence"][0]["occurrences"] == 2
