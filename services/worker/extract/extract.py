"""Extraction: the on-page SEO signals of one HTML document (selectolax/lexbor, one parse).

Everything here reads hostile input: every list is capped, every text is trimmed, nothing raises
on malformed markup (lexbor parses anything the way a browser would).
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from selectolax.lexbor import LexborHTMLParser, LexborNode

from services.worker.extract import headlinks
from services.worker.fetch import urls
from shared.audit import directives
from shared.model.pages import Hreflang, Link, LinkElement

MAX_LINKS = 5000
MAX_HEADINGS = 50
MAX_TEXT = 1000  # characters kept of a title, description, heading or attribute
MAX_ANCHOR = 200
MAX_JSON_LD_BYTES = 512 * 1024
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
    links: list[Link] = field(default_factory=list)
    images_count: int = 0
    images_missing_alt: int = 0
    mixed_content_count: int = 0
    structured_data_types: list[str] = field(default_factory=list)
    open_graph: dict[str, str] = field(default_factory=dict)


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


def _json_ld_types(raw: str, found: list[str]) -> None:
    if len(raw) > MAX_JSON_LD_BYTES:
        return
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # broken or absurdly nested JSON is just not structured data
        return
    stack: list[Any] = [data]
    steps = 0
    while stack and steps < 10000:
        steps += 1
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            kind = item.get("@type")
            for name in kind if isinstance(kind, list) else [kind]:
                if isinstance(name, str) and name and name not in found and len(found) < 100:
                    found.append(name[:200])
            stack.extend(v for k, v in item.items() if isinstance(v, dict | list) and k != "@context")


def _attr(node: LexborNode, name: str) -> str | None:
    value = node.attributes.get(name)
    return value if isinstance(value, str) else None


def extract(html: str, url: str, is_internal: Callable[[str], bool]) -> Extracted:
    """The signals of ``html`` served at ``url`` (links resolved against ``<base href>`` or ``url``)."""
    tree = LexborHTMLParser(html)
    out = Extracted()
    _document(tree, out)
    base = _base(tree, url, out)
    _meta(tree, out)
    _head_links(tree, base, out)
    out.h1 = [clean(h.text(deep=True)) for h in tree.css("h1")[:MAX_HEADINGS]]
    out.h2 = [clean(h.text(deep=True)) for h in tree.css("h2")[:MAX_HEADINGS]]
    out.structured_data_types = _structured_data_types(tree)
    images = tree.css("img")
    out.images_count = len(images)
    out.images_missing_alt = sum(1 for img in images if "alt" not in img.attributes)
    if url.startswith("https://"):
        out.mixed_content_count = _mixed_content(tree)
    out.links = _links(tree, base, is_internal)
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
    for meta in tree.css("meta"):
        attrs = meta.attributes
        content = attrs.get("content") or ""
        name = (attrs.get("name") or "").strip().lower()
        if name == "description" and out.meta_description is None:
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


def _structured_data_types(tree: LexborHTMLParser) -> list[str]:
    types: list[str] = []
    for script in tree.css("script[type]"):
        if (_attr(script, "type") or "").strip().lower() == "application/ld+json":
            _json_ld_types(script.text(deep=True), types)
    return types


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


def _links(tree: LexborHTMLParser, base: str, is_internal: Callable[[str], bool]) -> list[Link]:
    """``<a href>`` targets worth crawling, each (URL, anchor text) once, at most ``MAX_LINKS``."""
    links: list[Link] = []
    seen: set[tuple[str, str]] = set()
    for anchor in tree.css("a[href]"):
        if len(links) >= MAX_LINKS:
            break
        target = urls.normalize(_attr(anchor, "href") or "", base)
        if target is None or len(target) > urls.MAX_URL_LENGTH:
            continue  # javascript:, mailto:, tel:, data: and garbage are not links to crawl
        text = clean(anchor.text(deep=True), MAX_ANCHOR)
        if not text:
            img = anchor.css_first("img[alt]")
            text = clean(_attr(img, "alt"), MAX_ANCHOR) if img is not None else ""
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
    if words:
        out.content_hash = hashlib.sha1(b" ".join(words)).hexdigest()
        out.simhash = simhash(words)
