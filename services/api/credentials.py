"""Crawl credentials on their way in: sealed in the vault, replaced by their reference.

A request's ``auth`` (``shared.model.crawlauth.CrawlAuth``) is either the credentials themselves,
which go to the vault encrypted (``purpose`` ``crawl_auth``, with the origin they were given for),
or the ``secret_ref`` of stored ones, which is copied for its new owner when it was given for the
same origin. Either way the owner (a crawl, a schedule, a site's defaults) stores an
``AuthReference`` in its event, and forgets its own copy when it is deleted. Each owner has its
own copy, so deleting a schedule never takes the credentials away from a crawl it started.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from aiohttp import web

from services.api.problems import Problem
from shared import vault
from shared.model.crawlauth import AuthReference, CrawlAuth, Credentials
from shared.model.sites import origin_of
from shared.model.userinput import STORED

VAULT = web.AppKey("vault", vault.Vault)
PURPOSE = "crawl_auth"


def _invalid(field: str, message: str) -> Problem:
    return Problem(422, f"Invalid {field}: {message}", errors=[{"field": field, "message": message}])


async def stored(conn: asyncpg.Connection, box: vault.Vault, ref: uuid.UUID) -> tuple[str, Credentials]:
    """The origin and the credentials behind ``ref`` (``KeyError``: forgotten; ``VaultError``: no key opens it)."""
    values = await vault.read(conn, box, ref)
    return values["origin"], Credentials.model_validate_json(values["credentials"], context=STORED)


async def seal(
    conn: asyncpg.Connection,
    box: vault.Vault,
    auth: CrawlAuth | AuthReference | dict[str, Any] | None,
    origin: str,
    *,
    field: str = "auth",
    keep: uuid.UUID | None = None,
) -> AuthReference | None:
    """``auth`` as its owner stores it: new credentials sealed, a reference copied (``keep``: the owner's own
    reference, kept as it is). A 422 naming the field when the login page or the reference is of another origin.

    Call it in the transaction that appends the owner's event, so a failed append stores nothing.
    """
    if auth is None:
        return None
    if isinstance(auth, dict):
        auth = CrawlAuth.model_validate(auth)
    if isinstance(auth, AuthReference):
        auth = CrawlAuth(secret_ref=auth.secret_ref)
    if auth.secret_ref is not None:
        ref = auth.secret_ref
        try:
            given_for, credentials = await stored(conn, box, ref)
        except KeyError:
            raise _invalid(f"{field}.secret_ref", "no stored credentials have this reference") from None
        except vault.VaultError as exc:
            raise _invalid(f"{field}.secret_ref", str(exc)) from None
        if given_for != origin:
            raise _invalid(
                f"{field}.secret_ref", f"these credentials were given for {given_for}; they are sent only there"
            )
        if ref != keep:
            ref = await vault.copy(conn, ref, PURPOSE)
        return AuthReference(secret_ref=ref, methods=credentials.methods_set())
    credentials = auth.credentials()
    if credentials.form is not None and origin_of(credentials.form.url) != origin:
        raise _invalid(f"{field}.form.url", f"the login page must be on {origin}: credentials go only to that origin")
    values = {"origin": origin, "credentials": credentials.model_dump_json(exclude_none=True)}
    ref = await vault.store(conn, box, PURPOSE, values)
    return AuthReference(secret_ref=ref, methods=credentials.methods_set())


def reference_of(auth: Any) -> uuid.UUID | None:
    """The vault reference of a stored ``auth`` (as JSON or a model), or None."""
    if isinstance(auth, AuthReference):
        return auth.secret_ref
    if isinstance(auth, dict) and auth.get("secret_ref"):
        return uuid.UUID(str(auth["secret_ref"]))
    return None
