"""Issue 13's check families on records: each page code fires on its defect, near misses stay quiet,
and the extraction they read (anchors, resources, structured data, head facts) gets hostile markup right."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.worker.extract import extract, structured
from shared.audit import catalogue
from shared.audit.rules import content, links, richresults
from shared.audit.rules import resources as resource_rules
from shared.audit.rules import structured as structured_rules
from shared.model.pages import AnchorProblem, CookieFlags, Link, PageResource, PaginationLink, StructuredItem
from tests.unit.test_audit_pagerules import URL, clean, codes

HTTP_URL = "http://example.com/clean-page"


def _item(kind: str, **props: Any) -> StructuredItem:
    return StructuredItem(format="json-ld", type=[kind], properties=props)


def _problem(reason: str, href: str | None = "x") -> AnchorProblem:
    return AnchorProblem(href=href, text="t", reason=reason)  # type: ignore[arg-type]


FIRES: list[tuple[str, dict[str, Any], set[str]]] = [
    # links
    ("link_not_crawlable", {"anchor_problems": [_problem("javascript", "javascript:void(0)")]}, set()),
    ("link_href_empty", {"anchor_problems": [_problem("fragment_only", "#")]}, set()),
    ("link_href_not_encoded", {"anchor_problems": [_problem("non_ascii", "/статья")]}, set()),
    ("link_text_non_descriptive", {"links": [Link(url="https://example.com/a", anchor="Подробнее →")]}, set()),
    ("link_text_empty", {"links": [Link(url="https://example.com/a", anchor="")]}, set()),
    ("link_internal_nofollow", {"links": [Link(url="https://example.com/a", anchor="Раздел", rel="nofollow")]},
     set()),
    ("link_to_http", {"links": [Link(url="http://example.com/a", anchor="Раздел")]}, set()),
    ("links_too_many", {"links": [Link(url=f"https://example.com/{n}", anchor=f"Страница {n}") for n in range(301)]},
     set()),
    # structured data
    ("structured_data_invalid_json", {"structured_data_errors": ["JSON-LD block 1 is not valid JSON"]}, set()),
    ("structured_data_unknown_type", {"structured_data": [_item("Prodcut", name="Kettle")]}, set()),
    ("rich_result_missing_required", {"structured_data": [_item("Product", name="Kettle",
                                      offers={"type": ["Offer"], "properties": {"priceCurrency": "EUR",
                                                                                "availability": "InStock"}},
                                      image="k.png", description="d")]}, set()),
    ("rich_result_missing_recommended", {"structured_data": [_item("Recipe", name="Tea", image="t.png")]}, set()),
    ("rich_result_retired", {"structured_data": [_item("FAQPage", mainEntity=[])]}, set()),
    # security
    ("hsts_missing", {"security_headers": {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
                                           "strict-transport-security": "max-age=0"}}, set()),
    ("x_content_type_options_missing", {"security_headers": {"strict-transport-security": "max-age=63072000",
                                                             "x-frame-options": "DENY"}}, set()),
    ("x_frame_options_missing", {"security_headers": {"strict-transport-security": "max-age=63072000",
                                                      "x-content-type-options": "nosniff"}}, set()),
    ("cookie_not_secure", {"cookies": [CookieFlags(name="session", http_only=True)]}, set()),
    ("form_insecure_action", {"form_actions": ["http://example.com/subscribe"]}, set()),
    # content and head
    ("soft_404", {"title": "Страница не найдена | Чайный магазин"}, set()),
    ("lorem_ipsum", {"lorem_ipsum": True}, set()),
    ("empty_page", {"word_count": 0}, set()),
    ("html_lang_invalid", {"lang": "en_US"}, set()),
    ("charset_missing", {"charset_declared": False}, set()),
    ("doctype_missing", {"has_doctype": False}, set()),
    ("meta_refresh", {"meta_refresh": "0; url=/other"}, set()),
    ("open_graph_missing", {"open_graph": {"og:title": "Чистая страница"}}, set()),
    ("twitter_card_missing", {"twitter_card": {}}, set()),
    ("viewport_zoom_disabled", {"viewport": "width=device-width, maximum-scale=1"}, set()),
    ("title_site_name_only", {"title": "Чайный магазин «Самовар» и его сорта чая",
                              "open_graph": {"og:title": "t", "og:image": "i",
                                             "og:site_name": "Чайный магазин «Самовар» и его сорта чая"}}, set()),
    ("redirect_temporary", {"status_code": 302, "redirect_chain": [], "final_url": "https://example.com/new",
                            "content_type": None}, {"status_3xx"}),
    ("url_space", {"url": "https://example.com/clean%20page", "canonical": None, "canonicals": []},
     {"canonical_missing"}),
    ("url_double_slash", {"url": "https://example.com/clean//page", "canonical": None, "canonicals": []},
     {"canonical_missing"}),
    ("url_session_id", {"url": "https://example.com/clean-page?sid=abc", "canonical": None, "canonicals": []},
     {"canonical_missing"}),
    ("url_too_many_params", {"url": "https://example.com/clean-page?a=1&b=2&c=3&d=4", "canonical": None,
                             "canonicals": []}, {"canonical_missing"}),
    # resources (page rules)
    ("image_missing_dimensions", {"resources": [PageResource(url="https://example.com/a.png", type="image",
                                                             unsized=True)]}, set()),
    ("render_blocking_script", {"resources": [PageResource(url="https://example.com/a.js", type="script",
                                                           blocking=True)]}, set()),
]  # fmt: skip


@pytest.mark.parametrize(("code", "changes", "also"), FIRES, ids=[c for c, _, _ in FIRES])
def test_check_fires_on_its_defect(code: str, changes: dict[str, Any], also: set[str]) -> None:
    assert codes(clean(**changes)) == {code} | also


def test_every_check_page_code_has_a_firing_test() -> None:
    from shared.audit.rules import texts

    mine = {code for code, _, scope, *_ in texts.ENTRIES if scope == "page"}
    assert mine <= {c for c, _, _ in FIRES}


QUIET: list[tuple[str, dict[str, Any]]] = [
    ("a title that mentions 404 errors is an article", {"title": "How to fix 404 not found errors on nginx"}),
    ("a long page that mentions a missing page", {"word_count": 400, "text_excerpt": "the page could not be found"}),
    ("link text that says more than the list", {"links": [Link(url="https://example.com/a", anchor="Read more "
                                                                                                   "about tea")]}),
    ("generic text on a nofollow link", {"links": [
        Link(url="https://ext.example/", anchor="here", rel="nofollow", internal=False),
        Link(url="https://example.com/b", anchor="Б")]}),
    ("English list on a Russian page", {"links": [Link(url="https://example.com/a", anchor="more")]}),
    ("a link to the page itself", {"links": [Link(url=URL, anchor="подробнее"), Link(url="https://example.com/b",
                                                                                     anchor="Б")]}),
    ("300 links exactly", {"links": [Link(url=f"https://example.com/{n}", anchor=f"Стр {n}") for n in range(300)]}),
    ("three parameters", {"url": "https://example.com/clean-page?a=1&b=2&c=3",
                          "canonical": "https://example.com/clean-page?a=1&b=2&c=3",
                          "canonicals": ["https://example.com/clean-page?a=1&b=2&c=3"]}),
    ("valid region and script subtags", {"lang": "zh-Hant-TW"}),
    ("three-letter language", {"lang": "fil"}),
    ("maximum-scale 5", {"viewport": "width=device-width, maximum-scale=5"}),
    ("secure cookie", {"cookies": [CookieFlags(name="s", secure=True)]}),
    ("CSP frame-ancestors instead of X-Frame-Options",
     {"security_headers": {"strict-transport-security": "max-age=31536000", "x-content-type-options": "nosniff",
                           "content-security-policy": "frame-ancestors 'self'"}}),
    ("a complete product", {"structured_data": [_item("Product", name="Kettle", image="k.png", description="d",
                            offers={"type": ["Offer"], "properties": {"price": "0", "priceCurrency": "EUR",
                                                                      "availability": "InStock"}})]}),
    ("other vocabularies are not judged", {"structured_data": [_item("gr:Offering"), _item("http://x.test/T")]}),
    ("breadcrumb whose last item has no URL",
     {"structured_data": [_item("BreadcrumbList", itemListElement=[
         {"type": ["ListItem"], "properties": {"position": 1, "name": "Home", "item": "https://example.com/"}},
         {"type": ["ListItem"], "properties": {"position": 2, "name": "Tea"}}])]}),
    ("a page title that only contains the site name", {"open_graph": {"og:title": "t", "og:image": "i",
                                                                      "og:site_name": "Чайный магазин"}}),
]  # fmt: skip


@pytest.mark.parametrize(("why", "changes"), QUIET, ids=[w for w, _ in QUIET])
def test_near_misses_are_not_flagged(why: str, changes: dict[str, Any]) -> None:
    assert codes(clean(**changes)) == set(), why


def test_https_only_checks_stay_quiet_on_http_pages() -> None:
    page = clean(url=HTTP_URL, final_url=HTTP_URL, canonical=HTTP_URL, canonicals=[HTTP_URL], hreflang=[],
                 security_headers={"x-content-type-options": "nosniff", "x-frame-options": "DENY"},
                 cookies=[CookieFlags(name="s")], form_actions=["http://example.com/f"])  # fmt: skip
    assert codes(page) == set()


def test_non_descriptive_text_per_language() -> None:
    assert links.non_descriptive("Click here", "en-US") and links.non_descriptive("Ещё…", "ru")
    assert not links.non_descriptive("здесь", "en") and links.non_descriptive("здесь", None)
    assert not links.non_descriptive("mehr", "fr")  # a language without a list flags nothing (Lighthouse)


def test_not_found_headings() -> None:
    assert content.not_found_heading("404 Not Found") == "404 not found"
    assert content.not_found_heading("Oops! That page can’t be found. – Shop")
    assert content.not_found_heading("Ошибка 404 — страница не найдена")
    assert content.not_found_heading("Not found: the definitive guide to missing pages") is None


def test_https_probe_url_keeps_non_default_ports() -> None:
    assert resource_rules.https_probe_url("http://example.com/a?b") == "https://example.com/"
    assert resource_rules.https_probe_url("http://example.com:80/a") == "https://example.com/"
    assert resource_rules.https_probe_url("http://127.0.0.1:8080/a") == "https://127.0.0.1:8080/"
    assert resource_rules.https_probe_url("https://example.com/") is None


def test_rich_result_rules_walk_nested_items_and_lists() -> None:
    props = {"name": "Kettle", "offers": [{"type": ["Offer"], "properties": {"price": "10"}},
                                         {"type": ["Offer"], "properties": {}}]}  # fmt: skip
    feature = richresults.feature_of(["Product"])
    assert feature is not None and "offers.price or offers.priceSpecification.price or offers.lowPrice" in (
        richresults.missing(props, feature.required)
    )
    assert richresults.feature_of(["Restaurant"]).name == "Local business"  # type: ignore[union-attr]
    assert richresults.feature_of(["Organization", "Store"]).name == "Local business"  # type: ignore[union-attr]
    assert richresults.feature_of(["MusicEvent"]).name == "Event"  # type: ignore[union-attr]
    assert richresults.feature_of(["WebPage"]) is None
    assert {"Product", "FAQPage", "LocalBusiness", "Restaurant"} <= structured_rules.schema_types()


def test_every_check_code_is_documented_with_its_texts() -> None:
    from shared.audit.rules import texts

    table = (Path(__file__).resolve().parents[2] / "docs" / "AUDIT.md").read_text("utf-8")
    for code, *_ in texts.ENTRIES:
        entry = catalogue.get(code)
        assert f"`{code}`" in table, code
        assert entry.title_ru and len(entry.explanation_ru) > 40 and entry.fix_ru


# --- extraction --------------------------------------------------------------------------------

PAGE = "https://site.test/dir/page"


def _extract(html: str, url: str = PAGE) -> extract.Extracted:
    return extract.extract(html, url, lambda u: "//site.test/" in u)


def test_anchors_that_crawlers_cannot_follow() -> None:
    out = _extract("""<a href="javascript:void(0)">a</a><a href="JavaScript:go()">b</a><a href="#">c</a>
        <a href="">d</a><a href="" id="top">e</a><a onclick="go()">f</a><a>g</a><a name="x">h</a>
        <a href="file:///etc">i</a><a href="http://[bad">j</a><a href="mailto:a@b">k</a><a href="#part">l</a>
        <a role="button" href="javascript:;">m</a><a href="/статья">n</a><a href="https://пример.рф">o</a>""")
    found = [(p.text, p.reason) for p in out.anchor_problems]
    assert found == [("a", "javascript"), ("b", "javascript"), ("c", "fragment_only"), ("d", "empty_href"),
                     ("f", "no_href"), ("i", "file"), ("j", "unparsable"), ("n", "non_ascii")]  # fmt: skip


def test_link_names_fall_back_to_alt_aria_label_and_title() -> None:
    out = _extract('<a href="/a"><img src="i.png" alt="Kettle"></a><a href="/b" aria-label="Cart"></a>'
                   '<a href="/c" title="Help"></a><a href="/d"><img src="j.png"></a>')  # fmt: skip
    assert [link.anchor for link in out.links] == ["Kettle", "Cart", "Help", ""]


def test_resources_with_their_flags() -> None:
    out = _extract("""<html><head><link rel="stylesheet" href="/s.css"><link rel="alternate stylesheet" href="/x.css">
        <script src="/block.js"></script><script src="/a.js" async></script><script type="module" src="/m.js">
        </script><script type="text/template" src="/t.html"></script><link rel="shortcut icon" href="/i.ico">
        </head><body><img src="/a.png"><img src="/b.png" width="10" height="10">
        <img src="/c.png" style="width: 10px; height: 5px"><img src="data:image/png;base64,AAA"><img src="/a.png">
        <script src="/late.js"></script></body></html>""")
    assert [(r.url.rsplit("/", 1)[1], r.type, r.blocking, r.unsized) for r in out.resources] == [
        ("s.css", "stylesheet", False, False), ("i.ico", "icon", False, False),
        ("block.js", "script", True, False), ("a.js", "script", False, False), ("m.js", "script", False, False),
        ("late.js", "script", False, False), ("a.png", "image", False, True), ("b.png", "image", False, False),
        ("c.png", "image", False, False),
    ]  # fmt: skip


def test_a_page_without_an_icon_gets_the_default_favicon() -> None:
    out = _extract("<html><head></head><body><p>x</p></body></html>")
    assert [(r.url, r.type) for r in out.resources] == [("https://site.test/favicon.ico", "icon")]


def test_json_ld_graph_ids_and_errors() -> None:
    items, errors = structured.json_ld([
        '{"@context": "https://schema.org", "@graph": [{"@type": "Organization", "@id": "#o", "name": "Acme",'
        ' "parent": {"@id": "#o"}}, {"@type": "WebPage", "publisher": {"@id": "#o"}, "about": {"@id": "#nowhere"}}]}',
        '<!-- {"@context": "http://schema.org", "@type": "schema:Product", "schema:name": "K"} -->',
        '{"@type": "Thing",}', "[" * 100_000, "",
        '{"@context": {"@vocab": "http://purl.org/goodrelations/v1#"}, "@type": "Offering"}',
    ])  # fmt: skip
    assert [(i.type, i.format) for i in items] == [(["Organization"], "json-ld"), (["WebPage"], "json-ld"),
                                                   (["Product"], "json-ld"), (["Offering"], "json-ld")]  # fmt: skip
    assert items[1].properties["publisher"]["properties"]["name"] == "Acme"
    assert items[1].properties["about"] == {"type": [], "properties": {"@id": "#nowhere"}}
    assert items[0].properties["parent"] == {"type": [], "properties": {"@id": "#o"}}  # a cycle stops
    assert items[2].properties == {"name": "K"}
    assert len(errors) == 3 and "block 3" in errors[0] and "block 4" in errors[1] and "empty" in errors[2]


def test_microdata_and_rdfa_with_nesting() -> None:
    out = _extract("""<div itemscope itemtype="https://schema.org/Product"><h2 itemprop="name">Kettle</h2>
        <img itemprop="image" src="/k.png"><div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
        <meta itemprop="price" content="10"><link itemprop="availability" href="https://schema.org/InStock"></div>
        <div itemprop="review" itemscope itemtype="https://schema.org/Review"><span itemprop="author">Ann</span></div>
        <div itemprop="review" itemscope itemtype="https://schema.org/Review"><span itemprop="author">Bo</span></div>
        </div><p vocab="https://schema.org/" typeof="Event"><span property="name">Gig</span>
        <time property="startDate" datetime="2026-05-01">May</time></p>
        <meta property="og:title" content="not RDFa items">""")
    product, event = out.structured_data
    assert product.format == "microdata" and product.type == ["Product"]
    assert product.properties["name"] == "Kettle" and product.properties["image"] == "/k.png"
    assert product.properties["offers"]["properties"] == {"price": "10", "availability": "https://schema.org/InStock"}
    assert [r["properties"]["author"] for r in product.properties["review"]] == ["Ann", "Bo"]
    assert event.format == "rdfa" and event.properties == {"name": "Gig", "startDate": "2026-05-01"}
    assert out.structured_data_types == ["Product", "Offer", "Review", "Event"]


def test_structured_data_is_bounded() -> None:
    deep = '{"@type": "Thing", "a": ' * 50 + "1" + "}" * 50
    many = "[" + ",".join('{"@type": "Thing", "name": "%s"}' % ("x" * 2000) for _ in range(200)) + "]"
    items, errors = structured.json_ld([deep, many])
    assert not errors and len(items) == structured.MAX_ITEMS
    assert all(len(str(i.properties.get("name", ""))) <= structured.MAX_VALUE for i in items)
    nested = ('<div itemscope itemtype="https://schema.org/Thing">'
              + '<div itemprop="part" itemscope itemtype="https://schema.org/Thing">' * 40
              + '<b itemprop="name">x</b>' + "</div>" * 41)  # fmt: skip
    (item,) = _extract(nested).structured_data
    depth, value = 0, item.properties
    while "part" in value:
        value, depth = value["part"]["properties"], depth + 1
    assert depth == structured.MAX_DEPTH


def test_head_facts() -> None:
    out = _extract("""<!-- hi --><!DOCTYPE html><html><head><link rel="next" href="/p2"><link rel="prev" href="/p0">
        <meta name="twitter:card" content="summary"><meta property="twitter:image" content="/t.png"></head>
        <body><form action="http://other.test/f"></form><form></form><p>Lorem Ipsum dolor sit amet</p></body>""")
    assert out.has_doctype and out.lorem_ipsum and out.text_excerpt == "Lorem Ipsum dolor sit amet"
    assert [(p.rel, p.url) for p in out.pagination] == [("next", "https://site.test/p2"),
                                                         ("prev", "https://site.test/p0")]  # fmt: skip
    assert out.twitter_card == {"twitter:card": "summary", "twitter:image": "/t.png"}
    assert out.form_actions == ["http://other.test/f", PAGE]
    assert not _extract("<html><body>x</body></html>").has_doctype


def test_pagination_resources_and_unused_types_on_a_clean_record() -> None:
    page = clean(pagination=[PaginationLink(rel="next", url=URL + "?page=2")],
                 resources=[PageResource(url="https://example.com/a.png", type="image")])  # fmt: skip
    assert codes(page) == set()
