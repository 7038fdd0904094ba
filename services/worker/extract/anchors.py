"""Anchors crawlers cannot follow, or whose href is written badly, and a link's accessible name.

``problem`` follows Lighthouse's crawlable-anchors audit (v13.4.1) and adds what Google's link
guidelines say it cannot follow: any ``javascript:`` URL (Lighthouse fails only ``void(0)``),
plus ``#``-only and empty hrefs (Lighthouse passes them; they lead nowhere) and hrefs written with
unencoded non-ASCII characters. The reasons keep the two apart (docs/AUDIT.md).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

MAX_PROBLEMS = 100
MAX_HREF = 300
# Attributes that make an <a> without href a link-to-be rather than a named anchor (Lighthouse).
_HREF_ASSOCIATED = ("target", "download", "ping", "rel", "hreflang", "type", "referrerpolicy", "onclick")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _attr(node: LexborNode, name: str) -> str | None:
    value = node.attributes.get(name)
    return value if isinstance(value, str) else None


def problem(anchor: LexborNode, href: str | None, resolved: str | None) -> str | None:
    """Why ``anchor`` (whose raw ``href`` resolved to ``resolved``) is not a followable link, or None."""
    if resolved is not None and href is not None and href.isascii():
        stripped = href.strip()
        if stripped and stripped != "#":
            return None  # the common case, decided without reading the anchor's attributes
    if (_attr(anchor, "role") or "").strip():
        return None  # an anchor given a role is a widget, not a link
    if href is None:
        if (_attr(anchor, "name") or "").strip() or (_attr(anchor, "id") or "").strip():
            return None  # a named anchor (a fragment target)
        attrs = anchor.attributes
        return "no_href" if any(name in attrs for name in _HREF_ASSOCIATED) else None
    compact = "".join(href.split())
    lowered = compact.lower()
    if not compact:
        return None if (_attr(anchor, "id") or "").strip() else "empty_href"
    if lowered.startswith("javascript:"):
        return "javascript"
    if lowered.startswith("file:"):
        return "file"
    if compact == "#":
        return "fragment_only"
    scheme = _SCHEME.match(compact)
    if resolved is None:
        if scheme is None or scheme.group(1).lower() in ("http", "https"):
            return "unparsable"
        return None  # mailto:, tel:, ftp: and the like are links, just not to web pages
    after_host = href.split("//", 1)[1].partition("/")[2] if "//" in href else href
    if _NON_ASCII.search(after_host):
        return "non_ascii"  # beyond the host: an IDN host name is fine, a raw Cyrillic path is not
    return None


def accessible_name(anchor: LexborNode) -> str:
    """What a link is called when it has no text: an image's alt, then aria-label, then title."""
    img = anchor.css_first("img[alt]")
    if img is not None and (alt := _attr(img, "alt")):
        return alt
    return _attr(anchor, "aria-label") or _attr(anchor, "title") or ""
