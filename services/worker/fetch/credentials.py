"""A crawl's credentials on the wire: added to requests for the crawl's own origin, and to no other.

``SiteCredentials`` is a client middleware of the crawl's HTTP session. Every request the crawl
makes passes it (pages, each redirect hop, robots.txt, sitemaps, resource checks, a rendered
page's subresources), so one rule decides them all: a request whose origin (scheme, host, port)
is the crawl's gets the basic-auth header, the extra headers and the session's cookies; any other
gets nothing of them, whatever led there (a link, a redirect, a script). Cookies the origin sets
(a login's session) are kept for it, a name at a time, and sent back to it only.

The values never reach a log line, an event or a record: errors name the URL, not the header.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp

from shared.model.crawlauth import Credentials, FormLogin, basic_header, cookie_pairs
from shared.model.sites import origin_of

MAX_COOKIES = 200
MAX_COOKIE_BYTES = 16 * 1024


class SiteCredentials:
    """The credentials of one crawl attempt, applied to its own origin's requests only."""

    def __init__(self, credentials: Credentials, origin: str) -> None:
        self.credentials = credentials
        self.origin = origin
        self.headers: dict[str, str] = dict(credentials.headers or {})
        if credentials.basic is not None:
            self.headers["Authorization"] = basic_header(credentials.basic.username, credentials.basic.password)
        self.cookies: dict[str, str] = cookie_pairs(credentials.cookies) if credentials.cookies else {}
        # Form login: which login the session is on (a re-login bumps it), one login at a time.
        self.generation = 0
        self.lock = asyncio.Lock()
        self.logins = 0

    @property
    def form(self) -> FormLogin | None:
        return self.credentials.form

    def applies_to(self, url: str) -> bool:
        """Whether ``url`` is on the crawl's origin (the only place credentials go)."""
        return origin_of(url) == self.origin

    def cookie_header(self) -> str | None:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items()) or None

    def take_cookies(self, set_cookies: Iterable[str]) -> None:
        """Keep the cookies of the origin's ``Set-Cookie`` answers (a name replaces; an expired one goes)."""
        for line in set_cookies:
            pair, _, attributes = line.partition(";")
            name, equals, value = pair.partition("=")
            name, value = name.strip(), value.strip()
            if not equals or not name:
                continue
            if _expired(attributes):
                self.cookies.pop(name, None)
                continue
            if name not in self.cookies and len(self.cookies) >= MAX_COOKIES:
                continue
            if sum(len(k) + len(v) for k, v in self.cookies.items()) + len(name) + len(value) > MAX_COOKIE_BYTES:
                continue
            self.cookies[name] = value

    async def __call__(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        ours = self.applies_to(str(request.url))
        if ours:
            for name, value in self.headers.items():
                request.headers[name] = value
            cookie = self.cookie_header()
            if cookie is not None:
                request.headers["Cookie"] = cookie
        response = await handler(request)
        if ours:
            self.take_cookies(response.headers.getall("Set-Cookie", ()))
        return response


def _expired(attributes: str) -> bool:
    """Whether a ``Set-Cookie``'s attributes delete it (``Max-Age`` of 0 or less, an ``Expires`` past)."""
    for attribute in attributes.split(";"):
        key, _, value = attribute.partition("=")
        key = key.strip().lower()
        if key == "max-age":
            try:
                return int(value.strip()) <= 0
            except ValueError:
                continue
        if key == "expires":
            try:
                when = parsedate_to_datetime(value.strip())
            except (TypeError, ValueError, IndexError):
                continue
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            if when <= datetime.now(UTC):
                return True
    return False
