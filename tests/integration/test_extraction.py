"""Custom extraction on a shop-like site (issue 18): CSS, XPath and regex rules, searches, exports, comparison."""

from __future__ import annotations

import csv
import io
import json

import asyncpg

from services.api.app import create_app
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.platform.settings import Settings
from shared.reports import compare
from tests.integration.crawlharness import crawl, pages
from tests.sites import Site

TOKEN = "test-token-extraction-0123456789abcdef0123456789"

# Prices in the markup real shops use: a class, microdata, a data attribute, JSON in a script.
PRODUCTS = {
    "/p/kettle": ('<span class="price">$19.99</span><meta itemprop="sku" content="K-1">', "In stock"),
    "/p/toaster": (
        '<div class="product"><p class="price"> <b>$</b>34.50 </p></div><meta itemprop="sku" content="T-2">',
        "Out of stock",
    ),  # fmt: skip
    "/p/mixer": (
        '<span data-price="120.00" class="price">120.00 €</span><meta itemprop="sku" content="M-3">',
        "In stock",
    ),  # fmt: skip
}
RULES = [
    {"name": "price", "type": "css", "expression": ".price"},
    {"name": "sku", "type": "xpath", "expression": "//meta[@itemprop='sku']/@content"},
    {"name": "gtin", "type": "regex", "expression": r'"gtin13":\s*"(\d+)"'},
    {"name": "links", "type": "css", "expression": "nav a", "value": "count"},
    {"name": "nav", "type": "xpath", "expression": "//nav/a", "multiple": True},
    {"name": "Out of stock", "type": "text", "expression": "Out of stock", "search": "contains"},
    {
        "name": "No SKU",
        "type": "xpath",
        "expression": "//meta[@itemprop='sku']",
        "search": "not_contains",
        "severity": "notice",
    },  # fmt: skip
]


def shop(site: Site, prices: dict[str, str] | None = None) -> None:
    nav = "<nav>" + "".join(f'<a href="{p}">{p[3:]}</a>' for p in PRODUCTS) + "</nav>"
    site.page("/", f"<html><head><title>Shop</title></head><body>{nav}<p>Welcome</p></body></html>")
    for index, (path, (markup, stock)) in enumerate(PRODUCTS.items()):
        for old, new in (prices or {}).items():
            markup = markup.replace(old, new)
        ld = f'<script type="application/ld+json">{{"@type": "Product", "gtin13": "40000000000{index}"}}</script>'
        site.page(path, f"<html><head><title>{path}</title>{ld}</head><body>{nav}{markup}<p>{stock}</p></body></html>")


async def _completed(pool: asyncpg.Pool, url: str) -> asyncpg.Record:
    job = await crawl(pool, url=url, use_sitemaps=False, extraction=RULES)
    async with pool.acquire() as conn:
        await streams.append(conn, ev.crawl_stream(job.crawl_id), [ev.CrawlCompleted(crawl_id=job.crawl_id,
                                                                                         pages_crawled=4)])  # fmt: skip
    return job


async def test_rules_extract_prices_skus_and_searches_from_varying_markup(
    pool: asyncpg.Pool, dsn: str, site_factory, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    site: Site = await site_factory()
    shop(site)
    first = await _completed(pool, site.url("/"))
    stored = await pages(pool, first)
    values = {url.removeprefix(site.url("")): row["extracted"] for url, row in stored.items()}
    assert values["/p/kettle"]["price"] == "$19.99" and values["/p/toaster"]["price"] == "$ 34.50"
    assert values["/p/mixer"]["price"] == "120.00 €"
    assert [values[p]["sku"] for p in PRODUCTS] == ["K-1", "T-2", "M-3"]
    assert [values[p]["gtin"] for p in PRODUCTS] == ["400000000000", "400000000001", "400000000002"]
    assert values["/"]["links"] == 3 and values["/"]["nav"] == ["kettle", "toaster", "mixer"]
    assert values["/"]["price"] is None and values["/"]["Out of stock"] == 0
    assert all(not row["extraction_errors"] for row in stored.values())

    async with pool.acquire() as conn:
        issues = await conn.fetch(
            "SELECT p.url, i.code, i.severity FROM issues i JOIN pages p ON p.id = i.page_id WHERE i.crawl_id = $1 "
            "AND i.code LIKE 'custom_search:%'", first.crawl_id)  # fmt: skip
    assert {(r["url"].removeprefix(site.url("")), r["code"], r["severity"]) for r in issues} == {
        ("/p/toaster", "custom_search:Out of stock", "warning"),
        ("/", "custom_search:No SKU", "notice"),
    }

    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)),
                                  headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    summary = await (await client.get(f"/api/crawls/{first.crawl_id}/issues")).json()
    rows = {r["code"]: r for r in summary["items"]}
    assert rows["custom_search:Out of stock"]["title"] == "Custom search: Out of stock"
    assert rows["custom_search:Out of stock"]["count"] == 1
    listed = await client.get(f"/api/crawls/{first.crawl_id}/issues", params={"code": "custom_search:No SKU"})
    assert [u["url"] for u in (await listed.json())["urls"]] == [site.url("/")]
    filtered = await client.get(f"/api/crawls/{first.crawl_id}/pages", params={"issue": "custom_search:Out of stock"})
    assert [p["url"] for p in (await filtered.json())["items"]] == [site.url("/p/toaster")]

    # Every export carries the values: one column per rule in CSV and XLSX, by name.
    text = await (await client.get(f"/api/crawls/{first.crawl_id}/export", params={"format": "csv"})).text()
    table = {r["url"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert table[site.url("/p/mixer")]["extracted.price"] == "120.00 €"
    assert table[site.url("/p/kettle")]["extracted.sku"] == "K-1"
    lines = await (await client.get(f"/api/crawls/{first.crawl_id}/export", params={"format": "json"})).text()
    by_url = {row["url"]: row for row in map(json.loads, lines.splitlines())}
    assert by_url[site.url("/")]["extracted.nav"] == ["kettle", "toaster", "mixer"]
    page = await (await client.get(f"/api/crawls/{first.crawl_id}/pages/{stored[site.url('/p/kettle')]['id']}")).json()
    assert page["extracted"]["price"] == "$19.99"

    # The shop changes two prices; the second crawl's comparison shows them as changes.
    shop(site, {"$19.99": "$17.49", "120.00": "125.00"})
    second = await _completed(pool, site.url("/"))
    async with pool.acquire() as conn:
        counts = await compare.summary(conn, first.crawl_id, second.crawl_id)
        changed, _ = await compare.changes(conn, first.crawl_id, second.crawl_id, "changed", limit=10)
    assert counts["fields"]["extracted"] == 2 and counts["pages"]["changed"] == 2
    moved = {r["url"].removeprefix(site.url("")): r["fields"]["extracted"] for r in changed}
    prices = {path: (values["before"]["price"], values["after"]["price"]) for path, values in moved.items()}
    assert prices == {"/p/kettle": ("$19.99", "$17.49"), "/p/mixer": ("120.00 €", "125.00 €")}


async def test_pages_sort_and_filter_by_a_rules_value(
    pool: asyncpg.Pool, dsn: str, site_factory, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    shop(site)
    crawl = await _completed(pool, site.url("/"))
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)),
                                  headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    base = f"/api/crawls/{crawl.crawl_id}/pages"

    async def paths(**params: str) -> list[str]:
        """Every page of the listing, one at a time through the cursor (the keyset must hold for these keys)."""
        found, cursor = [], None
        while True:
            query = {**params, "limit": "1", **({"cursor": cursor} if cursor else {})}
            resp = await client.get(base, params=query)
            assert resp.status == 200, await resp.text()
            body = await resp.json()
            found += [item["url"].removeprefix(site.url("")) for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                return found

    # Prices in three markups sort as numbers ($19.99 < $ 34.50 < 120.00 €); the home page has none.
    assert await paths(sort="extracted:price") == ["/", "/p/kettle", "/p/toaster", "/p/mixer"]
    assert await paths(sort="extracted:price", order="desc") == ["/p/mixer", "/p/toaster", "/p/kettle", "/"]
    assert await paths(sort="extracted:sku") == ["/", "/p/kettle", "/p/toaster", "/p/mixer"]  # K-1 < T-2 < M-3
    assert len(await paths(sort="extracted:nav", order="desc")) == 4  # equal lists: in id order, none lost
    assert await paths(extracted="price:120") == ["/p/mixer"]
    assert await paths(extracted="sku:t-") == ["/p/toaster"]  # case aside
    assert await paths(extracted="price:", sort="url") == ["/p/kettle", "/p/mixer", "/p/toaster"]
    assert await paths(extracted="Out of stock:") == ["/p/toaster"]  # a count above 0
    assert await paths(extracted="No such rule:") == []
    total = await (await client.get(base, params={"extracted": "nav:mixer"})).json()
    assert total["total"] == 4  # every page's menu lists the mixer
    for bad in ({"sort": "extracted:"}, {"sort": "extracted:a:b"}, {"extracted": "no colon"}):
        resp = await client.get(base, params=bad)
        assert resp.status == 422, bad
