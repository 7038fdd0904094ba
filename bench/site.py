"""A generated static site for crawl benchmarks: deterministic, realistic sizes and link counts.

Pages live at ``/p/<n>.html`` (``/p/0.html`` is the start page). Every page links to the next
one, so a crawl from page 0 reaches every page, plus hub pages and random pages, so the crawl
fans out the way a real site's does. Files are written once per shape and reused.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import time
from pathlib import Path

from bench.config import SiteShape

_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "de", "po", "gra", "sen", "tal", "mor", "quin")
_MARKER = ".complete.json"
_NAV_LINKS = 10
_EXTERNAL_LINKS = 2


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def _sentence(rng: random.Random, words: list[str], low: int, high: int) -> str:
    return " ".join(rng.choices(words, k=rng.randint(low, high)))


def _paragraphs(rng: random.Random, words: list[str], count: int = 600) -> list[str]:
    return [
        "<p>" + ". ".join(_sentence(rng, words, 8, 18).capitalize() for _ in range(rng.randint(4, 9))) + ".</p>\n"
        for _ in range(count)
    ]


def _page(i: int, shape: SiteShape, rng: random.Random, words: list[str], paragraphs: list[str]) -> str:
    n = shape.pages
    target = rng.randint(shape.min_kb, shape.max_kb) * 1024
    link_count = rng.randint(shape.min_links, shape.max_links)
    title = _sentence(rng, words, 3, 7).title()
    description = _sentence(rng, words, 14, 22).capitalize() + "."
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{title} | Page {i}</title>\n"
        f'<meta name="description" content="{description}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<link rel="canonical" href="/p/{i}.html">\n'
        '<link rel="stylesheet" href="/static/site.css">\n'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Article", '
        f'"headline": "{title}"}}</script>\n</head>\n<body>\n'
    )
    nav = "".join(f'<li><a href="/p/{h}.html">Section {h}</a></li>' for h in range(min(_NAV_LINKS, n)))
    parts = [head, f"<header><nav><ul>{nav}</ul></nav></header>\n<main><article>\n"]
    parts.append(f"<h1>{_sentence(rng, words, 3, 8).title()}</h1>\n")
    size = sum(len(p) for p in parts)
    # The rest of the links: the next page (so everything is reachable), then random pages.
    remaining = max(link_count - _NAV_LINKS - _EXTERNAL_LINKS, 1)
    targets = [(i + 1) % n] + [rng.randrange(n) for _ in range(remaining - 1)]
    footer = (
        '<footer><a href="https://example.org/about">About</a> '
        f'<a href="https://example.com/ref/{i}" rel="nofollow">Reference</a></footer>\n</body></html>\n'
    )
    # Spread the links through the body text, a few per paragraph, until the size is reached.
    section = 0
    while size < target - len(footer) or targets:
        if section % 6 == 0:
            chunk = f"<h2>{_sentence(rng, words, 2, 6).title()}</h2>\n"
            parts.append(chunk)
            size += len(chunk)
        chunk = rng.choice(paragraphs)
        parts.append(chunk)
        size += len(chunk)
        if section % 9 == 4:
            chunk = f'<img src="/img/{rng.randrange(500)}.png" alt="{_sentence(rng, words, 2, 5)}">\n'
            parts.append(chunk)
            size += len(chunk)
        links = []
        for _ in range(min(len(targets), rng.randint(2, 6))):
            j = targets.pop()
            links.append(f'<a href="/p/{j}.html">{_sentence(rng, words, 1, 4)}</a>')
        if links:
            chunk = "<p>See also: " + ", ".join(links) + ".</p>\n"
            parts.append(chunk)
            size += len(chunk)
        section += 1
    parts.append("</article></main>\n")
    parts.append(footer)
    return "".join(parts)


def ensure(root: Path, shape: SiteShape, seed: int) -> Path:
    """The site for ``shape`` under ``root`` (generated unless an identical one is already there)."""
    site = root / f"site-{shape.label()}-s{seed}"
    marker = site / _MARKER
    wanted = {"shape": shape.__dict__, "seed": seed, "version": 1}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return site
    if site.exists():
        shutil.rmtree(site)
    started = time.monotonic()
    pages_dir = site / "p"
    pages_dir.mkdir(parents=True)
    rng = random.Random(seed)
    words = _vocabulary(rng)
    paragraphs = _paragraphs(rng, words)
    total = 0
    for i in range(shape.pages):
        body = _page(i, shape, rng, words, paragraphs)
        total += len(body)
        (pages_dir / f"{i}.html").write_text(body, encoding="utf-8")
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (site / "index.html").write_text('<!DOCTYPE html><html lang="en"><head><title>Bench site</title></head>'
                                     '<body><a href="/p/0.html">Start</a></body></html>\n')  # fmt: skip
    (site / "stats.json").write_text(json.dumps({"bytes": total, "seconds": round(time.monotonic() - started, 1)}))
    marker.write_text(json.dumps(wanted))  # last: a half-written site is regenerated next time
    return site


# The JavaScript variant: one shell for every page; a script fetches the page's data and builds it.
_JS_SHELL = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n<title>Loading</title>\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    '<link rel="stylesheet" href="/static/site.css">\n<script src="/static/app.js" defer></script>\n'
    '</head>\n<body><div id="app">Loading</div></body></html>\n'
)
_JS_APP = """(function () {
  var n = location.pathname.replace(/^\\/p\\//, "").replace(/\\.html$/, "");
  fetch("/data/" + n + ".json").then(function (r) { return r.json(); }).then(function (page) {
    document.title = page.title;
    var description = document.createElement("meta");
    description.name = "description"; description.content = page.description;
    document.head.appendChild(description);
    var canonical = document.createElement("link");
    canonical.rel = "canonical"; canonical.href = page.canonical;
    document.head.appendChild(canonical);
    document.body.innerHTML = page.body;
  });
})();
"""
_TITLE = re.compile(r"<title>(.*?)</title>")
_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')
_BODY = re.compile(r"<body>\n(.*)</body>", re.DOTALL)


def ensure_js(root: Path, shape: SiteShape, seed: int) -> Path:
    """The JavaScript variant of ``ensure``'s site: the same pages, built in the browser.

    Every ``/p/<n>.html`` is the same shell (a title of "Loading", no description, canonical,
    heading, text or link); ``/static/app.js`` fetches ``/data/<n>.json`` and builds the page from
    it, as a single-page application without server rendering does. A raw crawl sees one shell.
    """
    site = root / f"site-js-{shape.label()}-s{seed}"
    marker = site / _MARKER
    wanted = {"shape": shape.__dict__, "seed": seed, "version": 1, "variant": "js"}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return site
    if site.exists():
        shutil.rmtree(site)
    started = time.monotonic()
    (site / "p").mkdir(parents=True)
    (site / "data").mkdir()
    (site / "static").mkdir()
    rng = random.Random(seed)
    words = _vocabulary(rng)
    paragraphs = _paragraphs(rng, words)
    total = 0
    for i in range(shape.pages):
        html = _page(i, shape, rng, words, paragraphs)
        data = {
            "title": _TITLE.search(html).group(1),  # type: ignore[union-attr]
            "description": _DESCRIPTION.search(html).group(1),  # type: ignore[union-attr]
            "canonical": f"/p/{i}.html",
            "body": _BODY.search(html).group(1),  # type: ignore[union-attr]
        }
        body = json.dumps(data)
        total += len(body) + len(_JS_SHELL)
        (site / "p" / f"{i}.html").write_text(_JS_SHELL, encoding="utf-8")
        (site / "data" / f"{i}.json").write_text(body, encoding="utf-8")
    (site / "static" / "app.js").write_text(_JS_APP)
    (site / "static" / "site.css").write_text("body { font-family: sans-serif; max-width: 60rem; }\n")
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (site / "stats.json").write_text(json.dumps({"bytes": total, "seconds": round(time.monotonic() - started, 1)}))
    marker.write_text(json.dumps(wanted))
    return site


def stats(site: Path) -> dict[str, float]:
    """Total HTML bytes and generation time of a generated site."""
    return json.loads((site / "stats.json").read_text())  # type: ignore[no-any-return]


def urls(base: str, shape: SiteShape) -> list[str]:
    """Every page URL of the site (what the ceiling fetches)."""
    return [f"{base}/p/{i}.html" for i in range(shape.pages)]
