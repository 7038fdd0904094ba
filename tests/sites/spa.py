"""A single-page application test site: one HTML shell, and a script that builds every page.

``build(site)`` fills a ``tests.sites.Site`` and returns, per path, the rendering codes a rendered
crawl must raise there (exactly those: ``shared.audit.catalogue.RENDER_CODES``). Every path
answers the same shell (a client-side router, as React/Vue apps without server rendering do),
so a raw crawl sees one page with no links; the script builds the navigation, the title, the
description, the canonical, a heading and the text from the route, fetching the text from a
JSON API. Special routes: ``/members`` adds ``noindex`` in script, ``/broken`` throws before
rendering anything, ``/live`` never finishes (its data request never answers), ``/reviews`` needs
a data file robots.txt disallows, and ``/static`` is server-rendered and left alone by the script.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from tests.sites.defects import words
from tests.sites.server import Site

SHELL = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Loading</title>'
    '<script src="/assets/app.js" defer></script></head><body><div id="root"></div></body></html>'
)

ROUTES = {
    "/": "Tea shop home: fresh leaves and kettles",
    "/teas": "Our teas: green, black and oolong leaves",
    "/teas/green": "Green tea from the spring harvest, steamed",
    "/teas/black": "Black tea from the highlands, fully oxidised",
    "/kettles": "Kettles for every kitchen and every budget",
    "/members": "Members area: offers for registered buyers",
    "/broken": "This page never renders its content at all",
    "/live": "Live tasting: a stream that never finishes",
    "/reviews": "Reviews of our teas by customers who tried",
    "/static": "Delivery terms, written in plain server HTML",
}
NAV = ["/", "/teas", "/teas/green", "/teas/black", "/kettles", "/members", "/broken", "/live", "/reviews", "/static"]

# What a script-built page raises: its text, links, title, description and canonical are all new.
BUILT = {"js_content_added", "js_links_only_rendered", "js_title_changed", "js_meta_description_changed",
         "js_canonical_changed"}  # fmt: skip
EXPECTED: dict[str, set[str]] = {
    "/": BUILT,
    "/teas": BUILT,
    "/teas/green": BUILT,
    "/teas/black": BUILT,
    "/kettles": BUILT,
    "/members": BUILT | {"js_noindex_changed"},
    "/broken": {"js_errors", "render_blank_page"},
    "/live": {"render_failed"},
    "/reviews": BUILT | {"render_resources_blocked"},
    "/static": set(),
}

APP = """
(function () {
  const path = location.pathname;
  if (path === '/static') return;  // server-rendered: nothing to do
  if (path === '/broken') { throw new Error('the router failed before rendering'); }
  const routes = %(routes)s;
  const nav = %(nav)s;
  const head = document.head;
  const meta = (name, content) => {
    const el = document.createElement('meta'); el.name = name; el.content = content; head.appendChild(el);
  };
  document.title = routes[path] || 'Not found';
  meta('description', 'About ' + (routes[path] || 'nothing') + ', described at a length that suits a snippet.');
  const canonical = document.createElement('link');
  canonical.rel = 'canonical'; canonical.href = location.origin + path; head.appendChild(canonical);
  if (path === '/members') meta('robots', 'noindex');
  const root = document.getElementById('root');
  const menu = document.createElement('nav');
  for (const href of nav) {
    const a = document.createElement('a'); a.href = href; a.textContent = routes[href]; menu.appendChild(a);
  }
  root.appendChild(menu);
  const h1 = document.createElement('h1'); h1.textContent = routes[path]; root.appendChild(h1);
  const text = document.createElement('p'); root.appendChild(text);
  if (path === '/live') { fetch('/api/live'); return; }  // never answers: the page never settles
  if (path === '/reviews') { fetch('/api/private/reviews.json').catch(() => {}); }
  fetch('/api/text?path=' + encodeURIComponent(path))
    .then(r => r.json()).then(data => { text.textContent = data.text; });
})();
"""

STATIC = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    f"<title>{ROUTES['/static']}</title>"
    '<meta name="description" content="Delivery terms of the tea shop: when parcels leave, what they cost and '
    'how to return one.">'
    '<link rel="canonical" href="/static"><script src="/assets/app.js" defer></script></head>'
    f'<body><h1>{ROUTES["/static"]}</h1><a href="/">Home</a><p>{words("/static", 260)}</p></body></html>'
)


def build(site: Site, *, live_seconds: float = 3600) -> dict[str, set[str]]:
    """Serve the SPA on ``site``; the rendering codes a rendered crawl must raise, per path."""
    site.page("/robots.txt", "User-agent: *\nDisallow: /api/private/\n", content_type="text/plain")
    site.page("/assets/app.js", APP % {"routes": json.dumps(ROUTES), "nav": json.dumps(NAV)},
              content_type="application/javascript")  # fmt: skip
    site.page("/static", STATIC)

    async def text(request: web.Request) -> web.StreamResponse:
        path = request.query.get("path", "")
        return web.json_response({"text": words(path, 260)})

    async def live(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(live_seconds)
        return web.json_response({})

    async def shell(request: web.Request) -> web.StreamResponse:
        if request.path in ROUTES:
            return web.Response(text=SHELL, content_type="text/html")
        return web.Response(status=404, text="<title>Not found</title>", content_type="text/html")

    site.handler("/api/text", text)
    site.handler("/api/live", live)
    site.page("/api/private/reviews.json", '{"reviews": []}', content_type="application/json")
    site.fallback(shell)
    return EXPECTED
