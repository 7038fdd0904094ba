"""UI sessions: log in with the API token to get an HttpOnly cookie, log out to end it."""

from __future__ import annotations

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
    client = auth.client_address(request, settings)
    async with request.app[POOL].acquire() as conn:
        retry_after = await auth.login_blocked(conn, client, settings)
        if retry_after is not None:
            raise auth.too_many_failures(retry_after)
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
