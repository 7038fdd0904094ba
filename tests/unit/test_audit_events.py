"""Issues become IssuesDetected events of bounded size; only the first replaces earlier rows."""

from __future__ import annotations

import uuid

from shared.audit import audit


def test_issues_are_split_into_bounded_events_and_only_the_first_replaces() -> None:
    crawl_id = uuid.uuid4()
    issues = [{"page_id": i, "code": "h1_missing", "severity": "warning", "details": {}} for i in range(4500)]
    events = audit.to_events(crawl_id, issues, ["h1_missing", "title_missing"])
    assert [len(e.issues) for e in events] == [2000, 2000, 500]
    assert events[0].replace_codes == ["h1_missing", "title_missing"]
    assert all(e.replace_codes == [] for e in events[1:])
    assert [i["page_id"] for e in events for i in e.issues] == list(range(4500))


def test_no_issues_still_clears_the_old_ones() -> None:
    (event,) = audit.to_events(uuid.uuid4(), [], ["orphan_page"])
    assert event.issues == [] and event.replace_codes == ["orphan_page"]
