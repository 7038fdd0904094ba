"""``python -m tests.hostile.site``: a web server of hostile pages and sitemaps, plus a clean control site.

Its own process, so what it costs to serve a bomb never shows up in the latencies the tests measure.
It prints its port on stdout, then serves until stdin closes (the test ended or died). Its
``/health`` does what a service's does (a ``SELECT 1`` on ``HOSTILE_DSN``) with nothing else to do:
the tests compare the services' answers with it.

- ``/hostile/``: links to every hostile page (parser bombs, a gzip bomb, a slow extraction, ...).
- ``/sitemaps/``: a home page; ``/robots.txt`` names every hostile sitemap and a good one.
- ``/clean/``: ``CLEAN_PAGES`` small linked pages, answered at once (the control crawl).
- ``/same/``: ``SAME_PAGES`` pages with identical content (exact duplicates by the hundred).
"""

from __future__ import annotations

import asyncio
import os
import sys
import zlib
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

CLEAN_PAGES = 60
SAME_PAGES = 300
NESTING = 200_000  # issue 12: "<div>" * 200,000 kept the worker in the parser for over 6 minutes

PAGES: dict[str, bytes] = {}
TYPES: dict[str, str] = {}
HEADERS: dict[str, dict[str, str]] = {}


def _html(path: str, body: str | bytes, *, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
    PAGES[path] = body.encode() if isinstance(body, str) else body
    TYPES[path] = content_type
    HEADERS[path] = headers


def _gzip_bomb(megabytes: int) -> bytes:
    """``megabytes`` of zeros, gzip-compressed (about a thousand times smaller on the wire)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1024 * 1024)
    return b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()


HOSTILE = {
    "nested": "<html><body>" + "<div>" * NESTING + "deep" + "</div>" * NESTING + "</body></html>",
    "attributes": "<html><body><div " + " ".join(f"a{i}=x" for i in range(100_000)) + ">many</div></body></html>",
    "inline-nesting": "<html><body>" + "<b><i>" * 50_000 + "x</body></html>",
    # External links (another site: never fetched), past the 5,000 a record keeps.
    "links": "<html><body>" + "".join(f'<a href="http://links.invalid/{i}">{i}</a>' for i in range(60_000))
    + "</body></html>",
    "json-ld": '<html><head><script type="application/ld+json">' + '{"a":[' * 30_000 + "1" + "]}" * 30_000
    + "</script></head><body>json</body></html>",
    "ok": "<html><head><title>A normal page among hostile ones</title></head><body><p>fine</p></body></html>",
}  # fmt: skip


def build() -> None:
    links = "".join(f'<a href="/hostile/{name}">{name}</a>' for name in HOSTILE)
    links += '<a href="/hostile/gzip-bomb">bomb</a><a href="/hostile/endless-redirect">loop</a>'
    _html("/hostile/", f"<html><head><title>Hostile</title></head><body>{links}</body></html>")
    for name, body in HOSTILE.items():
        _html(f"/hostile/{name}", body)
    _html("/hostile/gzip-bomb", _gzip_bomb(200), **{"Content-Encoding": "gzip"})

    # Sitemaps: each bad in its own way, next to a good XML one and a good text one.
    good = "".join(f"<url><loc>http://{{host}}/sitemaps/listed/{i}</loc></url>" for i in range(5))
    image = (
        "<url><loc>http://{host}/sitemaps/with-image</loc><image:image><image:loc>http://{host}/sitemaps/photo.jpg"
        "</image:loc></image:image></url>"
    )
    _html("/sitemaps/good.xml", f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
          f'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">{good}{image}</urlset>',
          content_type="application/xml")  # fmt: skip
    _html("/sitemaps/urls.txt", "http://{host}/sitemaps/from-text\n", content_type="text/plain")
    _html("/sitemaps/unclosed.xml", "<urlset>" + "<url><loc>http://{host}/sitemaps/x" * 20_000 + "</urlset>",
          content_type="application/xml")  # fmt: skip
    laughs = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10 if i else "lol"}">' for i in range(10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE urlset [{laughs}]>'
    bomb += "<urlset><url><loc>http://{host}/sitemaps/&l9;</loc></url></urlset>"
    _html("/sitemaps/laughs.xml", bomb, content_type="application/xml")
    _html("/sitemaps/bomb.xml.gz", _gzip_bomb(120), content_type="application/gzip")
    for i in range(5):
        _html(f"/sitemaps/listed/{i}", f"<html><head><title>Listed {i}</title></head><body>listed</body></html>")
    _html("/sitemaps/with-image", "<html><head><title>With an image</title></head><body>image</body></html>")
    _html("/sitemaps/from-text", "<html><head><title>From the text sitemap</title></head><body>t</body></html>")
    _html("/sitemaps/", "<html><head><title>Sitemaps</title></head><body>home</body></html>")

    for i in range(CLEAN_PAGES):
        nav = "".join(f'<a href="/clean/{(i + k) % CLEAN_PAGES}">page {(i + k) % CLEAN_PAGES}</a>' for k in (1, 2, 7))
        _html(f"/clean/{i}", f"<!doctype html><html lang=en><head><title>Clean page number {i} of the control site"
              f"</title></head><body><h1>Clean {i}</h1>{nav}<p>{'text ' * 250}{i}</p></body></html>")  # fmt: skip
    _html("/clean/", '<html><head><title>Clean</title></head><body><a href="/clean/0">start</a></body></html>')

    same = "<html><head><title>The same page</title></head><body><p>" + "identical words " * 300 + "</p>{nav}"
    for i in range(SAME_PAGES):
        # Three links from every page, the same anchor text: every page's text is the same.
        nav = "".join(f'<a href="/same/{(i * 3 + k) % SAME_PAGES}">more</a>' for k in (1, 2, 3))
        _html(f"/same/{i}", same.replace("{nav}", nav) + "</body></html>")
    _html("/same/", '<html><head><title>Same</title></head><body><a href="/same/0">start</a></body></html>')


ROBOTS = """User-agent: *
Allow: /

Sitemap: http://{host}/sitemaps/unclosed.xml
Sitemap: http://{host}/sitemaps/laughs.xml
Sitemap: http://{host}/sitemaps/bomb.xml.gz
Sitemap: http://{host}/sitemaps/good.xml
Sitemap: http://{host}/sitemaps/urls.txt
"""


async def serve(request: web.Request) -> web.StreamResponse:
    host = request.host
    path = request.path
    if path == "/health":  # an idle twin of a service's /health: the tests' measure of the machine
        async with request.app[DATABASE].acquire() as conn:
            await conn.fetchval("SELECT 1")
        return web.json_response({"status": "ok"})
    if path == "/robots.txt":
        return web.Response(text=ROBOTS.replace("{host}", host), content_type="text/plain")
    if path == "/hostile/endless-redirect":
        return web.Response(status=302, headers={"Location": "/hostile/endless-redirect?" + "x" * 10})
    body = PAGES.get(path)
    if body is None:
        return web.Response(status=404, text="not found")
    if path.startswith("/sitemaps/") and not path.endswith(".gz"):
        body = body.replace(b"{host}", host.encode())
    return web.Response(body=body, headers={"Content-Type": TYPES[path], **HEADERS[path]})


DATABASE = web.AppKey("database", asyncpg.Pool)


async def _database(app: web.Application) -> AsyncIterator[None]:
    app[DATABASE] = await asyncpg.create_pool(os.environ["HOSTILE_DSN"], min_size=1, max_size=2)
    yield
    await app[DATABASE].close()


async def main() -> None:
    build()
    app = web.Application()
    app.cleanup_ctx.append(_database)
    app.router.add_route("GET", "/{tail:.*}", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)  # type: ignore[union-attr]
    # Until stdin closes: the test that started us ended (or died).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
