"""URL rules: what a crawl does to a URL before it enters the frontier, and the settings that name them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.worker.fetch import robots
from services.worker.fetch.urlrules import Rewriter
from shared.model import crawlrules
from shared.model.crawlrules import UrlRules
from shared.model.crawlsettings import CrawlSettings


def rewrite(url: str, **rules: object) -> tuple[str, tuple[str, ...]]:
    done = Rewriter(UrlRules.model_validate(rules)).apply(url)
    return done.url, done.rules


def test_strip_named_and_prefixed_params_keeps_the_others_in_order() -> None:
    url, hit = rewrite("https://shop.test/shoes?utm_source=x&size=42&gclid=1&utm_medium=y&c=2",
                       strip_params=["utm_*", "gclid"])  # fmt: skip
    assert url == "https://shop.test/shoes?size=42&c=2"
    assert hit == ("strip_params:utm_*", "strip_params:gclid")
    assert rewrite("https://shop.test/?utm_source=a", strip_params=["utm_*"]) == (
        "https://shop.test/",
        ("strip_params:utm_*",),
    )
    assert rewrite("https://shop.test/?size=1", strip_params=["utm_*"]) == ("https://shop.test/?size=1", ())


def test_strip_all_lowercase_and_rewrites_run_in_order() -> None:
    assert rewrite("https://shop.test/A?b=1", strip_params="all") == ("https://shop.test/A", ("strip_params:all",))
    assert rewrite("https://shop.test/Shoes/Red?Q=A", lowercase=True) == (
        "https://shop.test/shoes/red?Q=A",
        ("lowercase",),
    )
    url, hit = rewrite(
        "https://shop.test/P/12?sid=abc",
        strip_params=["sid"],
        lowercase=True,
        rewrite=[{"pattern": r"/p/(\d+)$", "replacement": r"/product/\1"}, {"pattern": "nomatch", "replacement": ""}],
    )
    assert (url, hit) == ("https://shop.test/product/12", ("strip_params:sid", "lowercase", "rewrite:0"))


def test_a_rewrite_that_breaks_the_url_or_grows_it_past_the_cap_is_not_applied() -> None:
    assert rewrite("https://shop.test/a", rewrite=[{"pattern": "^https://", "replacement": "ftp://"}]) == (
        "https://shop.test/a",
        (),
    )
    assert rewrite("https://shop.test/a", rewrite=[{"pattern": "", "replacement": "x" * 2000}]) == (
        "https://shop.test/a",
        (),
    )


def test_settings_name_the_bad_rule() -> None:
    cases = {
        "url_rules.rewrite.0": {"rewrite": [{"pattern": "(a)", "replacement": r"\2"}]},
        "url_rules.rewrite.1.pattern": {"rewrite": [{"pattern": "a"}, {"pattern": "(?<=a)b"}]},
        "url_rules.strip_params": {"strip_params": ["ok", "not ok"]},
    }
    for where, rules in cases.items():
        with pytest.raises(ValidationError) as caught:
            CrawlSettings(url="https://shop.test/", url_rules=rules)
        assert ".".join(map(str, caught.value.errors()[0]["loc"])) == where
    with pytest.raises(ValidationError, match="lone backslash"):
        CrawlSettings(url="https://shop.test/", url_rules={"rewrite": [{"pattern": "a", "replacement": "x\\"}]})


def test_proxy_urls() -> None:
    for good in ("http://proxy.test:3128", "https://proxy.test", "socks5://127.0.0.1:1080", "SOCKS5H://p.test:9/"):
        assert CrawlSettings(url="https://shop.test/", proxy=good).proxy == good
    for bad, why in (("ftp://p.test", "must start with"), ("http://u:p@p.test:1", "credentials"),
                     ("socks5://p.test", "needs a port"), ("http://p.test/x", "host and a port")):  # fmt: skip
        with pytest.raises(ValidationError, match=why):
            CrawlSettings(url="https://shop.test/", proxy=bad)


def test_user_agent_presets_send_the_crawlers_string_and_robots_reads_its_token() -> None:
    tokens = {
        "ours": "SEOCrawler",
        "googlebot_smartphone": "Googlebot",
        "googlebot_desktop": "Googlebot",
        "bingbot": "bingbot",
        "yandexbot": "YandexBot",
    }
    for preset, token in tokens.items():
        settings = CrawlSettings(url="https://shop.test/", user_agent_preset=preset)
        assert settings.user_agent == crawlrules.USER_AGENT_PRESETS[preset]
        assert robots.product_token(settings.user_agent) == token
    custom = CrawlSettings(url="https://shop.test/", user_agent_preset="custom", user_agent="MyBot/2 (+x)")
    assert custom.user_agent == "MyBot/2 (+x)" and robots.product_token(custom.user_agent) == "MyBot"
    with pytest.raises(ValidationError, match="disagree"):
        CrawlSettings(url="https://shop.test/", user_agent_preset="bingbot", user_agent="MyBot/2")
    # Read back from the log, the preset's string is the stored user_agent: the same settings again.
    stored = CrawlSettings(url="https://shop.test/", user_agent_preset="yandexbot").model_dump()
    assert CrawlSettings.model_validate(stored).user_agent == crawlrules.USER_AGENT_PRESETS["yandexbot"]
