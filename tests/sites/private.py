"""A members-only test site: HTTP basic auth, a required cookie, a required header and a form login.

``private_site(site, other, ...)`` fills ``site`` with linked pages behind whichever gates are
given; every page also links to, embeds from and redirects to ``other`` (a second origin), which
must never see a credential. The form login has a CSRF token, sets a session cookie and ends the
session after ``session_views`` pages, so a crawl has to log in again mid-way.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote

from aiohttp import web

from tests.sites.server import Site

PAGES = ("/", "/a", "/b", "/c", "/d", "/e", "/f", "/g")


@dataclass
class Gates:
    """What the site asks of every request, and what it saw."""

    basic: str | None = None  # the expected Authorization header
    cookie: tuple[str, str] | None = None  # a cookie every request must carry
    header: tuple[str, str] | None = None  # a header every request must carry
    login: tuple[str, str] | None = None  # user and password of the form login
    session_views: int = 5
    sessions: dict[str, int] = field(default_factory=dict)  # session id -> page views left
    tokens: set[str] = field(default_factory=set)  # CSRF tokens handed out
    logins: int = 0
    refused: list[str] = field(default_factory=list)  # paths answered 401/403 (a gate not passed)
    sent_to_login: int = 0


def _cookies(request: web.Request) -> dict[str, str]:
    return dict(request.cookies)


def _page(path: str, other: Site) -> str:
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in PAGES)
    return (
        f"<!doctype html><html lang='en'><head><title>Members page {path}</title></head><body>"
        f"<h1>Members {path}</h1><ul>{links}</ul>"
        f"<a href='{other.url('/landing')}'>partner</a><a href='/away'>away</a><a href='/logout-free'>x</a>"
        f"<img src='{other.url('/img.png')}' alt='partner logo'><img src='/img-elsewhere' alt='moved'>"
        "<a href='/account'>account</a></body></html>"
    )


def private_site(site: Site, other: Site, gates: Gates) -> Gates:
    """Serve the members-only pages of ``site`` behind ``gates``; ``other`` is the second origin."""

    def refuse(request: web.Request) -> web.StreamResponse | None:
        if gates.basic is not None and request.headers.get("Authorization") != gates.basic:
            gates.refused.append(request.path)
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="staging"'}, text="401")
        if gates.cookie is not None and _cookies(request).get(gates.cookie[0]) != gates.cookie[1]:
            gates.refused.append(request.path)
            return web.Response(status=403, text="no cookie")
        if gates.header is not None and request.headers.get(gates.header[0]) != gates.header[1]:
            gates.refused.append(request.path)
            return web.Response(status=403, text="no header")
        return None

    def session_ok(request: web.Request) -> bool:
        sid = _cookies(request).get("sid")
        if sid is None or gates.sessions.get(sid, 0) <= 0:
            return False
        gates.sessions[sid] -= 1
        return True

    async def page(request: web.Request) -> web.StreamResponse:
        refused = refuse(request)
        if refused is not None:
            return refused
        if gates.login is not None and not session_ok(request):
            gates.sent_to_login += 1
            raise web.HTTPFound(f"/login?next={quote(request.path)}")
        if request.path == "/account":
            body = "<!doctype html><title>Your account</title><p>Signed in. <a href='/'>home</a> Log out</p>"
            return web.Response(text=body, content_type="text/html")
        return web.Response(text=_page(request.path, other), content_type="text/html")

    async def login(request: web.Request) -> web.StreamResponse:
        refused = refuse(request)
        if refused is not None:
            return refused
        assert gates.login is not None
        if request.method == "POST":
            form = await request.post()
            user, password = gates.login
            if form.get("csrf") not in gates.tokens or form.get("user") != user or form.get("password") != password:
                return web.Response(text="<title>Login</title><p>Wrong credentials</p>", content_type="text/html")
            gates.tokens.discard(str(form["csrf"]))
            sid = secrets.token_hex(8)
            gates.sessions[sid] = gates.session_views
            gates.logins += 1
            response = web.HTTPSeeOther("/account")
            response.set_cookie("sid", sid, httponly=True, path="/")
            raise response
        token = secrets.token_hex(8)
        gates.tokens.add(token)
        body = (
            "<!doctype html><title>Login</title><form method='post' action='/login'>"
            f"<input type='hidden' name='csrf' value='{html.escape(token)}'>"
            "<input name='user'><input type='password' name='password'><button>Sign in</button></form>"
        )
        return web.Response(text=body, content_type="text/html")

    async def moved(request: web.Request) -> web.StreamResponse:
        refused = refuse(request)
        if refused is not None:
            return refused
        target = other.url("/img.png" if request.path == "/img-elsewhere" else "/landing")
        raise web.HTTPFound(target)

    for path in (*PAGES, "/account", "/logout-free", "/robots.txt"):
        site.handler(path, page if path != "/robots.txt" else _robots(refuse))
    site.handler("/login", login)
    site.handler("/away", moved)
    site.handler("/img-elsewhere", moved)
    other.page("/landing", "<title>Partner</title><p>partner site</p>")
    other.page("/img.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    return gates


def _robots(refuse: object) -> object:
    async def robots(request: web.Request) -> web.StreamResponse:
        refused = refuse(request)  # type: ignore[operator]
        if refused is not None:
            return refused  # type: ignore[no-any-return]
        return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")

    return robots
