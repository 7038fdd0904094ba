"""Extraction of page signals from HTML, including hostile markup."""

from __future__ import annotations

import random

import numpy as np

from services.worker.extract import extract
from shared.audit import duplicates, minhash

URL = "https://site.test/dir/page"


def _internal(url: str) -> bool:
    return url.startswith("https://site.test/") or url.startswith("http://site.test/")


def test_every_field_of_a_rich_page() -> None:
    html = """<!doctype html><html lang="ru-RU"><head>
      <title> Hello &amp;  world </title><title>second</title>
      <meta name="Description" content="A page  about things">
      <meta name="robots" content="noindex, follow"><meta name="viewport" content="width=device-width">
      <meta property="og:title" content="OG title"><meta http-equiv="refresh" content="5; url=/next">
      <link rel="canonical" href="/canon"><link rel="alternate" hreflang="en" href="https://site.test/en/">
      <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"Organization"},
        {"@type":["Product","Thing"]}]}</script>
      <script type="application/ld+json">{broken json</script>
      <link rel="stylesheet" href="http://cdn.test/a.css">
    </head><body><h1>Main <b>heading</b></h1><h2>Sub one</h2><h2>Sub two</h2>
      <script>var hidden = "not words";</script>
      <p>Some body text here.</p>
      <a href="../other">Other</a><a href="https://ext.test/" rel="NoFollow UGC">ext</a>
      <a href="mailto:a@b">m</a><a href="javascript:alert(1)">j</a><a href="tel:123">t</a>
      <a href="//site.test/proto">proto</a><a href="#top">top</a><a href="/img"><img src="x.png" alt="Picture"></a>
      <img src="http://cdn.test/b.png"><img src="c.png" alt="">
    </body></html>"""
    out = extract.extract(html, URL, _internal)
    assert out.title == "Hello & world" and out.title_count == 2
    assert out.meta_description == "A page about things"
    assert out.meta_robots == "noindex, follow" and out.viewport == "width=device-width"
    assert out.open_graph == {"og:title": "OG title"} and out.meta_refresh == "5; url=/next"
    assert [(c.href, c.url, c.source) for c in out.canonical_links] == [("/canon", "https://site.test/canon", "head")]
    assert [(h.lang, h.url, h.href) for h in out.hreflang] == [("en", "https://site.test/en/", "https://site.test/en/")]
    assert out.lang == "ru-RU" and out.h1 == ["Main heading"] and out.h2 == ["Sub one", "Sub two"]
    assert out.structured_data_types == ["Organization", "Product", "Thing"]
    links = {(link.url, link.anchor, link.rel, link.internal) for link in out.links}
    assert links == {
        ("https://site.test/other", "Other", "", True),
        ("https://ext.test/", "ext", "nofollow ugc", False),
        ("https://site.test/proto", "proto", "", True),
        ("https://site.test/dir/page", "top", "", True),
        ("https://site.test/img", "Picture", "", True),
    }
    assert out.images_count == 3 and out.images_missing_alt == 1
    assert out.mixed_content_count == 2  # the http stylesheet and the http image
    assert out.word_count == 17  # Main heading, Sub one, Sub two, Some body text here, Other ext m j t proto top
    assert out.content_hash is not None and out.simhash is not None


def test_canonical_and_hreflang_count_only_in_the_head() -> None:
    """A body canonical is kept as such (and ignored); an <img> in <head> ends the head for what follows."""
    html = """<html><head><title>t</title>
      <link rel="canonical" href="file:///usr/share/doc/python3.11/html/index.html">
      <link rel="alternate" hreflang=" en " href="/en/"><link rel="alternate" hreflang="de">
      <img src="pixel.gif"><link rel="canonical" href="https://elsewhere.test/">
      <link rel="alternate" hreflang="fr" href="https://site.test/fr/">
    </head><body><link rel="canonical" href="/body-canonical"></body></html>"""
    out = extract.extract(html, URL, _internal)
    assert [(c.href, c.url, c.source) for c in out.canonical_links] == [
        ("file:///usr/share/doc/python3.11/html/index.html", None, "head"),
        ("https://elsewhere.test/", "https://elsewhere.test/", "body"),  # after the <img>: body for Google too
        ("/body-canonical", "https://site.test/body-canonical", "body"),
    ]
    assert [(h.lang, h.url, h.href) for h in out.hreflang] == [(" en ", "https://site.test/en/", "/en/"),
                                                               ("de", "", None)]  # fmt: skip
    assert out.hreflang_outside_head == 1


def test_description_counts_only_in_the_head_robots_meta_anywhere() -> None:
    html = """<html><head><title>t</title></head><body><meta name="description" content="in body">
      <meta name="robots" content="noindex"></body></html>"""
    out = extract.extract(html, URL, _internal)
    assert out.meta_description is None and out.meta_robots == "noindex"


def test_an_xml_declaration_before_the_doctype_is_no_missing_doctype() -> None:
    xhtml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 '
        'Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd"><html></html>'
    )
    assert extract.extract(xhtml, URL, _internal).has_doctype
    assert not extract.extract('<?xml version="1.0"?><html></html>', URL, _internal).has_doctype


def test_base_href_resolves_links_and_a_bad_base_is_ignored() -> None:
    out = extract.extract('<base href="/root/"><a href="x">x</a>', URL, _internal)
    assert out.links[0].url == "https://site.test/root/x" and out.base_href == "/root/"
    out = extract.extract('<base href="javascript:evil()"><a href="x">x</a>', URL, _internal)
    assert out.links[0].url == "https://site.test/dir/x" and out.base_href is None


def test_hostile_markup_never_raises() -> None:
    rng = random.Random(7)
    samples = [
        "<html><head><title>unclosed",
        "<<<>>><a href='\x00'><a href=\"http://[::1\">",
        bytes(rng.randrange(256) for _ in range(5000)).decode("latin-1"),
        "<a href='" + "a" * 100_000 + "'>long</a>",
        "<div>" * 10_000,
        '<script type="application/ld+json">' + "[" * 5000 + "</script>",
    ]
    for html in samples:
        out = extract.extract(html, URL, _internal)
        assert all(len(link.url) <= 2048 for link in out.links)


def test_fingerprints_follow_the_audits_definitions() -> None:
    text = "The quick brown fox jumps over the lazy dog, again and again; the end."
    out = extract.extract(f"<body><p>{text}</p></body>", URL, _internal)
    assert out.content_hash == duplicates.content_hash(text)  # the audit's exact-duplicate key
    assert out.simhash is not None and -(2**63) <= out.simhash < 2**63
    # The near-duplicate sketches: the MinHash core's, of the same words the content hash reads.
    assert out.sketches == minhash.sketches(extract.words_of(text))
    rng = random.Random(3)
    words = [f"w{rng.randrange(2000)}" for _ in range(600)]
    near = list(words)
    near[300] = "changed"

    def sketch(words: list[str]) -> np.ndarray:
        found = extract.extract(f"<body><p>{' '.join(words)}</p></body>", URL, _internal).sketches
        assert found is not None
        return minhash.decode(found[1])

    # one word of 600 changed: 3 of ~600 shingles swapped for 3 new ones, Jaccard 0.99
    assert minhash.jaccard(sketch(words), sketch(near)) >= 0.98
    other = [f"w{rng.randrange(2000)}" for _ in range(600)]
    assert minhash.jaccard(sketch(words), sketch(other)) < 0.1


def test_link_header_parsing() -> None:
    value = '<https://a.test/c>; rel="canonical", </de>; rel=alternate; hreflang=de'
    assert extract.link_header(value) == [
        ("https://a.test/c", {"rel": "canonical"}),
        ("/de", {"rel": "alternate", "hreflang": "de"}),
    ]
