"""robots.txt answers and rules (protego), as Google reads them."""

from __future__ import annotations

from services.worker.fetch import robots

UA = "SEOCrawler/1.0 (+self-hosted)"
TXT = b"""User-agent: *
Disallow: /private
Crawl-delay: 2

User-agent: SEOCrawler
Disallow: /only-us
Allow: /only-us/ok

Sitemap: https://e.com/sitemap.xml
"""


def test_our_group_wins_and_crawl_delay_and_sitemaps() -> None:
    rules = robots.from_response(UA, 200, TXT)
    assert not rules.allowed("https://e.com/only-us/x") and rules.allowed("https://e.com/only-us/ok")
    assert rules.allowed("https://e.com/private")  # our own group replaces the * group
    assert rules.sitemaps == ["https://e.com/sitemap.xml"]
    other = robots.from_response("OtherBot", 200, TXT)
    assert not other.allowed("https://e.com/private") and other.crawl_delay == 2.0


def test_status_rules() -> None:
    assert robots.from_response(UA, 404, b"").allowed("https://e.com/x")
    assert robots.from_response(UA, 403, b"").allowed("https://e.com/x")
    assert not robots.from_response(UA, 503, b"").allowed("https://e.com/x")
    assert not robots.from_response(UA, 429, b"").allowed("https://e.com/x")
    assert not robots.from_response(UA, None, b"", "timeout").allowed("https://e.com/x")


def test_garbage_robots_allows() -> None:
    rules = robots.from_response(UA, 200, bytes(range(256)) * 100)
    assert rules.allowed("https://e.com/x")
