"""Sitemap parsing: urlsets, indexes, text sitemaps, gzip, limits, hostile XML, cross-host indexes."""

from __future__ import annotations

import gzip
import time

from services.worker.fetch import sitemaps
from services.worker.fetch.sitemaps import Parsed

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_urlset_and_index() -> None:
    body = f"""<?xml version="1.0"?><urlset {NS}>
    <url><loc> https://e.com/a?x=1&amp;y=2 </loc></url><url><loc><![CDATA[https://e.com/b]]></loc></url></urlset>"""
    assert sitemaps.parse(body.encode()) == Parsed("urlset", ["https://e.com/a?x=1&y=2", "https://e.com/b"])
    index = b"<sitemapindex><sitemap><loc>https://e.com/s1.xml</loc></sitemap></sitemapindex>"
    assert sitemaps.parse(gzip.compress(index)) == Parsed("index", ["https://e.com/s1.xml"])


def test_a_byte_order_mark_and_an_encoding_declaration_are_fine() -> None:
    body = '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<urlset><url><loc>https://e.com/é</loc></url></urlset>'
    assert sitemaps.parse(body.encode()) == Parsed("urlset", ["https://e.com/é"])


def test_images_videos_and_alternates_are_not_pages() -> None:
    body = f"""<urlset {NS} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
      xmlns:video="http://www.google.com/schemas/sitemap-video/1.1" xmlns:xhtml="http://www.w3.org/1999/xhtml">
      <url><loc>https://e.com/page</loc>
        <image:image><image:loc>https://e.com/photo.jpg</image:loc></image:image>
        <video:video><video:thumbnail_loc>https://e.com/t.jpg</video:thumbnail_loc>
          <video:content_loc>https://e.com/v.mp4</video:content_loc><video:player_loc>https://e.com/p</video:player_loc>
        </video:video>
        <xhtml:link rel="alternate" hreflang="de" href="https://e.com/de"/>
      </url></urlset>"""
    assert sitemaps.parse(body.encode()) == Parsed("urlset", ["https://e.com/page"])


def test_text_sitemap_one_url_a_line() -> None:
    body = b"https://e.com/a\r\n\n  https://e.com/b  \nnot a url\nftp://e.com/file\nhttps://e.com/c"
    parsed = sitemaps.parse(body)
    assert parsed.kind == "text" and parsed.locs == ["https://e.com/a", "https://e.com/b", "https://e.com/c"]
    assert parsed.error == "2 lines are not http(s) URLs and were skipped"
    assert sitemaps.parse(gzip.compress(b"https://e.com/z\n")) == Parsed("text", ["https://e.com/z"])
    assert sitemaps.parse(b"hello world\n").error == "not a sitemap: none of its 1 lines is an http(s) URL"


def test_entity_bombs_and_external_entities_are_refused_unexpanded() -> None:
    bomb = (
        b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">"""
        + b"".join(f'<!ENTITY a{i} "{"&a;" * 10 if i == 0 else f"&a{i - 1};" * 10}">'.encode() for i in range(9))
        + b"""]><urlset><url><loc>https://e.com/&a8;</loc></url></urlset>"""
    )
    started = time.monotonic()
    parsed = sitemaps.parse(bomb)
    assert time.monotonic() - started < 1
    assert parsed.locs == [] and parsed.error is not None and "DTD" in parsed.error
    external = b'<?xml version="1.0"?><!DOCTYPE urlset SYSTEM "http://127.0.0.1:9/x.dtd"><urlset/>'
    assert "DTD" in (sitemaps.parse(external).error or "")


def test_unclosed_loc_tags_are_read_in_linear_time_with_the_real_reason() -> None:
    body = b"<urlset><url><loc>https://e.com/1</loc></url>" + b"<url><loc>https://e.com/x" * 20_000 + b"</urlset>"
    started = time.monotonic()
    parsed = sitemaps.parse(body)
    assert time.monotonic() - started < 1  # the old <loc> regex took 92 s on 80 KB of this
    assert parsed.locs == ["https://e.com/1"]
    assert parsed.error is not None and parsed.error.startswith("not well-formed XML (line 1): Excessive depth")
    mismatched = sitemaps.parse(b"<urlset><url><loc>https://e.com/a</url></urlset>")
    assert mismatched.error == "not well-formed XML (line 1): Opening and ending tag mismatch: loc line 1 and url"


def test_not_a_sitemap_and_empty() -> None:
    assert sitemaps.parse(b"<html><body>hi</body></html>").error == (
        "not a sitemap: its root element is <html>, not <urlset> or <sitemapindex>"
    )
    assert sitemaps.parse(b"  \n").error == "empty sitemap"


def test_gzip_bomb_is_capped() -> None:
    bomb = gzip.compress(b"\0" * (sitemaps.MAX_SITEMAP_BYTES + 10))
    assert sitemaps.parse(bomb).error == f"sitemap over {sitemaps.MAX_SITEMAP_BYTES} bytes uncompressed"
    assert (sitemaps.parse(b"\x1f\x8bnot gzip").error or "").startswith("bad gzip")


def test_url_count_is_capped() -> None:
    body = b"<urlset>" + b"<url><loc>https://e.com/p</loc></url>" * (sitemaps.MAX_URLS_PER_SITEMAP + 5) + b"</urlset>"
    parsed = sitemaps.parse(body)
    assert len(parsed.locs) == sitemaps.MAX_URLS_PER_SITEMAP
    assert parsed.error == f"more than {sitemaps.MAX_URLS_PER_SITEMAP} URLs; the rest was not read"


def _fetcher(docs: dict[str, tuple[int, bytes]]) -> sitemaps.Fetch:
    async def fetch(url: str) -> tuple[int | None, bytes, str | None]:
        status, body = docs.get(url, (0, b""))
        return (status or None), body, None if status else "unreachable"

    return fetch


async def test_discover_follows_indexes_and_reports_every_file() -> None:
    docs = {
        "https://e.com/index.xml": (200, b"<sitemapindex><sitemap><loc>https://e.com/1.xml</loc></sitemap>"
                                         b"<sitemap><loc>https://e.com/gone.xml</loc></sitemap>"
                                         b"<sitemap><loc>https://e.com/bad.xml</loc></sitemap></sitemapindex>"),
        "https://e.com/1.xml": (200, b"<urlset><url><loc>https://e.com/p</loc></url></urlset>"),
        "https://e.com/gone.xml": (404, b""),
        "https://e.com/bad.xml": (200, b"<urlset><url><loc>https://e.com/q"),
    }  # fmt: skip
    reports: list[sitemaps.Report] = []
    roots = ["https://e.com/index.xml", "https://e.com/x.xml"]
    found = [locs async for locs in sitemaps.discover(_fetcher(docs), roots, reports=reports)]
    assert found == [["https://e.com/p"]]
    outcome = {r.url: (r.kind, r.status, r.urls, r.error) for r in reports}
    assert outcome["https://e.com/index.xml"] == ("index", 200, 0, None)
    assert outcome["https://e.com/1.xml"] == ("urlset", 200, 1, None)
    assert outcome["https://e.com/gone.xml"] == (None, 404, 0, "answered 404")
    assert outcome["https://e.com/x.xml"] == (None, None, 0, "unreachable")
    assert (outcome["https://e.com/bad.xml"][3] or "").startswith("not well-formed XML")


async def test_an_index_child_on_another_host_needs_a_cross_submission() -> None:
    docs = {
        "https://e.com/index.xml": (200, b"<sitemapindex><sitemap><loc>https://other.org/s.xml</loc></sitemap>"
                                         b"<sitemap><loc>https://cdn.e.com/s.xml</loc></sitemap></sitemapindex>"),
        "https://other.org/s.xml": (200, b"<urlset><url><loc>https://e.com/from-other</loc></url></urlset>"),
        "https://cdn.e.com/s.xml": (200, b"<urlset><url><loc>https://e.com/from-cdn</loc></url></urlset>"),
    }  # fmt: skip
    fetch = _fetcher(docs)
    reports: list[sitemaps.Report] = []
    found = [locs async for locs in sitemaps.discover(fetch, ["https://e.com/index.xml"], reports=reports)]
    assert found == []
    assert {r.url for r in reports if r.error and "another host" in r.error} == {
        "https://other.org/s.xml", "https://cdn.e.com/s.xml"
    }  # fmt: skip

    # robots.txt of the crawled site names the CDN's sitemap: a cross-submission, followed.
    found = [
        locs
        async for locs in sitemaps.discover(
            fetch, ["https://e.com/index.xml"], cross_submitted=lambda url: url == "https://cdn.e.com/s.xml"
        )
    ]
    assert found == [["https://e.com/from-cdn"]]


async def test_parse_with_is_how_the_body_is_parsed() -> None:
    seen: list[bytes] = []

    async def parse_elsewhere(body: bytes) -> Parsed:
        seen.append(body)
        return sitemaps.parse(body)

    docs = {"https://e.com/s.xml": (200, b"https://e.com/a\n")}
    found = [
        locs async for locs in sitemaps.discover(_fetcher(docs), ["https://e.com/s.xml"], parse_with=parse_elsewhere)
    ]
    assert found == [["https://e.com/a"]] and seen == [b"https://e.com/a\n"]
