"""A bounded schemathesis run: generated requests against a real api, checked against the document.

Few examples per operation so that the whole run stays well under a minute on a shared machine.
Live streams are left out (they never end by design); a crawl and a schedule exist so that some
generated ids hit real rows.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import positive_data_acceptance

from services.api.openapi import document
from services.api.routing import OPERATIONS
from shared import embedded
from shared.settings import Settings
from tests.conftest import TEMPLATE, _admin
from tests.integration.apiserver import running_api

TOKEN = "test-token-schemathesis"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = 6
SEMANTIC = {"POST /api/crawls", "POST /api/schedules"}
STREAMS = ("/api/crawls/{crawl_id}/events", "/api/crawls/events")


@pytest.fixture(scope="module")
def live_api(pg_server_dsn: str, template_dsn: str) -> Iterator[tuple[str, dict]]:  # type: ignore[type-arg]
    name = f"t_schemathesis_{uuid.uuid4().hex[:8]}"  # unique: test runs may share a server
    asyncio.run(_admin(pg_server_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                       f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))  # fmt: skip
    dsn = embedded.with_database(pg_server_dsn, name)
    config = Settings(database_url=dsn, api_token=TOKEN, allow_private_networks=True, login_max_failures=1000)
    try:
        with running_api(config) as (base_url, app):
            request = urllib.request.Request(
                f"{base_url}/api/crawls",
                data=json.dumps({"url": "https://example.com/"}).encode(),
                headers={**AUTH, "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as resp:
                assert resp.status == 201
            yield base_url, document(app[OPERATIONS])
    finally:
        asyncio.run(_admin(pg_server_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _run(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode, session: requests.Session) -> None:
    # Bodies with rules JSON Schema cannot say (a cron expression, include patterns the start URL
    # must match) may be schema-valid yet refused with a 422 naming the field; that is correct.
    excluded = [positive_data_acceptance] if operation.label in SEMANTIC else []

    @given(case=operation.as_strategy(generation_mode=mode))
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
    base_url, doc = live_api
    doc = {**doc, "paths": {p: item for p, item in doc["paths"].items() if p not in STREAMS}}
    schema = schemathesis.openapi.from_dict(doc)
    schema.config.update(base_url=base_url, headers=AUTH, request_timeout=10)
    failures: list[str] = []
    session = requests.Session()
    runs = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, session)
                runs += 1
            except Unsatisfiable:
                continue  # nothing to make invalid: no parameters and no body
            except Exception as exc:  # collected so that one run reports every operation that fails
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    assert runs > 30
