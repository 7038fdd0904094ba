"""The one robots-directives parser: Google's syntax, and the record, page rules and site rules agreeing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.worker.extract import extract, records
from shared.audit import audit, directives
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord

CRAWLED = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "noindex", "nofollow"),
    [
        ("noindex, nofollow", True, True),
        ("noindex nofollow", True, True),  # spaces only: read as two rules, like the other spellings
        ("noindex,nofollow", True, True),
        ("NOINDEX;NOFOLLOW", True, True),
        ("  noindex  ", True, False),
        ("nofollow", False, True),
        ("none", True, True),
        ("NONE", True, True),
        ("all", False, False),
        ("index, follow", False, False),
        ("max-snippet: 20, noindex", True, False),
        ("max-image-preview: large", False, False),
        ("noarchive, nosnippet", False, False),
        ("", False, False),
        (None, False, False),
    ],
)
def test_rules_for_every_crawler(value: str | None, noindex: bool, nofollow: bool) -> None:
    found = directives.of(value)
    assert (found.noindex(CRAWLED), found.nofollow) == (noindex, nofollow)


@pytest.mark.parametrize(
    ("value", "noindex", "nofollow"),
    [
        ("googlebot: noindex", True, False),
        ("googlebot:noindex", True, False),
        ("GoogleBot : noindex, nofollow", True, True),  # the crawler's rules go on after a comma
        ("bingbot: noindex", False, False),  # another crawler's rules are not ours
        ("otherbot: noindex, nofollow", False, False),
        ("googlebot-news: noindex", False, False),  # Google News, not web search
        ("noindex, bingbot: nofollow", True, False),
        ("bingbot: noindex, googlebot: nofollow", False, True),
        ("googlebot: none", True, True),
    ],
)
def test_rules_that_name_a_crawler_apply_to_that_crawler(value: str, noindex: bool, nofollow: bool) -> None:
    found = directives.of(value)
    assert (found.noindex(CRAWLED), found.nofollow) == (noindex, nofollow)


def test_parsed_rules_keep_the_crawler_and_the_value() -> None:
    assert directives.parse("noindex, googlebot: max-snippet: 50, nofollow") == [
        directives.Rule(None, "noindex"),
        directives.Rule("googlebot", "max-snippet", "50"),
        directives.Rule("googlebot", "nofollow"),
    ]


@pytest.mark.parametrize(
    ("value", "noindex"),
    [
        ("unavailable_after: 25 Jun 2010 15:00:00 PST", True),  # RFC 822, in the past
        ("unavailable_after: Friday, 25-Jun-10 15:00:00 GMT", True),  # RFC 850: its comma is the date's
        ("unavailable_after: 2020-09-21", True),  # ISO 8601, no zone: UTC
        ("unavailable_after: 2026-01-31T12:00:00Z", True),  # the very moment of the crawl
        ("unavailable_after: 2099-01-01T00:00:00+03:00", False),  # not yet
        ("unavailable_after: whenever", False),  # an invalid date is ignored
        ("unavailable_after:", False),
        ("bingbot: unavailable_after: 2020-09-21", False),
    ],
)
def test_unavailable_after_is_noindex_once_the_date_has_passed(value: str, noindex: bool) -> None:
    assert directives.of(value).noindex(CRAWLED) is noindex


def test_unavailable_after_without_a_moment_to_judge_by_is_not_noindex() -> None:
    assert directives.of("unavailable_after: 2020-09-21").noindex() is False


def test_meta_robots_and_the_header_together() -> None:
    found = directives.of("nofollow", "googlebot: noindex")
    assert found.noindex(CRAWLED) and found.nofollow


def test_hostile_values_are_bounded() -> None:
    found = directives.of("a:" * 500_000 + "noindex")
    assert not found.noindex(CRAWLED)  # past MAX_CHARS: not read at all, and read quickly
    assert len(directives.parse("x, " * 100_000)) <= directives.MAX_CHARS


def _html_page(**fields: object) -> PageRecord:
    base: dict[str, object] = {
        "id": 1, "url": "https://site.test/", "final_url": "https://site.test/", "status_code": 200,
        "content_type": "text/html", "crawled_at": CRAWLED,
    }  # fmt: skip
    return PageRecord.model_validate({**base, **fields})


@pytest.mark.parametrize(
    "robots",
    ["noindex nofollow", "noindex, nofollow", "none", "googlebot: noindex", "unavailable_after: 2020-09-21"],
)
def test_the_record_and_the_page_rules_read_a_page_alike(robots: str) -> None:
    page = _html_page(meta_robots=robots)
    indexable, reason = records._indexability(page, is_html=True)
    assert (indexable, reason) == (False, "noindex")
    assert "noindex" in {
        i["code"] for i in audit.page_issues(page.model_copy(update={"indexable": False}), Thresholds())
    }


def test_another_crawlers_noindex_leaves_the_page_indexable_for_both() -> None:
    page = _html_page(x_robots_tag="bingbot: noindex")
    assert records._indexability(page, is_html=True) == (True, None)
    assert "noindex" not in {
        i["code"] for i in audit.page_issues(page.model_copy(update={"indexable": True}), Thresholds())
    }


def test_googlebots_own_meta_tag_is_recorded_under_its_name() -> None:
    html = (
        '<meta name="robots" content="nofollow"><meta name="googlebot" content="noindex">'
        '<meta name="bingbot" content="noarchive">'
    )
    found = extract.extract(html, "https://site.test/", lambda url: True)
    assert found.meta_robots == "nofollow, googlebot: noindex"
    assert directives.of(found.meta_robots).noindex(CRAWLED)
