"""The shape of an audit finding, as the audit produces it and the issues projection stores it.

One row per (crawl, code, page). Codes and their texts are the catalogue's (``shared.audit``);
this module only says what a finding looks like, so the model stays free of the audit.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

Severity = Literal["error", "warning", "notice"]

# Most severe first: how every list of issues is ordered.
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "notice": 2}


class Issue(TypedDict):
    """One finding: the page it is about, its code and severity, and what the rule saw."""

    page_id: int
    code: str
    severity: Severity
    details: dict[str, Any]
