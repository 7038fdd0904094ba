"""Rendered crawls end to end: a single-page application, hostile pages, and stopping mid-render."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from collections import Counter
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from services.api import credentials
from services.worker.crawl.crawler import run_crawl
from services.worker.job import CrawlError
from services.worker.render.browser import Browser
from shared import vault
from shared.audit import catalogue
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.model.sites import origin_of
from shared.platform import cpupool
from shared.platform.settings import Settings
from tests.integration.crawlharness import events_of, pages, request_crawl, start_attempt
from tests.integration.renderharness import RENDER_LOOP, SITE_ONLY
from tests.sites import Site, spa

pytestmark = RENDER_LOOP
SECRET_KEY = "a-test-secret-key-for-rendering"


async def _codes(pool: asyncpg.Pool, crawl_id: Any) -> dict[int, set[str]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT page_id, code FROM issues WHERE crawl_id = $1", crawl_id)
    found: dict[int, set[str]] = {}
    for row in rows:
        found.setdefault(row["page_id"], set()).add(row["code"])
    return found


async def test_raw_crawl_sees_the_shell_and_rendered_crawl_sees_the_site(render_pool, render_sites, shared_browser):  # type: ignore[no-untyped-def]
    site: Site = await render_sites()
    expected = spa.build(site)

    raw = await request_crawl(render_pool, url=site.url("/"))
    await run_crawl(raw)
    raw_pages = await pages(render_pool, raw)
    assert list(raw_pages) == [site.url("/")]  # a shell: no links, nothing else to find
    shell = raw_pages[site.url("/")]
    assert shell["title"] == "Loading" and shell["word_count"] == 0 and shell["rendered"] is None

    rendered = await request_crawl(render_pool, url=site.url("/"), render="chromium", render_timeout_seconds=8,
                                   browser=shared_browser)  # fmt: skip
    await run_crawl(rendered)
    stored = await pages(render_pool, rendered)
    assert set(stored) == {site.url(path) for path in expected}

    home = stored[site.url("/")]
    assert home["title"] == spa.ROUTES["/"] and home["h1"] == [spa.ROUTES["/"]]
    assert home["canonical"] == site.url("/") and home["word_count"] > 260  # the text, the heading and the menu
    assert home["outlinks_count"] == len(spa.NAV) and home["indexable"]
    view = home["rendered"]
    assert view["title"] == spa.ROUTES["/"] and view["raw"]["title"] == "Loading"
    assert view["raw"]["word_count"] == 0 and view["raw"]["canonical"] is None and view["raw"]["outlinks_count"] == 0
    assert view["rendered_only_links"] == len(spa.NAV)  # the whole menu, built by the script
    assert view["render_error"] is None and view["render_time_ms"] > 0 and view["requests"] >= 2

    members = stored[site.url("/members")]
    assert members["meta_robots"] == "noindex" and not members["indexable"]
    assert stored[site.url("/live")]["rendered"]["render_error"] == (
        "render timed out after 8 s waiting for the network to go quiet"
    )
    assert stored[site.url("/live")]["title"] == "Loading"  # a failed render leaves the raw page
    broken = stored[site.url("/broken")]["rendered"]
    assert broken["console_errors"] == ["Error: the router failed before rendering"]
    reviews = stored[site.url("/reviews")]["rendered"]
    assert [(f["url"], f["robots"]) for f in reviews["failed_requests"]] == [
        (site.url("/api/private/reviews.json"), True)
    ]
    assert site.hits("/api/private/reviews.json") == 0

    # Exactly the rendering codes each page should raise, and none elsewhere.
    codes = await _codes(render_pool, rendered.crawl_id)
    got = {row["url"]: codes.get(row["id"], set()) & set(catalogue.RENDER_CODES) for row in stored.values()}
    assert got == {site.url(path): want for path, want in expected.items()}
    raw_codes = await _codes(render_pool, raw.crawl_id)
    assert not set().union(*raw_codes.values()) & set(catalogue.RENDER_CODES)
    # The script came from the crawl's cache after the first page (beside it, each crawl's resource
    # checker asks for it once); each page fetched its own text.
    assert site.hits("/assets/app.js") <= 3
    assert all(site.hits(f"/api/text?path={p.replace('/', '%2F')}") == 1 for p in expected if p not in
               ("/broken", "/live", "/static"))  # fmt: skip


async def test_hostile_pages_fail_alone_and_the_crawl_completes(render_pool, render_sites) -> None:  # type: ignore[no-untyped-def]
    site: Site = await render_sites()
    hostile = {
        "/loop": "while (true) {}",
        "/heap": "const a = []; while (true) { a.push(new Array(1e6).fill(Math.random())); }",
        "/flood": "let n = 0; setInterval(() => { for (let i = 0; i < 100; i++) fetch('/x?' + n++)"
                  ".catch(() => {}); }, 10);",
        "/away": "location.href = '/elsewhere';",
    }  # fmt: skip
    links = "".join(f'<a href="{path}">{path}</a>' for path in [*hostile, "/metadata", "/refresh"])
    site.page("/", f"<title>Hostile pages</title><p>{links}</p>")
    for path, script in hostile.items():
        site.page(path, f"<title>{path}</title><script>{script}</script>")
    site.page(
        "/metadata",
        "<title>metadata</title><div id='out'></div><script>fetch('http://169.254.169.254/"
        "latest/meta-data/').then(() => out.textContent = 'leaked', () => out.textContent = 'refused')</script>",
    )
    site.page("/elsewhere", "<title>elsewhere</title>")
    site.page("/refresh", '<title>refresh</title><meta http-equiv="refresh" content="0; url=/elsewhere">')

    async def ok(request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok")

    site.fallback(ok)
    # The guard lets the test site (127.0.0.1) through and nothing else that is not public.
    config = Settings(allow_private_networks=False, private_network_allowlist=SITE_ONLY, render_concurrency=2,
                      render_process_memory_mb=256, render_max_memory_mb=1200)  # fmt: skip
    browser = Browser(config)
    try:
        job = await request_crawl(render_pool, url=site.url("/"), render="chromium", render_timeout_seconds=8,
                                  render_max_requests=50, browser=browser, config=config)  # fmt: skip
        started = time.monotonic()
        await run_crawl(job)
        elapsed = time.monotonic() - started
    finally:
        await browser.close()
    stored = await pages(render_pool, job)
    errors = {url.rsplit("/", 1)[1]: (row["rendered"] or {}).get("render_error") for url, row in stored.items()}
    assert errors["loop"] == "render timed out after 8 s waiting for the load event"
    assert "crashed" in errors["heap"]
    assert errors["flood"] in ("the page made more than 50 requests",) or "MB bound" in errors["flood"]
    assert errors["away"] == f"the page navigated away to {site.url('/elsewhere')}"
    assert errors["refresh"] == f"the page navigated away to {site.url('/elsewhere')}"
    assert errors[""] is None and errors["metadata"] is None and errors["elsewhere"] is None
    assert stored[site.url("/elsewhere")]["referrer"] == site.url("/away")  # a script redirect is followed
    metadata = stored[site.url("/metadata")]["rendered"]
    assert "169.254.169.254 is a link-local address" in metadata["failed_requests"][0]["reason"]
    codes = await _codes(render_pool, job.crawl_id)
    for path in hostile:
        assert "render_failed" in codes[stored[site.url(path)]["id"]], path
    assert browser.peak_memory_bytes < 1200 * 2**20 + 400 * 2**20  # bounded, with one watchdog interval of slack
    assert elapsed < 60


# One element with 100,000 attributes: a line of script that Chromium runs in under a second, and
# lexbor spends minutes on the DOM it builds (quadratic in the attributes; tests/hostile has the
# raw-HTML twin of this bomb).
ATTRIBUTE_BOMB = (
    "<title>attributes</title><div id='d'></div><script>document.getElementById('d').innerHTML = '<div ' +"
    " Array.from({length: 100000}, (_, i) => 'a' + i + '=x').join(' ') + '>many</div>';</script>"
)
RENDER_TASK_SECONDS = 3


async def test_a_hostile_rendered_dom_fails_its_own_page_in_the_cpu_pool_and_the_loop_keeps_time(  # type: ignore[no-untyped-def]
    render_pool, render_sites, shared_browser
):
    """The rendered DOM is extracted in the CPU pool (records.render_isolated), bounded like raw HTML:
    a DOM that would hold the parser for minutes fails its own page with the pool's reason, while the
    worker's event loop keeps answering and the other pages render."""
    site: Site = await render_sites()
    site.page("/", '<title>home</title><a href="/attributes">attributes</a><a href="/fine">fine</a>')
    site.page("/attributes", ATTRIBUTE_BOMB)
    site.page("/fine", "<title>fine</title><script>document.title = 'rendered fine';</script>")
    job = await request_crawl(render_pool, url=site.url("/"), render="chromium", render_timeout_seconds=8,
                              browser=shared_browser)  # fmt: skip
    cpu = cpupool.CpuPool(1, timeout_seconds=RENDER_TASK_SECONDS)
    job = dataclasses.replace(job, cpu=cpu)
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:  # what /health and the lease heartbeat need: a loop that gets its turns
        while not done.is_set():
            started = time.monotonic()
            await asyncio.sleep(0.05)
            gaps.append(time.monotonic() - started)

    ticker = asyncio.create_task(tick())
    try:
        await run_crawl(job)
    finally:
        done.set()
        await ticker
        await cpu.close()
    stored = await pages(render_pool, job)
    bomb = stored[site.url("/attributes")]
    assert bomb["rendered"]["render_error"] == (
        f"extraction of the rendered DOM took longer than {RENDER_TASK_SECONDS} s and was stopped"
    )
    assert bomb["title"] == "attributes" and bomb["status_code"] == 200  # the raw page stays the record
    assert stored[site.url("/fine")]["title"] == "rendered fine"
    assert stored[site.url("/fine")]["rendered"]["render_error"] is None
    codes = await _codes(render_pool, job.crawl_id)
    assert "render_failed" in codes[bomb["id"]]
    # Parsed on the loop, the bomb would hold it for the whole parse (minutes); in the pool the loop
    # only waits. The bound leaves room for a loaded machine's scheduling, not for a parse.
    assert len(gaps) > 10 and max(gaps) < 2.0, f"the loop stalled for {max(gaps):.1f} s"


async def _wait_for(predicate: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_pause_and_crash_resume_render_no_stored_page_twice(render_pool, render_sites, shared_browser):  # type: ignore[no-untyped-def]
    site: Site = await render_sites()
    spa.build(site)
    slow = asyncio.Event()

    async def text(request: web.Request) -> web.StreamResponse:
        if request.query.get("path") == "/kettles" and not slow.is_set():
            slow.set()  # the first render of /kettles is still waiting for its text when the pause comes
            await asyncio.sleep(30)
        return web.json_response({"text": spa.words(request.query.get("path", ""), 260)})

    site.handler("/api/text", text)
    job = await request_crawl(render_pool, url=site.url("/"), render="chromium", render_timeout_seconds=8,
                              concurrency=2, browser=shared_browser)  # fmt: skip
    task = asyncio.create_task(run_crawl(job))
    await asyncio.wait_for(slow.wait(), 30)
    async with render_pool.acquire() as conn:
        await streams.append(conn, ev.crawl_stream(job.crawl_id), [ev.CrawlPaused(crawl_id=job.crawl_id)])
    stopped_at = time.monotonic()
    job.request_stop("paused")
    await asyncio.wait_for(task, 10)
    assert time.monotonic() - stopped_at < 2.0  # a page in the middle of rendering does not hold the pause
    await _wait_for(lambda: shared_browser._active == 0, 5)  # its context was closed, its slot given back
    before = await pages(render_pool, job)
    assert site.url("/kettles") not in before

    # The second attempt is killed mid-crawl (a crashed worker), the third one finishes.
    async with render_pool.acquire() as conn:
        await streams.append(conn, ev.crawl_stream(job.crawl_id), [ev.CrawlResumed(crawl_id=job.crawl_id)])
    second = await start_attempt(render_pool, job.crawl_id, job.settings, attempt=2, browser=shared_browser)
    crashing = asyncio.create_task(run_crawl(second))
    await _wait_for(lambda: site.hits("/api/text?path=%2Fteas%2Fgreen") + site.hits("/api/text?path=%2Fkettles") >= 2)
    crashing.cancel()
    await asyncio.gather(crashing, return_exceptions=True)
    await _wait_for(lambda: shared_browser._active == 0, 5)
    middle = await pages(render_pool, job)
    third = await start_attempt(render_pool, job.crawl_id, job.settings, attempt=3, worker="worker-two",
                                browser=shared_browser)  # fmt: skip
    await run_crawl(third)
    stored = await pages(render_pool, job)
    assert set(stored) == {site.url(path) for path in spa.ROUTES}
    appended = [p.id for e in await events_of(render_pool, job) if e.type == "PagesCrawled" for p in e.data.pages]  # type: ignore[attr-defined]
    assert sorted(appended) == sorted(row["id"] for row in stored.values())  # each page stored once
    # A page stored by an attempt is never rendered again by the next one.
    renders = Counter(r.path for r in site.requests if r.path.startswith("/api/text"))
    for url in set(before) | set(middle):
        path = url.split(str(site.port), 1)[1]
        if path not in ("/broken", "/live", "/static"):
            assert renders[f"/api/text?path={path.replace('/', '%2F')}"] == 1, path
    assert all(row["rendered"] is not None for row in stored.values())


async def test_a_rendering_crawl_without_chromium_fails_with_the_reason(render_pool, render_sites) -> None:  # type: ignore[no-untyped-def]
    site: Site = await render_sites()
    site.page("/", "<title>home</title>")
    config = Settings(allow_private_networks=True, chromium_path="/nonexistent/chromium")
    job = await request_crawl(render_pool, url=site.url("/"), render="chromium", config=config)
    with pytest.raises(CrawlError) as failed:
        await run_crawl(job)
    assert failed.value.reason.startswith("rendering needs Chromium: Chromium could not be started (/nonexistent/")
    assert not failed.value.retryable
    assert await pages(render_pool, job) == {}


async def test_a_rendered_pages_requests_carry_the_credentials_to_its_own_origin_only(
    render_pool, render_sites, shared_browser
) -> None:  # type: ignore[no-untyped-def]
    """The page's script asks its own origin (which wants the credentials) and a second origin (which gets none)."""
    site: Site = await render_sites()
    other: Site = await render_sites()
    expected = "Basic " + base64.b64encode(b"auditor:render-secret-pw").decode()
    seen: list[tuple[str, str | None, str | None]] = []

    def allowed(request: web.Request) -> bool:
        seen.append((request.path, request.headers.get("Authorization"), request.cookies.get("sid")))
        return request.headers.get("Authorization") == expected and request.cookies.get("sid") == "render-cookie"

    async def home(request: web.Request) -> web.StreamResponse:
        if not allowed(request):
            return web.Response(status=401, text="401")
        script = (
            f"fetch('/api/menu').then(r => r.json()).then(m => {{ for (const p of m) {{ const a = "
            f"document.createElement('a'); a.href = p; a.textContent = p; document.body.append(a); }} }});"
            f"fetch('{other.url('/api/partner.json')}').catch(() => {{}});"
        )
        return web.Response(text=f"<!doctype html><title>Home</title><body><script>{script}</script></body>",
                            content_type="text/html")  # fmt: skip

    async def menu(request: web.Request) -> web.StreamResponse:
        if not allowed(request):
            return web.Response(status=401, text="401")
        return web.json_response(["/from-script"])

    async def page(request: web.Request) -> web.StreamResponse:
        if not allowed(request):
            return web.Response(status=401, text="401")
        return web.Response(text="<title>Found by the script</title>", content_type="text/html")

    site.handler("/", home)
    site.handler("/api/menu", menu)
    site.handler("/from-script", page)
    other.page("/api/partner.json", "[]", content_type="application/json")
    async with render_pool.acquire() as conn:
        box = await vault.load(conn, SECRET_KEY)
        given = {"basic": {"username": "auditor", "password": "render-secret-pw"}, "cookies": "sid=render-cookie"}
        auth = await credentials.seal(conn, box, given, origin_of(site.url("/")))
    assert auth is not None
    job = await request_crawl(
        render_pool, url=site.url("/"), render="chromium", render_timeout_seconds=8, browser=shared_browser,
        auth=auth.model_dump(mode="json"), use_sitemaps=False, config=Settings(allow_private_networks=True,
                                                                              secret_key=SECRET_KEY),
    )  # fmt: skip
    await run_crawl(job)
    stored = await pages(render_pool, job)
    assert stored[site.url("/from-script")]["status_code"] == 200  # the script's request had the credentials
    assert ("/api/menu", expected, "render-cookie") in seen
    assert all(auth == expected for _, auth, _ in seen)
    assert other.hits("/api/partner.json") >= 1
    for request in other.requests:
        assert "Authorization" not in request.headers and "Cookie" not in request.headers
