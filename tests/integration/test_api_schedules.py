"""Schedule routes: create (cron and time zone validated), list, read, delete, as events."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from services.api.app import create_app
from shared.eventlog import eventstore
from shared.platform.settings import Settings

TOKEN = "test-token-schedules-0123456789abcdef0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_create_list_delete(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(
        create_app(Settings(database_url=dsn, api_token=TOKEN, allow_private_networks=True)), headers=AUTH
    )
    body = {"url": "https://example.com/", "cron": "0 3 * * *", "timezone": "Europe/Moscow",
            "settings": {"max_pages": 50}}  # fmt: skip
    resp = await client.post("/api/schedules", json=body)
    assert resp.status == 201, await resp.text()
    schedule = await resp.json()
    assert schedule["settings"]["max_pages"] == 50 and schedule["settings"]["url"] == "https://example.com/"
    fires = [datetime.fromisoformat(t) for t in schedule["next_fire_times"]]
    assert len(fires) == 5 and fires == sorted(fires)
    # 03:00 in Moscow is 00:00 UTC.
    assert all(f.astimezone(ZoneInfo("Europe/Moscow")).hour == 3 and f.utcoffset().total_seconds() == 0 for f in fires)

    listing = await (await client.get("/api/schedules")).json()
    assert [s["id"] for s in listing["items"]] == [schedule["id"]]
    assert (await client.get(f"/api/schedules/{schedule['id']}")).status == 200

    async with pool.acquire() as conn:
        types = [e.type for e in await eventstore.read_stream(conn, f"schedule-{schedule['id']}")]
    assert types == ["ScheduleCreated"]

    assert (await client.delete(f"/api/schedules/{schedule['id']}")).status == 204
    assert (await client.get(f"/api/schedules/{schedule['id']}")).status == 404
    assert (await client.delete(f"/api/schedules/{schedule['id']}")).status == 404
    assert (await client.delete(f"/api/schedules/{uuid.uuid4()}")).status == 404
    assert (await client.delete("/api/schedules/nope")).status == 404
    async with pool.acquire() as conn:
        types = [e.type for e in await eventstore.read_stream(conn, f"schedule-{schedule['id']}")]
    assert types == ["ScheduleCreated", "ScheduleDeleted"]


async def test_invalid_schedules_name_the_field(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    good = {"url": "https://example.com/", "cron": "0 3 * * *", "timezone": "UTC"}
    cases = [
        ({**good, "cron": "every day"}, "cron"),
        ({**good, "cron": "61 * * * *"}, "cron"),
        ({**good, "timezone": "Mars/Olympus"}, "timezone"),
        ({**good, "timezone": "../../etc/passwd"}, "timezone"),
        ({**good, "url": "ftp://example.com/"}, "url"),
        ({**good, "settings": {"max_pages": 0}}, "settings.max_pages"),
        ({**good, "settings": {"bogus": 1}}, "settings.bogus"),
        ({"cron": "0 3 * * *"}, "url"),
    ]
    for body, field in cases:
        resp = await client.post("/api/schedules", json=body)
        problem = await resp.json()
        assert resp.status == 422 and resp.content_type == "application/problem+json", (body, problem)
        assert field in [e["field"] for e in problem["errors"]], (body, problem)
        assert problem["detail"]


async def test_preview_reads_cron_as_the_scheduler_does(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    resp = await client.get("/api/schedules/preview", params={"cron": " 0  3 * *   1 ", "timezone": "Europe/Moscow"})
    assert resp.status == 200, await resp.text()
    preview = await resp.json()
    assert preview["cron"] == "0 3 * * 1" and preview["timezone"] == "Europe/Moscow"
    fires = [datetime.fromisoformat(t) for t in preview["next_fire_times"]]
    assert len(fires) == 5 and fires == sorted(fires)
    local = [f.astimezone(ZoneInfo("Europe/Moscow")) for f in fires]
    assert all(f.utcoffset().total_seconds() == 0 for f in fires)  # the answer is in UTC
    assert all(t.weekday() == 0 and t.hour == 3 and t.minute == 0 for t in local)  # Mondays, 03:00 in Moscow
    two = await (await client.get("/api/schedules/preview", params={"cron": "0 0 * * *", "count": "2"})).json()
    assert len(two["next_fire_times"]) == 2
    # nothing was stored
    assert (await (await client.get("/api/schedules")).json())["items"] == []


async def test_preview_names_the_bad_field(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    cases = [
        ({"cron": "61 * * * *"}, "cron"),
        ({"cron": "every day"}, "cron"),
        ({"cron": "0 0 30 2 *"}, "cron"),  # well formed, but February has no 30th
        ({"cron": "0 3 * * *", "timezone": "Mars/Olympus"}, "timezone"),
        ({"cron": "0 3 * * *", "count": "500"}, "count"),
        ({}, "cron"),
    ]
    for params, field in cases:
        resp = await client.get("/api/schedules/preview", params=params)
        problem = await resp.json()
        assert resp.status == 422 and resp.content_type == "application/problem+json", (params, problem)
        assert [e["field"] for e in problem["errors"]] == [field], (params, problem)
    # A schedule that would never fire is refused when created too (it used to fail later, in the scheduler).
    body = {"url": "https://example.com/", "cron": "0 0 31 4 *", "timezone": "UTC"}
    resp = await client.post("/api/schedules", json=body)
    assert resp.status == 422 and [e["field"] for e in (await resp.json())["errors"]] == ["cron"]
