"""Lighthouse parity: for every SEO rule we share with Lighthouse 13.4.1, our verdict on its fixtures.

``data/lighthouse_cases.json`` holds Lighthouse's own test cases and fixtures (and axe-core's for
image-alt), with Lighthouse's verdict. Each case is turned into what our crawler would receive (a
page's HTML and headers, or a robots.txt answer) and run through the same extraction, record and
page rules as a crawl; the codes that fire give our verdict. It must equal Lighthouse's, except
where Google's published rules differ from Lighthouse's and we follow Google: each such case must
be explained by one of the documented differences below (docs/AUDIT.md, "Lighthouse"), and is
checked to differ for that reason and no other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from multidict import CIMultiDict

from services.worker.crawl.frontier import Entry
from services.worker.extract import records
from services.worker.fetch import fetcher, robots
from shared.audit import hreflang, pagerules
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord

DATA = json.loads((Path(__file__).parent / "data" / "lighthouse_cases.json").read_text())
PAGE_URL = "https://example.com/page.html"
# Lighthouse's is-crawlable asks for these crawlers ("*" is its generic one): blocked only if all are.
LIGHTHOUSE_BOTS = ("*", "Googlebot", "bingbot", "DuckDuckBot", "archive.org_bot")


def _page(*, url: str = PAGE_URL, head: str = "", body: str = "", headers: list[tuple[str, str]] | None = None,
          status: int = 200) -> PageRecord:  # fmt: skip
    """The record our crawler makes of this answer (extraction and record building, no network)."""
    html = f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"
    all_headers = CIMultiDict([("Content-Type", "text/html; charset=utf-8"), *(headers or [])])
    got = fetcher.Fetched(url=url, final_url=url, status=status, body=html.encode(), headers=all_headers)
    page, _ = records.build(Entry(id=1, url=url, depth=1, referrer=None, in_sitemap=False), got, lambda u: True)
    return page


def _codes(page: PageRecord) -> set[str]:
    return {i["code"] for i in pagerules.evaluate(page, Thresholds())}


def _links(links: list[dict[str, Any]]) -> tuple[str, str, list[tuple[str, str]]]:
    """Lighthouse's link artifacts as HTML (head, body) and Link headers."""
    head, body, headers = "", "", []
    for link in links:
        href = link.get("hrefRaw", link.get("href"))
        attrs = f'rel="{link["rel"]}"' + (f' hreflang="{link["hreflang"]}"' if "hreflang" in link else "")
        if link["source"] == "headers":
            params = f'; rel="{link["rel"]}"' + (f'; hreflang="{link["hreflang"]}"' if "hreflang" in link else "")
            headers.append(("Link", f"<{href or ''}>{params}"))
            continue
        element = f"<link {attrs}" + ("" if href is None else f' href="{href}"') + ">"
        if link["source"] == "head":
            head += element
        else:
            body += element
    return head, body, headers


def _html_and_headers(case: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]]:
    given = case["input"]
    head, body, headers = _links(given.get("links", []))
    head += given.get("html_head", "")
    body += given.get("html_body", "")
    raw = given.get("headers") or []
    if isinstance(raw, dict):
        raw = [{"name": k, "value": v} for k, v in raw.items()]
    headers += [(h["name"], h["value"]) for h in raw]
    for meta in given.get("meta", []):
        head += f'<meta name="{meta["name"]}" content="{meta["content"]}">'
    return head, body, headers


# --- our verdict per Lighthouse audit: True = fails ----------------------------------------------

CANONICAL_FINDINGS = {"canonical_invalid", "canonical_relative", "canonical_multiple", "canonical_header_mismatch",
                      "canonical_to_homepage", "canonical_to_hreflang_alternate"}  # fmt: skip
HREFLANG_FINDINGS = {"hreflang_invalid_code", "hreflang_relative_url", "hreflang_missing_href"}


def _content_verdict(code_set: set[str]) -> Callable[[dict[str, Any]], bool]:
    def verdict(case: dict[str, Any]) -> bool:
        head, body, headers = _html_and_headers(case)
        return bool(_codes(_page(url=case["input"].get("page_url", PAGE_URL), head=head, body=body,
                                 headers=headers)) & code_set)  # fmt: skip

    return verdict


def _status_verdict(case: dict[str, Any]) -> bool:
    return bool(_codes(_page(status=case["input"]["status"])) & {"status_4xx", "status_5xx"})


def _robots_txt_verdict(case: dict[str, Any]) -> bool:
    status, content = case["input"]["status"], case["input"]["content"]
    # Lighthouse reads the body of a 3xx answer; our fetch follows the redirect to the file itself.
    if status is not None and 300 <= status < 400:
        status = 200
    rules = robots.from_response("SEOCrawler", status, (content or "").encode(), None if status else "no answer")
    if rules.outcome == "unavailable":
        return True  # robots_txt_unavailable
    return bool(rules.parsed and rules.parsed.problems)  # robots_txt_invalid / robots_txt_sitemap_invalid


def _crawlable_verdict(case: dict[str, Any]) -> bool:
    head, body, headers = _html_and_headers(case)
    url = case["input"].get("page_url", PAGE_URL)
    noindex = "noindex" in _codes(_page(url=url, head=head, body=body, headers=headers))
    text = case["input"].get("robots_txt")
    if text is None:
        return noindex
    parsed = robots.RobotsTxt.parse(text.encode())
    return noindex or not any(parsed.allowed(url, bot) for bot in LIGHTHOUSE_BOTS)


VERDICTS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "document-title": _content_verdict({"title_missing"}),
    "meta-description": _content_verdict({"meta_description_missing"}),
    "http-status-code": _status_verdict,
    "is-crawlable": _crawlable_verdict,
    "robots-txt": _robots_txt_verdict,
    "canonical": _content_verdict(CANONICAL_FINDINGS),
    "hreflang": _content_verdict(HREFLANG_FINDINGS),
    "image-alt": _content_verdict({"image_missing_alt"}),
}


# --- where we follow Google rather than Lighthouse (docs/AUDIT.md) --------------------------------

_LIGHTHOUSE_LANGUAGE = re.compile(r"^[a-z]{2,3}$")  # an IANA language subtag, as Lighthouse checks it


def _hreflang_values(case: dict[str, Any]) -> list[str]:
    given = case["input"]
    values = [link["hreflang"] for link in given.get("links", []) if link["source"] != "body" and "hreflang" in link]
    values += re.findall(r'hreflang="([^"]*)"', given.get("html_head", ""), re.IGNORECASE)
    return values


def _difference(case: dict[str, Any], ours: bool) -> str | None:
    """Why our verdict differs from Lighthouse's on this case, if a documented difference applies.

    Called only where the verdicts differ; each rule checks that the case is of its kind.
    """
    audit, html = case["audit"], case["input"].get("html_body", "")
    if (
        audit == "hreflang"
        and ours
        and any(
            hreflang.problem(v) and _LIGHTHOUSE_LANGUAGE.match(v.split("-")[0].lower()) for v in _hreflang_values(case)
        )
    ):
        return "Google reads ISO 639-1 + ISO 15924 + ISO 3166-1 (en-UK, fil, iw fail); Lighthouse any IANA language"
    if (
        audit == "is-crawlable"
        and ours
        and any(
            re.match(r"\s*([A-Za-z_-]+)\s*:", h["value"])
            and h["value"].split(":")[0].strip() != "Googlebot"
            and h["value"].split(":")[0].strip().lower() == "googlebot"
            for h in case["input"].get("headers") or []
        )
    ):
        return "Google reads the crawler named in X-Robots-Tag case-insensitively (googlebot: applies to Googlebot)"
    if audit == "image-alt" and ours and re.search(r"<img(?![^>]*\balt=)[^>]*>", html):
        return "an image without an alt attribute is reported whatever its ARIA name or title: Google Images reads alt"
    if audit == "image-alt" and not ours and re.search(r'<img[^>]*\balt="\s+"', html):
        return "alt of spaces is an alt attribute (decorative) for search; axe flags it for screen readers"
    return None


CASES = [c for c in DATA["cases"] if c["audit"] in VERDICTS and c["expected"] in ("pass", "fail")]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['audit']}-{i}" for i, c in enumerate(CASES)])
def test_our_verdict_matches_lighthouse(case: dict[str, Any]) -> None:
    ours = VERDICTS[case["audit"]](case)
    lighthouse = case["expected"] == "fail"
    if ours != lighthouse:
        assert _difference(case, ours) is not None, f"{case['reason']} (input {case['input']})"


def test_every_shared_audit_is_covered() -> None:
    """Lighthouse's SEO category and the audit that covers each rule here (link-text and
    crawlable-anchors: the links family's codes, tested with them)."""
    covered = {c["audit"] for c in CASES}
    assert covered == set(VERDICTS) and len(CASES) >= 120
    differing = [c for c in CASES if VERDICTS[c["audit"]](c) != (c["expected"] == "fail")]
    assert len(differing) < len(CASES) // 4  # the differences are the exception, each explained
