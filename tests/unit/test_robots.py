"""robots.txt exactly as Google's reference parser reads it: the conformance table, answers, the report."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from services.worker.fetch import robots

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "data" / "robots_conformance.json").read_text())
_PAD_LINE = "#" + "x" * 98 + "\n"  # 100 bytes


def _body(case: dict[str, Any]) -> bytes:
    """The case's exact robots.txt bytes (inline text, base64 bytes, or the ~600 KB generated body)."""
    if case.get("robots_txt_bytes_b64"):
        return base64.b64decode(case["robots_txt_bytes_b64"])
    gen = case.get("robots_txt_generator")
    if gen is None:
        return str(case["robots_txt"]).encode("utf-8")
    body = gen["head"]
    size = len(body.encode("utf-8"))
    while size + len(_PAD_LINE) <= gen["pad_to"]:
        body += _PAD_LINE
        size += len(_PAD_LINE)
    rest = gen["pad_to"] - size
    body += "\n" if rest == 1 else ("#" + "x" * (rest - 2) + "\n" if rest >= 2 else "")
    assert len(body.encode("utf-8")) == gen["pad_to"]
    return (body + gen["tail"]).encode("utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_conformance_table(case: dict[str, Any]) -> None:
    """237 cases from RFC 9309, Google's reference tests and its documentation; the reference's verdict."""
    token = robots.product_token(case["user_agent"])
    if "product_token" in case:
        assert token == case["product_token"]
    parsed = robots.RobotsTxt.parse(_body(case))
    assert parsed.allowed(case["url"], token) is case["allowed"], case["note"]


def test_table_covers_the_reference_and_the_rfc() -> None:
    sources = {c["source"].split(" ", 1)[0] for c in CASES}
    assert {"RFC", "google/robotstxt", "Google"} <= sources and len(CASES) >= 237
    # where the two disagree, the table says so and the reference's verdict is the expected one
    assert sum(1 for c in CASES if "rfc_allowed" in c and c["rfc_allowed"] != c["allowed"]) == 5


UA = "SEOCrawler/1.0 (+self-hosted)"
TXT = b"""User-agent: *
Disallow: /private
Crawl-delay: 2

User-agent: SEOCrawler
Disallow: /only-us
Allow: /only-us/ok

Sitemap: https://e.com/sitemap.xml
"""


def test_product_token_of_user_agents() -> None:
    assert robots.product_token(UA) == "SEOCrawler"
    assert robots.product_token("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)") == (
        "Googlebot"
    )
    phone = (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    )
    assert robots.product_token(phone) == "Googlebot"
    assert robots.product_token("  ") == "*"


def test_our_group_wins_and_crawl_delay_and_sitemaps() -> None:
    rules = robots.from_response("SEOCrawler", 200, TXT)
    assert not rules.allowed("https://e.com/only-us/x") and rules.allowed("https://e.com/only-us/ok")
    assert rules.allowed("https://e.com/private")  # our own group replaces the * group
    assert rules.sitemaps == ["https://e.com/sitemap.xml"] and rules.crawl_delay is None
    other = robots.from_response("OtherBot", 200, TXT)
    assert not other.allowed("https://e.com/private") and other.crawl_delay == 2.0


def test_status_rules() -> None:
    """2xx parse; 4xx (401 and 403 too) = no robots.txt; 429, 5xx and no answer = disallow all."""
    for status in (404, 403, 401, 410, 300):
        rules = robots.from_response("X", status, b"User-agent: *\nDisallow: /\n")
        assert rules.allowed("https://e.com/x") and rules.outcome == "missing"
    for status, error in ((503, None), (500, None), (429, None), (None, "timeout")):
        rules = robots.from_response("X", status, b"", error)
        assert not rules.allowed("https://e.com/x") and rules.outcome == "unavailable"


def test_garbage_robots_allows() -> None:
    rules = robots.from_response("X", 200, bytes(range(256)) * 100)
    assert rules.allowed("https://e.com/x")


def test_hostile_patterns_match_in_linear_time() -> None:
    """Many stars against a long path: no backtracking blow-up (the test would hang, not fail)."""
    body = b"User-agent: *\nDisallow: /" + b"*a" * 2000 + b"b\n"
    parsed = robots.RobotsTxt.parse(body)
    assert parsed.allowed("https://e.com/" + "a" * 16000, "X")


def test_lint_matches_lighthouse_line_checks() -> None:
    body = (
        b"Allow: /before-agent\n"
        b"User-agent: *\n"
        b"Disallow /no-colon\n"
        b"Crawl-delay: 5\n"
        b"Unknown-thing: x\n"
        b"Disallow: page.html\n"
        b"Disallow: /a$b\n"
        b"User-agent:\n"
        b"Sitemap: /relative.xml\n"
        b"Sitemap: mailto:me@e.com\n"
        b"Sitemap: https://e.com/ok.xml # fine\n"
        b"# comment only\n"
    )
    parsed = robots.RobotsTxt.parse(body)
    assert [(p.line, p.message) for p in parsed.problems] == [
        (1, "No user-agent specified"),
        (3, "Syntax not understood"),
        (5, "Unknown directive"),
        (6, 'Pattern should either be empty, start with "/" or "*"'),
        (7, '"$" should only be used at the end of the pattern'),
        (8, "No user-agent specified"),
        (9, "Invalid sitemap URL"),
        (10, "Invalid sitemap URL protocol"),
    ]
    # Google still reads the colon-less rule
    assert not parsed.allowed("https://e.com/no-colon", "X")


def test_cap_and_truncation() -> None:
    body = b"User-agent: *\n" + b"#" * robots.MAX_ROBOTS_BYTES + b"\nDisallow: /\n"
    parsed = robots.RobotsTxt.parse(body)
    assert parsed.truncated and parsed.size_bytes == len(body) and parsed.allowed("https://e.com/x", "X")
