"""Decoding page bytes: the charset from the BOM, the header, the meta tag, or detection."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x"> or <meta http-equiv="Content-Type" content="text/html; charset=x">, in the
# first 2 KB as the HTML standard's prescan does (bytes, before we know the encoding).
_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.IGNORECASE)
_DETECT_BYTES = 64 * 1024
# Labels the web treats as another encoding (WHATWG Encoding: latin1 and ascii mean windows-1252).
_ALIASES = {"latin1": "cp1252", "iso-8859-1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "x-cp1251": "cp1251"}


def _known(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def from_header(content_type: str | None) -> str | None:
    """The charset a Content-Type header names, if Python knows it."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return _known(match.group(1)) if match else None


def _from_bom(body: bytes) -> tuple[str, int] | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, len(bom)
    return None


def _from_meta(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:2048])
    if not match:
        return None
    name = _known(match.group(1).decode("ascii", "ignore"))
    # A page that says utf-16 in ASCII bytes is not utf-16 (HTML standard: treat as utf-8).
    return "utf-8" if name and name.startswith("utf-16") else name


def declared(body: bytes, content_type: str | None) -> bool:
    """The page says its encoding: a BOM, a charset in Content-Type, or a ``<meta charset>`` early on."""
    return _from_bom(body) is not None or from_header(content_type) is not None or _from_meta(body) is not None


def _detect(body: bytes) -> str:
    try:
        body[:_DETECT_BYTES].decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > _DETECT_BYTES - 4:  # a character cut at the sample's end
            return "utf-8"
    best = charset_normalizer.from_bytes(body[:_DETECT_BYTES]).best()
    return (_known(best.encoding) if best is not None else None) or "cp1252"


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, charset)``: BOM first, then the header, the meta tag, then detection.

    Never raises: undecodable bytes become U+FFFD.
    """
    bom = _from_bom(body)
    if bom is not None:
        name, skip = bom
        return body[skip:].decode(name, "replace"), name
    name = from_header(content_type) or _from_meta(body) or _detect(body)
    try:
        return body.decode(name, "replace"), name
    except (LookupError, ValueError):
        return body.decode("utf-8", "replace"), "utf-8"
