"""Schemathesis hooks for ``test_schemathesis_api`` (loaded by ``st run`` through SCHEMATHESIS_HOOKS).

They teach the generator the document's two custom string formats (``cron`` and
``iana-time-zone``: the document names them, JSON Schema cannot spell them out) and apply the one
rules no schema can state: the start URL of a spider crawl must pass its own `include` and
`exclude` patterns; an extraction rule's CSS or XPath must parse; a login page is on the crawl's origin and a
`secret_ref` must name stored credentials; a new site's origin must be new
and a site keeps its origin; a channel's config depends on its type; an alert rule's params depend
on its kind and its channels must exist. Only generated *positive* bodies are touched, and they
stay schema-valid; the rules themselves have tests of their own (tests/unit/test_patterns.py,
test_api_input.py, test_extraction.py, test_sites.py, test_alert_channels.py).
"""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

import schemathesis
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from services.api.routes.extraction import RuleTestCredentials
from shared.model import patterns
from shared.model.crawlauth import CrawlAuth
from shared.model.crawlsettings import CrawlSettings
from shared.model.extraction import ExtractionRule
from shared.model.sites import CRAWL_DEFAULT_FIELDS, origin_of
from shared.platform.settings import Settings

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


def _extraction(settings: dict[str, Any]) -> None:
    """Keep the extraction rules whose expressions compile (a CSS or XPath syntax error is a 422)."""
    rules = settings.get("extraction")
    if isinstance(rules, list):
        kept = []
        for rule in rules:
            try:
                ExtractionRule.model_validate(rule)
            except ValidationError:
                continue
            kept.append(rule)
        names = [r.get("name") for r in kept]
        settings["extraction"] = [r for i, r in enumerate(kept) if r.get("name") not in names[:i]]


def _auth(settings: dict[str, Any], url: Any, *, model: type[BaseModel] = CrawlAuth) -> None:
    """Credentials as the api takes them: a login page on the crawl's origin, no made-up `secret_ref` (an unknown
    reference is a 422), and what no schema says (at least one method, cookies as name=value pairs, no header the
    crawler sets itself); credentials that still do not pass are left out."""
    auth = settings.get("auth")
    if not isinstance(auth, dict):
        return
    auth.pop("secret_ref", None)
    form = auth.get("form")
    if model is not CrawlAuth:
        auth.pop("form", None)  # a rule test does not log in with a form
    elif isinstance(form, dict) and isinstance(url, str):
        form["url"] = origin_of(url) + "/login"
    try:
        model.model_validate(auth)
    except ValidationError:
        settings.pop("auth")


# A valid config per channel type (a schema cannot say which fields each type needs).
CHANNEL_CONFIGS: dict[str, dict[str, Any]] = {
    "webhook": {"url": "https://hooks.example/alerts", "secret": "s" * 20},
    "slack": {"webhook_url": Settings().slack_api_url.rstrip("/") + "/services/T0/B0/x"},  # the api's Slack host
    "telegram": {"bot_token": "123456:test-token", "chat_id": "1"},
    "email": {"host": "smtp.example", "port": 587, "security": "starttls", "from": "seo@example.com",
              "to": ["ops@example.com"]},
}  # fmt: skip
# Params every rule kind accepts (the kinds without defaults need these).
RULE_PARAMS: dict[str, dict[str, Any]] = {
    "issue_count_up": {"code": "status_4xx", "min_increase": 1},
    "field_changed": {"field": "title"},
    "watch_urls": {"urls": ["https://shop.example/"]},
}


def _site_settings(settings: Any) -> None:
    """A site's crawl defaults: the fields a crawl takes, each valid as a crawl's would be."""
    if not isinstance(settings, dict):
        return
    crawl = settings.get("crawl")
    if isinstance(crawl, dict):
        kept = {}
        for key, value in crawl.items():
            if key not in CRAWL_DEFAULT_FIELDS or key in ("include", "exclude"):
                continue
            try:
                CrawlSettings.model_validate({key: value, "url": "https://example.com/"})
            except ValidationError:
                continue
            kept[key] = value
        settings["crawl"] = kept


@schemathesis.hook
def map_case(ctx: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    body = case.body
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if not positive or not isinstance(body, dict):
        return case
    label = f"{case.operation.method.upper()} {case.operation.path}"
    if label == "POST /api/crawls":
        _passes(body, body.get("url"))
        _extraction(body)
        _auth(body, body.get("url") or (body.get("urls") or [None])[0])
    elif label == "POST /api/schedules" and isinstance(body.get("settings"), dict):
        _passes(body["settings"], body.get("url"))
        _extraction(body["settings"])
        _auth(body["settings"], body.get("url"))
    elif label == "POST /api/extraction/test":
        _extraction(body)
        if not body.get("extraction"):
            body["extraction"] = [{"name": "h1", "type": "css", "expression": "h1"}]
        _auth(body, body.get("url"), model=RuleTestCredentials)
    elif label == "POST /api/sites":
        body["url"] = f"https://site-{uuid.uuid4().hex[:12]}.example/"  # a new origin
        _site_settings(body.get("settings"))
    elif label == "PATCH /api/sites/{site_id}":
        body.pop("url", None)  # a site keeps its origin; its tests move it within
        _site_settings(body.get("settings"))
    elif label == "POST /api/channels" and body.get("type") in CHANNEL_CONFIGS:
        body["config"] = dict(CHANNEL_CONFIGS[body["type"]])
    elif label == "POST /api/sites/{site_id}/alert-rules":
        body["params"] = dict(RULE_PARAMS.get(str(body.get("kind")), {}))
        body["channels"] = []  # the seeded channel may be deleted by then; channels are checked in their tests
    return case
