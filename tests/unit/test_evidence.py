"""Evidence: every catalogue code reads as rows of named columns, per family (shared.audit.evidence)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.audit import catalogue, evidence, pagerules
from shared.model.crawlsettings import Thresholds
from shared.model.pages import Hreflang, PageRecord, RedirectHop


def test_every_catalogue_code_has_an_evidence_spec() -> None:
    missing = sorted(set(catalogue.CODES) - set(evidence.SPECS))
    assert not missing, f"add these codes to shared.audit.evidence.SPECS (a family and its columns): {missing}"


def test_specs_fill_only_known_columns_of_a_known_family() -> None:
    for code, spec in evidence.SPECS.items():
        assert spec.family in evidence.FAMILIES, code
        assert set(spec.columns) <= set(evidence.COLUMNS), code


def test_broken_links_read_as_target_anchor_status_and_occurrences() -> None:
    details = {
        "links": [
            {"url": "https://s/a", "anchor": "Changelog", "status_code": 404, "final_status": 404, "occurrences": 10},
            {"url": "https://s/old", "anchor": "", "status_code": 301, "final_status": 500, "occurrences": 1},
        ],
        "count": 2,
        "links_count": 11,
    }
    rows = evidence.rows_of("broken_internal_link", details)
    assert rows == [
        {"target": "https://s/a", "anchor": "Changelog", "status": 404, "occurrences": 10},
        # a redirect to a failing page: the status that breaks it is the final one
        {"target": "https://s/old", "anchor": "", "status": 500, "occurrences": 1},
    ]
    # findings stored before links were de-duplicated still read (one occurrence each)
    old = evidence.rows_of("link_to_redirect", {"links": [{"url": "https://s/m", "status_code": 301}]})
    assert old == [{"target": "https://s/m", "anchor": None, "status": 301, "occurrences": 1}]


def test_redirects_read_as_their_chain() -> None:
    page = {
        "url": "https://s/r",
        "final_url": "https://s/c",
        "status_code": 301,
        "redirect_chain": [
            {"url": "https://s/r", "status_code": 301},
            {"url": "https://s/b", "status_code": 302},
            {"url": "https://s/c", "status_code": 200},
        ],
    }
    (row,) = evidence.rows_of("redirect_chain", {"hops": 2, "final_url": "https://s/c"}, page)
    assert [h["status_code"] for h in row["chain"]] == [301, 302, 200] and row["measure"] == 2
    assert evidence.chain_text(row["chain"]) == "https://s/r (301) → https://s/b (302) → https://s/c (200)"
    # a loop stops where it pointed back: that URL ends the chain, unfetched
    hops = [{"url": "https://s/a", "status_code": 301}, {"url": "https://s/b", "status_code": 302}]
    loop = {"url": "https://s/a", "final_url": "https://s/a", "status_code": 301, "redirect_chain": hops}
    (row,) = evidence.rows_of("redirect_loop", {"chain": ["https://s/a", "https://s/b"]}, loop)
    assert [h["url"] for h in row["chain"]] == ["https://s/a", "https://s/b", "https://s/a"]


def test_lengths_read_as_the_value_and_its_length_in_characters() -> None:
    assert evidence.rows_of("title_too_short", {"length": 2, "title": "Hi"}) == [{"value": "Hi", "length": 2}]
    description = "Чай и чайники."
    rows = evidence.rows_of("meta_description_too_short", {"length": 14}, {"meta_description": description})
    assert rows == [{"value": description, "length": 14}]
    url = "https://s/" + "x" * 120
    assert evidence.rows_of("url_too_long", {"length": 130}, {"url": url}) == [{"value": url, "length": 130}]


def test_duplicates_read_as_the_shared_value_and_the_group() -> None:
    details = {"value": "same title", "count": 3, "example_url": "https://s/2"}
    assert evidence.rows_of("title_duplicate", details) == [
        {"value": "same title", "group_size": 3, "target": "https://s/2"}
    ]
    assert evidence.group_key("title_duplicate", details) == "same title"
    assert evidence.group_key("duplicate_content", {}, {"content_hash": "abc"}) == "abc"
    assert evidence.group_key("title_too_long", {"length": 80}) == ""
    near = {"duplicate_of": 7, "duplicate_of_url": "https://s/7", "similarity": 0.93}
    assert evidence.rows_of("near_duplicate_content", near) == [{"target": "https://s/7", "similarity": 0.93}]


def test_hreflang_reads_as_the_pair_and_what_is_missing() -> None:
    page = {"hreflang": [{"lang": "en", "url": "https://s/en"}, {"lang": "de", "url": "https://s/de"}]}
    assert evidence.rows_of("hreflang_missing_return", {"urls": ["https://s/de"]}, page) == [
        {"lang": "de", "target": "https://s/de", "status": None, "reason": "missing_return"}
    ]
    failing = {"targets": [{"url": "https://s/gone", "lang": "fr", "status_code": 404}]}
    assert evidence.rows_of("hreflang_to_non_200", failing) == [
        {"lang": "fr", "target": "https://s/gone", "status": 404, "reason": "target_not_200"}
    ]
    bad = {"hreflang": [{"lang": "en-UK", "url": "https://s/uk"}]}
    assert evidence.rows_of("hreflang_invalid_code", {"codes": ["en-UK"]}, bad) == [
        {"lang": "en-UK", "target": "https://s/uk", "status": None, "reason": "invalid_code"}
    ]


def test_facts_read_as_the_page_field_that_shows_them() -> None:
    rows = evidence.rows_of("noindex", {}, {"meta_robots": "noindex, follow", "x_robots_tag": None})
    assert rows == [{"field": "meta_robots", "value": "noindex, follow"}]
    assert evidence.rows_of("title_missing", {}, {"title": None}) == []
    assert evidence.rows_of("http_page", {"site_wide": True}) == [{"field": "site_wide", "value": True}]


def test_measures_and_lists() -> None:
    assert evidence.rows_of("slow_response", {"ttfb_ms": 912.4}) == [{"measure": 912.4}]
    assert evidence.spec_of("slow_response").unit == "ms"
    assert evidence.rows_of("h1_multiple", {"count": 2}, {"h1": ["One", "Two"]}) == [{"value": "One"}, {"value": "Two"}]
    assert evidence.rows_of("canonical_multiple", {"canonicals": ["https://s/a", "https://s/b"]}) == [
        {"value": "https://s/a"},
        {"value": "https://s/b"},
    ]


def test_the_check_families_read_as_evidence() -> None:
    anchors = {"count": 2, "anchors": [{"href": "javascript:void(0)", "text": "Open", "reason": "javascript"}]}
    assert evidence.rows_of("link_not_crawlable", anchors) == [
        {"target": "javascript:void(0)", "anchor": "Open", "status": None, "occurrences": 1}
    ]
    assert evidence.rows_of("link_text_empty", {"urls": ["https://s/a"]})[0]["target"] == "https://s/a"
    broken = {"by_type": {"image": [{"url": "https://s/x.png", "status_code": 404, "error": None}]}}
    assert evidence.rows_of("resource_broken", broken) == [
        {"target": "https://s/x.png", "anchor": "image", "status": 404, "occurrences": 1}
    ]
    large = {"count": 1, "images": [{"url": "https://s/big.jpg", "bytes": 912_000}]}
    assert evidence.rows_of("image_too_large", large) == [{"target": "https://s/big.jpg", "measure": 912_000}]
    rich = {"items": [{"type": "Product", "feature": "Product snippets", "doc": "…", "missing": ["name", "offers"]}]}
    assert evidence.rows_of("rich_result_missing_required", rich) == [
        {"value": "Product (Product snippets): name, offers", "field": "items"}
    ]
    assert evidence.rows_of("hsts_missing", {"header": None}) == []


def test_details_of_an_unexpected_shape_still_read() -> None:
    assert evidence.rows_of("broken_internal_link", {"links": "not a list"}) == []
    assert evidence.rows_of("h1_multiple", {"h1": 3}) == []
    assert evidence.rows_of("a_code_nobody_knows", {"x": 1}) == [{"value": "x: 1"}]


def test_what_the_page_rules_store_reads_as_evidence_for_every_code_they_raise() -> None:
    """Rows of the real rules' details: each fires on a record built to trigger it."""
    page = PageRecord(
        id=1,
        url="https://s/Under_Score/" + "x" * 120,
        final_url=None,
        status_code=200,
        content_type="text/html",
        title="Hi",
        title_count=2,
        meta_description="Short.",
        h1=["One", "Two"],
        canonicals=["https://s/a", "https://s/b"],
        hreflang=[Hreflang(lang="en_US", url="https://s/us")],
        word_count=10,
        indexable=True,
        depth=7,
        images_missing_alt=3,
        size_bytes=3_000_000,
        ttfb_ms=1200.0,
        redirect_chain=[],
        crawled_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    fields = page.model_dump()
    for issue in pagerules.evaluate(page, Thresholds()):
        rows = evidence.rows_of(issue["code"], issue["details"], fields)
        spec = evidence.spec_of(issue["code"])
        if spec.family not in ("fact",):
            assert rows, f"{issue['code']} ({spec.family}) shows nothing of {issue['details']}"
        assert all(set(r) == set(spec.columns) for r in rows), issue["code"]
    hop = RedirectHop(url=page.url, status_code=301)
    redirect = page.model_copy(update={"status_code": 301, "redirect_chain": [hop], "final_url": "https://s/final"})
    codes = {i["code"]: i for i in pagerules.evaluate(redirect, Thresholds())}
    (row,) = evidence.rows_of("status_3xx", codes["status_3xx"]["details"], redirect.model_dump())
    assert row["target"] == "https://s/final" and row["chain"][-1]["url"] == "https://s/final"
