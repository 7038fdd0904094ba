"""A bounded schemathesis run: generated requests against a real api, checked against the document.

Few examples per operation so that the whole run stays well under a minute on a shared machine.
Live streams are left out (they never end by design). A completed crawl with pages and issues and
a schedule are seeded, and each operation with ids in its path also runs with those real ids.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import positive_data_acceptance

from services.api.openapi import document
from services.api.routing import OPERATIONS
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.model.crawlsettings import CrawlSettings
from shared.model.pages import Link, PageRecord
from shared.platform import database, embedded
from shared.platform.settings import Settings
from tests.conftest import TEMPLATE, _admin
from tests.integration.apiserver import running_api

TOKEN = "test-token-schemathesis"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = 6
SEMANTIC = {
    "POST /api/crawls", "POST /api/schedules", "GET /api/schedules/preview", "POST /api/sites",
    "PATCH /api/sites/{site_id}", "POST /api/channels", "POST /api/sites/{site_id}/alert-rules",
}  # fmt: skip
STREAMS = ("/api/crawls/{crawl_id}/events", "/api/crawls/events")


async def _seed(dsn: str) -> dict[str, str]:
    """A completed crawl with pages, links and issues, and a schedule: real rows for real responses."""
    crawl_id, schedule_id, site_id, rule_id, channel_id = (uuid.uuid4() for _ in range(5))
    site = "https://shop.example"
    now = datetime(2026, 1, 2, tzinfo=UTC)
    pages = [
        PageRecord(id=1, url=f"{site}/", status_code=200, indexable=True, title="Home", content_type="text/html",
                   crawled_at=now, links=[Link(url=f"{site}/gone", anchor="gone")]),
        PageRecord(id=2, url=f"{site}/gone", status_code=404, crawled_at=now),
    ]  # fmt: skip
    issues = [{"page_id": 2, "code": "status_4xx", "severity": "error", "details": {"status_code": 404}}]
    settings = CrawlSettings(url=f"{site}/")
    stream = ev.crawl_stream(crawl_id)
    conn = await database.connect(dsn)
    try:
        await streams.append(
            conn, ev.site_stream(site_id), [ev.SiteCreated(site_id=site_id, origin=site, url=f"{site}/", name="shop")]
        )
        await streams.append(
            conn,
            ev.channel_stream(channel_id),
            [ev.ChannelCreated(channel_id=channel_id, type="telegram", name="ops", language="en",
                               config={"chat_id": "1"})],
        )  # fmt: skip
        await streams.append(
            conn,
            ev.alert_rule_stream(rule_id),
            [ev.AlertRuleCreated(rule_id=rule_id, site_id=site_id, kind="crawl_failed", params={},
                                 channels=[channel_id])],
        )  # fmt: skip
        await streams.append(conn, stream, [ev.CrawlRequested(crawl_id=crawl_id, settings=settings, site_id=site_id)])
        await streams.append(conn, stream, [ev.PagesCrawled(crawl_id=crawl_id, pages=pages, pages_discovered=2)])
        await streams.append(conn, stream, [ev.IssuesDetected(crawl_id=crawl_id, issues=issues)])
        await streams.append(conn, stream, [ev.CrawlCompleted(crawl_id=crawl_id, pages_crawled=2)])
        await streams.append(
            conn,
            ev.schedule_stream(schedule_id),
            [ev.ScheduleCreated(schedule_id=schedule_id, url=settings.url, cron="0 3 * * *", timezone="UTC",
                                settings=settings)],
        )  # fmt: skip
    finally:
        await conn.close()
    return {"crawl_id": str(crawl_id), "page_id": "1", "schedule_id": str(schedule_id), "site_id": str(site_id),
            "rule_id": str(rule_id), "channel_id": str(channel_id)}  # fmt: skip


@pytest.fixture(scope="module")
def live_api(pg_server_dsn: str, template_dsn: str) -> Iterator[tuple[str, dict, dict]]:  # type: ignore[type-arg]
    name = f"t_schemathesis_{uuid.uuid4().hex[:8]}"  # unique: test runs may share a server
    asyncio.run(_admin(pg_server_dsn, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    dsn = embedded.with_database(pg_server_dsn, name)
    config = Settings(database_url=dsn, api_token=TOKEN, allow_private_networks=True, login_max_failures=1000)
    try:
        seeded = asyncio.run(_seed(dsn))
        with running_api(config) as (base_url, app):
            yield base_url, document(app[OPERATIONS]), seeded
    finally:
        asyncio.run(_admin(pg_server_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _run(
    operation: schemathesis.APIOperation,
    mode: schemathesis.GenerationMode,
    session: requests.Session,
    path_parameters: dict[str, str] | None = None,
) -> None:
    # Inputs with rules JSON Schema cannot say (a cron expression, include patterns the start URL
    # must match) may be schema-valid yet refused with a 422 naming the field; that is correct.
    excluded = [positive_data_acceptance] if operation.label in SEMANTIC else []

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        if case.query and mode is schemathesis.GenerationMode.POSITIVE:
            # A cursor is opaque: only one the api handed out is valid, whatever its shape.
            case.query.pop("cursor", None)
        case.call_and_validate(session=session, headers=AUTH, excluded_checks=excluded)

    check()


def test_api_conforms_to_its_document(live_api: tuple[str, dict]) -> None:  # type: ignore[type-arg]
    base_url, doc, seeded = live_api
    doc = {**doc, "paths": {p: item for p, item in doc["paths"].items() if p not in STREAMS}}
    schema = schemathesis.openapi.from_dict(doc)
    schema.config.update(base_url=base_url, headers=AUTH, request_timeout=10)
    failures: list[str] = []
    session = requests.Session()
    runs = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        # Real ids of seeded rows make real responses (checked against their schemas); random ids make 404s.
        names = {p.name for p in operation.path_parameters}
        real = {k: v for k, v in seeded.items() if k in names}
        plans = [(schemathesis.GenerationMode.POSITIVE, None), (schemathesis.GenerationMode.NEGATIVE, None)]
        if real:
            plans.append((schemathesis.GenerationMode.POSITIVE, real))
        for mode, path_parameters in plans:
            try:
                _run(operation, mode, session, path_parameters)
                runs += 1
            except Unsatisfiable:
                continue  # nothing to make invalid: no parameters and no body
            except Exception as exc:  # collected so that one run reports every operation that fails
                label = f"{operation.label} ({mode.value}{', seeded ids' if path_parameters else ''})"
                failures.append(f"{label}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert runs > 30
