"""Extraction: the on-page SEO signals of one HTML document (selectolax/lexbor, one parse).

Everything here reads hostile input: every list is capped, every text is trimmed, nothing raises
on malformed markup (lexbor parses anything the way a browser would).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from selectolax.lexbor import LexborHTMLParser, LexborNode

from services.worker.extract import anchors, headlinks, resources, structured
from services.worker.fetch import urls
from shared.audit import directives, minhash
from shared.model.pages import AnchorProblem, Hreflang, Link, LinkElement, PageResource, PaginationLink, StructuredItem

MAX_LINKS = 5000
MAX_HEADINGS = 50
MAX_TEXT = 1000  # characters kept of a title, description, heading or attribute
MAX_ANCHOR = 200
SHINGLE_WORDS = 3
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")  # words as shared.audit.duplicates counts them


def _ascii_words_table() -> bytes:
    """bytes.translate table: ASCII word characters lower-cased, every other byte a space."""
    table = bytearray(b" " * 256)
    for c in b"abcdefghijklmnopqrstuvwxyz0123456789_":
        table[c] = c
    for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[c] = c + 32
    return bytes(table)


# For ASCII text, Python's \w is exactly [A-Za-z0-9_], so translating every other byte to a
# space and splitting gives the same words as _WORD.findall(text.lower()), about 4x faster.
_ASCII_WORDS = _ascii_words_table()
_MIXED_CONTENT = (("img", "src"), ("script", "src"), ("iframe", "src"), ("source", "src"), ("video", "src"),
                  ("audio", "src"), ("embed", "src"), ("object", "data"))  # fmt: skip
_LINK_HEADER = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_LINK_PARAM = re.compile(r""";\s*([A-Za-z*-]+)\s*=\s*(?:"([^"]*)"|([^;,\s]*))""")
_OG_KEYS = ("og:title", "og:description", "og:image", "og:type", "og:url", "og:site_name")
_TWITTER_KEYS = ("twitter:card", "twitter:title", "twitter:description", "twitter:image", "twitter:site")
# An XHTML page may start with its XML declaration (the PostgreSQL docs do): the doctype follows it.
_DOCTYPE = re.compile(
    r"^(?:\ufeff)?\s*(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--.*?-->\s*)*<!doctype\s", re.IGNORECASE | re.DOTALL
)
MAX_EXCERPT = 300
MAX_FORMS = 20


@dataclass
class Extracted:
    """The signals of one HTML page (the page record's content fields)."""

    title: str | None = None
    title_count: int = 0
    meta_description: str | None = None
    meta_robots: str | None = None
    canonical_links: list[LinkElement] = field(default_factory=list)  # <head> and <body> (headlinks)
    hreflang: list[Hreflang] = field(default_factory=list)  # <head> only
    hreflang_outside_head: int = 0
    lang: str | None = None
    viewport: str | None = None
    meta_refresh: str | None = None
    base_href: str | None = None
    h1: list[str] = field(default_factory=list)
    h2: list[str] = field(default_factory=list)
    word_count: int = 0
    content_hash: str | None = None
    simhash: int | None = None
    # The MinHash signature and bottom-k sketch of the word 3-shingles (shared.audit.minhash): what the
    # site-wide near-duplicate pass compares. Working data of the crawl, not a field of the record.
    sketches: tuple[bytes, bytes] | None = None
    links: list[Link] = field(default_factory=list)
    images_count: int = 0
    images_missing_alt: int = 0
    mixed_content_count: int = 0
    structured_data_types: list[str] = field(default_factory=list)
    open_graph: dict[str, str] = field(default_factory=dict)
    # issue 13's checks
    structured_data: list[StructuredItem] = field(default_factory=list)
    structured_data_errors: list[str] = field(default_factory=list)
    resources: list[PageResource] = field(default_factory=list)
    anchor_problems: list[AnchorProblem] = field(default_factory=list)
    form_actions: list[str] = field(default_factory=list)
    has_doctype: bool = False
    pagination: list[PaginationLink] = field(default_factory=list)
    twitter_card: dict[str, str] = field(default_factory=dict)
    text_excerpt: str | None = None
    lorem_ipsum: bool = False


def clean(text: str | None, limit: int = MAX_TEXT) -> str:
    """Whitespace collapsed and trimmed, at most ``limit`` characters."""
    if not text:
        return ""
    return _SPACE.sub(" ", text).strip()[:limit]


_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_MIX3 = np.uint64(0x94D049BB133111EB)
_PRIME1 = np.uint64(0x100000001B3)
_PRIME2 = np.uint64(0xC2B2AE3D27D4EB4F)
# Row v: the 8 bits of the byte value v, least significant first.
_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little").astype(np.int64)


def words_of(text: str) -> list[bytes]:
    """The lower-cased words of ``text`` (``\\w+``, as shared.audit.duplicates counts them), UTF-8 encoded."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORDS).split()
    return [word.encode("utf-8") for word in _WORD.findall(text.lower())]


def simhash(words: list[bytes] | list[str]) -> int | None:
    """64-bit simhash of the word 3-shingles, as a signed integer (fits Postgres bigint).

    Vectorised because it runs on every page: each word is hashed once (crc32), a shingle's
    hash combines its three word hashes, and splitmix64 spreads it over 64 bits before the
    bits are counted. Near-duplicate pages (shared.audit.duplicates) differ in few bits.
    """
    if not words:
        return None
    encoded = words if isinstance(words[0], bytes) else [str(w).encode("utf-8") for w in words]
    hashes = np.fromiter(map(zlib.crc32, encoded), dtype=np.uint64, count=len(encoded))
    if len(hashes) >= SHINGLE_WORDS:
        shingles = (hashes[:-2] * _PRIME1) ^ (hashes[1:-1] * _PRIME2) ^ hashes[2:]
    else:
        shingles = np.array([int(np.bitwise_xor.reduce(hashes * _PRIME1))], dtype=np.uint64)
    z = shingles + _MIX1
    z = (z ^ (z >> np.uint64(30))) * _MIX2
    z = (z ^ (z >> np.uint64(27))) * _MIX3
    z ^= z >> np.uint64(31)
    # Per-bit counts: how often each byte value occurs in each of the 8 byte columns, times the
    # byte values' bits (2.5x faster than unpacking every bit and summing the n x 64 matrix).
    columns = z.astype("<u8").view(np.uint8).reshape(-1, 8)
    counts = np.concatenate([np.bincount(columns[:, c], minlength=256) @ _BYTE_BITS for c in range(8)])
    value = int.from_bytes(np.packbits(counts * 2 > len(z), bitorder="little").tobytes(), "little")
    return value - (1 << 64) if value >= 1 << 63 else value


def link_header(value: str | None) -> list[tuple[str, dict[str, str]]]:
    """``Link:`` header entries as ``(url, params)`` with lower-cased parameter names."""
    if not value:
        return []
    entries = []
    for match in _LINK_HEADER.finditer(value[:16384]):
        params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                  for m in _LINK_PARAM.finditer(match.group(2) or "")}  # fmt: skip
        entries.append((match.group(1).strip(), params))
    return entries


def _attr(node: LexborNode, name: str) -> str | None:
    value = node.attributes.get(name)
    return value if isinstance(value, str) else None


def extract(html: str, url: str, is_internal: Callable[[str], bool]) -> Extracted:
    """The signals of ``html`` served at ``url`` (links resolved against ``<base href>`` or ``url``)."""
    tree = LexborHTMLParser(html)
    out = Extracted()
    out.has_doctype = _DOCTYPE.match(html[:4096]) is not None
    _document(tree, out)
    base = _base(tree, url, out)
    _meta(tree, out)
    _head_links(tree, base, out)
    _pagination(tree, base, out)
    out.h1 = [clean(h.text(deep=True)) for h in tree.css("h1")[:MAX_HEADINGS]]
    out.h2 = [clean(h.text(deep=True)) for h in tree.css("h2")[:MAX_HEADINGS]]
    _structured_data(tree, html, out)
    out.resources = resources.collect(tree, base)
    _forms(tree, base, url, out)
    images = tree.css("img")
    out.images_count = len(images)
    out.images_missing_alt = sum(1 for img in images if "alt" not in img.attributes)
    if url.startswith("https://"):
        out.mixed_content_count = _mixed_content(tree)
    out.links = _links(tree, base, is_internal, out)
    _body_text(tree, out)  # last: it strips scripts and styles from the tree
    return out


def _document(tree: LexborHTMLParser, out: Extracted) -> None:
    """``<html lang>`` and the title(s)."""
    root = tree.css_first("html")
    if root is not None:
        out.lang = clean(_attr(root, "lang"), 100) or None
    titles = tree.css("title")
    out.title_count = len(titles)
    if titles:
        out.title = clean(titles[0].text(deep=True))


def _base(tree: LexborHTMLParser, url: str, out: Extracted) -> str:
    """The URL relative links resolve against: ``<base href>`` when it is a usable http(s) URL."""
    base_node = tree.css_first("base[href]")
    if base_node is None:
        return url
    href = _attr(base_node, "href") or ""
    resolved = urls.normalize(href, url)
    if resolved is None:  # a javascript: or garbage base is ignored, as browsers do
        return url
    out.base_href = clean(href, urls.MAX_URL_LENGTH)
    return resolved


def _meta(tree: LexborHTMLParser, out: Extracted) -> None:
    """Description, robots (``robots`` and ``googlebot`` tags), viewport, Open Graph, refresh."""
    robots: list[str] = []
    googlebot: list[str] = []
    # The description counts in <head> only (a <meta> after an <img> there is in the body for parsers,
    # as for Lighthouse); robots meta counts anywhere, as Google reads it in <body> too.
    in_head = {node.mem_id for node in tree.head.css("meta")} if tree.head is not None else set()
    for meta in tree.css("meta"):
        attrs = meta.attributes
        content = attrs.get("content") or ""
        name = (attrs.get("name") or "").strip().lower()
        if name == "description" and out.meta_description is None and meta.mem_id in in_head:
            out.meta_description = clean(content)
        elif name == "robots":
            robots.append(content)
        elif name == "googlebot":
            googlebot.append(content)
        elif name == "viewport" and out.viewport is None:
            out.viewport = clean(content, 500)
        prop = (attrs.get("property") or "").strip().lower()
        if prop in _OG_KEYS and prop not in out.open_graph and content:
            out.open_graph[prop] = clean(content)
        card_key = name if name.startswith("twitter:") else prop  # X reads name=, many sites write property=
        if card_key in _TWITTER_KEYS and card_key not in out.twitter_card and content:
            out.twitter_card[card_key] = clean(content)
        if (attrs.get("http-equiv") or "").strip().lower() == "refresh" and out.meta_refresh is None:
            out.meta_refresh = clean(content, 2100)
    # Googlebot's own tags follow the general ones, each under its prefix ("googlebot: noindex"),
    # the way an X-Robots-Tag names a crawler (shared.audit.directives reads both alike).
    for content in [*robots, *(f"{directives.GOOGLEBOT}: {c}" for c in googlebot)]:
        out.meta_robots = clean(f"{out.meta_robots}, {content}" if out.meta_robots else content, 500)


def _head_links(tree: LexborHTMLParser, base: str, out: Extracted) -> None:
    """Canonical and hreflang link elements as written, from ``<head>`` (and canonicals in the body,
    which Google ignores, so the audit can say so): ``headlinks``."""
    found = headlinks.read(tree, base)
    out.canonical_links, out.hreflang = found.canonical_links, found.hreflang
    out.hreflang_outside_head = found.hreflang_outside_head


def _pagination(tree: LexborHTMLParser, base: str, out: Extracted) -> None:
    """``<link rel=next/prev>``: their targets are pages to check (``pagination_broken``)."""
    for link in tree.css("link[rel][href]"):
        rel = (_attr(link, "rel") or "").lower().split()
        if ("next" in rel or "prev" in rel or "previous" in rel) and len(out.pagination) < 4:
            target = urls.normalize(_attr(link, "href") or "", base)
            if target is not None:
                out.pagination.append(PaginationLink(rel="next" if "next" in rel else "prev", url=target))


def _structured_data(tree: LexborHTMLParser, html: str, out: Extracted) -> None:
    """JSON-LD, microdata and RDFa items (``structured``) and the types they name."""
    blocks = [script.text(deep=True) for script in tree.css("script[type]")
              if (_attr(script, "type") or "").strip().lower() == "application/ld+json"]  # fmt: skip
    items, out.structured_data_errors = structured.json_ld(blocks) if blocks else ([], [])
    out.structured_data = (items + structured.markup(tree, html))[: structured.MAX_ITEMS]
    out.structured_data_types = structured.types_of(out.structured_data)


def _forms(tree: LexborHTMLParser, base: str, url: str, out: Extracted) -> None:
    """Where the page's forms submit (no action: the page itself)."""
    for form in tree.css("form")[:MAX_FORMS]:
        action = (_attr(form, "action") or "").strip()
        target = urls.normalize(action, base) if action else urls.normalize(url)
        if target is not None:
            out.form_actions.append(target)


def _mixed_content(tree: LexborHTMLParser) -> int:
    """Resources an https page loads over plain http (images, scripts, frames, media, styles, icons)."""
    mixed = 0
    for tag, attr in _MIXED_CONTENT:
        for node in tree.css(f"{tag}[{attr}]"):
            if (_attr(node, attr) or "").strip().lower().startswith("http://"):
                mixed += 1
    for node in tree.css("link[href]"):
        link_rel = (_attr(node, "rel") or "").lower()
        if ("stylesheet" in link_rel or "icon" in link_rel or "preload" in link_rel) and (
            (_attr(node, "href") or "").strip().lower().startswith("http://")
        ):
            mixed += 1
    return mixed


def _links(tree: LexborHTMLParser, base: str, is_internal: Callable[[str], bool], out: Extracted) -> list[Link]:
    """``<a href>`` targets worth crawling, each (URL, anchor text) once, at most ``MAX_LINKS``; anchors
    crawlers cannot follow go to ``out.anchor_problems``."""
    links: list[Link] = []
    seen: set[tuple[str, str]] = set()
    for anchor in tree.css("a"):
        if len(links) >= MAX_LINKS:
            break
        raw_href = _attr(anchor, "href")
        target = urls.normalize(raw_href, base) if raw_href is not None else None
        # Most hrefs are plain ASCII URLs that resolved: no anchor problem, no call to find out.
        suspect = target is None or raw_href is None or not raw_href.isascii() or raw_href.strip() in ("", "#")
        reason = anchors.problem(anchor, raw_href, target) if suspect else None
        if reason is not None and len(out.anchor_problems) < anchors.MAX_PROBLEMS:
            written = None if raw_href is None else raw_href.strip()[: anchors.MAX_HREF]
            out.anchor_problems.append(
                AnchorProblem(href=written, text=clean(anchor.text(deep=True), 100), reason=reason)  # type: ignore[arg-type]
            )
        if target is None or len(target) > urls.MAX_URL_LENGTH:
            continue  # javascript:, mailto:, tel:, data: and garbage are not links to crawl
        text = clean(anchor.text(deep=True), MAX_ANCHOR) or clean(anchors.accessible_name(anchor), MAX_ANCHOR)
        anchor_rel = " ".join(sorted(set((_attr(anchor, "rel") or "").lower().split())))[:100]
        key = (target, text)
        if key in seen:
            continue
        seen.add(key)
        links.append(Link(url=target, anchor=text, rel=anchor_rel, internal=is_internal(target)))
    return links


def _body_text(tree: LexborHTMLParser, out: Extracted) -> None:
    """Word count, content hash and simhash of the visible body text (scripts and styles stripped)."""
    body = tree.body
    if body is None:
        return
    tree.strip_tags(["script", "style", "noscript", "template", "svg"])
    text = body.text(deep=True, separator=" ")
    # The audit's definition of words and of the content hash (shared.audit.duplicates).
    # Tokenised once, as UTF-8 bytes: the hash and the per-word crc32 need no re-encoding.
    words = words_of(text)
    out.word_count = len(words)
    out.text_excerpt = clean(text[: MAX_EXCERPT * 8], MAX_EXCERPT) or None
    # Substring tests (memchr speed), not a case-insensitive regex over the whole text.
    out.lorem_ipsum = "orem ipsum" in text or "orem Ipsum" in text or "OREM IPSUM" in text
    if words:
        out.content_hash = hashlib.sha1(b" ".join(words)).hexdigest()
        out.simhash = simhash(words)
        out.sketches = minhash.sketches(words)
