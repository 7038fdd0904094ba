"""The defect test site: every catalogue defect that plain HTTP can produce, beside clean pages.

``build(site)`` fills a ``tests.sites.Site`` and returns what an audit must find: path -> codes.
A path not in the map (or mapped to an empty set) is clean and must get no issue at all. Only
``mixed_content`` (an https page) cannot be produced over plain http. Every page is written to
be clean except for its one defect, so an extra code on any page is a false positive.
"""

from __future__ import annotations

import asyncio
import random
from urllib.parse import quote

from aiohttp import web

from tests.sites import defects_checks, defects_exactness
from tests.sites.server import Site

# Codes only a site started with TLS (https on the same port) and an external site can produce.
NOT_OVER_HTTP = frozenset({"mixed_content"}) | defects_checks.NEEDS_TLS
NEEDS_EXTERNAL = defects_checks.NEEDS_EXTERNAL
# Headers every page sends unless it is the defect (issue 13's security checks).
HEADERS = defects_checks.HEADERS
ELSEWHERE = defects_exactness.ELSEWHERE  # codes checked on sites of their own (robots.txt 4xx, 5xx)
SLOW_SECONDS = 1.7  # the crawl runs with slow_response_ms = 1500 (a loaded CI machine stays far below)
SLOW_THRESHOLD_MS = 1500
CYRILLIC_PATH = "/статья-о-чае"
LONG_PATH = "/long-url-" + "-".join(["segment"] * 14)

_VOCABULARY = [
    "tea",
    "coffee",
    "kettle",
    "leaf",
    "brew",
    "cup",
    "water",
    "milk",
    "sugar",
    "spoon",
    "aroma",
    "roast",
    "grind",
    "bean",
    "pot",
    "steam",
]


def words(seed: str, n: int = 260) -> str:
    """``n`` words of text that no other seed produces (distinct shingles, distinct simhash)."""
    rng = random.Random(seed)
    return " ".join(f"{rng.choice(_VOCABULARY)}{rng.randrange(10**6)}" for _ in range(n))


def html(
    path: str,
    *,
    title: str | None | list[str] = "",
    description: str | None = "",
    h1: list[str] | None = None,
    canonical: str | None | list[str] = "",
    lang: str | None = "en",
    viewport: bool | str = True,
    robots: str | None = None,
    hreflang: list[tuple[str, str | None]] | None = None,
    links: list[str] | None = None,
    body: str | None = None,
    images: str = '<img src="/pic.png" alt="A cup of tea" width="64" height="48">',
    head_extra: str = "",
    body_extra: str = "",
    base: str = "",
    social: str = "og twitter",
    doctype: bool = True,
    charset: bool = True,
) -> str:
    """A clean page at ``path``; every argument can introduce one defect ("" means the clean default).

    Canonical and hreflang URLs starting with ``/`` are made absolute with ``base`` (the site's
    origin), as a clean page writes them; ``rel:/x`` keeps ``/x`` relative on purpose.
    """

    def absolute(url: str) -> str:
        return url[4:] if url.startswith("rel:") else (base + url if url.startswith("/") else url)

    titles = [f"Tea shop page {path[:30]}: a clear title"] if title == "" else title
    titles = [titles] if isinstance(titles, str) else (titles or [])
    description = (
        f"What the page {path[:40]} offers: teas, kettles and advice, described at a snippet-friendly length."
        if description == ""
        else description
    )
    canonicals = [path] if canonical == "" else canonical
    canonicals = [canonicals] if isinstance(canonicals, str) else (canonicals or [])
    head = "".join(f"<title>{t}</title>" for t in titles)
    if description is not None:
        head += f'<meta name="description" content="{description}">'
    if viewport:
        content = viewport if isinstance(viewport, str) else "width=device-width, initial-scale=1"
        head += f'<meta name="viewport" content="{content}">'
    if robots:
        head += f'<meta name="robots" content="{robots}">'
    head += "".join(f'<link rel="canonical" href="{absolute(c)}">' for c in canonicals)
    head += "".join(
        f'<link rel="alternate" hreflang="{code}"' + ("" if url is None else f' href="{absolute(url)}"') + ">"
        for code, url in hreflang or []
    )
    if "og" in social:
        head += (
            f'<meta property="og:title" content="{titles[0] if titles else path}"><meta property="og:image" '
            'content="/og.png">'
        )
    if "twitter" in social:
        head += '<meta name="twitter:card" content="summary_large_image">'
    lang_attr = f' lang="{lang}"' if lang else ""
    anchors = " ".join(f'<a href="{link}">Go to {link}</a>' for link in (["/"] if links is None else links))
    headings = "".join(f"<h1>{h}</h1>" for h in ([f"Heading for {path}"] if h1 is None else h1))
    text = words(path) if body is None else body
    meta_charset = '<meta charset="utf-8">' if charset else ""
    return (
        ("<!doctype html>" if doctype else "") + f"<html{lang_attr}><head>{meta_charset}{head}{head_extra}</head>"
        f"<body>{headings}<nav>{anchors}</nav>{images}<p>{text}</p>{body_extra}</body></html>"
    )


async def _slow(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(SLOW_SECONDS)
    return web.Response(text=html("/slow", base=str(request.url.origin())), content_type="text/html", headers=HEADERS)


async def _truncated(request: web.Request) -> web.StreamResponse:
    """Promises 50,000 bytes, sends a few, hangs up: a fetch failure."""
    response = web.StreamResponse(headers={"Content-Type": "text/html", "Content-Length": "50000"})
    await response.prepare(request)
    await response.write(b"<html><body>partial")
    assert request.transport is not None
    request.transport.close()
    return response


def build(site: Site, external: Site | None = None) -> dict[str, set[str]]:
    """Serve the defect site on ``site``; return path -> the codes the audit must report.

    With a ``site`` started with TLS and an ``external`` site (crawled with check_external_links), the
    https and external-link defects are served too (``NOT_OVER_HTTP``, ``NEEDS_EXTERNAL``).
    """
    expected: dict[str, set[str]] = {}
    home_links: list[str] = []
    base = site.url("")

    def page(path: str, codes: set[str], linked: bool = True, headers: dict[str, str] | None = None,
             content_type: str = "text/html; charset=utf-8", **kwargs: object) -> None:  # fmt: skip
        kwargs.setdefault("base", base)  # the https pages pass their own origin
        site.page(path, html(path, **kwargs), headers=HEADERS if headers is None else headers,  # type: ignore[arg-type]
                  content_type=content_type)  # fmt: skip
        expected[path] = codes
        if linked:
            home_links.append(path)

    # clean pages, including Cyrillic text whose byte length would break naive length checks
    for n in (1, 2, 3):
        page(f"/clean-{n}", set())
    page(CYRILLIC_PATH, set(), title="Как заваривать зелёный чай: подробное руководство",
         description="Температура воды, время настаивания и посуда: всё, что нужно знать, чтобы заварить "
                     "зелёный чай правильно.", body=words("кириллица") + " чай заварка вода")  # fmt: skip
    legacy = html(
        "/windows-1251",
        base=base,
        title="Чайный магазин: классические сорта и посуда для чая",  # 51 characters, 51 bytes here
        description="Старая страница в кодировке windows-1251: длины считаются в символах, а не в байтах, "
        "и кириллица читается правильно.",
        lang="ru",
    )
    legacy = legacy.replace('<meta charset="utf-8">', '<meta charset="windows-1251">')
    site.page("/windows-1251", legacy.encode("cp1251"), content_type="text/html; charset=windows-1251",
              headers=HEADERS)  # fmt: skip
    expected["/windows-1251"] = set()
    home_links.append("/windows-1251")
    tea = [("en", "/en/tea"), ("ru", "/ru/tea"), ("x-default", "/en/tea")]
    page("/en/tea", set(), lang="en", hreflang=tea)
    page("/ru/tea", set(), lang="ru", hreflang=tea)

    # responses and redirects, reached from one hub page whose links therefore are broken / redirected
    site.redirect("/redirect-once", "/clean-1", status=301)
    site.redirect("/redirect-chain", "/redirect-chain-2", status=301)
    site.redirect("/redirect-chain-2", "/clean-2", status=302)
    site.redirect("/loop-a", "/loop-b", status=301)
    site.redirect("/loop-b", "/loop-a", status=302)
    site.page("/gone", "<html><body>Gone</body></html>", status=404)
    site.page("/broken-server", "<html><body>Oops</body></html>", status=500)
    site.handler("/fetch-fails", _truncated)
    expected |= {
        "/redirect-once": {"status_3xx"},
        "/redirect-chain": {"status_3xx", "redirect_chain"},
        "/loop-a": {"status_3xx", "redirect_loop"},
        "/gone": {"status_4xx"},
        "/broken-server": {"status_5xx"},
        "/fetch-fails": {"fetch_failed"},
    }
    hub_targets = ["/", "/redirect-once", "/redirect-chain", "/loop-a", "/gone", "/broken-server", "/fetch-fails"]
    page("/links-hub", {"link_to_redirect", "broken_internal_link"}, links=hub_targets)
    site.handler("/slow", _slow)
    expected["/slow"] = {"slow_response"}
    home_links.append("/slow")

    # titles, descriptions, headings
    page("/no-title", {"title_missing"}, title=None)
    page("/short-title", {"title_too_short"}, title="Teas")
    page(
        "/long-title", {"title_too_long"}, title="An extremely long title about every tea we sell and every kettle too"
    )
    page("/two-titles", {"title_multiple"}, title=["The first title of this page here", "A second title"])
    page("/dup-title-1", {"title_duplicate"}, title="The same title on two different pages")
    page("/dup-title-2", {"title_duplicate"}, title="The same title on two different pages")
    page("/no-description", {"meta_description_missing"}, description=None)
    page("/short-description", {"meta_description_too_short"}, description="Teas and kettles.")
    page("/long-description", {"meta_description_too_long"}, description="Tea, kettles and cups. " * 9)
    shared_description = "One description used on two pages, which makes their snippets look the same."
    page("/dup-description-1", {"meta_description_duplicate"}, description=shared_description)
    page("/dup-description-2", {"meta_description_duplicate"}, description=shared_description)
    page("/no-h1", {"h1_missing"}, h1=[])
    page("/two-h1", {"h1_multiple"}, h1=["The main heading of two-h1", "Another main heading"])
    page("/dup-h1-1", {"h1_duplicate"}, h1=["The same heading twice"])
    page("/dup-h1-2", {"h1_duplicate"}, h1=["The same heading twice"])

    # canonicals and indexability
    page("/no-canonical", {"canonical_missing"}, canonical=None)
    page("/canonical-to-redirect", {"canonical_to_redirect"}, canonical="/redirect-once")
    page("/canonical-to-404", {"canonical_to_non_200"}, canonical="/gone")
    page("/canonical-to-noindex", {"canonical_to_non_indexable"}, canonical="/noindex-page")
    page("/canonical-conflict", {"canonical_multiple"}, canonical=["/canonical-conflict", "/clean-1"])
    page("/noindex-page", {"noindex"}, robots="noindex, follow")
    page("/nofollow-page", {"nofollow_page"}, robots="index, nofollow")
    site.page("/x-robots-noindex", html("/x-robots-noindex", base=base), headers={**HEADERS, "X-Robots-Tag": "noindex"})
    expected["/x-robots-noindex"] = {"noindex"}
    home_links.append("/x-robots-noindex")
    site.page("/robots.txt", f"User-agent: *\nDisallow: /private/\nSitemap: {site.url('/sitemap.xml')}\n",
              content_type="text/plain")  # fmt: skip
    expected["/private/secret"] = {"blocked_by_robots"}
    home_links.append("/private/secret")

    # hreflang
    page(
        "/hreflang-no-return",
        {"hreflang_missing_return"},
        hreflang=[("en", "/hreflang-no-return"), ("de", "/clean-2"), ("x-default", "/hreflang-no-return")],
    )
    page(
        "/hreflang-to-404",
        {"hreflang_to_non_200"},
        hreflang=[("en", "/hreflang-to-404"), ("de", "/gone"), ("x-default", "/hreflang-to-404")],
    )
    page(
        "/hreflang-bad-code",
        {"hreflang_invalid_code"},
        hreflang=[("en-UK", "/hreflang-bad-code"), ("x-default", "/hreflang-bad-code")],
    )
    page("/no-lang", {"html_lang_missing"}, lang=None)
    page("/no-viewport", {"viewport_missing"}, viewport=False)

    # content
    page("/thin", {"thin_content"}, body=words("thin", 60))
    copied = words("copied text")
    page("/copy-1", {"duplicate_content", "h1_duplicate"}, h1=["Copied page"], links=["/"], body=copied)
    page("/copy-2", {"duplicate_content", "h1_duplicate"}, h1=["Copied page"], links=["/"], body=copied)
    near = words("near text", 400)
    page("/near-1", {"near_duplicate_content"}, h1=["Near copy one"], body=near + " closing words alpha")
    page("/near-2", {"near_duplicate_content"}, h1=["Near copy two"], body=near + " closing words beta")
    page(
        "/images-no-alt",
        {"image_missing_alt"},
        images='<img src="/a.png" alt="A kettle" width="9" height="9"><img src="/b.png" width="9" height="9">',
    )
    page("/large", {"large_page"}, head_extra=f"<script>var padding = '{'x' * (2 * 1024 * 1024 + 1000)}';</script>")

    # structure: sitemap-only pages, depth, dead ends, URL hygiene
    page("/orphan", {"orphan_page"}, linked=False)
    page("/noindex-in-sitemap", {"noindex", "sitemap_noindex"}, robots="noindex")
    site.redirect("/sitemap-redirect", "/clean-3", status=301)
    site.page("/sitemap-404", "<html><body>Missing</body></html>", status=404)
    expected |= {
        "/sitemap-redirect": {"status_3xx", "sitemap_non_200"},
        "/sitemap-404": {"status_4xx", "sitemap_non_200"},
    }
    in_sitemap = ["/clean-1", "/clean-2", "/orphan", "/noindex-in-sitemap", "/sitemap-redirect", "/sitemap-404",
                  "/weakly-linked"]  # fmt: skip
    site.page(
        "/sitemap.xml",
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{site.url(p)}</loc></url>" for p in in_sitemap)
        + "</urlset>",
        content_type="application/xml",
    )
    for depth in range(1, 7):
        nxt = [f"/deep/{depth + 1}", "/"] if depth < 6 else ["/"]
        if depth == 3:
            nxt.append("/weakly-linked")
        page(f"/deep/{depth}", {"deep_page"} if depth > 4 else set(), linked=depth == 1, links=nxt)
    # in the sitemap, but reached only through three pages of a chain: little link score reaches it
    page("/weakly-linked", {"low_link_score"}, linked=False)
    page("/dead-end", {"dead_end_page"}, links=[])
    page("/Upper-Case", {"url_uppercase"})
    page("/under_score", {"url_underscore"})
    page(LONG_PATH, {"url_too_long"})

    # each engineer's block of defects (one module each, so that changes stay apart)
    defects_exactness.build(site, page, expected, home_links)
    defects_checks.build(site, external, page, expected, home_links)

    # the start page links to everything above; a site crawled over http: one http_page, here
    home_links.insert(0, "/links-hub")
    anchors = [p if p.startswith("http") else quote(p, safe="/%?=&") for p in home_links]
    site.page("/", html("/", title="The tea shop: teas, kettles and advice", links=anchors, base=base), headers=HEADERS)
    expected["/"] = {"http_page"} | ({"http_no_https_redirect"} if site.tls else set()) | expected.get("/", set())
    return expected
