"""Structured data: JSON-LD, microdata and RDFa items of one page, in one normalised shape.

Every format becomes ``StructuredItem(format, type, properties)``: ``@graph`` members and
top-level arrays are items of their own, ``{"@id": ...}`` references to a node defined on the
page are replaced by that node (once per path, so cycles end), nested objects become nested
``{"type", "properties"}`` dicts, and ``https://schema.org/`` prefixes are dropped from types and
property names. Microdata and RDFa are read from the tree the page was already parsed into
(no second parser: extruct re-parses with lxml; measured on the benchmark's 30-80 KB pages with a
microdata item added, extruct took ~16 ms of CPU a page for the three formats, this ~0.2 ms).

Hostile input is bounded everywhere: blocks over 512 KiB are not parsed, and items, properties,
list lengths, nesting depth and string lengths are capped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from shared.model.pages import StructuredItem

MAX_JSON_LD_BYTES = 512 * 1024
MAX_ITEMS = 50
MAX_DEPTH = 5
MAX_PROPERTIES = 60
MAX_LIST = 20
MAX_VALUE = 300
MAX_ERRORS = 10
MAX_MARKUP_NODES = 2000  # itemprop / property nodes looked at per page

_SPACE = re.compile(r"\s+")
_SCHEMA_PREFIX = re.compile(r"^(?:https?://schema\.org/|schema:)", re.IGNORECASE)
# What wraps JSON-LD on old CMS templates and browsers ignore: HTML comments and CDATA markers.
_WRAPPER = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$")
_URL_VALUED = {"a": "href", "area": "href", "link": "href", "img": "src", "audio": "src", "video": "src",
               "source": "src", "iframe": "src", "embed": "src", "track": "src", "object": "data"}  # fmt: skip


def short_name(name: str) -> str:
    """A type or property name without the schema.org prefix."""
    return _SCHEMA_PREFIX.sub("", name.strip())[:100]


def _schema_context(context: Any) -> bool:
    """The JSON-LD context is schema.org's (or absent: the vocabulary is then unknown, assumed)."""
    if context is None:
        return True
    if isinstance(context, str):
        return "schema.org" in context.lower()
    if isinstance(context, list):
        return any(_schema_context(c) for c in context if isinstance(c, str)) or not any(
            isinstance(c, str) for c in context
        )
    if isinstance(context, dict):
        vocab = context.get("@vocab")
        return vocab is None or "schema.org" in str(vocab).lower()
    return True


class _JsonLd:
    """Normalises the nodes of a page's JSON-LD blocks (shared ``@id`` map across blocks)."""

    def __init__(self) -> None:
        self.roots: list[tuple[dict[str, Any], bool]] = []  # (node, context is schema.org)
        self.by_id: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []

    def add_block(self, raw: str, number: int) -> None:
        if len(raw) > MAX_JSON_LD_BYTES:
            self.errors.append(f"JSON-LD block {number} is over {MAX_JSON_LD_BYTES // 1024} KiB and was not read")
            return
        raw = _WRAPPER.sub("", raw)
        if not raw.strip():
            self.errors.append(f"JSON-LD block {number} is empty")
            return
        try:
            data = json.loads(raw)
        except RecursionError:
            self.errors.append(f"JSON-LD block {number} is nested too deeply to read")
            return
        except ValueError as exc:
            self.errors.append(f"JSON-LD block {number} is not valid JSON: {str(exc)[:150]}")
            return
        self._roots(data, None, 0)

    def _roots(self, data: Any, context: Any, level: int) -> None:
        if level > 3 or len(self.roots) >= MAX_ITEMS * 4:
            return
        if isinstance(data, list):
            for entry in data[: MAX_ITEMS * 4]:
                self._roots(entry, context, level + 1)
        elif isinstance(data, dict):
            context = data.get("@context", context)
            graph = data.get("@graph")
            if isinstance(graph, list | dict):
                self._roots(graph, context, level + 1)
                if "@type" not in data:
                    return
            schema = _schema_context(context)
            self.roots.append((data, schema))
            node_id = data.get("@id")
            if isinstance(node_id, str) and node_id not in self.by_id:
                self.by_id[node_id] = data

    def items(self) -> list[StructuredItem]:
        out: list[StructuredItem] = []
        for node, schema in self.roots:
            if len(out) >= MAX_ITEMS:
                break
            if "@type" not in node:
                continue  # a bare reference or a context-only object is not an item
            normal = self._node(node, schema, 0, frozenset())
            out.append(StructuredItem(format="json-ld", type=normal["type"], properties=normal["properties"]))
        return out

    def _types(self, value: Any, schema: bool) -> list[str]:
        names = value if isinstance(value, list) else [value]
        return [short_name(n) if schema else n.strip()[:200] for n in names[:10] if isinstance(n, str) and n.strip()]

    def _node(self, node: dict[str, Any], schema: bool, depth: int, path: frozenset[str]) -> dict[str, Any]:
        node_id = node.get("@id")
        if isinstance(node_id, str):
            path = path | {node_id}
        properties: dict[str, Any] = {}
        for key, value in node.items():
            if len(properties) >= MAX_PROPERTIES:
                break
            if key in ("@context", "@type", "@graph") or not isinstance(key, str):
                continue
            properties[short_name(key) if schema else key[:100]] = self._value(value, schema, depth + 1, path)
        return {"type": self._types(node.get("@type"), schema), "properties": properties}

    def _value(self, value: Any, schema: bool, depth: int, path: frozenset[str]) -> Any:
        if isinstance(value, str):
            return value[:MAX_VALUE]
        if isinstance(value, bool | int | float) or value is None:
            return value
        if isinstance(value, list):
            return [self._value(v, schema, depth, path) for v in value[:MAX_LIST]]
        if not isinstance(value, dict):
            return None
        if "@value" in value:
            return self._value(value["@value"], schema, depth, path)
        if depth > MAX_DEPTH:
            return {"type": self._types(value.get("@type"), schema), "properties": {}}
        ref = value.get("@id")
        if len(value) == 1 and isinstance(ref, str):
            target = self.by_id.get(ref)
            if target is None or ref in path or target is value:
                return {"type": [], "properties": {"@id": ref[:MAX_VALUE]}}
            return self._node(target, schema, depth, path)
        return self._node(value, schema, depth, path)


def json_ld(blocks: list[str]) -> tuple[list[StructuredItem], list[str]]:
    """Items and parse errors of a page's ``<script type="application/ld+json">`` bodies."""
    reader = _JsonLd()
    for number, raw in enumerate(blocks, 1):
        reader.add_block(raw, number)
    return reader.items(), reader.errors[:MAX_ERRORS]


def _attr(node: LexborNode, name: str) -> str | None:
    value = node.attributes.get(name)
    return value if isinstance(value, str) else None


def _owner(node: LexborNode, marker: str) -> LexborNode | None:
    """The nearest ancestor of ``node`` that carries ``marker`` (itemscope / typeof)."""
    parent = node.parent
    steps = 0
    while parent is not None and steps < 200:
        if marker in parent.attributes:
            return parent
        parent = parent.parent
        steps += 1
    return None


def _markup_value(node: LexborNode, content_attr: str | None) -> str:
    if content_attr and (value := _attr(node, content_attr)) is not None:
        return value.strip()[:MAX_VALUE]
    url_attr = _URL_VALUED.get(node.tag or "")
    if url_attr and (value := _attr(node, url_attr)) is not None:
        return value.strip()[:MAX_VALUE]
    for attr in ("datetime", "value") if node.tag in ("time", "data", "meter") else ():
        if (value := _attr(node, attr)) is not None:
            return value.strip()[:MAX_VALUE]
    return _SPACE.sub(" ", node.text(deep=True) or "").strip()[:MAX_VALUE]


def _markup_items(
    tree: LexborHTMLParser, scope_attr: str, type_attr: str, prop_attr: str, content_attr: str | None
) -> list[tuple[LexborNode, dict[str, Any]]]:
    """Items of one attribute-based format (microdata or RDFa): (node, {"type", "properties"}), outermost first."""
    scopes = tree.css(f"[{scope_attr}]")[: MAX_ITEMS * 4]
    if not scopes:
        return []
    items: dict[int, dict[str, Any]] = {}
    order: list[tuple[LexborNode, dict[str, Any]]] = []
    for node in scopes:
        kinds = (_attr(node, type_attr) or "").split()
        entry = {"type": [short_name(k) for k in kinds[:10]], "properties": {}}
        items[node.mem_id] = entry
        order.append((node, entry))
    nested: set[int] = set()
    for prop_node in tree.css(f"[{prop_attr}]")[:MAX_MARKUP_NODES]:
        owner = _owner(prop_node, scope_attr)
        if owner is None or owner.mem_id not in items:
            continue
        names = (_attr(prop_node, prop_attr) or "").split()
        if prop_node.mem_id in items:
            value: Any = items[prop_node.mem_id]
            nested.add(prop_node.mem_id)
        else:
            value = _markup_value(prop_node, content_attr)
        props = items[owner.mem_id]["properties"]
        for name in names[:5]:
            key = short_name(name)
            if key in props:
                existing = props[key]
                if isinstance(existing, list):
                    if len(existing) < MAX_LIST:
                        existing.append(value)
                else:
                    props[key] = [existing, value]
            elif len(props) < MAX_PROPERTIES:
                props[key] = value
    return [(node, entry) for node, entry in order if node.mem_id not in nested]


def _bounded(value: Any, depth: int) -> Any:
    """A nested markup value cut at ``MAX_DEPTH`` (markup can nest items arbitrarily deep)."""
    if isinstance(value, list):
        return [_bounded(v, depth) for v in value]
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            return {"type": value["type"], "properties": {}}
        return {
            "type": value["type"],
            "properties": {k: _bounded(v, depth + 1) for k, v in value["properties"].items()},
        }
    return value


def markup(tree: LexborHTMLParser, html: str) -> list[StructuredItem]:
    """Microdata (``itemscope``) and RDFa (``typeof``) items of the parsed page."""
    out: list[StructuredItem] = []
    # A substring test skips the tree walks on the (many) pages without such markup.
    if "itemscope" in html:
        for _, entry in _markup_items(tree, "itemscope", "itemtype", "itemprop", "content"):
            if len(out) < MAX_ITEMS:
                out.append(StructuredItem(format="microdata", type=entry["type"],
                                          properties=_bounded(entry, 0)["properties"]))  # fmt: skip
    if "typeof=" in html:
        for _, entry in _markup_items(tree, "typeof", "typeof", "property", "content"):
            if len(out) < MAX_ITEMS:
                out.append(
                    StructuredItem(format="rdfa", type=entry["type"], properties=_bounded(entry, 0)["properties"])
                )
    return out


def types_of(items: list[StructuredItem]) -> list[str]:
    """Every type named by the items and their nested items, in order of appearance (the page's
    ``structured_data_types``)."""
    found: list[str] = []
    stack: list[Any] = [{"type": i.type, "properties": i.properties} for i in reversed(items)]
    steps = 0
    while stack and steps < 10_000 and len(found) < 100:
        steps += 1
        entry = stack.pop()
        if isinstance(entry, list):
            stack.extend(reversed(entry))
        elif isinstance(entry, dict) and "properties" in entry:
            for name in entry.get("type") or []:
                if name not in found:
                    found.append(name)
            stack.extend(reversed([v for v in entry["properties"].values() if isinstance(v, dict | list)]))
    return found
