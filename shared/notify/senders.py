"""Sending one message through one channel: a signed webhook, Slack, Telegram or email (SMTP).

Every connection goes through the SSRF guard (``netguard``): HTTP through its connector (every
address DNS returns is checked at connect time), SMTP through a socket opened to an address that
was checked. Our own few lines instead of ``apprise``: apprise sends with ``requests`` (blocking,
its own DNS, so no guard at connect time) and hard-codes the Slack and Telegram hosts, which the
settings (and the tests) need to move.

``send`` returns a short detail on success and raises ``DeliveryError`` with a reason a user can
act on otherwise. Nothing here logs a secret or puts one in an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiohttp
import aiosmtplib

from shared import netguard
from shared.model.alerts import EmailConfig, SlackConfig, TelegramConfig, WebhookConfig
from shared.notify.messages import Message

EVENT_ALERT = "alert.raised"
EVENT_TEST = "test.message"
USER_AGENT = "SEOCrawler-Alerts/1.0"
MAX_ERROR_BODY = 200


class DeliveryError(Exception):
    """The message did not arrive; ``str()`` says why (never with a secret in it)."""


@dataclass(frozen=True)
class Envelope:
    """One message to send: its id (the same on every retry), what kind it is and what it says."""

    delivery_id: str
    event: str
    message: Message
    payload: dict[str, Any]  # the webhook's JSON body


@dataclass(frozen=True)
class Network:
    """What the senders need from the settings."""

    allow_private: bool
    timeout: float
    slack_api_url: str
    telegram_api_url: str


def sign(secret: str, body: bytes) -> str:
    """``X-SEO-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the raw body with the channel's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _session(net: Network) -> aiohttp.ClientSession:
    connector = netguard.GuardedConnector(allow_private=net.allow_private, limit=4, ttl_dns_cache=60)
    timeout = aiohttp.ClientTimeout(total=net.timeout)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, headers={"User-Agent": USER_AGENT})


async def _post(net: Network, url: str, body: bytes, headers: dict[str, str], *, what: str) -> tuple[int, str]:
    """POST ``body``; the status and the start of the answer. No redirects: a channel URL is exact."""
    try:
        async with _session(net) as session, session.post(url, data=body, headers=headers, allow_redirects=False) as r:
            text = (await r.content.read(4096)).decode("utf-8", "replace")
            return r.status, text
    except TimeoutError:
        raise DeliveryError(f"{what} did not answer within {net.timeout:g} s") from None
    except aiohttp.ClientError as exc:
        refused = netguard.refusal_of(exc)
        raise DeliveryError(refused or f"{what} could not be reached: {type(exc).__name__}") from None


def _http_error(what: str, status: int, text: str) -> DeliveryError:
    snippet = " ".join(text.split())[:MAX_ERROR_BODY]
    return DeliveryError(f"{what} answered HTTP {status}" + (f": {snippet}" if snippet else ""))


async def send_webhook(net: Network, config: WebhookConfig, envelope: Envelope) -> str:
    body = json.dumps(envelope.payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "X-SEO-Event": envelope.event,
        "X-SEO-Delivery": envelope.delivery_id,
        "X-SEO-Signature": sign(config.secret, body),
    }
    status, text = await _post(net, config.url, body, headers, what="the webhook")
    if not 200 <= status < 300:
        raise _http_error("the webhook", status, text)
    return f"HTTP {status}"


async def send_slack(net: Network, config: SlackConfig, envelope: Envelope) -> str:
    if not config.webhook_url.startswith(net.slack_api_url.rstrip("/") + "/"):
        raise DeliveryError(f"the Slack webhook URL must start with {net.slack_api_url}")
    body = json.dumps({"text": envelope.message.text}, ensure_ascii=False).encode()
    status, text = await _post(net, config.webhook_url, body, {"Content-Type": "application/json"}, what="Slack")
    if not 200 <= status < 300:
        raise _http_error("Slack", status, text)
    return f"HTTP {status}"


async def send_telegram(net: Network, config: TelegramConfig, envelope: Envelope) -> str:
    url = f"{net.telegram_api_url.rstrip('/')}/bot{config.bot_token}/sendMessage"
    body = json.dumps(
        {"chat_id": config.chat_id, "text": envelope.message.text[:4000], "disable_web_page_preview": True},
        ensure_ascii=False,
    ).encode()
    status, text = await _post(net, url, body, {"Content-Type": "application/json"}, what="Telegram")
    try:
        answer = json.loads(text)
    except ValueError:
        answer = {}
    if status != 200 or not isinstance(answer, dict) or answer.get("ok") is not True:
        reason = answer.get("description") if isinstance(answer, dict) else None
        raise DeliveryError(
            f"Telegram answered HTTP {status}" + (f": {str(reason)[:MAX_ERROR_BODY]}" if reason else "")
        )
    return "sent"


async def _smtp_socket(host: str, port: int, net: Network) -> socket.socket:
    """A connected socket to an address of ``host`` that the SSRF guard allows."""
    try:
        addresses = await asyncio.wait_for(netguard.resolve(host, port), net.timeout)
    except (TimeoutError, OSError, UnicodeError) as exc:
        raise DeliveryError(f"the mail server {host!r} does not resolve ({type(exc).__name__})") from None
    allowed = [a for a in addresses if net.allow_private or netguard.address_reason(a) is None]
    if not allowed:
        reason = netguard.address_reason(addresses[0]) if addresses else "no address"
        raise DeliveryError(f"refused the mail server {host}: {reason} (private networks are not allowed)")
    loop = asyncio.get_running_loop()
    last: Exception | None = None
    for address in allowed:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (address, port)), net.timeout)
            return sock
        except (OSError, TimeoutError) as exc:
            sock.close()
            last = exc
    raise DeliveryError(f"the mail server {host}:{port} could not be reached ({type(last).__name__})")


async def send_email(net: Network, config: EmailConfig, envelope: Envelope) -> str:
    mail = EmailMessage()
    mail["Subject"] = envelope.message.subject
    mail["From"] = config.from_address
    mail["To"] = ", ".join(config.to)
    mail["Message-ID"] = make_msgid(idstring=envelope.delivery_id.replace("-", ""), domain="seo-crawler")
    mail["X-SEO-Delivery"] = envelope.delivery_id
    mail.set_content(envelope.message.text)
    mail.add_alternative(envelope.message.html, subtype="html")
    sock = await _smtp_socket(config.host, config.port, net)
    client = aiosmtplib.SMTP(
        hostname=config.host, sock=sock, timeout=net.timeout,  # the socket is connected: no port
        use_tls=config.security == "ssl", start_tls=config.security == "starttls",
        tls_context=ssl.create_default_context(),
    )  # fmt: skip
    try:
        await client.connect()
    except (aiosmtplib.SMTPException, OSError, TimeoutError, ssl.SSLError) as exc:
        sock.close()  # the client never took the socket over
        raise DeliveryError(f"the mail server connection failed: {type(exc).__name__}: {exc}"[:300]) from None
    # From here the client's transport owns the socket (closing it ourselves would let the next
    # connection reuse its descriptor under the old transport).
    try:
        if config.username:
            await client.login(config.username, config.password or "")
        errors, _ = await client.send_message(mail)
    except aiosmtplib.SMTPAuthenticationError:
        raise DeliveryError("the mail server refused the username or password") from None
    except aiosmtplib.SMTPException as exc:
        raise DeliveryError(f"the mail server refused the message: {str(exc)[:MAX_ERROR_BODY]}") from None
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        raise DeliveryError(f"the mail server connection failed: {type(exc).__name__}: {exc}"[:300]) from None
    finally:
        with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
            await client.quit()
        client.close()
    if errors:
        raise DeliveryError(f"the mail server refused {', '.join(sorted(errors))}")
    return f"accepted for {len(config.to)} recipient" + ("" if len(config.to) == 1 else "s")


async def send(net: Network, channel_type: str, config: Any, envelope: Envelope) -> str:
    """Send ``envelope`` through a channel of ``channel_type`` with its whole ``config`` (secrets included)."""
    match channel_type:
        case "webhook":
            return await send_webhook(net, config, envelope)
        case "slack":
            return await send_slack(net, config, envelope)
        case "telegram":
            return await send_telegram(net, config, envelope)
        case "email":
            return await send_email(net, config, envelope)
    raise DeliveryError(f"unknown channel type {channel_type!r}")
