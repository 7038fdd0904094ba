"""``POST /api/extraction/test``: one page fetched through the SSRF guard, each rule's value as a crawl keeps it."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

from services.api.app import create_app
from shared.platform.settings import Settings
from tests.integration.test_extraction import RULES, shop
from tests.sites import Site

TOKEN = "test-token-rule-test-0123456789abcdef0123456789"


async def _client(aiohttp_client: Any, dsn: str, **overrides: Any) -> Any:
    values = {"database_url": dsn, "api_token": TOKEN, "allow_private_networks": True, **overrides}
    return await aiohttp_client(create_app(Settings(**values)), headers={"Authorization": f"Bearer {TOKEN}"})


async def test_each_rule_shows_what_the_crawl_would_extract(dsn: str, site_factory: Any, aiohttp_client: Any) -> None:
    site: Site = await site_factory()
    shop(site)
    site.redirect("/old-toaster", "/p/toaster", status=301)
    client = await _client(aiohttp_client, dsn)
    resp = await client.post("/api/extraction/test", json={"url": site.url("/old-toaster"), "extraction": RULES})
    assert resp.status == 200, await resp.text()
    result = await resp.json()
    assert result["final_url"] == site.url("/p/toaster") and result["status_code"] == 200 and result["error"] is None
    values = {r["name"]: r["value"] for r in result["rules"]}
    assert values["price"] == "$ 34.50" and values["sku"] == "T-2" and values["gtin"] == "400000000001"
    assert values["nav"] == ["kettle", "toaster", "mixer"] and values["links"] == 3
    searches = {r["name"]: r["reported"] for r in result["rules"] if r["search"]}
    assert searches == {"Out of stock": True, "No SKU": False}  # the toaster is out of stock and has a SKU

    # A bad expression is a 422 naming the rule; nothing is fetched.
    before = len(site.requests)
    bad = await client.post("/api/extraction/test", json={"url": site.url("/"), "extraction": [
        {"name": "x", "type": "css", "expression": "div["}]})  # fmt: skip
    assert bad.status == 422 and (await bad.json())["errors"][0]["field"].startswith("extraction.0")
    assert len(site.requests) == before

    # Not HTML, and a failed fetch, are answers with the reason (no rule ran).
    site.page("/feed.json", "{}", content_type="application/json")
    feed = await (await client.post("/api/extraction/test", json={"url": site.url("/feed.json"),
                                                                 "extraction": RULES[:1]})).json()  # fmt: skip
    assert feed["error"] == "the answer is not HTML (application/json)" and feed["rules"] == []
    gone = await (await client.post("/api/extraction/test", json={"url": "http://127.0.0.1:9/",
                                                                 "extraction": RULES[:1]})).json()  # fmt: skip
    assert gone["error"] is not None and gone["status_code"] is None


async def test_the_guard_the_bounds_and_credentials_for_the_pages_origin_only(
    dsn: str, site_factory: Any, aiohttp_client: Any
) -> None:
    site: Site = await site_factory()
    other: Site = await site_factory()
    expected = "Basic " + base64.b64encode(b"u:rule-test-pw").decode()

    async def members(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != expected or request.cookies.get("sid") != "s1":
            return web.Response(status=401, text="no")
        return web.Response(text="<title>Members</title><h1>Price 10</h1>", content_type="text/html")

    site.handler("/members", members)
    site.redirect("/out", other.url("/landing"), status=302)
    other.page("/landing", "<h1>Partner</h1>")
    # Quadratic in the page's size: far longer than the test's one-second bound.
    site.page("/huge", "<html><body>" + "<div><p>x</p></div>" * 20000 + "</body></html>")
    client = await _client(aiohttp_client, dsn, cpu_task_timeout_seconds=1)
    auth = {"basic": {"username": "u", "password": "rule-test-pw"}, "cookies": "sid=s1"}
    h1 = [{"name": "h1", "type": "css", "expression": "h1"}]

    ok = await (await client.post("/api/extraction/test", json={"url": site.url("/members"), "extraction": h1,
                                                               "auth": auth})).json()  # fmt: skip
    assert ok["rules"][0]["value"] == "Price 10"
    away = await (await client.post("/api/extraction/test", json={"url": site.url("/out"), "extraction": h1,
                                                                 "auth": auth})).json()  # fmt: skip
    assert away["rules"][0]["value"] == "Partner"
    assert all("Authorization" not in r.headers and "Cookie" not in r.headers for r in other.requests)
    form = {"form": {"url": site.url("/login"), "fields": {"a": "b"}, "success_text": "x"}}
    refused = await client.post("/api/extraction/test", json={"url": site.url("/"), "extraction": h1, "auth": form})
    assert refused.status == 422 and "rule-test-pw" not in await refused.text()

    slow = [{"name": "slow", "type": "xpath", "expression": "count(//*[count(//*) > 0])"}]
    cut = await (await client.post("/api/extraction/test", json={"url": site.url("/huge"), "extraction": slow})).json()
    assert cut["error"] is not None and "took longer than" in cut["error"]
    again = await (await client.post("/api/extraction/test", json={"url": site.url("/members"), "extraction": h1,
                                                                   "auth": auth})).json()  # fmt: skip
    assert again["rules"][0]["value"] == "Price 10"  # the pool replaced its process and goes on

    guarded = await _client(aiohttp_client, dsn, allow_private_networks=False)
    private = await guarded.post("/api/extraction/test", json={"url": site.url("/members"), "extraction": h1})
    assert private.status == 422 and (await private.json())["errors"][0]["field"] == "url"
