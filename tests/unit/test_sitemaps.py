"""Sitemap parsing: urlsets, indexes, gzip, caps and hostile XML."""

from __future__ import annotations

import gzip

import pytest

from services.worker.fetch import sitemaps


def test_urlset_and_index() -> None:
    body = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc> https://e.com/a?x=1&amp;y=2 </loc></url><url><loc><![CDATA[https://e.com/b]]></loc></url></urlset>"""
    assert sitemaps.parse(body) == (False, ["https://e.com/a?x=1&y=2", "https://e.com/b"])
    index = b"<sitemapindex><sitemap><loc>https://e.com/s1.xml</loc></sitemap></sitemapindex>"
    assert sitemaps.parse(gzip.compress(index)) == (True, ["https://e.com/s1.xml"])


def test_entities_are_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>
    <urlset><url><loc>&b;</loc></url></urlset>"""
    _, locs = sitemaps.parse(bomb)
    assert locs == ["&b;"]


def test_gzip_bomb_is_capped() -> None:
    bomb = gzip.compress(b"\0" * (sitemaps.MAX_SITEMAP_BYTES + 10))
    with pytest.raises(sitemaps.SitemapTooLarge):
        sitemaps.parse(bomb)


async def test_discover_follows_indexes_and_skips_failures() -> None:
    docs = {
        "https://e.com/index.xml": (200, b"<sitemapindex><sitemap><loc>https://e.com/1.xml</loc></sitemap>"
                                         b"<sitemap><loc>https://e.com/gone.xml</loc></sitemap></sitemapindex>"),
        "https://e.com/1.xml": (200, b"<urlset><url><loc>https://e.com/p</loc></url></urlset>"),
        "https://e.com/gone.xml": (404, b""),
    }  # fmt: skip

    async def fetch(url: str) -> tuple[int | None, bytes, str | None]:
        status, body = docs.get(url, (None, b""))
        return status, body, None if status else "unreachable"

    found = [locs async for locs in sitemaps.discover(fetch, ["https://e.com/index.xml", "https://e.com/x.xml"])]
    assert found == [["https://e.com/p"]]
