"""Schedule routes: recurring crawls (cron + time zone), each change an appended event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg
from aiohttp import web
from croniter import CroniterBadDateError, croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from services.api import credentials, sitelookup
from services.api.models import Timestamp
from services.api.problems import Problem, validation_problem
from services.api.routes.crawls import ssrf_check
from services.api.routing import UUID_SEGMENT, RouteTable, dump
from shared import vault
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlauth import CrawlAuth
from shared.model.crawlsettings import MAX_URL_LENGTH, URL_PATTERN, CrawlSettings
from shared.model.sites import origin_of, schedule_settings
from shared.platform.service import METRICS, POOL

routes = RouteTable("schedules")

SCHEDULE_ID = {"schedule_id": {"type": "string", "format": "uuid"}}
NEXT_FIRES = 5


# The crawl settings a schedule carries: those of POST /api/crawls without the URL (a top-level field here).
def _list_mode_needs_urls(schema: dict[str, Any]) -> None:
    # As for POST /api/crawls, with the URL a top-level field of the schedule: list mode needs `urls`.
    schema["oneOf"] = [
        {"title": "spider", "properties": {"mode": {"const": "spider"}}},
        {
            "title": "list",
            "properties": {"mode": {"const": "list"}, "urls": {"minItems": 1}},
            "required": ["mode", "urls"],
        },
    ]


ScheduleSettings = create_model(  # type: ignore[call-overload]
    "ScheduleSettings",
    __config__=ConfigDict(extra="forbid", json_schema_extra=_list_mode_needs_urls),
    **{n: (f.annotation, f) for n, f in CrawlSettings.model_fields.items() if n not in ("url", "auth")},
    # Credentials as POST /api/crawls takes them (write-only); the schedule stores their reference.
    auth=(CrawlAuth | None, Field(default=None, description="credentials, as for POST /api/crawls (write-only)")),
)


def normalised_cron(value: str) -> str:
    """A five-field cron expression with single spaces; ValueError when it is invalid or never fires."""
    value = " ".join(value.split())
    if len(value.split(" ")) != 5 or not croniter.is_valid(value):
        raise ValueError(f"{value!r} is not a valid five-field cron expression (minute hour day month weekday)")
    try:  # "0 0 30 2 *" is well formed but names a day that never comes
        croniter(value, datetime(2000, 1, 1, tzinfo=UTC)).get_next(datetime)
    except CroniterBadDateError:
        raise ValueError(f"{value!r} never fires (no such date)") from None
    return value


def known_timezone(value: str) -> str:
    """An IANA time zone name; ValueError for anything else (paths included)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{value!r} is not a known IANA time zone (like Europe/Moscow or UTC)") from None
    return value


class CronInZone(BaseModel):
    """A cron expression and the time zone it is read in, checked as the scheduler will read them."""

    cron: str = Field(
        min_length=1,
        max_length=200,
        examples=["0 3 * * *"],
        description="five-field cron expression (minute hour day month weekday) that fires at least once",
        json_schema_extra={"format": "cron"},
    )
    timezone: str = Field(
        default="UTC",
        min_length=1,
        max_length=64,
        examples=["Europe/Moscow"],
        description="an IANA time zone name",
        json_schema_extra={"format": "iana-time-zone"},
    )

    @field_validator("cron")
    @classmethod
    def _cron_is_valid(cls, value: str) -> str:
        return normalised_cron(value)

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        return known_timezone(value)


class ScheduleCreate(CronInZone):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="the start URL of every crawl",
        json_schema_extra={"pattern": URL_PATTERN},  # applied by the validator below, with a readable message
    )
    settings: ScheduleSettings = Field(  # type: ignore[valid-type]
        default_factory=ScheduleSettings, description="crawl settings, as for POST /api/crawls (without `url`)"
    )

    @field_validator("url")
    @classmethod
    def _url_is_crawlable(cls, value: str) -> str:
        try:
            return CrawlSettings(url=value).url
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None


class SchedulePreviewQuery(CronInZone):
    model_config = ConfigDict(extra="ignore")

    count: int = Field(default=NEXT_FIRES, ge=1, le=20, description="how many fire times")


class SchedulePreview(BaseModel):
    cron: str = Field(description="the expression as the scheduler reads it (spaces normalised)")
    timezone: str
    next_fire_times: list[Timestamp] = Field(description="the next fire times, in UTC")


class Schedule(BaseModel):
    id: uuid.UUID
    url: str
    cron: str
    timezone: str
    settings: dict[str, Any] = Field(
        description="the settings its next crawl starts with: the site's default settings as they are now, with "
        "the schedule's own settings over them"
    )
    own_settings: dict[str, Any] | None = Field(
        description="the settings the schedule was created with; they win over the site's defaults (null: a "
        "schedule made before schedules followed their site, whose crawls use `settings` as stored)"
    )
    created_at: Timestamp
    last_fire_at: Timestamp | None
    last_crawl_id: uuid.UUID | None
    site_id: uuid.UUID | None = Field(description="the site (origin) the schedule crawls")
    next_fire_times: list[Timestamp] = Field(description=f"the next {NEXT_FIRES} fire times, in UTC")


class ScheduleList(BaseModel):
    items: list[Schedule]


# The site's current defaults come along: a run lays the schedule's own settings over them.
_COLUMNS = """s.id, s.url, s.cron, s.timezone, s.settings, s.own_settings, s.created_at, s.last_fire_at,
              s.last_crawl_id, s.site_id, site.crawl_defaults"""
_FROM = "schedules s LEFT JOIN sites site ON site.id = s.site_id"
_GET = f"SELECT {_COLUMNS} FROM {_FROM} WHERE s.id = $1"
_LIST = f"""SELECT {_COLUMNS} FROM {_FROM} WHERE ($1::uuid IS NULL OR s.site_id = $1)
            ORDER BY s.created_at DESC, s.id DESC LIMIT 1000"""
# The schedule's own copy of its credentials (the site's, when it has none of its own, are the site's to forget).
_AUTH = "SELECT own_settings->'auth' AS auth FROM schedules WHERE id = $1"


class ScheduleListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    site_id: uuid.UUID | None = Field(default=None, description="only the schedules of this site")


def next_fire_times(cron: str, timezone: str, after: datetime, count: int = NEXT_FIRES) -> list[datetime]:
    """The next ``count`` fire times of ``cron`` read in ``timezone``, as UTC datetimes."""
    start = after.astimezone(ZoneInfo(timezone))
    it = croniter(cron, start)
    return [it.get_next(datetime).astimezone(UTC) for _ in range(count)]


def _schedule(row: asyncpg.Record, now: datetime) -> Schedule:
    fields = dict(row)
    settings, _ = schedule_settings(fields.pop("settings"), row["own_settings"], fields.pop("crawl_defaults"))
    return Schedule(
        **fields, settings=settings.model_dump(mode="json"),
        next_fire_times=next_fire_times(row["cron"], row["timezone"], now),
    )  # fmt: skip


def schedule_id_of(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["schedule_id"])
    except ValueError:
        raise Problem(404, f"No schedule has the id {request.match_info['schedule_id']!r}.") from None


async def forget_credentials(conn: asyncpg.Connection, auth: Any) -> None:
    """Forget the vault copy of a deleted owner's credentials (``auth`` as stored, JSON or None)."""
    ref = credentials.reference_of(auth)
    if ref is not None:
        await vault.forget(conn, ref)


def crawl_settings_of(body: ScheduleCreate) -> CrawlSettings:
    try:
        given = body.settings.model_dump(exclude_unset=True, exclude={"auth"})  # type: ignore[attr-defined]
        return CrawlSettings.model_validate({**given, "url": body.url})
    except ValidationError as exc:
        problem = validation_problem(exc, prefix=("settings",))
        for error in problem.errors or []:  # the URL is a top-level field of this body
            if error["field"] in ("settings.url", "settings"):
                error["field"] = "url" if error["field"] == "settings.url" else "settings"
        raise problem from None


@routes.operation(
    "POST",
    "/api/schedules",
    summary="Create a recurring crawl",
    body=ScheduleCreate,
    response=Schedule,
    status=201,
    errors=(413, 422),
    links={
        op: {"operationId": op, "parameters": {"schedule_id": "$response.body#/id"}}
        for op in ("get_schedule", "delete_schedule")
    },
)
async def create_schedule(request: web.Request, body: ScheduleCreate) -> web.Response:
    """Validates the cron expression and the time zone; the answer lists the next fire times. The schedule
    belongs to the site of its URL's origin (made if it has none) and starts from the site's default settings."""
    settings = crawl_settings_of(body)
    await ssrf_check(request, settings)
    given = {**body.settings.model_dump(exclude_unset=True), "url": settings.url}  # type: ignore[attr-defined]
    schedule_id = uuid.uuid4()

    async def append(site_id: uuid.UUID, defaults: dict[str, Any]) -> ev.ScheduleCreated:
        own = given
        if "auth" in body.settings.model_fields_set:  # type: ignore[attr-defined]
            # The schedule's own credentials, sealed into its own copy (the site's stay the site's: a run
            # without credentials of its own takes the site's as they are then; each crawl copies them).
            sealed = await credentials.seal(
                conn, request.app[credentials.VAULT], body.settings.auth, origin_of(settings.url),  # type: ignore[attr-defined]
                field="settings.auth",
            )  # fmt: skip
            own = {**given, "auth": None if sealed is None else sealed.model_dump(mode="json")}
        final = sitelookup.settings_for_site(defaults, own)
        event = ev.ScheduleCreated(
            schedule_id=schedule_id, url=final.url, cron=body.cron, timezone=body.timezone, settings=final,
            site_id=site_id, own_settings=own,
        )  # fmt: skip
        await streams.append(
            conn,
            ev.schedule_stream(schedule_id),
            [event],
            expected_version=eventstore.NO_STREAM,
            metadata=ev.Metadata(correlation_id=str(schedule_id), actor="api"),
        )
        return event

    async with request.app[POOL].acquire() as conn:
        event = await sitelookup.in_site_of(conn, settings.url, append)
        row = await conn.fetchrow(_GET, schedule_id)
        now = await conn.fetchval("SELECT now()")
    request.app[METRICS].events_appended.labels(type=event.type_name()).inc()
    response = dump(_schedule(row, now), status=201)
    response.headers["Location"] = f"/api/schedules/{schedule_id}"
    return response


@routes.operation(
    "GET", "/api/schedules", summary="List schedules", query=ScheduleListQuery, response=ScheduleList, errors=(422,)
)
async def list_schedules(request: web.Request, query: ScheduleListQuery) -> web.Response:
    """Every schedule (or those of `site_id`), newest first, with its next fire times."""
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(_LIST, query.site_id)
        now = await conn.fetchval("SELECT now()")
    return dump(ScheduleList(items=[_schedule(r, now) for r in rows]))


@routes.operation(
    "GET",
    "/api/schedules/preview",
    summary="Next runs of a cron expression",
    query=SchedulePreviewQuery,
    response=SchedulePreview,
    errors=(422,),
)
async def preview_schedule(request: web.Request, query: SchedulePreviewQuery) -> web.Response:
    """The next fire times of `cron` read in `timezone`, as a schedule would fire (UTC, from the
    database's clock); nothing is stored. A bad expression or zone is a 422 naming the field, the
    same check as POST /api/schedules, so a form can ask before it submits."""
    async with request.app[POOL].acquire() as conn:
        now = await conn.fetchval("SELECT now()")
    times = next_fire_times(query.cron, query.timezone, now, query.count)
    return dump(SchedulePreview(cron=query.cron, timezone=query.timezone, next_fire_times=times))


@routes.operation(
    "GET", f"/api/schedules/{{schedule_id:{UUID_SEGMENT}}}", summary="One schedule", response=Schedule, errors=(404,),
    path_params=SCHEDULE_ID,
)  # fmt: skip
async def get_schedule(request: web.Request) -> web.Response:
    """One schedule with its next fire times."""
    schedule_id = schedule_id_of(request)
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(_GET, schedule_id)
        now = await conn.fetchval("SELECT now()")
    if row is None:
        raise Problem(404, f"No schedule has the id {schedule_id}.")
    return dump(_schedule(row, now))


@routes.operation(
    "DELETE",
    f"/api/schedules/{{schedule_id:{UUID_SEGMENT}}}",
    summary="Delete a schedule",
    status=204,
    errors=(404,),
    path_params=SCHEDULE_ID,
)
async def delete_schedule(request: web.Request) -> web.Response:
    """Appends ScheduleDeleted; crawls it already started are kept."""
    schedule_id = schedule_id_of(request)
    stream = ev.schedule_stream(schedule_id)
    async with request.app[POOL].acquire() as conn:
        for _ in range(5):
            row = await conn.fetchrow(_AUTH, schedule_id)
            if row is None:
                raise Problem(404, f"No schedule has the id {schedule_id}.")
            version = await eventstore.stream_version(conn, stream)
            try:
                async with conn.transaction():
                    await streams.append(
                        conn,
                        stream,
                        [ev.ScheduleDeleted(schedule_id=schedule_id)],
                        expected_version=version,
                        metadata=ev.Metadata(correlation_id=str(schedule_id), actor="api"),
                    )
                    await forget_credentials(conn, row["auth"])
                break
            except eventstore.StreamConflict:
                continue
        else:
            raise Problem(409, "The schedule kept changing; try again.")
    request.app[METRICS].events_appended.labels(type=ev.ScheduleDeleted.type_name()).inc()
    return web.Response(status=204)
