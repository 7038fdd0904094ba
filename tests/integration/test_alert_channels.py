"""Delivery channels over the real api: test messages reach real receivers; secrets never come back or reach the log."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from services.api.app import create_app
from shared.platform.settings import Settings
from tests.integration.receivers import BOT_TOKEN, SLACK_PATH, WEBHOOK_SECRET, channel_bodies, running_receivers

TOKEN = "test-token-channels-0123456789abcdef0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECRET_KEY = "a-test-secret-key-of-enough-length"
SMTP_PASSWORD = "smtp-password-never-shown"


async def _client(aiohttp_client: Any, dsn: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {"database_url": dsn, "api_token": TOKEN, "allow_private_networks": True,
                              "secret_key": SECRET_KEY, "delivery_timeout_seconds": 5}  # fmt: skip
    values.update(overrides)
    return await aiohttp_client(create_app(Settings(**values)), headers=AUTH)


async def test_test_messages_arrive_everywhere_in_the_channels_language_and_secrets_stay_hidden(
    dsn: str, pool: asyncpg.Pool, aiohttp_client: Any
) -> None:
    async with running_receivers() as rx:
        client = await _client(
            aiohttp_client, dsn, slack_api_url=rx.slack_api_url, telegram_api_url=rx.telegram_api_url
        )
        bodies = channel_bodies(rx, language="ru")
        bodies["email"]["config"] |= {"username": "seo", "password": SMTP_PASSWORD}
        created: dict[str, dict[str, Any]] = {}
        for kind, body in bodies.items():
            resp = await client.post("/api/channels", json=body)
            text = await resp.text()
            assert resp.status == 201, text
            created[kind] = await resp.json()
        secrets = [WEBHOOK_SECRET, SLACK_PATH, BOT_TOKEN.split(":")[1], SMTP_PASSWORD]
        listing = await (await client.get("/api/channels")).text()
        for secret in secrets:
            assert secret not in listing and all(secret not in str(c) for c in created.values())
        assert created["webhook"]["secrets_set"] == ["secret"] and created["webhook"]["config"] == {
            "url": rx.webhook_url
        }
        assert created["telegram"]["config"] == {"chat_id": "-100200300"}
        assert created["email"]["secrets_set"] == ["password"] and created["email"]["config"]["username"] == "seo"

        # The SMTP server here takes no login; a mailbox that asks none works without one.
        await client.delete(f"/api/channels/{created['email']['id']}")
        del bodies["email"]["config"]["username"], bodies["email"]["config"]["password"]
        created["email"] = await (await client.post("/api/channels", json=bodies["email"])).json()

        for kind, channel in created.items():
            resp = await client.post(f"/api/channels/{channel['id']}/test")
            result = await resp.json()
            assert resp.status == 200 and result["delivered"], (kind, result)

        [hook] = rx.webhook
        assert hook.verified and hook.headers["X-SEO-Event"] == "test.message"
        assert hook.json["delivery_id"] == hook.headers["X-SEO-Delivery"]
        assert "Тестовое сообщение" in hook.json["message"]
        [slack] = rx.slack
        assert "Тестовое сообщение" in slack["text"]
        [telegram] = rx.telegram
        assert telegram["chat_id"] == "-100200300" and "Тестовое сообщение" in telegram["text"]
        [mail] = rx.mails
        assert mail["Subject"] == "Тестовое сообщение SEO crawler" and mail["To"] == "ops@example.com"
        kinds = {part.get_content_type() for part in mail.walk()}
        assert {"text/plain", "text/html"} <= kinds

        # The secrets are in the vault, encrypted; neither the log nor the vault holds them in clear.
        async with pool.acquire() as conn:
            log_text = "\n".join(
                r["t"] for r in await conn.fetch("SELECT data::text || metadata::text AS t FROM events")
            )
            vault_text = "\n".join(r["ciphertext"] for r in await conn.fetch("SELECT ciphertext FROM vault_secrets"))
            refs = await conn.fetchval("SELECT count(*) FROM vault_secrets")
        for secret in secrets:
            assert secret not in log_text and secret not in vault_text
        assert refs == 3  # webhook, slack, telegram (the second mailbox has no password)

        # A wrong token: the test says why, in the receiver's words.
        bad = {**bodies["telegram"], "config": {"bot_token": "999:wrong", "chat_id": "1"}}
        channel = await (await client.post("/api/channels", json=bad)).json()
        result = await (await client.post(f"/api/channels/{channel['id']}/test")).json()
        assert result == {"delivered": False, "detail": "Telegram answered HTTP 401: Unauthorized"}

        # Deleting a channel forgets its secret.
        assert (await client.delete(f"/api/channels/{created['webhook']['id']}")).status == 204
        assert (await client.delete(f"/api/channels/{created['webhook']['id']}")).status == 404
        assert (await client.post(f"/api/channels/{created['webhook']['id']}/test")).status == 404
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM vault_secrets") == 3  # slack, telegram, bad telegram


async def test_bad_channels_are_422_naming_the_field_and_private_targets_are_refused(
    dsn: str, aiohttp_client: Any
) -> None:
    client = await _client(aiohttp_client, dsn, allow_private_networks=False, slack_api_url="https://hooks.slack.com")
    cases = [
        ({"type": "webhook", "name": "x", "config": {"url": "https://example.com/", "secret": "short"}},
         "config.secret"),
        ({"type": "webhook", "name": "x", "config": {"secret": "s" * 20}}, "config.url"),
        ({"type": "webhook", "name": "x", "config": {"url": "http://127.0.0.1:9/h", "secret": "s" * 20}}, "config.url"),
        ({"type": "slack", "name": "x", "config": {"webhook_url": "https://evil.example/services/x"}},
         "config.webhook_url"),
        ({"type": "telegram", "name": "x", "config": {"bot_token": "nope", "chat_id": "1"}}, "config.bot_token"),
        ({"type": "email", "name": "x", "config": {"host": "localhost", "from": "a@b.c", "to": ["x@y.z"]}},
         "config.host"),
        ({"type": "email", "name": "x", "config": {"host": "mail.example.com", "from": "a@b.c", "to": []}},
         "config.to"),
        ({"type": "pigeon", "name": "x", "config": {}}, "type"),
        ({"type": "webhook", "name": "x", "language": "de", "config": {}}, "language"),
    ]  # fmt: skip
    for body, field in cases:
        resp = await client.post("/api/channels", json=body)
        problem = await resp.json()
        assert resp.status == 422, (body, problem)
        assert field in [e["field"] for e in problem["errors"]], (body, problem)


async def test_alert_rules_are_checked_per_kind(dsn: str, aiohttp_client: Any) -> None:
    client = await _client(aiohttp_client, dsn)
    site = await (await client.post("/api/sites", json={"url": "https://rules.example/"})).json()
    rules = f"/api/sites/{site['id']}/alert-rules"
    good = [
        {"kind": "crawl_failed"},
        {"kind": "health_drop", "params": {"points": 3}},
        {"kind": "new_issues", "params": {"severity": "warning", "codes": ["title_missing"]}},
        {"kind": "issue_count_up", "params": {"code": "status_4xx", "min_percent": 20}},
        {"kind": "field_changed", "params": {"field": "canonical", "min_pages": 2}},
        {"kind": "watch_urls", "params": {"urls": ["https://rules.example/pricing"]}},
    ]
    for body in good:
        resp = await client.post(rules, json=body)
        assert resp.status == 201, await resp.text()
    listed = (await (await client.get(rules)).json())["items"]
    assert [r["kind"] for r in listed] == [b["kind"] for b in good]
    assert listed[1]["params"] == {"points": 3.0} and listed[2]["params"]["min_count"] == 1
    bad = [
        ({"kind": "health_drop", "params": {"points": -1}}, "params"),
        ({"kind": "issue_count_up", "params": {"code": "x"}}, "params"),
        ({"kind": "field_changed", "params": {"field": "h7"}}, "params"),
        ({"kind": "watch_urls", "params": {"urls": ["ftp://x"]}}, "params"),
        ({"kind": "nope"}, "kind"),
        ({"kind": "crawl_failed", "channels": [str(uuid.uuid4())]}, "channels"),
    ]
    for body, field in bad:
        resp = await client.post(rules, json=body)
        problem = await resp.json()
        assert resp.status == 422, (body, problem)
        assert any(e["field"].startswith(field) for e in problem["errors"]), (body, problem)
    assert (await client.delete(f"/api/alert-rules/{listed[0]['id']}")).status == 204
    assert (await client.delete(f"/api/alert-rules/{listed[0]['id']}")).status == 404
    assert (await client.get(f"/api/sites/{uuid.uuid4()}/alert-rules")).status == 404
