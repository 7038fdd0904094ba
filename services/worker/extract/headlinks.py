"""Canonical and hreflang link elements, as search engines read them: in ``<head>`` only.

Google accepts ``rel="canonical"`` and ``rel="alternate" hreflang`` only in the ``<head>`` (and in
HTTP ``Link`` headers); one in the ``<body>`` is ignored. The document is parsed as browsers parse
it (lexbor, HTML5), so an element that does not belong in ``<head>`` (an ``<img>``, an ``<iframe>``,
text) ends the head there, and the links after it land in the body: Google ignores those too.

Values are kept as written (``href``, the hreflang value with its spaces) beside the resolved URL,
so the audit can tell an invalid or relative canonical from a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from services.worker.fetch import urls
from shared.model.pages import Hreflang, LinkElement

MAX_CANONICALS = 20
MAX_HREFLANG = 500
MAX_RAW = 2048  # characters of an href kept as written
MAX_LANG = 50


@dataclass
class HeadLinks:
    canonical_links: list[LinkElement] = field(default_factory=list)  # head and body, in document order
    hreflang: list[Hreflang] = field(default_factory=list)  # head only
    hreflang_outside_head: int = 0


def _attr(node: LexborNode, name: str) -> str | None:
    value = node.attributes.get(name)
    return value if isinstance(value, str) else None


def _links(section: LexborNode | None) -> list[LexborNode]:
    return list(section.css("link")) if section is not None else []


def read(tree: LexborHTMLParser, base: str) -> HeadLinks:
    """The canonical and hreflang link elements of a parsed page (hrefs resolved against ``base``)."""
    out = HeadLinks()
    for source, section in (("head", tree.head), ("body", tree.body)):
        for link in _links(section):
            rel = (_attr(link, "rel") or "").lower().split()
            href = _attr(link, "href")
            if "canonical" in rel:
                raw = (href or "").strip()
                if raw and len(out.canonical_links) < MAX_CANONICALS:  # an empty href is no canonical (as Lighthouse)
                    out.canonical_links.append(
                        LinkElement(href=raw[:MAX_RAW], url=urls.normalize(raw, base), source=source)
                    )
            elif "alternate" in rel and _attr(link, "hreflang") is not None:
                if source != "head":
                    out.hreflang_outside_head += 1
                elif len(out.hreflang) < MAX_HREFLANG:
                    written = None if href is None else href.strip()[:MAX_RAW]
                    target = urls.normalize(written, base) if written else None
                    value = (_attr(link, "hreflang") or "")[:MAX_LANG]
                    out.hreflang.append(Hreflang(lang=value, url=target or "", href=written))
    return out


def from_header(entries: list[tuple[str, dict[str, str]]], base: str) -> HeadLinks:
    """Canonical and hreflang entries of a page's HTTP ``Link`` headers (``extract.link_header``)."""
    out = HeadLinks()
    for target, params in entries:
        rels = (params.get("rel") or "").lower().split()
        raw = target.strip()[:MAX_RAW]
        resolved = urls.normalize(raw, base) if raw else None
        if "canonical" in rels and raw and len(out.canonical_links) < MAX_CANONICALS:
            out.canonical_links.append(LinkElement(href=raw, url=resolved, source="header"))
        elif "alternate" in rels and params.get("hreflang") is not None and len(out.hreflang) < MAX_HREFLANG:
            out.hreflang.append(Hreflang(lang=params["hreflang"][:MAX_LANG], url=resolved or "", href=raw or None,
                                         source="header"))  # fmt: skip
    return out
