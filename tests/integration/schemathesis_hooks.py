"""Schemathesis hooks for ``test_schemathesis_api`` (loaded by ``st run`` through SCHEMATHESIS_HOOKS).

They teach the generator the document's two custom string formats (``cron`` and
``iana-time-zone``: the document names them, JSON Schema cannot spell them out) and apply the one
rule no schema can state: the start URL of a spider crawl must pass its own `include` and
`exclude` patterns. Only generated *positive* bodies are touched, and they stay schema-valid; the
rules themselves have tests of their own (tests/unit/test_patterns.py, test_api_input.py).
"""

from __future__ import annotations

import zoneinfo
from typing import Any

import schemathesis
from hypothesis import strategies as st

from shared.model import patterns

_FIELDS = {  # per cron field: (lowest, highest)
    "minute": (0, 59),
    "hour": (0, 23),
    "day": (1, 28),  # 29-31 would be valid too, but "30 2" never fires and is refused
    "month": (1, 12),
    "weekday": (0, 6),
}


def _cron_field(low: int, high: int) -> st.SearchStrategy[str]:
    number = st.integers(low, high).map(str)
    ranged = st.tuples(st.integers(low, high), st.integers(low, high)).map(lambda t: f"{min(t)}-{max(t)}")
    stepped = st.integers(1, max(1, high - low)).map(lambda n: f"*/{n}")
    return st.one_of(st.just("*"), number, ranged, stepped)


CRON = st.tuples(*(_cron_field(low, high) for low, high in _FIELDS.values())).map(" ".join)
TIME_ZONES = st.sampled_from(sorted(zoneinfo.available_timezones()))

schemathesis.openapi.format("cron", CRON)
schemathesis.openapi.format("iana-time-zone", TIME_ZONES)


def _passes(settings: dict[str, Any], url: str | None) -> None:
    """Drop the generated patterns the start URL does not pass (the rule JSON Schema cannot say)."""
    if not isinstance(url, str) or settings.get("mode", "spider") != "spider":
        return
    try:
        if include := settings.get("include"):
            kept = [p for p in include if patterns.compile_pattern(p).search(url)]
            settings["include"] = kept
        if exclude := settings.get("exclude"):
            settings["exclude"] = [p for p in exclude if not patterns.compile_pattern(p).search(url)]
    except (patterns.PatternError, patterns.SubjectTooLong):
        settings.pop("include", None)
        settings.pop("exclude", None)


@schemathesis.hook
def map_case(ctx: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    body = case.body
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if not positive or not isinstance(body, dict):
        return case
    label = f"{case.operation.method.upper()} {case.operation.path}"
    if label == "POST /api/crawls":
        _passes(body, body.get("url"))
    elif label == "POST /api/schedules" and isinstance(body.get("settings"), dict):
        _passes(body["settings"], body.get("url"))
    return case
