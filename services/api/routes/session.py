"""UI sessions: log in with the API token to get an HttpOnly cookie, log out to end it."""

from __future__ import annotations

import ipaddress
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from services.api import auth
from services.api.problems import Problem
from services.api.routing import RouteTable, dump
from shared.platform.service import POOL, SETTINGS

routes = RouteTable("session")


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=512, description="the API token")


class SessionState(BaseModel):
    authenticated: bool
    via: Literal["token", "session"] | None = None


def _client(request: web.Request) -> str:
    """The address failed logins are counted against.

    The peer address, unless the peer is a trusted proxy (``TRUSTED_PROXIES``): then the last
    X-Forwarded-For entry, the one that proxy appended. Entries before it are written by the
    client and could reset its own limit, so they are never read.
    """
    peer = request.remote or "unknown"
    trusted = request.app[SETTINGS].trusted_proxies
    forwarded = request.headers.get("X-Forwarded-For", "")
    if not trusted or not forwarded or not _in_networks(peer, trusted):
        return peer
    return forwarded.split(",")[-1].strip() or peer


def _in_networks(address: str, networks: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in networks.split(","):
        try:
            if item.strip() and ip in ipaddress.ip_network(item.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


@routes.operation(
    "POST",
    "/api/session",
    summary="Log in (the UI)",
    body=Login,
    response=SessionState,
    public=True,
    errors=(401, 413, 422, 429),
    headers={"Set-Cookie": {"description": "`seo_session`: HttpOnly, SameSite=Strict, Secure behind https"}},
)
async def login(request: web.Request, body: Login) -> web.Response:
    """Exchange the API token for an HttpOnly, SameSite=Strict session cookie. Failed attempts are rate limited."""
    settings = request.app[SETTINGS]
    client = _client(request)
    async with request.app[POOL].acquire() as conn:
        retry_after = await auth.login_blocked(conn, client, settings)
        if retry_after is not None:
            raise Problem(
                429,
                f"Too many failed logins from this address; try again in {retry_after} seconds.",
                headers={"Retry-After": str(retry_after)},
            )
        if not await auth.token_matches(conn, settings, body.token):
            await auth.record_failure(conn, client, settings)
            raise Problem(401, "That token is not valid.")
        await auth.clear_failures(conn, client)
        session_id = await auth.create_session(conn, settings)
    response = dump(SessionState(authenticated=True, via="session"))
    response.set_cookie(
        auth.COOKIE_NAME,
        session_id,
        max_age=auth.SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=auth.cookie_secure(request, settings),
    )
    return response


@routes.operation("GET", "/api/session", summary="Who am I", response=SessionState)
async def session_state(request: web.Request) -> web.Response:
    """Whether the request is authenticated, and how (the UI calls it to decide whether to show /login)."""
    return dump(SessionState(authenticated=True, via=request.get(auth.AUTH_VIA)))  # type: ignore[arg-type]


@routes.operation("DELETE", "/api/session", summary="Log out", response=SessionState)
async def logout(request: web.Request) -> web.Response:
    """End the UI session and clear its cookie."""
    session_id = request.cookies.get(auth.COOKIE_NAME)
    if session_id:
        async with request.app[POOL].acquire() as conn:
            await auth.end_session(conn, session_id)
    response = dump(SessionState(authenticated=False))
    response.del_cookie(auth.COOKIE_NAME, path="/")
    return response
