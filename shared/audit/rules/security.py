"""Security checks of one page: HSTS, nosniff, cookies and forms over https."""

from __future__ import annotations

import re
from typing import Any

from shared.audit import catalogue
from shared.model.crawlsettings import Thresholds
from shared.model.pages import PageRecord

MAX_DETAIL_ITEMS = 10
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def _issue(page: PageRecord, code: str, **details: Any) -> dict[str, Any]:
    return {"page_id": page.id, "code": code, "severity": catalogue.severity_of(code), "details": details}


def hsts_max_age(value: str | None) -> int | None:
    """The max-age of a Strict-Transport-Security value; None when it has none (the header is void)."""
    match = _MAX_AGE.search(value or "")
    return int(match.group(1)) if match else None


def evaluate(page: PageRecord, t: Thresholds) -> list[dict[str, Any]]:
    """Security issues of a content page."""
    out: list[dict[str, Any]] = []
    headers = page.security_headers
    https = (page.final_url or page.url).startswith("https://")
    if https:
        max_age = hsts_max_age(headers.get("strict-transport-security"))
        if not max_age:  # absent, unparsable, or max-age=0 (which tells browsers to forget HSTS)
            out.append(_issue(page, "hsts_missing", header=headers.get("strict-transport-security")))
        insecure = [c.name for c in page.cookies if not c.secure]
        if insecure:
            out.append(_issue(page, "cookie_not_secure", cookies=insecure[:MAX_DETAIL_ITEMS]))
        forms = [a for a in page.form_actions if a.startswith("http://")]
        if forms:
            out.append(_issue(page, "form_insecure_action", actions=forms[:MAX_DETAIL_ITEMS]))
    if (headers.get("x-content-type-options") or "").strip().lower() != "nosniff":
        out.append(_issue(page, "x_content_type_options_missing", value=headers.get("x-content-type-options")))
    csp = (headers.get("content-security-policy") or "").lower()
    if not (headers.get("x-frame-options") or "").strip() and "frame-ancestors" not in csp:
        out.append(_issue(page, "x_frame_options_missing"))
    return out
