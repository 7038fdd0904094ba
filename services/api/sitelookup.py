"""Which site a crawl or schedule belongs to: its URL's origin, the site made on first use.

``in_site_of(conn, url, append)`` runs ``append(site_id, defaults)`` in one transaction with the
site's lookup (or its ``SiteCreated``), so a crawl never exists without its site and two first
crawls of one origin at once make one site: the loser of the unique-origin race retries and
finds the winner's.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from pydantic import ValidationError

from services.api.problems import validation_problem
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.eventlog.projections import sites as siteprojections
from shared.model.crawlsettings import CrawlSettings
from shared.model.sites import crawl_settings_for, origin_of

T = TypeVar("T")
_ORIGIN_INDEX = "sites_origin"
_ATTEMPTS = 3


def name_of(origin: str) -> str:
    """A site's default name: its host (and port)."""
    return origin.split("://", 1)[-1]


async def site_for(conn: asyncpg.Connection, url: str) -> tuple[uuid.UUID, dict[str, Any]]:
    """The id and default crawl settings of ``url``'s site, appending ``SiteCreated`` if it has none yet."""
    origin = origin_of(url)
    row = await siteprojections.site_by_origin(conn, origin)
    if row is not None:
        return row["id"], row["crawl_defaults"]
    site_id = uuid.uuid4()
    created = ev.SiteCreated(site_id=site_id, origin=origin, url=url, name=name_of(origin))
    await streams.append(
        conn,
        ev.site_stream(site_id),
        [created],
        expected_version=eventstore.NO_STREAM,
        metadata=ev.Metadata(correlation_id=str(site_id), actor="api"),
    )
    return site_id, {}


async def in_site_of(
    conn: asyncpg.Connection, url: str, append: Callable[[uuid.UUID, dict[str, Any]], Awaitable[T]]
) -> T:
    """``append(site_id, site_defaults)`` in the transaction that finds or creates ``url``'s site."""
    for attempt in range(_ATTEMPTS):
        try:
            async with conn.transaction():
                site_id, defaults = await site_for(conn, url)
                return await append(site_id, defaults)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != _ORIGIN_INDEX or attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def settings_for_site(defaults: dict[str, Any], given: dict[str, Any]) -> CrawlSettings:
    """A crawl's settings from the site's defaults and the request's own fields, or a 422 naming the field."""
    try:
        return crawl_settings_for(defaults, given)
    except ValidationError as exc:
        raise validation_problem(exc) from None
