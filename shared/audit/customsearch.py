"""Issues of a crawl's own rules (issue 18): custom searches that fire, extraction rules that fell short.

A custom search (an ``extraction`` rule with ``search``) reports a page under its own code,
``custom_search:<rule name>``, with the rule's severity: ``contains`` when the rule found something
on the page, ``not_contains`` when it found nothing. Searches run on HTML pages that answered 200,
like the content checks. A rule with an entry in the page's ``extraction_errors`` is reported as
``extraction_failed`` (one issue a page; the details list each rule and reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.audit import catalogue
from shared.extractor import searches_found
from shared.model.extraction import ExtractionRule, search_code
from shared.model.pages import PageRecord


def page_issues(page: PageRecord, rules: Sequence[ExtractionRule]) -> list[dict[str, Any]]:
    """``[{"page_id", "code", "severity", "details"}]`` of the crawl's rules on one page."""
    if not rules or page.status_code != 200 or page.error or page.redirect_chain:
        return []
    if not page.extracted and not page.extraction_errors:
        return []  # not an HTML page the rules ran on
    issues: list[dict[str, Any]] = []
    for rule in rules:
        if rule.search is None or rule.name in page.extraction_errors or rule.name not in page.extracted:
            continue
        value = page.extracted[rule.name]
        if searches_found(rule, value) == (rule.search == "contains"):
            details: dict[str, Any] = {"rule": rule.name, "search": rule.search, "expression": rule.expression[:200]}
            if isinstance(value, int):
                details["matches"] = value
            issues.append({"page_id": page.id, "code": search_code(rule.name), "severity": rule.severity,
                           "details": details})  # fmt: skip
    if page.extraction_errors:
        issues.append({
            "page_id": page.id,
            "code": "extraction_failed",
            "severity": catalogue.severity_of("extraction_failed"),
            "details": {"rules": [{"rule": k, "reason": v} for k, v in sorted(page.extraction_errors.items())]},
        })  # fmt: skip
    return issues
