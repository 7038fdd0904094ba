"""Structured-data checks of one page: JSON-LD that does not parse, types schema.org does not define,
and Google's rich-result requirements (``richresults``) for the items the page declares."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from shared.audit import catalogue
from shared.audit.rules import richresults
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord

MAX_DETAIL_ITEMS = 10
_MAX_WALK = 2000


def _issue(page: PageRecord, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page.id, "code": code, "severity": catalogue.severity_of(code), "details": details}


@cache
def schema_types() -> frozenset[str]:
    """Every type name schema.org defines (data/schemaorg-types.txt)."""
    text = resources.files("shared.audit.rules").joinpath("data/schemaorg-types.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _all_types(page: PageRecord) -> list[str]:
    """Type names of every item and nested item (walk bounded)."""
    found: list[str] = []
    stack: list[Any] = [{"type": i.type, "properties": i.properties} for i in page.structured_data]
    steps = 0
    while stack and steps < _MAX_WALK:
        steps += 1
        entry = stack.pop()
        if isinstance(entry, list):
            stack.extend(entry)
        elif isinstance(entry, dict) and "properties" in entry and isinstance(entry["properties"], dict):
            found.extend(t for t in entry.get("type") or [] if isinstance(t, str))
            stack.extend(v for v in entry["properties"].values() if isinstance(v, dict | list))
    return found


def unknown_types(page: PageRecord) -> list[str]:
    """Types outside schema.org's vocabulary; names of other vocabularies (a prefix or an IRI) are not judged."""
    known = schema_types()
    return sorted({t for t in _all_types(page) if ":" not in t and "/" not in t and t not in known})


def _entries(page: PageRecord) -> list[tuple[list[str], dict[str, Any]]]:
    """The items rich results are judged on: top-level ones, and a WebPage's main entity."""
    out = []
    for item in page.structured_data:
        out.append((item.type, item.properties))
        main = item.properties.get("mainEntity")
        for entity in main if isinstance(main, list) else [main]:
            if isinstance(entity, dict) and isinstance(entity.get("properties"), dict):
                out.append((list(entity.get("type") or []), entity["properties"]))
    return out


def evaluate(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    """Structured-data issues of a content page."""
    out: list[dict[str, Any]] = []
    if page.structured_data_errors:
        out.append(_issue(page, "structured_data_invalid_json", errors=page.structured_data_errors[:MAX_DETAIL_ITEMS]))
    if unknown := unknown_types(page):
        out.append(_issue(page, "structured_data_unknown_type", types=unknown[:MAX_DETAIL_ITEMS]))
    required: list[dict[str, Any]] = []
    recommended: list[dict[str, Any]] = []
    retired: list[dict[str, str]] = []
    seen: set[tuple[str, ...]] = set()
    for types, props in _entries(page):
        for name in types:
            if name in richresults.RETIRED and name not in {r["type"] for r in retired}:
                what, source = richresults.RETIRED[name]
                retired.append({"type": name, "status": what, "source": source})
        feature = richresults.feature_of(types)
        if feature is None:
            continue
        key = (*types, str(props.get("@id") or id(props)))
        if key in seen:
            continue
        seen.add(key)
        label = {"type": ", ".join(types), "feature": feature.name, "doc": feature.doc}
        if lacking := richresults.missing(props, feature.required):
            required.append({**label, "missing": lacking})
        if lacking := richresults.missing(props, feature.recommended):
            recommended.append({**label, "missing": lacking})
    if required:
        out.append(_issue(page, "rich_result_missing_required", items=required[:MAX_DETAIL_ITEMS]))
    if recommended:
        out.append(_issue(page, "rich_result_missing_recommended", items=recommended[:MAX_DETAIL_ITEMS]))
    if retired:
        out.append(_issue(page, "rich_result_retired", items=retired))
    return out
