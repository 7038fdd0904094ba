"""Page-level audit rules on records: each code fires on its defect and stays quiet on a clean page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.audit import audit, catalogue
from shared.model.crawlsettings import Thresholds
from shared.model.pages import Hreflang, Link, LinkElement, PageRecord, RedirectHop

T = Thresholds()
URL = "https://example.com/clean-page"
EN = "https://example.com/en/clean-page"


def clean(**changes: Any) -> PageRecord:
    """A page no rule should flag; ``changes`` introduce one defect."""
    values: dict[str, Any] = {
        "id": 7,
        "url": URL,
        "final_url": URL,
        "status_code": 200,
        "content_type": "text/html; charset=utf-8",
        "size_bytes": 40_000,
        "response_time_ms": 120.0,
        "ttfb_ms": 80.0,
        "depth": 2,
        "indexable": True,
        "title": "Заголовок страницы о чистых страницах сайта",  # 43 characters, 80 bytes
        "title_count": 1,
        "meta_description": "Описание страницы: " + "д" * 90,
        "h1": ["Чистая страница"],
        "h2": ["Раздел"],
        "canonical": URL,
        "canonicals": [URL],
        "hreflang": [
            Hreflang(lang="ru", url=URL, href=URL),
            Hreflang(lang="en-GB", url=EN, href=EN),
            Hreflang(lang="x-default", url=EN, href=EN),
        ],
        "lang": "ru",
        "viewport": "width=device-width, initial-scale=1",
        "word_count": 450,
        "content_hash": "abc",
        "images_count": 2,
        "crawled_at": datetime(2026, 1, 1, tzinfo=UTC),
        "links": [
            Link(url="https://example.com/other", anchor="Другая"),
            Link(url="https://ext.example/", anchor="Внешний сайт", internal=False),
        ],
        # what issue 13's checks read (tests/unit/test_audit_checks.py)
        "has_doctype": True,
        "charset_declared": True,
        "open_graph": {"og:title": "Чистая страница", "og:image": "https://example.com/og.png"},
        "twitter_card": {"twitter:card": "summary_large_image"},
        "security_headers": {
            "strict-transport-security": "max-age=31536000",
            "x-content-type-options": "nosniff",
            "x-frame-options": "SAMEORIGIN",
        },
    }
    values.update(changes)
    return PageRecord(**values)


def codes(page: PageRecord, thresholds: Thresholds = T) -> set[str]:
    return {i["code"] for i in audit.page_issues(page, thresholds)}


def test_clean_page_has_no_issue() -> None:
    assert audit.page_issues(clean(), T) == []


_REDIRECT = {
    "status_code": 301,
    "final_url": "https://example.com/new",
    "redirect_chain": [RedirectHop(url=URL, status_code=301)],
    "content_type": None,
    "title": None,
    "h1": [],
    "word_count": None,
    "links": [],
}

# code -> the change that must make exactly that code (plus the listed companions) fire
FIRES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("status_3xx", _REDIRECT, set()),
    ("status_4xx", {"status_code": 404, "title": None}, set()),
    ("status_5xx", {"status_code": 503}, set()),
    ("fetch_failed", {"status_code": None, "error": "timeout after 30 s", "content_type": None}, set()),
    ("slow_response", {"ttfb_ms": 950.0}, set()),
    (
        "redirect_chain",
        {**_REDIRECT, "redirect_chain": [RedirectHop(url=URL, status_code=301),
                                         RedirectHop(url="https://example.com/mid", status_code=302)]},
        {"status_3xx"},
    ),
    (
        "redirect_chain",  # as the crawler records it: every hop, then the final answer
        {**_REDIRECT, "final_url": "https://example.com/end",
         "redirect_chain": [RedirectHop(url=URL, status_code=301),
                            RedirectHop(url="https://example.com/mid", status_code=302),
                            RedirectHop(url="https://example.com/end", status_code=200)]},
        {"status_3xx"},
    ),
    (
        "redirect_loop",
        {**_REDIRECT, "final_url": URL, "error": "redirect loop",
         "redirect_chain": [RedirectHop(url=URL, status_code=301),
                            RedirectHop(url="https://example.com/b", status_code=301)]},
        {"status_3xx"},
    ),
    ("title_missing", {"title": "  "}, set()),
    ("title_too_short", {"title": "Коротко"}, set()),
    ("title_too_long", {"title": "Очень длинный заголовок " * 3}, set()),
    ("title_multiple", {"title_count": 2}, set()),
    ("meta_description_missing", {"meta_description": None}, set()),
    ("meta_description_too_short", {"meta_description": "Коротко о главном"}, set()),
    ("meta_description_too_long", {"meta_description": "Длинно " * 30}, set()),
    ("h1_missing", {"h1": []}, set()),
    ("h1_multiple", {"h1": ["Один", "Два"]}, set()),
    ("canonical_missing", {"canonical": None, "canonicals": []}, set()),
    ("canonical_multiple", {"canonicals": [URL, "https://example.com/other"]}, set()),
    ("noindex", {"meta_robots": "noindex, follow", "indexable": False}, set()),
    ("nofollow_page", {"x_robots_tag": "googlebot: nofollow"}, set()),
    ("blocked_by_robots", {"blocked_by_robots": True, "status_code": None, "content_type": None}, set()),
    ("hreflang_invalid_code", {"hreflang": [Hreflang(lang="en-UK", url=URL, href=URL),
                                            Hreflang(lang="x-default", url=URL, href=URL)]}, set()),
    ("html_lang_missing", {"lang": None}, set()),
    ("thin_content", {"word_count": 120}, set()),
    ("image_missing_alt", {"images_missing_alt": 3}, set()),
    ("sitemap_noindex", {"in_sitemap": True, "meta_robots": "noindex", "indexable": False}, {"noindex"}),
    ("sitemap_non_200", {**_REDIRECT, "in_sitemap": True}, {"status_3xx"}),
    ("deep_page", {"depth": 5}, set()),
    ("dead_end_page",
     {"links": [Link(url=URL, anchor="Сама"), Link(url="https://ext.example/", anchor="Внешний", internal=False)]},
     set()),
    ("viewport_missing", {"viewport": None}, set()),
    ("mixed_content", {"mixed_content_count": 2}, set()),
    ("url_uppercase", {"url": "https://example.com/Clean-Page", "canonical": None, "canonicals": []},
     {"canonical_missing"}),
    ("url_underscore", {"url": "https://example.com/clean_page", "canonical": None, "canonicals": []},
     {"canonical_missing"}),
    ("url_too_long", {"url": "https://example.com/" + "a" * 100, "canonical": None, "canonicals": []},
     {"canonical_missing"}),
    ("large_page", {"size_bytes": 3 * 1024 * 1024}, set()),
]  # fmt: skip

# --- exactness: canonicals and hreflang (issue 13) ------------------------------------------------
_HOME = "https://example.com/"
_ALTS = [Hreflang(lang="ru", url=URL, href=URL), Hreflang(lang="x-default", url=EN, href=EN)]
FIRES += [
    ("canonical_invalid", {"canonical": None, "canonicals": [], "canonical_raw": "file:///usr/share/doc/x.html",
                           "canonical_links": [LinkElement(href="file:///usr/share/doc/x.html", url=None)]}, set()),
    ("canonical_relative", {"canonical_links": [LinkElement(href="/clean-page", url=URL)]}, set()),
    ("canonical_multiple", {"canonicals": [URL, EN], "canonical_links": [LinkElement(href=URL, url=URL),
                                                                         LinkElement(href=EN, url=EN)]}, set()),
    ("canonical_header_mismatch", {"canonical_links": [LinkElement(href=URL, url=URL, source="header"),
                                                       LinkElement(href=EN, url=EN)]}, set()),
    ("canonical_outside_head", {"canonical_links": [LinkElement(href=URL, url=URL),
                                                    LinkElement(href=EN, url=EN, source="body")]}, set()),
    ("canonical_outside_head", {"canonical": None, "canonicals": [],  # a body canonical alone is no canonical
                                "canonical_links": [LinkElement(href=URL, url=URL, source="body")]},
     {"canonical_missing"}),
    ("canonical_to_homepage", {"canonical": _HOME, "canonicals": [_HOME], "indexable": False}, set()),
    ("canonical_to_hreflang_alternate", {"canonical": EN, "canonicals": [EN], "indexable": False}, set()),
    ("hreflang_missing_x_default", {"hreflang": _ALTS[:1] + [Hreflang(lang="en", url=EN, href=EN)]}, set()),
    ("hreflang_missing_self_reference", {"hreflang": _ALTS[1:] + [Hreflang(lang="en", url=EN, href=EN)]}, set()),
    ("hreflang_relative_url", {"hreflang": [*_ALTS, Hreflang(lang="en", url=EN, href="/en/clean-page")]}, set()),
    ("hreflang_missing_href", {"hreflang": [*_ALTS, Hreflang(lang="en", url="", href=None)]}, set()),
    ("hreflang_missing_href", {"hreflang": [*_ALTS, Hreflang(lang="en", url="", href="mailto:a@b")]}, set()),
    ("hreflang_duplicate_language", {"hreflang": [*_ALTS, Hreflang(lang="RU", url=EN, href=EN)]}, set()),
    ("hreflang_outside_head", {"hreflang_outside_head": 2}, set()),
    ("hreflang_invalid_code", {"hreflang": [*_ALTS, Hreflang(lang=" en", url=EN, href=EN)]}, set()),
    # internal search results: not thin, but they should not be indexable
    ("search_page_indexable", {"url": "https://example.com/search.html", "word_count": 12,
                               "canonical": "https://example.com/search.html", "hreflang": []}, set()),
    ("search_page_indexable", {"url": "https://example.com/?s=tea", "word_count": 900, "canonical": None,
                               "canonicals": [], "hreflang": []}, {"canonical_missing"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "search"),
    [("https://e.com/search", True), ("https://e.com/search/", True), ("https://e.com/docs/search.html", True),
     ("https://e.com/?s=tea", True), ("https://e.com/catalog?q=tea&page=2", True), ("https://e.com/поиск", True),
     ("https://e.com/research", False), ("https://e.com/search-engine-optimisation", False),
     ("https://e.com/?page=2", False), ("https://e.com/searching/tips", False)],
)  # fmt: skip
def test_internal_search_pages_are_recognised_by_their_address(url: str, search: bool) -> None:
    from shared.audit import searchpages

    assert searchpages.is_search_page(url) is search


@pytest.mark.parametrize(("code", "change", "companions"), FIRES, ids=[c for c, _, _ in FIRES])
def test_rule_fires_on_its_defect(code: str, change: dict[str, Any], companions: set[str]) -> None:
    issues = audit.page_issues(clean(**change), T)
    assert {i["code"] for i in issues} == {code} | companions
    for issue in issues:
        assert issue["page_id"] == 7
        assert issue["severity"] == catalogue.get(issue["code"]).severity


def test_every_page_code_has_a_firing_test() -> None:
    from tests.unit import (
        test_audit_checks,  # issue 13's check families test their codes there
        test_customsearch,  # issue 18's extraction rules
    )

    # Rendering codes (issue 17) fire in tests/unit/test_audit_rendering.py.
    fired = {c for c, _, _ in FIRES} | {c for c, _, _ in test_audit_checks.FIRES} | test_customsearch.FIRES
    assert set(catalogue.PAGE_CODES) - set(catalogue.RENDER_CODES) <= fired


# Near misses an SEO specialist would not want flagged.
QUIET: list[tuple[str, dict[str, Any]]] = [
    ("title of exactly 60 characters", {"title": "т" * 60}),
    ("title of exactly 30 Cyrillic characters (60 bytes)", {"title": "ж" * 30}),
    ("description of 160 characters", {"meta_description": "д" * 160}),
    ("ttfb exactly at the threshold", {"ttfb_ms": 800.0}),
    ("depth 4", {"depth": 4}),
    ("200 words", {"word_count": 200}),
    ("percent-encoded Cyrillic path", {"url": "https://example.com/%D0%BA%D0%BE%D1%82", "canonical": None,
                                       "canonicals": ["https://example.com/%D0%BA%D0%BE%D1%82"]}),
    ("uppercase only in the query", {"url": URL + "?Page=2", "canonical": URL}),
    ("two canonicals that agree", {"canonicals": [URL, URL]}),
    ("empty alt counted as present", {"images_count": 3, "images_missing_alt": 0}),
    ("x-default and zh-Hant-TW", {"hreflang": [Hreflang(lang="x-default", url=URL, href=URL),
                                               Hreflang(lang="zh-Hant-TW", url=URL, href=URL)]}),
    ("one URL for two languages", {"hreflang": [Hreflang(lang="x-default", url=URL, href=URL),
                                                Hreflang(lang="en", url=URL, href=URL)]}),
    ("canonical to the home page from the home page", {"url": "https://example.com/", "final_url": None,
                                                       "canonical": "https://example.com/?utm=1",
                                                       "canonicals": ["https://example.com/?utm=1"],
                                                       "indexable": False, "hreflang": []}),
    ("canonical tag and header that agree", {"canonical_links": [
        LinkElement(href=URL, url=URL), LinkElement(href=URL, url=URL, source="header")]}),
    ("http resources on an http page", {"url": "http://example.com/clean-page", "canonical": None, "canonicals":
                                        ["http://example.com/clean-page"], "mixed_content_count": 2}),
    ("thin but noindex", {"word_count": 10, "meta_robots": "noindex", "indexable": False}),
    ("a noindex search page is neither thin nor a problem", {"url": "https://example.com/search?q=tea",
                                                            "word_count": 10, "meta_robots": "noindex",
                                                            "indexable": False}),
]  # fmt: skip


@pytest.mark.parametrize(("why", "change"), QUIET, ids=[w for w, _ in QUIET])
def test_rule_stays_quiet_on_near_misses(why: str, change: dict[str, Any]) -> None:
    found = codes(clean(**change)) - {"noindex"}
    assert found == set(), why


def test_content_rules_skip_non_html_and_redirects() -> None:
    pdf = clean(content_type="application/pdf", title=None, h1=[], canonical=None, canonicals=[], lang=None,
                viewport=None, word_count=None, meta_description=None, links=[])  # fmt: skip
    assert codes(pdf) == set()
    assert codes(clean(url="https://example.com/Price_List.PDF", content_type="application/pdf")) == set()
    # a redirect is not thin, has no title and no canonical problem: only the redirect itself
    assert codes(clean(**_REDIRECT)) == {"status_3xx"}
    # a 404 page is an error page, not a page with a missing description
    assert codes(clean(status_code=404, meta_description=None, title=None, h1=[])) == {"status_4xx"}


def test_body_over_the_cap_is_a_fetch_failure_not_a_content_issue() -> None:
    page = clean(error="body larger than 10485760 bytes", title=None, word_count=0)
    assert codes(page) == {"fetch_failed"}


def test_thresholds_are_settable_per_crawl() -> None:
    strict = Thresholds(title_max_length=40, slow_response_ms=50, deep_page_depth=1, thin_content_words=500)
    assert codes(clean(), strict) == {"title_too_long", "slow_response", "deep_page", "thin_content"}


def test_single_redirect_is_not_a_chain_nor_a_loop() -> None:
    assert "redirect_chain" not in codes(clean(**_REDIRECT))
    one_hop = [RedirectHop(url=URL, status_code=301), RedirectHop(url="https://example.com/new", status_code=200)]
    assert codes(clean(**{**_REDIRECT, "redirect_chain": one_hop})) == {"status_3xx"}
    three_hops = [RedirectHop(url=f"https://example.com/{i}", status_code=301) for i in range(3)]
    assert codes(clean(**{**_REDIRECT, "redirect_chain": three_hops}), Thresholds(redirect_chain_hops=4)) == {
        "status_3xx"
    }


def test_unavailable_after_in_the_past_is_noindex_with_its_date() -> None:
    (issue,) = audit.page_issues(clean(meta_robots="unavailable_after: 25 Jun 2010 15:00:00 PST", indexable=False), T)
    assert issue["code"] == "noindex" and issue["details"] == {"unavailable_after": "2010-06-25T15:00:00-08:00"}
    assert codes(clean(x_robots_tag="unavailable_after: 2099-06-25T15:00:00Z")) == set()


def test_robots_none_means_noindex_and_nofollow() -> None:
    assert codes(clean(meta_robots="NONE", indexable=False)) == {"noindex", "nofollow_page"}


def test_details_carry_what_the_user_needs() -> None:
    (issue,) = audit.page_issues(clean(title="Коротко"), T)
    assert issue["details"] == {"length": 7, "title": "Коротко"}


def test_stored_thresholds_an_older_version_allowed_fall_back_to_defaults() -> None:
    t = audit.thresholds_of({"near_duplicate_similarity": 0.5, "title_max_length": 70, "gone_field": 1})
    assert t.near_duplicate_similarity == 0.9 and t.title_max_length == 70
    assert audit.thresholds_of(None) == Thresholds()


@pytest.mark.parametrize(
    ("code", "valid"),
    [("en", True), ("EN-gb", True), ("zh-Hans", True), ("zh-Hant-TW", True), ("x-default", True), ("X-Default", True),
     ("uk", True), ("se", True), ("en-UK", False), ("en_US", False), ("english", False), ("", False),
     ("ru-RU-extra", False), ("xx", False), (" en", False), ("en ", False), ("es-419", False), ("eng", False),
     ("jp", False), ("zh-Xxxx", False), ("iw", False)],
)  # fmt: skip
def test_hreflang_codes(code: str, valid: bool) -> None:
    from shared.audit import pagerules

    assert pagerules.valid_hreflang(code) is valid
