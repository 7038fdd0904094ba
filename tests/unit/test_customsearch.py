"""The crawl's own rules on page records: custom searches and extraction shortfalls, and the extractor's bounds."""

from __future__ import annotations

from datetime import UTC, datetime

from shared import extractor
from shared.audit import audit, catalogue
from shared.model.crawlsettings import Thresholds
from shared.model.extraction import ExtractionRule
from shared.model.pages import PageRecord

FIRES = {"extraction_failed"}  # codes this module proves fire (test_audit_pagerules collects them)

RULES = [
    ExtractionRule(name="sale", type="regex", expression=r"sale\s+(\d+)%", search="contains"),
    ExtractionRule(name="GA", type="text", expression="gtag(", search="not_contains", severity="error"),
    ExtractionRule(name="price", type="css", expression=".price"),
]


def page(html: str, **fields: object) -> PageRecord:
    result = extractor.run(html, RULES)
    values = {"id": 1, "url": "https://shop.test/", "status_code": 200, "content_type": "text/html",
              "crawled_at": datetime(2026, 1, 1, tzinfo=UTC), "extracted": result.values,
              "extraction_errors": result.errors, **fields}  # fmt: skip
    return PageRecord.model_validate(values)


def codes(record: PageRecord) -> dict[str, str]:
    return {
        i["code"]: i["severity"]
        for i in audit.page_issues(record, Thresholds(), RULES)
        if i["code"].startswith("custom_search:") or i["code"] == "extraction_failed"
    }


def test_searches_fire_as_their_own_codes_with_their_severity() -> None:
    assert codes(page("<p>Big sale 30% today</p><script>gtag('x')</script>")) == {"custom_search:sale": "warning"}
    assert codes(page("<p>nothing</p>")) == {"custom_search:GA": "error"}
    assert catalogue.lookup("custom_search:GA", "error").text()["title"] == "Custom search: GA"  # type: ignore[union-attr]
    # Not a 200 HTML page: no search runs, none fires.
    assert codes(page("<p>nothing</p>", status_code=404)) == {}


def test_a_shortfall_is_recorded_on_the_page_and_reported() -> None:
    many = "".join(f"<span class='price'>{i}</span>" for i in range(extractor.MAX_VALUES + 5))
    multi = [ExtractionRule(name="prices", type="css", expression=".price", multiple=True)]
    result = extractor.run(many, multi)
    assert len(result.values["prices"]) == extractor.MAX_VALUES  # type: ignore[arg-type]
    assert "first 100 kept" in result.errors["prices"]
    long = extractor.run("<span class='price'>" + "9" * 5000 + "</span>", RULES)
    assert len(long.values["price"]) == extractor.MAX_VALUE_CHARS  # type: ignore[arg-type]
    record = page("<span class='price'>" + "9" * 5000 + "</span>")
    assert codes(record)["extraction_failed"] == "notice"
    issue = next(i for i in audit.page_issues(record, Thresholds(), RULES) if i["code"] == "extraction_failed")
    assert issue["details"]["rules"] == [{"rule": "price", "reason": "values cut at 2000 characters"}]


def test_skipped_rules_keep_their_reason_and_the_others_still_run() -> None:
    result = extractor.run("<p class='price'>5</p>", RULES, skip={"sale": "skipped: too slow on 3 pages"})
    assert result.values["price"] == "5" and result.values["sale"] is None
    assert result.errors == {"sale": "skipped: too slow on 3 pages"}
