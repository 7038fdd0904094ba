"""A site's origin and settings: what makes two URLs one site, and which defaults a site may set."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.model.sites import SiteSettings, crawl_settings_for, origin_of


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Example.COM/a?b#c", "https://example.com"),
        ("https://example.com:443/", "https://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("http://example.com:8080/x", "http://example.com:8080"),
        ("https://example.com:80/", "https://example.com:80"),
        ("https://user:secret@example.com/", "https://example.com"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
        ("http://127.0.0.1:43210/", "http://127.0.0.1:43210"),
    ],
)
def test_origin_is_scheme_host_and_a_non_default_port(url: str, origin: str) -> None:
    assert origin_of(url) == origin


def test_site_settings_default_and_validate_their_crawl_defaults() -> None:
    assert SiteSettings().model_dump() == {"crawl": {}, "retention": 20}
    assert SiteSettings(crawl={"max_pages": 5}, retention=0).retention == 0
    for bad in ({"crawl": {"url": "https://x/"}}, {"crawl": {"mode": "list"}}, {"crawl": {"max_pages": 0}},
                {"crawl": {"include": ["("]}}, {"retention": -1}, {"other": 1}):  # fmt: skip
        with pytest.raises(ValidationError):
            SiteSettings.model_validate(bad)


def test_a_crawls_own_settings_win_over_the_sites_defaults() -> None:
    settings = crawl_settings_for({"max_pages": 5, "max_rps": 2}, {"url": "https://example.com/", "max_rps": 9})
    assert (settings.max_pages, settings.max_rps, settings.url) == (5, 9, "https://example.com/")
