"""The defect site's pages for issue 13's check families: one page per code, clean otherwise.

``build`` is called by ``tests.sites.defects.build`` with its ``page`` helper; it serves the
images, scripts and icon clean pages load, the https section (on a site started with TLS) and
the external-link targets (on a second site, crawled with ``check_external_links``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.sites.server import Site

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
NEEDS_TLS = frozenset({"hsts_missing", "cookie_not_secure", "form_insecure_action", "http_no_https_redirect",
                       "link_to_http"})  # fmt: skip
NEEDS_EXTERNAL = frozenset({"external_link_broken", "external_link_redirect"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
BIG_IMAGE_BYTES = 400_000  # over the default image_max_bytes (300,000)
HEAVY_SCRIPT_BYTES = 4_200_000  # the page weighs over the default page_weight_max_bytes (4,096,000)

Page = Callable[..., None]
# What a clean page carries for these checks (the assets it names are served by ``serve_assets``).
CLEAN_HEAD = ('<meta property="og:title" content="A clean page"><meta property="og:image" content="/og.png">'
              '<meta name="twitter:card" content="summary_large_image">')  # fmt: skip


def serve_assets(site: Site) -> None:
    """The files clean pages load (their icon, images, script) and the headers every page sends."""
    site.default_headers.update(HEADERS)
    for path in ("/pic.png", "/a.png", "/b.png", "/og.png"):
        site.page(path, PNG, content_type="image/png")
    site.page("/favicon.ico", PNG, content_type="image/x-icon")
    site.page("/app.js", b"console.log('tea');", content_type="text/javascript")


def _ld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _without(name: str) -> dict[str, str]:
    return {**HEADERS, name: ""}  # an empty value drops the site's default header


def build(site: Site, external: Site | None, page: Page, expected: dict[str, set[str]], home_links: list[str]) -> None:
    """Add the pages; ``page(path, codes, linked=True, headers=None, **html)`` serves one and records it."""
    serve_assets(site)  # what clean pages load: every one answers 200 with a size
    site.page("/big.png", PNG + b"\0" * BIG_IMAGE_BYTES, content_type="image/png", headers=HEADERS)
    site.page("/heavy.js", b"//" + b"x" * HEAVY_SCRIPT_BYTES, content_type="text/javascript", headers=HEADERS)

    # links
    page("/link-js", {"link_not_crawlable"}, body_extra='<a href="javascript:void(0)">Open the menu</a>')
    page("/link-hash", {"link_href_empty"}, body_extra='<a href="#">Back to the top of the page</a>')
    page("/link-raw-cyrillic", {"link_href_not_encoded"}, body_extra='<a href="/статья-о-чае">Статья о чае</a>')
    page("/link-generic", {"link_text_non_descriptive"}, body_extra='<a href="/clean-1">click here</a>')
    page("/link-no-text", {"link_text_empty"}, body_extra='<a href="/clean-2"></a>')
    page("/link-nofollow", {"link_internal_nofollow"}, body_extra='<a href="/clean-3" rel="nofollow">Our teas</a>')
    page(
        "/many-links",
        {"links_too_many"},
        body_extra="".join(f'<a href="/clean-1#part-{n}">Part {n} of the guide</a>' for n in range(301)),
    )
    site.redirect("/redirect-temporary", "/clean-1", status=302)
    expected["/redirect-temporary"] = {"status_3xx", "redirect_temporary"}
    page("/temporary-hub", {"link_to_redirect"}, links=["/", "/redirect-temporary"])

    # structured data
    product = {"@context": "https://schema.org", "@type": "Product", "name": "Green tea", "image": "/pic.png",
               "description": "A green tea.", "offers": {"@type": "Offer", "priceCurrency": "EUR",
                                                         "availability": "https://schema.org/InStock"}}  # fmt: skip
    page(
        "/sd-broken-json",
        {"structured_data_invalid_json"},
        head_extra='<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Thing",}</script>',
    )
    page(
        "/sd-unknown-type",
        {"structured_data_unknown_type"},
        head_extra=_ld({"@context": "https://schema.org", "@type": "Prodcut", "name": "Kettle"}),
    )
    page("/sd-product-no-price", {"rich_result_missing_required"}, head_extra=_ld(product))
    page(
        "/sd-recipe-minimal",
        {"rich_result_missing_recommended"},
        head_extra=_ld({"@context": "https://schema.org", "@type": "Recipe", "name": "Iced tea", "image": "/pic.png"}),
    )
    page("/sd-faq", {"rich_result_retired"}, head_extra=_ld({
        "@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [{"@type": "Question", "name": "Hot?",
        "acceptedAnswer": {"@type": "Answer", "text": "Yes."}}]}))  # fmt: skip
    priced = {**product, "offers": {**product["offers"], "price": "4.50"}}  # type: ignore[dict-item]
    page("/sd-clean", set(), head_extra=_ld({"@context": "https://schema.org", "@graph": [
        priced, {"@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": site.url("/")},
            {"@type": "ListItem", "position": 2, "name": "Green tea"}]}]}),
         body_extra='<div itemscope itemtype="https://schema.org/Event"><span itemprop="name">Tea tasting</span>'
                    '<meta itemprop="startDate" content="2026-05-01T18:00+03:00"><div itemprop="location" itemscope '
                    'itemtype="https://schema.org/Place"><span itemprop="name">Shop</span><span itemprop="address">'
                    '1 Tea Street</span></div><span itemprop="description">Tasting.</span>'
                    '<meta itemprop="endDate" content="2026-05-01T20:00+03:00"><meta itemprop="eventStatus" '
                    'content="https://schema.org/EventScheduled"><meta itemprop="image" content="/pic.png">'
                    '<meta itemprop="organizer" content="The shop"><meta itemprop="performer" content="Ann">'
                    '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" '
                    'content="0"></div></div>')  # fmt: skip

    # security over http
    page("/no-nosniff", {"x_content_type_options_missing"}, headers=_without("X-Content-Type-Options"))
    page("/no-frame-options", {"x_frame_options_missing"}, headers=_without("X-Frame-Options"))

    # content and head
    page("/soft-404", {"soft_404"}, title="Page not found | The tea shop online store")
    page("/lorem", {"lorem_ipsum"}, body_extra="<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>")
    page("/empty", {"empty_page", "h1_missing", "dead_end_page"}, h1=[], links=[], body="", images="")
    page("/lang-invalid", {"html_lang_invalid"}, lang="en_US")
    page("/no-charset", {"charset_missing"}, charset=False, content_type="text/html")
    page("/no-doctype", {"doctype_missing"}, doctype=False)
    page("/meta-refresh", {"meta_refresh"}, head_extra='<meta http-equiv="refresh" content="300">')
    page("/no-open-graph", {"open_graph_missing"}, social="twitter")
    page("/no-twitter-card", {"twitter_card_missing"}, social="og")
    page("/zoom-disabled", {"viewport_zoom_disabled"}, viewport="width=device-width, maximum-scale=1")
    page(
        "/title-site-name",
        {"title_site_name_only"},
        title="The Tea Shop of Fine Green Teas",
        head_extra='<meta property="og:site_name" content="The Tea Shop of Fine Green Teas">',
    )
    page("/tea%20cups", {"url_space"})
    expected["/tea cups"] = expected.pop("/tea%20cups")  # the audit test reads paths decoded
    page("/tea//cups", {"url_double_slash"})
    page("/basket?sid=a1b2c3", {"url_session_id"}, canonical="/basket?sid=a1b2c3")
    expected["/basket"] = expected.pop("/basket?sid=a1b2c3")
    page(
        "/catalogue?colour=green&size=2&sort=price&page=1",
        {"url_too_many_params"},
        canonical="/catalogue?colour=green&size=2&sort=price&page=1",
    )
    expected["/catalogue"] = expected.pop("/catalogue?colour=green&size=2&sort=price&page=1")
    page("/paged", {"pagination_broken"}, head_extra='<link rel="next" href="/gone">')

    # resources
    page(
        "/broken-resources",
        {"resource_broken"},
        head_extra='<link rel="stylesheet" href="/missing.css"><script src="/missing.js" defer></script>',
        images='<img src="/missing.png" alt="A missing cup" width="64" height="48">',
    )
    page("/large-image", {"image_too_large"}, images='<img src="/big.png" alt="A big cup" width="64" height="48">')
    page("/heavy", {"page_weight_too_large"}, head_extra='<script src="/heavy.js" defer></script>')
    page("/unsized-image", {"image_missing_dimensions"}, images='<img src="/pic.png" alt="A cup of tea">')
    page("/blocking-script", {"render_blocking_script"}, head_extra='<script src="/app.js"></script>')
    page("/broken-favicon", {"favicon_missing"}, head_extra='<link rel="icon" href="/missing-icon.png">')

    if site.tls:
        _secure(site, page, expected, home_links)
    if external is not None:
        external.page("/moved-here", "<html><body>here</body></html>")
        external.redirect("/moved", "/moved-here", status=301)
        page(
            "/external-broken",
            {"external_link_broken"},
            body_extra=f'<a href="{external.url("/missing")}">The tea museum</a>',
        )
        page(
            "/external-redirect",
            {"external_link_redirect"},
            body_extra=f'<a href="{external.url("/moved")}">The tea museum</a>',
        )


def _secure(site: Site, page: Page, expected: dict[str, set[str]], home_links: list[str]) -> None:
    """Pages served over https (the same port): they link only among themselves, so the http pages are
    not crawled twice."""
    hub = "/secure/hub"
    defects: dict[str, tuple[str, dict[str, str]]] = {
        "/secure/no-hsts": ("hsts_missing", {"headers": {**HEADERS, "Strict-Transport-Security": "max-age=0"}}),
        "/secure/cookie": ("cookie_not_secure", {"headers": {**HEADERS, "Set-Cookie": "basket=abc; Path=/; HttpOnly"}}),
        "/secure/form": ("form_insecure_action", {
            "body_extra": f'<form action="{site.url("/subscribe")}" method="post"><input name="email"></form>'}),
        "/secure/mixed": ("mixed_content", {
            "images": f'<img src="{site.url("/pic.png")}" alt="A cup of tea" width="64" height="48">'}),
        "/secure/link-to-http": ("link_to_http", {
            "body_extra": f'<a href="{site.url("/clean-1")}">The first clean page</a>'}),
    }  # fmt: skip
    secure = site.https_url("")  # canonicals and hreflang made absolute with the https origin
    page(hub, set(), linked=False, links=list(defects), base=secure)
    home_links.append(site.https_url(hub))
    for path, (code, defect) in defects.items():
        page(path, {code}, linked=False, links=[hub], base=secure, **defect)
