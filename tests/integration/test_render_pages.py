"""Rendering single pages in real Chromium: what a page's scripts build, and what a hostile page cannot do."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.worker.render.browser import Browser
from tests.integration.renderharness import RENDER_LOOP, browser_settings
from tests.sites import Site

pytestmark = RENDER_LOOP

SHELL = (
    '<!doctype html><html lang="en"><head><title>Loading</title>{head}</head>'
    '<body><div id="app"></div>{body}</body></html>'
)


def shell(script: str, head: str = "") -> str:
    return SHELL.format(head=head, body=f"<script>{script}</script>")


async def test_scripts_build_the_dom_from_answers_the_crawl_fetches(render_sites, make_renderer) -> None:  # type: ignore[no-untyped-def]
    site: Site = await render_sites()
    site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    site.page("/", SHELL.format(head='<script src="/app.js"></script><script src="/private/tracker.js"></script>',
                                body='<img src="/logo.png" alt="logo">'))  # fmt: skip
    site.page("/app.js", """
        document.title = 'Built by script';
        fetch('/api/content.json').then(r => r.json()).then(data => {
          const app = document.getElementById('app');
          app.innerHTML = '<h1>' + data.heading + '</h1><a href="/about">About</a>';
          console.error('a console error');
          setTimeout(() => { throw new Error('late failure') }, 0);
        });
    """, content_type="application/javascript")  # fmt: skip
    site.page("/api/content.json", '{"heading": "Hello from XHR"}', content_type="application/json")
    site.page("/logo.png", b"\x89PNG", content_type="image/png")

    result = await make_renderer().render(site.url("/"))

    assert result.error is None, result.error
    assert result.html is not None
    assert "<title>Built by script</title>" in result.html
    assert '<h1>Hello from XHR</h1><a href="/about">About</a>' in result.html
    assert "a console error" in result.console_errors
    assert any("late failure" in e for e in result.console_errors)
    # robots.txt disallows the tracker: refused, recorded, never requested.
    assert [(f.url, f.robots, f.blocked) for f in result.failed_requests] == [
        (site.url("/private/tracker.js"), True, True)
    ]
    assert site.hits("/private/tracker.js") == 0
    assert site.hits("/logo.png") == 0  # images are not downloaded by default
    assert site.hits("/") == 1  # the raw fetch; the browser was given those bytes
    assert result.requests == 3 and result.time_ms > 0


async def test_images_load_when_asked_and_scripts_come_from_the_cache(render_sites, make_renderer) -> None:  # type: ignore[no-untyped-def]
    site: Site = await render_sites()
    site.page("/", SHELL.format(head='<script src="/app.js"></script>', body='<img src="/logo.png" alt="x">'))
    site.page("/app.js", "document.title = 'cached'", content_type="application/javascript")
    site.page("/logo.png", b"\x89PNG", content_type="image/png")
    render = make_renderer(render_load_media=True)
    first = await render.render(site.url("/"))
    second = await render.render(site.url("/"))
    assert first.error is None and second.error is None
    assert "<title>cached</title>" in (second.html or "")
    assert site.hits("/logo.png") == 1 and site.hits("/app.js") == 1


async def test_memory_outside_the_javascript_heap_is_bounded_per_renderer(render_sites, make_renderer) -> None:  # type: ignore[no-untyped-def]
    site: Site = await render_sites()
    site.page("/", shell("const keep = []; while (true) { keep.push(new Uint8Array(1e8)); }"))
    result = await make_renderer(render_timeout_seconds=20).render(site.url("/"))
    # Past the renderer's RLIMIT_DATA the allocation fails inside the page: the script stops with
    # the error, which is recorded, and the page renders (the browser and its neighbours are fine).
    assert result.error is None, result.error
    assert "RangeError: Array buffer allocation failed" in result.console_errors


async def test_private_addresses_files_sockets_and_windows_are_refused_and_recorded(
    render_sites, make_renderer
) -> None:  # type: ignore[no-untyped-def]
    site: Site = await render_sites()
    other = Site(host="127.0.0.2")  # another loopback address: private, not the crawled site
    await other.start()
    try:
        secret = f"http://127.0.0.2:{other.port}/secret"
        other.page("/secret", "SECRET")
        script = f"""
            const out = document.getElementById('app');
            const show = (label) => (r) => r.text().then(t => out.append(label + ':' + t));
            const fail = (label) => () => out.append(label + ':refused');
            fetch('{secret}').then(show('loopback'), fail('loopback'));
            fetch('http://169.254.169.254/latest/meta-data/').then(show('metadata'), fail('metadata'));
            fetch('{site.url("/redirect-inside")}').then(show('redirect'), fail('redirect'));
            fetch('file:///etc/hostname').then(show('file'), fail('file'));
            const socket = new WebSocket('ws://127.0.0.1:{site.port}/socket');
            window.open('{site.url("/popup")}');
            navigator.geolocation.getCurrentPosition(() => out.append('geo:granted'), () => out.append('geo:denied'));
        """
        site.page("/", shell(script, head='<link rel="stylesheet" href="http://[::1]:1/x.css">'))
        site.redirect("/redirect-inside", secret, status=302)
        site.page("/popup", "popup")
        result = await make_renderer().render(site.url("/"))
    finally:
        await other.close()

    assert result.error is None, result.error
    html = result.html or ""
    assert "SECRET" not in html and other.requests == []
    for label in ("loopback", "metadata", "redirect", "file"):
        assert f"{label}:refused" in html, label
    assert "geo:denied" in html
    assert site.hits("/popup") == 0 and site.hits("/socket") == 0
    refused = {f.url: f for f in result.failed_requests}
    assert "127.0.0.2 is a loopback address" in refused[secret].reason and refused[secret].blocked
    assert "link-local" in refused["http://169.254.169.254/latest/meta-data/"].reason
    assert "loopback" in refused[site.url("/redirect-inside")].reason  # the hop, not just the first URL
    assert "loopback" in refused["http://[::1]:1/x.css"].reason
    assert refused[f"ws://127.0.0.1:{site.port}/socket"].blocked
    assert any(f.resource_type == "popup" for f in result.failed_requests)


async def test_browser_bounds_memory_crashes_and_restarts(render_sites, make_renderer) -> None:  # type: ignore[no-untyped-def]
    site: Site = await render_sites()
    site.page("/", shell("document.title = 'fine'"))
    site.page("/hog", shell("window.keep = []; for (let i = 0; i < 12; i++) "
                            "window.keep.push(new Uint8Array(5e7).fill(i + 1)); fetch('/slow');"))  # fmt: skip
    site.page("/crash", shell("fetch('/kill');"))
    browser = Browser(browser_settings(render_max_memory_mb=600, render_process_memory_mb=4096, render_restart_pages=4))

    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.Response(text="late")

    async def kill(request: web.Request) -> web.StreamResponse:
        browser._kill()  # as if the page had crashed the whole browser
        return web.Response(text="unreachable")

    site.handler("/slow", slow)
    site.handler("/kill", kill)
    try:
        render = make_renderer(browser, render_timeout_seconds=10)
        # Over the memory bound: the browser is killed; the page is tried once more, alone (its
        # neighbours may have been the culprit), and fails with the reason.
        hog = await render.render(site.url("/hog"))
        assert hog.error is not None and "over the 600 MB bound" in hog.error, hog.error
        assert browser.peak_memory_bytes > 600 * 2**20
        after = await render.render(site.url("/"))
        assert after.error is None and "<title>fine</title>" in (after.html or "")
        assert browser.launches == 3

        # A browser that dies under a page fails that page only; the next page gets a new browser.
        crashed = await render.render(site.url("/crash"))
        assert crashed.error == "the browser crashed; the page could not be rendered"
        assert (await render.render(site.url("/"))).error is None
        assert browser.launches == 5
        # After render_restart_pages (4) pages, a fresh browser: this one has rendered one so far.
        for _ in range(3):
            assert (await render.render(site.url("/"))).error is None
        assert browser.launches == 5
        assert (await render.render(site.url("/"))).error is None
        assert browser.launches == 6
    finally:
        await browser.close()


async def test_no_more_pages_render_at_once_than_the_workers_bound(render_sites, make_renderer) -> None:  # type: ignore[no-untyped-def]
    """RENDER_CONCURRENCY (2 here) is how many pages one worker's browser renders at once, however many
    the crawl asks for: five pages whose scripts each wait on the server never have three requests in it."""
    site: Site = await render_sites()
    in_flight, most = 0, 0
    two_in = asyncio.Event()

    async def hold(request: web.Request) -> web.StreamResponse:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            if in_flight == 2:
                two_in.set()
            await asyncio.wait_for(two_in.wait(), 10)  # the first page waits for a second one rendering beside it
            await asyncio.sleep(0.3)  # room for a third, were the bound broken
            return web.Response(text=request.query["page"])
        finally:
            in_flight -= 1

    site.handler("/hold", hold)
    for n in range(5):
        site.page(f"/p{n}", shell(f"fetch('/hold?page={n}').then(r => r.text()).then(t => document.title = 'p' + t);"))
    browser = Browser(browser_settings(render_concurrency=2))
    try:
        render = make_renderer(browser, render_timeout_seconds=20)
        results = await asyncio.gather(*(render.render(site.url(f"/p{n}")) for n in range(5)))
    finally:
        await browser.close()
    assert [r.error for r in results] == [None] * 5
    assert [f"<title>p{n}</title>" in (r.html or "") for n, r in enumerate(results)] == [True] * 5
    assert most == 2, f"{most} pages rendered at once"
