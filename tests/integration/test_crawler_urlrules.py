"""Crawling real sites as they are (issue 18): URL rules, user-agent presets and robots.txt, proxies."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from services.api.app import create_app
from services.worker.fetch import fetcher
from shared.model import crawlrules
from shared.platform.settings import Settings
from tests.integration.crawlharness import crawl, pages
from tests.sites import Site

TOKEN = "test-token-urlrules-0123456789abcdef0123456789"


async def test_url_rules_collapse_tracking_variants_to_one_page(
    pool: asyncpg.Pool, dsn: str, site_factory, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    variants = "".join(f'<a href="/shoes?utm_source=s{i}&amp;utm_medium=m">shoes {i}</a>' for i in range(12))
    site.page("/", f"<title>Home</title>{variants}<a href='/Shoes'>upper</a><a href='/item/7?sid=x1'>item</a>")
    site.page("/shoes", "<title>Shoes</title><a href='/'>home</a>")
    site.page("/Shoes", "<title>Upper-case shoes: never requested</title>")
    site.page("/product/7", "<title>Product 7</title>")
    job = await crawl(
        pool,
        url=site.url("/?utm_source=newsletter"),
        url_rules={
            "strip_params": ["utm_*", "sid"],
            "lowercase": True,
            "rewrite": [{"pattern": r"/item/(\d+)$", "replacement": r"/product/\1"}],
        },
    )
    stored = await pages(pool, job)
    assert set(stored) == {site.url("/"), site.url("/shoes"), site.url("/product/7")}
    assert not any("utm_" in path for path in site.paths()) and site.hits("/Shoes") == 0
    async with pool.acquire() as conn:
        links = await conn.fetch(
            "SELECT target_url, original_url, url_rules FROM links WHERE crawl_id = $1 ORDER BY ordinal", job.crawl_id
        )
    first = links[0]
    assert first["target_url"] == site.url("/shoes")
    assert first["original_url"] == site.url("/shoes?utm_source=s0&utm_medium=m")  # kept for the link report
    assert first["url_rules"] == ["strip_params:utm_*"]

    app = create_app(Settings(database_url=dsn, api_token=TOKEN))
    client = await aiohttp_client(app, headers={"Authorization": f"Bearer {TOKEN}"})
    resp = await client.get(f"/api/crawls/{job.crawl_id}/url-rules")
    assert resp.status == 200, await resp.text()
    counts = {row["rule"]: (row["urls_rewritten"], row["urls_after"]) for row in (await resp.json())["items"]}
    assert counts == {
        "strip_params:utm_*": (12, 1),  # twelve spellings, one page
        "strip_params:sid": (1, 1),
        "lowercase": (1, 1),
        "rewrite:0": (1, 1),
    }
    export = await client.get(f"/api/crawls/{job.crawl_id}/export?what=links&format=json")
    rows = [line for line in (await export.text()).splitlines() if '"original_url": null' not in line]
    assert any("utm_source=s3" in line for line in rows)


async def test_presets_read_robots_for_their_own_token(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page(
        "/robots.txt",
        "User-agent: Googlebot\nDisallow: /no-google\n\nUser-agent: bingbot\nDisallow: /no-bing\n",
        content_type="text/plain",
    )
    site.page("/", "<a href='/no-google'>g</a><a href='/no-bing'>b</a>")
    site.page("/no-google", "<title>G</title>")
    site.page("/no-bing", "<title>B</title>")
    job = await crawl(pool, url=site.url("/"), user_agent_preset="googlebot_smartphone", use_sitemaps=False)
    stored = await pages(pool, job)
    assert stored[site.url("/no-google")]["blocked_by_robots"] and not stored[site.url("/no-bing")]["blocked_by_robots"]
    agents = {r.headers.get("User-Agent") for r in site.requests}
    assert agents == {crawlrules.USER_AGENT_PRESETS["googlebot_smartphone"]}
    site.requests.clear()
    job = await crawl(pool, url=site.url("/"), user_agent_preset="bingbot", use_sitemaps=False)
    stored = await pages(pool, job)
    assert stored[site.url("/no-bing")]["blocked_by_robots"] and not stored[site.url("/no-google")]["blocked_by_robots"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proxy:
    port: int
    log: Path

    def connections(self) -> list[str]:
        """``<scheme> <client> -> <target>`` per connection the proxy made (its -v log)."""
        return [line for line in self.log.read_text().splitlines() if " -> " in line]


@contextlib.asynccontextmanager
async def _proxy_server(tmp_path: Path) -> AsyncIterator[Proxy]:
    """A real HTTP + SOCKS5 proxy (pproxy) on a loopback port, for as long as the block runs."""
    proxy = Proxy(_free_port(), tmp_path / "proxy.log")
    with proxy.log.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pproxy", "-v", "-l", f"http+socks5://127.0.0.1:{proxy.port}",
            stdout=log, stderr=log,
        )  # fmt: skip
    try:
        for _ in range(200):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
                writer.close()
                break
            await asyncio.sleep(0.05)
        yield proxy
    finally:
        process.kill()
        await process.wait()


@pytest.mark.parametrize("scheme", ["http", "socks5", "socks5h"])
async def test_every_request_goes_through_the_proxy(
    pool: asyncpg.Pool, site_factory, tmp_path: Path, scheme: str
) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page("/", "<title>Home</title><a href='/a'>a</a>")
    site.page("/a", "<title>A</title>")
    async with _proxy_server(tmp_path) as proxy:
        job = await crawl(pool, url=site.url("/"), proxy=f"{scheme}://127.0.0.1:{proxy.port}", use_sitemaps=False)
        stored = await pages(pool, job)
        assert stored[site.url("/a")]["status_code"] == 200
        target = site.url("/").split("/")[2]
        made = proxy.connections()
        assert made and all(line.endswith(f"-> {target}") for line in made), made


async def test_the_ssrf_guard_still_judges_the_target_behind_a_proxy(site_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page("/", "<title>Home</title>")
    async with _proxy_server(tmp_path) as proxy:
        # A SOCKS proxy is reached without the connector's check: only the target guard stands between.
        async with fetcher.new_session(user_agent="t", allow_private=False, limit=2, timeout=5,
                                       proxy=f"socks5://127.0.0.1:{proxy.port}") as session:  # fmt: skip
            got = await fetcher.fetch(session, site.url("/"), max_body_bytes=10_000)
        assert got.status is None and got.error is not None and "loopback" in got.error, got.error
        # An HTTP proxy on a private address is itself refused by the guarded connector.
        async with fetcher.new_session(user_agent="t", allow_private=False, limit=2, timeout=5,
                                       proxy=f"http://127.0.0.1:{proxy.port}") as session:  # fmt: skip
            got = await fetcher.fetch(session, "http://192.168.0.1/", max_body_bytes=10_000)
        assert got.error is not None and "refused" in got.error, got.error
        assert proxy.connections() == []
    assert site.requests == []
