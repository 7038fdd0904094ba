"""Alert routes: delivery channels (secrets write-only), alert rules per site, the alert history.

Channel secrets go to the vault in the transaction that appends ``ChannelCreated`` (which carries
only their reference); no answer, log line or event ever holds them.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.api.credentials import VAULT
from services.api.models import Timestamp, uuid_cursor
from services.api.problems import Problem, validation_problem
from services.api.routes.sites import SITE_ID, site_id_of
from services.api.routing import RouteTable, dump
from shared import netguard, vault
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.alerts import (
    SECRET_FIELDS,
    ChannelType,
    Language,
    RuleKind,
    full_config,
    rule_params,
    split_config,
)
from shared.notify import messages, senders
from shared.platform.service import METRICS, POOL, SETTINGS
from shared.platform.settings import Settings

routes = RouteTable("alerts")

CHANNEL_ID = {"channel_id": {"type": "string", "format": "uuid"}}
RULE_ID = {"rule_id": {"type": "string", "format": "uuid"}}
MAX_RULE_CHANNELS = 20


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: ChannelType
    name: str = Field(min_length=1, max_length=200)
    language: Language = Field(default="en", description="the language of its messages")
    config: dict[str, Any] = Field(
        description="webhook: {url, secret}; slack: {webhook_url}; telegram: {bot_token, chat_id}; email: {host, port, "
        "security: starttls|ssl|none, username, password, from, to: [...]}. Secrets (secret, webhook_url, bot_token, "
        "password) are write-only"
    )


class Channel(BaseModel):
    id: uuid.UUID
    type: ChannelType
    name: str
    language: Language
    config: dict[str, Any] = Field(description="the config without its secrets")
    secrets_set: list[str] = Field(description="which write-only fields are stored (their values never come back)")
    created_at: Timestamp


class ChannelList(BaseModel):
    items: list[Channel]


class TestResult(BaseModel):
    delivered: bool
    detail: str = Field(description="what the receiver answered, or why it failed")


class RuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: RuleKind
    params: dict[str, Any] = Field(default_factory=dict, description="per kind; docs/ALERTS.md lists them")
    channels: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_RULE_CHANNELS)


class Rule(BaseModel):
    id: uuid.UUID
    site_id: uuid.UUID
    kind: RuleKind
    params: dict[str, Any]
    channels: list[uuid.UUID]
    created_at: Timestamp


class RuleList(BaseModel):
    items: list[Rule]


class Delivery(BaseModel):
    id: uuid.UUID
    channel_id: uuid.UUID
    channel_name: str | None
    channel_type: str | None
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_error: str | None
    delivered_at: Timestamp | None
    next_attempt_at: Timestamp | None = Field(description="when a pending delivery is tried next")


class Alert(BaseModel):
    id: uuid.UUID
    site_id: uuid.UUID
    site_name: str | None
    rule_id: uuid.UUID
    kind: RuleKind
    params: dict[str, Any]
    crawl_id: uuid.UUID
    previous_crawl_id: uuid.UUID | None
    title: str = Field(description="what fired, in `lang`")
    evidence: dict[str, Any] = Field(description="why: counts, URLs with before/after values (capped), `link`")
    raised_at: Timestamp
    deliveries: list[Delivery]


class AlertList(BaseModel):
    items: list[Alert]
    next_cursor: str | None


class AlertQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    site_id: uuid.UUID | None = None
    lang: Language = "en"
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = uuid_cursor()


_CHANNEL_COLUMNS = "id, type, name, language, config, secret_ref, created_at"
_CHANNELS = f"SELECT {_CHANNEL_COLUMNS} FROM channels ORDER BY lower(name), id"
_CHANNEL = f"SELECT {_CHANNEL_COLUMNS} FROM channels WHERE id = $1"
_EXISTING_CHANNELS = "SELECT id FROM channels WHERE id = ANY($1::uuid[])"
_RULE_COLUMNS = "id, site_id, kind, params, channels, created_at"
_RULES = f"SELECT {_RULE_COLUMNS} FROM alert_rules WHERE site_id = $1 ORDER BY created_at, id"
_RULE = f"SELECT {_RULE_COLUMNS} FROM alert_rules WHERE id = $1"
_SITE_EXISTS = "SELECT 1 FROM sites WHERE id = $1"
_ALERTS = """
SELECT a.id, a.site_id, s.name AS site_name, s.origin AS site_origin, a.rule_id, a.kind, a.params, a.crawl_id,
       a.previous_crawl_id, a.evidence, a.raised_at
FROM alerts a LEFT JOIN sites s ON s.id = a.site_id
WHERE ($1::uuid IS NULL OR a.site_id = $1)
  AND ($2::uuid IS NULL OR (a.raised_at, a.id) < ((SELECT raised_at FROM alerts WHERE id = $2), $2))
ORDER BY a.raised_at DESC, a.id DESC LIMIT $3
"""
_DELIVERIES = """
SELECT d.id, d.alert_id, d.channel_id, c.name AS channel_name, c.type AS channel_type, d.status, d.attempts,
       d.last_error, d.delivered_at,
       CASE WHEN d.status = 'pending' THEN coalesce(d.lease_expires_at, d.available_at) END AS next_attempt_at
FROM deliveries d LEFT JOIN channels c ON c.id = d.channel_id
WHERE d.alert_id = ANY($1::uuid[]) ORDER BY c.name, d.id
"""


def _channel(row: asyncpg.Record) -> Channel:
    public = row["config"]
    stored = [name for name in SECRET_FIELDS[row["type"]] if row["secret_ref"] is not None and name not in public]
    return Channel(
        id=row["id"], type=row["type"], name=row["name"], language=row["language"], config=public,
        secrets_set=stored, created_at=row["created_at"],
    )  # fmt: skip


def _id_of(request: web.Request, name: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise Problem(404, f"No {what} has the id {request.match_info[name]!r}.") from None


def _meta(stream_id: uuid.UUID) -> ev.Metadata:
    return ev.Metadata(correlation_id=str(stream_id), actor="api")


def _channel_urls(channel_type: str, config: dict[str, Any], settings: Settings) -> list[tuple[str, str]]:
    """(field, URL) of every target a channel sends to, for the SSRF check."""
    if channel_type == "webhook":
        return [("config.url", config["url"])]
    if channel_type == "slack":
        return [("config.webhook_url", config["webhook_url"])]
    if channel_type == "telegram":
        return [("config.bot_token", settings.telegram_api_url)]
    return [("config.host", f"smtp://{config['host']}:{config['port']}")]


async def _check_targets(channel_type: str, config: dict[str, Any], settings: Settings) -> None:
    """Refuse targets on private networks up front (the senders check again at every connection)."""
    if channel_type == "slack" and not config["webhook_url"].startswith(settings.slack_api_url.rstrip("/") + "/"):
        message = f"a Slack incoming-webhook URL starts with {settings.slack_api_url}/"
        raise Problem(
            422, f"Invalid config.webhook_url: {message}", errors=[{"field": "config.webhook_url", "message": message}]
        )
    for field, url in _channel_urls(channel_type, config, settings):
        if channel_type in ("webhook", "slack") and not url.lower().startswith(("http://", "https://")):
            raise Problem(
                422, f"Invalid {field}: must be an http(s) URL", errors=[{"field": field, "message": "not http(s)"}]
            )
        reason = await netguard.check_url(url, allow_private=settings.allow_private_networks, timeout=5.0)
        if reason is not None:
            raise Problem(422, f"{field} cannot be used: {reason}.", errors=[{"field": field, "message": reason}])


@routes.operation("GET", "/api/channels", summary="List delivery channels", response=ChannelList)
async def list_channels(request: web.Request) -> web.Response:
    """Every channel by name; secrets are never returned (`secrets_set` names the ones stored)."""
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(_CHANNELS)
    return dump(ChannelList(items=[_channel(r) for r in rows]))


@routes.operation(
    "POST", "/api/channels", summary="Create a delivery channel", body=ChannelCreate, response=Channel, status=201,
    errors=(413, 422),
)  # fmt: skip
async def create_channel(request: web.Request, body: ChannelCreate) -> web.Response:
    """A webhook (signed JSON POST), Slack incoming webhook, Telegram bot or SMTP mailbox. Targets on private
    networks are refused unless ALLOW_PRIVATE_NETWORKS=true. Secret fields go to the vault, encrypted."""
    try:
        public, secrets = split_config(body.type, body.config)
    except ValidationError as exc:
        raise validation_problem(exc, prefix=("config",)) from None
    settings = request.app[SETTINGS]
    await _check_targets(body.type, {**public, **secrets}, settings)
    channel_id = uuid.uuid4()
    async with request.app[POOL].acquire() as conn, conn.transaction():
        ref = await vault.store(conn, request.app[VAULT], "channel", secrets) if secrets else None
        event = ev.ChannelCreated(
            channel_id=channel_id, type=body.type, name=body.name.strip(), language=body.language, config=public,
            secret_ref=ref,
        )  # fmt: skip
        await streams.append(
            conn,
            ev.channel_stream(channel_id),
            [event],
            expected_version=eventstore.NO_STREAM,
            metadata=_meta(channel_id),
        )
        row = await conn.fetchrow(_CHANNEL, channel_id)
    request.app[METRICS].events_appended.labels(type=event.type_name()).inc()
    response = dump(_channel(row), status=201)
    response.headers["Location"] = f"/api/channels/{channel_id}"
    return response


@routes.operation(
    "DELETE",
    "/api/channels/{channel_id}",
    summary="Delete a channel",
    status=204,
    errors=(404,),
    path_params=CHANNEL_ID,
)
async def delete_channel(request: web.Request) -> web.Response:
    """Appends ChannelDeleted and forgets its secrets; its pending deliveries fail ("the channel was deleted")."""
    channel_id = _id_of(request, "channel_id", "channel")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(_CHANNEL + " FOR UPDATE", channel_id)
        if row is None:
            raise Problem(404, f"No channel has the id {channel_id}.")
        await streams.append(
            conn, ev.channel_stream(channel_id), [ev.ChannelDeleted(channel_id=channel_id)], metadata=_meta(channel_id)
        )
        if row["secret_ref"] is not None:
            await vault.forget(conn, row["secret_ref"])
    return web.Response(status=204)


@routes.operation(
    "POST", "/api/channels/{channel_id}/test", summary="Send a test message", response=TestResult, errors=(404,),
    path_params=CHANNEL_ID,
)  # fmt: skip
async def test_channel(request: web.Request) -> web.Response:
    """Sends a test message through the channel now (X-SEO-Event: test.message for webhooks) and says whether
    it arrived; nothing is recorded."""
    channel_id = _id_of(request, "channel_id", "channel")
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(_CHANNEL, channel_id)
        if row is None:
            raise Problem(404, f"No channel has the id {channel_id}.")
        try:
            secrets = await vault.read(conn, request.app[VAULT], row["secret_ref"]) if row["secret_ref"] else {}
        except (KeyError, vault.VaultError) as exc:
            return dump(TestResult(delivered=False, detail=str(exc).strip("'\"")))
    view = messages.test_view(row["name"])
    message = messages.render(view, row["language"])
    delivery_id = str(uuid.uuid4())
    payload = {"event": senders.EVENT_TEST, "delivery_id": delivery_id, "channel": {"id": str(channel_id),
               "name": row["name"]}, "message": message.text}  # fmt: skip
    envelope = senders.Envelope(delivery_id=delivery_id, event=senders.EVENT_TEST, message=message, payload=payload)
    net = senders.Network(
        allow_private=settings.allow_private_networks, timeout=settings.delivery_timeout_seconds,
        slack_api_url=settings.slack_api_url, telegram_api_url=settings.telegram_api_url,
    )  # fmt: skip
    try:
        config = full_config(row["type"], row["config"], secrets)
        detail = await asyncio.wait_for(
            senders.send(net, row["type"], config, envelope), settings.delivery_timeout_seconds + 5
        )
    except senders.DeliveryError as exc:
        return dump(TestResult(delivered=False, detail=str(exc)))
    except TimeoutError:
        return dump(TestResult(delivered=False, detail="no answer in time"))
    return dump(TestResult(delivered=True, detail=detail))


@routes.operation(
    "GET", "/api/sites/{site_id}/alert-rules", summary="A site's alert rules", response=RuleList, errors=(404,),
    path_params=SITE_ID,
)  # fmt: skip
async def list_rules(request: web.Request) -> web.Response:
    """The rules evaluated when a crawl of the site completes or fails."""
    site_id = site_id_of(request)
    async with request.app[POOL].acquire() as conn:
        if await conn.fetchval(_SITE_EXISTS, site_id) is None:
            raise Problem(404, f"No site has the id {site_id}.")
        rows = await conn.fetch(_RULES, site_id)
    return dump(RuleList(items=[Rule.model_validate(dict(r)) for r in rows]))


@routes.operation(
    "POST", "/api/sites/{site_id}/alert-rules", summary="Add an alert rule", body=RuleCreate, response=Rule,
    status=201, errors=(404, 413, 422), path_params=SITE_ID,
)  # fmt: skip
async def create_rule(request: web.Request, body: RuleCreate) -> web.Response:
    """`{"kind", "params", "channels": [ids]}`; kinds and their params are in docs/ALERTS.md."""
    site_id = site_id_of(request)
    try:
        params = rule_params(body.kind, body.params)
    except ValidationError as exc:
        raise validation_problem(exc, prefix=("params",)) from None
    rule_id = uuid.uuid4()
    async with request.app[POOL].acquire() as conn:
        if await conn.fetchval(_SITE_EXISTS, site_id) is None:
            raise Problem(404, f"No site has the id {site_id}.")
        known = {r["id"] for r in await conn.fetch(_EXISTING_CHANNELS, body.channels)}
        unknown = [str(c) for c in body.channels if c not in known]
        if unknown:
            message = f"no channel has the id {', '.join(unknown)}"
            raise Problem(422, f"Invalid channels: {message}", errors=[{"field": "channels", "message": message}])
        event = ev.AlertRuleCreated(
            rule_id=rule_id,
            site_id=site_id,
            kind=body.kind,
            params=params,
            channels=list(dict.fromkeys(body.channels)),
        )
        await streams.append(
            conn, ev.alert_rule_stream(rule_id), [event], expected_version=eventstore.NO_STREAM, metadata=_meta(rule_id)
        )
        row = await conn.fetchrow(_RULE, rule_id)
    request.app[METRICS].events_appended.labels(type=event.type_name()).inc()
    response = dump(Rule.model_validate(dict(row)), status=201)
    response.headers["Location"] = f"/api/alert-rules/{rule_id}"
    return response


@routes.operation(
    "DELETE",
    "/api/alert-rules/{rule_id}",
    summary="Delete an alert rule",
    status=204,
    errors=(404,),
    path_params=RULE_ID,
)
async def delete_rule(request: web.Request) -> web.Response:
    """Appends AlertRuleDeleted; alerts it raised stay in the history."""
    rule_id = _id_of(request, "rule_id", "alert rule")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if await conn.fetchrow(_RULE + " FOR UPDATE", rule_id) is None:
            raise Problem(404, f"No alert rule has the id {rule_id}.")
        await streams.append(
            conn, ev.alert_rule_stream(rule_id), [ev.AlertRuleDeleted(rule_id=rule_id)], metadata=_meta(rule_id)
        )
    return web.Response(status=204)


@routes.operation(
    "GET", "/api/alerts", summary="Alert history", query=AlertQuery, response=AlertList, errors=(422,)
)  # fmt: skip
async def list_alerts(request: web.Request, query: AlertQuery) -> web.Response:
    """What fired, newest first (optionally of one `site_id`): the title in `lang`, the evidence behind it, and
    each delivery's `status` (`pending`, `delivered`, `failed`), attempts and last error."""
    after_id = uuid.UUID(query.cursor) if query.cursor else None
    public_url = request.app[SETTINGS].public_url
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(_ALERTS, query.site_id, after_id, query.limit + 1)
        page = rows[: query.limit]
        deliveries: dict[uuid.UUID, list[Delivery]] = {}
        for d in await conn.fetch(_DELIVERIES, [r["id"] for r in page]):
            deliveries.setdefault(d["alert_id"], []).append(
                Delivery.model_validate({k: v for k, v in dict(d).items() if k != "alert_id"})
            )
    items = []
    for r in page:
        view = messages.AlertView(
            site_name=r["site_name"] or r["site_origin"] or "?", site_origin=r["site_origin"] or "?", kind=r["kind"],
            params=r["params"], evidence=r["evidence"], link=public_url.rstrip("/") + r["evidence"].get("link", ""),
        )  # fmt: skip
        items.append(
            Alert(
                id=r["id"], site_id=r["site_id"], site_name=r["site_name"], rule_id=r["rule_id"], kind=r["kind"],
                params=r["params"], crawl_id=r["crawl_id"], previous_crawl_id=r["previous_crawl_id"],
                title=messages.title(view, query.lang), evidence=r["evidence"], raised_at=r["raised_at"],
                deliveries=deliveries.get(r["id"], []),
            )
        )  # fmt: skip
    next_cursor = str(page[-1]["id"]) if len(rows) > query.limit else None
    return dump(AlertList(items=items, next_cursor=next_cursor))
