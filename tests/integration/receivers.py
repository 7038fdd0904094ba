"""Real receivers on loopback for alert deliveries: a signed-webhook endpoint, Slack, Telegram and an SMTP server.

Each records what arrived. The webhook receiver verifies ``X-SEO-Signature`` the way a user's
receiver would (HMAC-SHA256 of the raw body) and can be told to fail, or to hang, on chosen
attempts. The Slack and Telegram fakes answer like the real APIs, at base URLs the tests hand to
the settings (``SLACK_API_URL``, ``TELEGRAM_API_URL``). The SMTP server is ``aiosmtpd``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller

from tests.integration.service_support import free_port, serve

WEBHOOK_SECRET = "receiver-shared-secret-0123456789"
SLACK_PATH = "/services/T000/B000/secretpart"
BOT_TOKEN = "123456:ABC-secret_token"
CHAT_ID = "-100200300"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receivers:
    """What each receiver got (every request, failed ones included), and their base URLs."""

    webhook_url: str = ""
    slack_api_url: str = ""
    telegram_api_url: str = ""
    smtp_port: int = 0
    webhook: list[Received] = field(default_factory=list)
    slack: list[dict[str, Any]] = field(default_factory=list)
    telegram: list[dict[str, Any]] = field(default_factory=list)
    mails: list[EmailMessage] = field(default_factory=list)
    fail_first: int = 0  # answer 500 to the first N attempts of every delivery id
    hang_once: bool = False  # never answer the very next request (the sender is killed meanwhile)
    got_request: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)  # ends a hanging answer (at teardown)

    def delivered_webhooks(self) -> list[Received]:
        return [r for r in self.webhook if r.answered == 200]


def _webhook_app(rx: Receivers) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        verified = hmac.compare_digest(expected, request.headers.get("X-SEO-Signature", ""))
        delivery = request.headers.get("X-SEO-Delivery", "")
        seen = sum(1 for r in rx.webhook if r.headers.get("X-SEO-Delivery") == delivery)
        status = 401 if not verified else 500 if seen < rx.fail_first else 200
        rx.webhook.append(Received(dict(request.headers), body, verified, status))
        rx.got_request.set()
        if rx.hang_once:
            rx.hang_once = False
            rx.webhook[-1].answered = 0
            await rx.release.wait()
        return web.json_response({"ok": status == 200}, status=status)

    app = web.Application()
    app.router.add_post("/hook", receive)
    return app


def _slack_app(rx: Receivers) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        rx.slack.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(SLACK_PATH, receive)
    return app


def _telegram_app(rx: Receivers) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        if request.match_info["token"] != BOT_TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        message = await request.json()
        rx.telegram.append(message)
        return web.json_response({"ok": True, "result": {"message_id": len(rx.telegram), "chat": {"id": CHAT_ID}}})

    app = web.Application()
    app.router.add_post("/bot{token}/sendMessage", receive)
    return app


class _Mailbox:
    def __init__(self, rx: Receivers) -> None:
        self.rx = rx

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        mail = message_from_bytes(envelope.original_content, policy=policy.default)
        self.rx.mails.append(mail)  # type: ignore[arg-type]
        return "250 Message accepted"


@contextlib.asynccontextmanager
async def running_receivers() -> AsyncIterator[Receivers]:
    rx = Receivers()
    smtp = Controller(_Mailbox(rx), hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        async with (
            serve(_webhook_app(rx)) as webhook,
            serve(_slack_app(rx)) as slack,
            serve(_telegram_app(rx)) as telegram,
        ):
            rx.webhook_url, rx.slack_api_url, rx.telegram_api_url = f"{webhook}/hook", slack, telegram
            rx.smtp_port = smtp.port
            try:
                yield rx
            finally:
                rx.release.set()
    finally:
        smtp.stop()


def channel_bodies(rx: Receivers, *, language: str = "en") -> dict[str, dict[str, Any]]:
    """POST /api/channels bodies for one channel of each type, aimed at ``rx``."""
    return {
        "webhook": {"type": "webhook", "name": "Hook", "language": language,
                    "config": {"url": rx.webhook_url, "secret": WEBHOOK_SECRET}},
        "slack": {"type": "slack", "name": "Slack", "language": language,
                  "config": {"webhook_url": rx.slack_api_url + SLACK_PATH}},
        "telegram": {"type": "telegram", "name": "Telegram", "language": language,
                     "config": {"bot_token": BOT_TOKEN, "chat_id": CHAT_ID}},
        "email": {"type": "email", "name": "Mail", "language": language,
                  "config": {"host": "127.0.0.1", "port": rx.smtp_port, "security": "none",
                             "from": "seo@example.com", "to": ["ops@example.com"]}},
    }  # fmt: skip
