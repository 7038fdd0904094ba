"""The issue catalogue: every contract code, with texts in both languages and valid thresholds."""

from __future__ import annotations

import pytest

from shared.audit import catalogue
from shared.audit.rules import texts as checks_texts
from shared.model.crawlsettings import Thresholds

# The codes and severities CONTRACT.md promises.
CONTRACT = {
    "status_3xx": "notice", "status_4xx": "error", "status_5xx": "error", "fetch_failed": "error",
    "slow_response": "warning", "redirect_chain": "warning", "redirect_loop": "error",
    "link_to_redirect": "notice", "broken_internal_link": "error", "title_missing": "error",
    "title_too_short": "notice", "title_too_long": "warning", "title_duplicate": "warning",
    "title_multiple": "warning", "meta_description_missing": "warning", "meta_description_too_short": "notice",
    "meta_description_too_long": "notice", "meta_description_duplicate": "warning", "h1_missing": "warning",
    "h1_multiple": "notice", "h1_duplicate": "notice", "canonical_missing": "notice",
    "canonical_to_non_200": "error", "canonical_to_non_indexable": "warning", "canonical_multiple": "warning",
    "noindex": "notice", "nofollow_page": "notice", "blocked_by_robots": "notice",
    "hreflang_missing_return": "warning", "hreflang_to_non_200": "warning", "hreflang_invalid_code": "warning",
    "html_lang_missing": "notice", "thin_content": "warning", "duplicate_content": "warning",
    "near_duplicate_content": "warning", "image_missing_alt": "warning", "orphan_page": "warning",
    "sitemap_noindex": "warning", "sitemap_non_200": "warning", "deep_page": "notice", "dead_end_page": "notice",
    "viewport_missing": "notice", "http_page": "warning", "mixed_content": "warning", "url_uppercase": "notice",
    "url_underscore": "notice", "url_too_long": "notice", "large_page": "notice",
    "low_link_score": "warning",
    # Issue 17, rendering (tests/unit/test_audit_rendering.py names them one by one).
    "render_failed": "error", "render_blank_page": "error", "js_content_added": "warning",
    "js_links_only_rendered": "warning", "js_title_changed": "warning", "js_meta_description_changed": "notice",
    "js_canonical_changed": "warning", "js_meta_robots_changed": "warning", "js_noindex_changed": "error",
    "js_errors": "warning", "render_resources_blocked": "warning",
}  # fmt: skip

DEFAULTS = {
    "title_too_short": 30, "title_too_long": 60, "meta_description_too_short": 70,
    "meta_description_too_long": 160, "slow_response": 800, "thin_content": 200,
    "near_duplicate_content": 0.9, "deep_page": 4, "url_too_long": 115, "large_page": 2 * 1024 * 1024,
    "redirect_chain": 2, "low_link_score": 15, "js_content_added": 0.5, "render_blank_page": 10,
}  # fmt: skip


# Codes added since (issue 13), with their severities: promises from now on as well.
ADDED_EXACTNESS = {
    "canonical_invalid": "error", "canonical_relative": "notice", "canonical_header_mismatch": "warning",
    "canonical_outside_head": "warning", "canonical_to_homepage": "warning",
    "canonical_to_hreflang_alternate": "warning", "canonical_to_redirect": "warning",
    "canonical_to_blocked": "warning", "canonical_chain": "warning", "hreflang_missing_x_default": "notice",
    "hreflang_missing_self_reference": "warning", "hreflang_relative_url": "warning",
    "hreflang_missing_href": "warning", "hreflang_duplicate_language": "warning",
    "hreflang_outside_head": "warning", "hreflang_to_noindex": "warning", "hreflang_to_non_canonical": "warning",
    "robots_txt_missing": "notice", "robots_txt_unavailable": "error", "robots_txt_invalid": "warning",
    "robots_txt_sitemap_invalid": "warning", "robots_txt_sitemap_unreachable": "warning",
    "robots_txt_too_large": "warning", "sitemap_unreadable": "warning", "llms_txt_invalid": "notice",
    "search_page_indexable": "warning",
}  # fmt: skip
ADDED = {**ADDED_EXACTNESS, **{code: sev for code, sev, *_ in checks_texts.ENTRIES}, "extraction_failed": "notice"}


def test_catalogue_is_exactly_the_contract() -> None:
    assert {c: e.severity for c, e in catalogue.CATALOGUE.items()} == {**CONTRACT, **ADDED}


@pytest.mark.parametrize("code", sorted(catalogue.CODES))
def test_every_code_has_texts_in_both_languages(code: str) -> None:
    entry = catalogue.get(code)
    for lang in ("en", "ru"):
        text = entry.text(lang)  # type: ignore[arg-type]
        assert text["title"] and len(text["explanation"]) > 40 and text["fix"], (code, lang)
    assert any("\u0400" <= ch <= "\u04ff" for ch in entry.title_ru)


def test_default_thresholds_match_the_contract() -> None:
    for code, value in DEFAULTS.items():
        assert catalogue.get(code).default_threshold() == value, code
    for entry in catalogue.CATALOGUE.values():
        if entry.threshold:
            assert entry.threshold in Thresholds.model_fields


def test_listing_uses_the_crawl_thresholds_and_orders_by_severity() -> None:
    rows = catalogue.listing("ru", Thresholds(title_max_length=70))
    assert [r["severity"] for r in rows] == sorted((r["severity"] for r in rows), key=catalogue.SEVERITY_ORDER.get)
    long_title = next(r for r in rows if r["code"] == "title_too_long")
    assert long_title["threshold_value"] == 70 and long_title["title"] == "Слишком длинный title"


def test_unknown_code_is_a_clear_error() -> None:
    with pytest.raises(catalogue.UnknownIssueCode, match="Unknown issue code 'nope'"):
        catalogue.get("nope")


def test_the_audit_guide_lists_every_code_with_its_severity() -> None:
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "AUDIT.md").read_text(encoding="utf-8")
    for code, severity in CONTRACT.items():
        assert f"| `{code}` | {severity} |" in guide, code
