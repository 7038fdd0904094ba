"""Rendering rules on records: each code fires on what scripts changed, and stays quiet on a stable page."""

from __future__ import annotations

from typing import Any

import pytest

from shared.audit import audit, catalogue
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord, RawSignals, RenderedPage, RenderedRequest
from tests.unit.test_audit_pagerules import URL, clean

T = Thresholds()
RENDER_CODES = {
    "render_failed": "error", "render_blank_page": "error", "js_content_added": "warning",
    "js_links_only_rendered": "warning", "js_title_changed": "warning", "js_meta_description_changed": "notice",
    "js_canonical_changed": "warning", "js_meta_robots_changed": "warning", "js_noindex_changed": "error",
    "js_errors": "warning", "render_resources_blocked": "warning",
}  # fmt: skip


def rendered(raw: dict[str, Any] | None = None, **changes: Any) -> PageRecord:
    """The clean page, rendered: scripts changed nothing unless ``raw``/``changes`` say otherwise."""
    page = clean()
    signals = {"title": page.title, "meta_description": page.meta_description, "canonical": page.canonical,
               "meta_robots": page.meta_robots, "h1": page.h1, "word_count": page.word_count,
               "outlinks_count": 1, "external_links_count": 1}  # fmt: skip
    values = {**signals, "raw": RawSignals(**{**signals, **(raw or {})}), "render_time_ms": 300.0, **changes}
    return clean(rendered=RenderedPage(**values))


def codes(page: PageRecord, thresholds: Thresholds = T) -> set[str]:
    return {i["code"] for i in audit.page_issues(page, thresholds)}


def test_catalogue_has_every_rendering_code_with_its_severity_and_texts() -> None:
    assert set(catalogue.RENDER_CODES) == set(RENDER_CODES)
    for code, severity in RENDER_CODES.items():
        entry = catalogue.get(code)
        assert (entry.severity, entry.scope) == (severity, "page"), code
        assert all(entry.text("ru").values()) and any("\u0400" <= c <= "\u04ff" for c in entry.explanation_ru)
    assert catalogue.get("js_content_added").default_threshold() == 0.5
    assert catalogue.get("render_blank_page").default_threshold() == 10


def test_a_page_scripts_did_not_change_has_no_rendering_issue() -> None:
    assert codes(rendered()) == set()
    assert codes(clean()) == set()  # and a raw crawl's page has none at all


CHANGES: list[tuple[dict[str, Any], dict[str, Any], set[str]]] = [
    ({"word_count": 20}, {}, {"js_content_added"}),  # 430 of 450 words added by scripts
    ({"word_count": 300}, {}, set()),  # a third added: under the 50 % share
    ({}, {"word_count": 3}, {"render_blank_page"}),  # the shell rendered nothing
    ({"title": "Loading"}, {}, {"js_title_changed"}),
    ({"title": None}, {}, {"js_title_changed"}),  # a title only scripts set
    ({"title": "  Заголовок страницы о чистых   страницах сайта "}, {}, set()),  # whitespace only
    ({"meta_description": "other"}, {}, {"js_meta_description_changed"}),
    ({"canonical": None}, {}, {"js_canonical_changed"}),
    ({"canonical": URL + "?x"}, {}, {"js_canonical_changed"}),
    ({"meta_robots": "noindex"}, {}, {"js_noindex_changed"}),  # removed by script
    ({}, {"meta_robots": "noindex, follow"}, {"js_noindex_changed"}),  # added by script
    ({"meta_robots": "none"}, {"meta_robots": "noindex"}, {"js_meta_robots_changed"}),  # nofollow went
    ({"meta_robots": "index"}, {"meta_robots": "index, max-snippet:50"}, {"js_meta_robots_changed"}),
    ({}, {"rendered_only_links": 2, "rendered_only_link_urls": [URL + "/a"]}, {"js_links_only_rendered"}),
    ({}, {"console_errors": ["TypeError: x is undefined"]}, {"js_errors"}),
]


@pytest.mark.parametrize(("raw", "changes", "expected"), CHANGES)
def test_each_rule_fires_on_its_change(raw: dict[str, Any], changes: dict[str, Any], expected: set[str]) -> None:
    assert codes(rendered(raw, **changes)) == expected


def test_every_rendering_code_has_a_firing_test() -> None:
    fired = set().union(*(expected for _, _, expected in CHANGES)) | {"render_failed", "render_resources_blocked"}
    assert fired == set(catalogue.RENDER_CODES)


def test_noindex_change_says_which_way_and_is_an_error() -> None:
    (issue,) = audit.page_issues(rendered({}, meta_robots="noindex"), T)
    assert issue["code"] == "js_noindex_changed" and issue["severity"] == "error"
    assert issue["details"] == {"raw": None, "rendered": "noindex", "change": "added"}


def test_a_failed_render_is_reported_and_not_compared() -> None:
    page = rendered({"title": "Loading", "word_count": 2}, title=None, word_count=None, render_error="render timed "
                    "out after 20 s waiting for the load event", console_errors=["Error: boom"])  # fmt: skip
    issues = {i["code"]: i for i in audit.page_issues(page, T)}
    assert set(issues) == {"render_failed", "js_errors"}
    assert issues["render_failed"]["details"] == {"error": "render timed out after 20 s waiting for the load event"}


def test_resources_blocked_by_robots_count_when_rendering_needs_them() -> None:
    failed = [
        RenderedRequest(url=URL + "/app.js", resource_type="script", reason="disallowed", blocked=True, robots=True),
        RenderedRequest(url=URL + "/api", resource_type="fetch", reason="disallowed", blocked=True, robots=True),
        RenderedRequest(url=URL + "/logo.png", resource_type="image", reason="disallowed", blocked=True, robots=True),
        RenderedRequest(url="http://169.254.169.254/", resource_type="fetch", reason="refused", blocked=True),
    ]
    (issue,) = audit.page_issues(rendered(failed_requests=failed), T)
    assert issue["code"] == "render_resources_blocked"
    assert issue["details"] == {"count": 2, "urls": [URL + "/app.js", URL + "/api"]}


def test_thresholds_tune_the_content_rules() -> None:
    page = rendered({"word_count": 300})
    assert codes(page, Thresholds(js_content_share=0.3)) == {"js_content_added"}
    assert codes(rendered({}, word_count=15), Thresholds(blank_page_words=20)) == {"render_blank_page"}


def test_only_pages_that_answered_200_with_html_are_judged() -> None:
    page = rendered({"title": "Loading"}).model_copy(update={"status_code": 404})
    assert not {"js_title_changed"} & codes(page)
