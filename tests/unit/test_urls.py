"""URL normalisation, scope and spider-trap caps."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from services.worker.fetch import urls


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM:80/a/./b/../c#frag", "http://example.com/a/c"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("http://example.com/%7euser/%2f?q=%e2%82%ac", "http://example.com/~user/%2F?q=%E2%82%AC"),
        ("http://example.com/a b/ü", "http://example.com/a%20b/%C3%BC"),
        ("http://bücher.example/", "http://xn--bcher-kva.example/"),
        ("http://example.com./", "http://example.com/"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("http://example.com/../../x", "http://example.com/x"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert urls.normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["javascript:alert(1)", "mailto:a@b.c", "tel:1", "data:text/html,x", "ftp://x/", "http://", "http://[::1", ""],
)
def test_not_crawlable(raw: str) -> None:
    assert urls.normalize(raw) is None


def test_relative_and_protocol_relative() -> None:
    base = "https://example.com/dir/page?x=1"
    assert urls.normalize("other", base) == "https://example.com/dir/other"
    assert urls.normalize("//cdn.example.com/a", base) == "https://cdn.example.com/a"
    assert urls.normalize("?y=2", base) == "https://example.com/dir/page?y=2"
    assert urls.normalize(" \n/x\t ", base) == "https://example.com/x"


def test_trap_caps() -> None:
    assert urls.trap_reason("http://e.com/a/b/c?x=1") is None
    assert urls.trap_reason("http://e.com/" + "a" * 3000) is not None
    assert urls.trap_reason("http://e.com/?" + "&".join(f"p{i}=1" for i in range(30))) is not None
    assert urls.trap_reason("http://e.com/cal/next/next/next/next/") is not None


def test_scope() -> None:
    scope = urls.Scope("https://example.com/", exclude=[r"/private"], include=[r"example"])
    assert scope.allows("https://example.com/a") and scope.allows("http://www.example.com/a")
    assert not scope.allows("https://example.com/private/x")
    assert not scope.allows("https://blog.example.com/")
    assert urls.Scope("https://example.com/", include_subdomains=True).allows("https://blog.example.com/")
    assert not urls.Scope("https://example.com/", include_subdomains=True).allows("https://notexample.com/")


@pytest.mark.parametrize(
    "href", ["/a/b", "/a/./b", "/a/../b", "/a b", "/a%7e", "/a?x=1&y=2", "/a#f", "//other/x", "/a?", "/.w/x", "/é"]
)
def test_fast_path_agrees_with_full_normalisation(href: str) -> None:
    base = "HTTP://Example.com:80/dir/page"
    assert urls.normalize(href, base) == urls.normalize(urljoin("http://example.com/dir/page", href))
