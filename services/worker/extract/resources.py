"""What a page loads: its images, stylesheets, scripts and icon, with what the checks need of each.

The resource checker (services/worker/crawl/resources.py) requests every URL listed here once per
crawl; the page rules read ``blocking`` (render-blocking scripts) and ``unsized`` (images without
width and height) straight from the list.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from services.worker.fetch import urls
from shared.model.pages import PageResource

MAX_RESOURCES = 300
# Script types a browser runs (an empty type is JavaScript); anything else (templates, JSON) is data.
_SCRIPT_TYPES = frozenset({"", "text/javascript", "application/javascript", "application/x-javascript",
                           "text/ecmascript", "application/ecmascript", "module", "text/jsx"})  # fmt: skip
_STYLE_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:", re.IGNORECASE)


def _attr(node: LexborNode, name: str) -> str | None:
    value = node.attributes.get(name)
    return value if isinstance(value, str) else None


def _sized(img: LexborNode) -> bool:
    """Width and height given, as attributes or inline style (the layout box is known before load)."""
    attrs = img.attributes
    if (attrs.get("width") or "").strip() and (attrs.get("height") or "").strip():
        return True
    style = attrs.get("style") or ""
    given = {name for name in ("width", "height") if (attrs.get(name) or "").strip()}
    given |= {m.group(1).lower() for m in _STYLE_SIZE.finditer(style)} if style else set()
    return given >= {"width", "height"}


def collect(tree: LexborHTMLParser, base: str) -> list[PageResource]:
    """The page's subresources, in document order, one entry per (url, type), at most ``MAX_RESOURCES``."""
    out: dict[tuple[str, str], PageResource] = {}

    def add(raw: str | None, kind: str, blocking: bool = False, unsized: bool = False) -> None:
        if raw is None or len(out) >= MAX_RESOURCES:
            return
        raw = raw.strip()
        if not raw or raw.lower().startswith("data:"):
            return  # inline data is not a request
        url = urls.normalize(raw, base)
        if url is None or len(url) > urls.MAX_URL_LENGTH:
            return
        key = (url, kind)
        if key not in out:
            # Built without validation: every field is set here from checked values (this runs per resource).
            out[key] = PageResource.model_construct(url=url, type=kind, blocking=blocking, unsized=unsized)

    head = tree.head
    head_scripts = {node.mem_id for node in head.css("script[src]")} if head is not None else set()
    icon = False
    for link in tree.css("link[href]"):
        rel = (_attr(link, "rel") or "").lower().split()
        if "stylesheet" in rel and "alternate" not in rel:
            add(_attr(link, "href"), "stylesheet")
        elif "icon" in rel and not icon:
            icon = True
            add(_attr(link, "href"), "icon")
    for script in tree.css("script[src]"):
        kind = (_attr(script, "type") or "").strip().lower()
        if kind not in _SCRIPT_TYPES:
            continue
        attrs = script.attributes
        blocking = (script.mem_id in head_scripts and kind != "module"
                    and "async" not in attrs and "defer" not in attrs)  # fmt: skip
        add(_attr(script, "src"), "script", blocking=blocking)
    for img in tree.css("img[src]"):
        add(_attr(img, "src"), "image", unsized=not _sized(img))
    if not icon:
        # Browsers ask for /favicon.ico when the page names no icon.
        add("/favicon.ico", "icon")
    return list(out.values())
