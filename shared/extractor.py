"""Custom extraction: the crawl's ``extraction`` rules run on one page's HTML. CPU only, pure.

``run(html, rules)`` returns what each rule found (``values``, the page's ``extracted``) and why a
rule produced nothing it should have (``errors``: a rule skipped, a result cut at its bound). It is
a CPU-pool task: the caller (the worker's crawl, the api's rule test) runs it with a time and memory
bound, because an XPath such as ``//*[count(//*) > 0]`` is quadratic in the page and lxml cannot be
interrupted from inside. Every result is bounded here: at most ``MAX_VALUES`` values a rule,
``MAX_VALUE_CHARS`` characters a value, ``MAX_PAGE_CHARS`` characters for the whole page; regular
expressions run on RE2 (linear time) over at most ``MAX_SUBJECT_CHARS`` characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shared.model import patterns
from shared.model.extraction import ExtractionRule

MAX_VALUES = 100
MAX_VALUE_CHARS = 2000
MAX_PAGE_CHARS = 200_000
MAX_SUBJECT_CHARS = 16 * 1024 * 1024
MAX_COUNTED = 100_000  # matches counted per rule (a count past it says so)
_SPACE = re.compile(r"\s+")

Value = str | int | list[str] | None


@dataclass
class Result:
    """One page's extraction: rule name → value (``extracted``), and rule name → why it fell short."""

    values: dict[str, Value] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    chars: int = 0

    def keep(self, rule: ExtractionRule, value: Value) -> None:
        size = len(value) if isinstance(value, str) else sum(map(len, value)) if isinstance(value, list) else 8
        if self.chars + size > MAX_PAGE_CHARS:
            self.values[rule.name] = [] if rule.multiple and rule.takes != "count" else None
            self.errors[rule.name] = f"not kept: the page's extracted values passed {MAX_PAGE_CHARS} characters"
            return
        self.chars += size
        self.values[rule.name] = value


def _clip(text: str, rule: ExtractionRule, result: Result) -> str:
    if len(text) <= MAX_VALUE_CHARS:
        return text
    result.errors.setdefault(rule.name, f"values cut at {MAX_VALUE_CHARS} characters")
    return text[:MAX_VALUE_CHARS]


def _text(value: str) -> str:
    return _SPACE.sub(" ", value).strip()


def _shape(rule: ExtractionRule, found: list[str], total: int, result: Result) -> Value:
    """The rule's value from its matches: a count, the first match, or up to ``MAX_VALUES`` of them."""
    if rule.takes == "count":
        return total
    if rule.multiple:
        if total > MAX_VALUES:
            result.errors.setdefault(rule.name, f"{total} matches; the first {MAX_VALUES} kept")
        return [_clip(v, rule, result) for v in found[:MAX_VALUES]]
    return _clip(found[0], rule, result) if found else None


class _Page:
    """The page parsed lazily: CSS rules read selectolax's tree, XPath rules lxml's."""

    def __init__(self, html: str) -> None:
        self.html = html
        self._lexbor: Any = None
        self._lxml: Any = None

    def lexbor(self) -> Any:
        if self._lexbor is None:
            from selectolax.lexbor import LexborHTMLParser

            self._lexbor = LexborHTMLParser(self.html)
        return self._lexbor

    def lxml(self) -> Any:
        if self._lxml is None:
            from lxml import html as lxml_html

            # No huge_tree: libxml2's own depth and size limits stay on for hostile markup.
            self._lxml = lxml_html.document_fromstring(self.html or "<html></html>")
        return self._lxml


def _css(page: _Page, rule: ExtractionRule) -> tuple[list[str], int]:
    nodes = page.lexbor().css(rule.expression)
    wanted = nodes if rule.multiple else nodes[:1]
    if rule.takes == "count":
        return [], len(nodes)
    values: list[str] = []
    for node in wanted[:MAX_VALUES]:
        if rule.takes == "attribute":
            attr = node.attributes.get(rule.attribute or "")
            if attr is not None:
                values.append(attr.strip())
        elif rule.takes == "inner_html":
            values.append(node.inner_html or "")
        else:
            values.append(_text(node.text(deep=True, separator=" ")))
    return values, len(nodes)


def _xpath(page: _Page, rule: ExtractionRule) -> tuple[list[str], int]:
    from lxml import etree

    found = page.lxml().xpath(rule.expression)
    if not isinstance(found, list):  # a string, number or boolean expression
        if isinstance(found, bool):
            return ([str(found).lower()], 1)
        if isinstance(found, float):
            return ([f"{found:g}"], 1)
        return ([_text(str(found))], 1)
    if rule.takes == "count":
        return [], len(found)
    values: list[str] = []
    for item in found if rule.multiple else found[:1]:
        if len(values) >= MAX_VALUES:
            break
        if isinstance(item, etree._Element):
            if rule.takes == "attribute":
                attr = item.get(rule.attribute or "")
                if attr is not None:
                    values.append(attr.strip())
            elif rule.takes == "inner_html":
                inner = (item.text or "") + "".join(
                    etree.tostring(child, encoding="unicode", method="html") for child in item
                )
                values.append(inner)
            else:
                values.append(_text(item.text_content()))
        else:  # an attribute value or a text node
            values.append(_text(str(item)))
    return values, len(found)


def _regex(html: str, rule: ExtractionRule) -> tuple[list[str], int]:
    pattern = patterns.compile_pattern(rule.expression, max_subject=MAX_SUBJECT_CHARS)
    group = 1 if pattern.regex.groups else 0
    values: list[str] = []
    total = 0
    for match in pattern.finditer(html):
        total += 1
        if len(values) < (MAX_VALUES if rule.multiple else 1) and rule.takes != "count":
            values.append(_text(match.group(group) or ""))
        if total >= MAX_COUNTED or (not rule.multiple and rule.takes != "count"):
            break
    return values, total


def _literal(html: str, rule: ExtractionRule) -> tuple[list[str], int]:
    total = 0
    start = html.find(rule.expression)
    while start >= 0 and total < MAX_COUNTED:
        total += 1
        start = html.find(rule.expression, start + len(rule.expression))
    return [], total


def run(html: str, rules: list[ExtractionRule], skip: dict[str, str] | None = None) -> Result:
    """Every rule on ``html`` (a decoded HTML page). Rules named in ``skip`` are not run; their reason is kept."""
    result = Result()
    page = _Page(html)
    subject = html if len(html) <= MAX_SUBJECT_CHARS else html[:MAX_SUBJECT_CHARS]
    for rule in rules:
        if skip and rule.name in skip:
            result.values[rule.name] = None
            result.errors[rule.name] = skip[rule.name]
            continue
        try:
            if rule.type == "css":
                found, total = _css(page, rule)
            elif rule.type == "xpath":
                found, total = _xpath(page, rule)
            elif rule.type == "regex":
                found, total = _regex(subject, rule)
            else:
                found, total = _literal(subject, rule)
        except Exception as exc:  # an expression that fails on this page fails for this page only
            result.values[rule.name] = None
            result.errors[rule.name] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        if len(html) > MAX_SUBJECT_CHARS and rule.type in ("regex", "text"):
            result.errors.setdefault(rule.name, f"only the first {MAX_SUBJECT_CHARS} characters were searched")
        if total >= MAX_COUNTED and rule.takes == "count":
            result.errors.setdefault(rule.name, f"counting stopped at {MAX_COUNTED} matches")
        result.keep(rule, _shape(rule, found, total, result))
    return result


def searches_found(rule: ExtractionRule, value: Value) -> bool:
    """Whether a search rule found something on the page (its value is a count, a match or matches)."""
    if isinstance(value, int):
        return value > 0
    if isinstance(value, list):
        return bool(value)
    return value is not None


def run_on_bytes(body: bytes, content_type: str | None, rules: list[ExtractionRule]) -> tuple[Result, str]:
    """``run`` on a page's raw bytes, decoded as the crawler decodes them; also the charset read.

    A CPU-pool task (the api's rule test): decoding and parsing hostile bytes never run on a loop.
    """
    from shared import charset

    text, encoding = charset.decode(body, content_type)
    return run(text, rules), encoding
