"""robots.txt: fetched once per host per crawl and read with protego (RFC 9309).

Like Google: a 4xx robots.txt means everything is allowed; a 5xx (or 429) or an unreachable
host means everything is disallowed, because the site may be telling us to stay away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego

MAX_ROBOTS_BYTES = 512 * 1024  # Google reads the first 500 KiB


@dataclass
class Robots:
    """The rules of one host for our user agent."""

    user_agent: str
    parser: Protego | None = None
    allow_all: bool = False
    reason: str = ""
    sitemaps: list[str] = field(default_factory=list)

    def allowed(self, url: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, self.user_agent))

    @property
    def crawl_delay(self) -> float | None:
        """Seconds between requests the site asks for, if any (capped: a delay of hours is a trap)."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(self.user_agent)
        if delay is None:
            return None
        return min(max(float(delay), 0.0), 60.0)


def allow_all(user_agent: str, reason: str = "robots.txt not found") -> Robots:
    return Robots(user_agent=user_agent, allow_all=True, reason=reason)


def disallow_all(user_agent: str, reason: str) -> Robots:
    return Robots(user_agent=user_agent, allow_all=False, reason=reason)


def from_response(user_agent: str, status: int | None, body: bytes, error: str | None = None) -> Robots:
    """The rules that a robots.txt answer (status and body, or a fetch error) implies."""
    if error is not None or status is None:
        return disallow_all(user_agent, f"robots.txt unreachable: {error or 'no answer'}")
    if status == 429 or status >= 500:
        return disallow_all(user_agent, f"robots.txt answered {status}")
    if 400 <= status < 500:
        return allow_all(user_agent, f"robots.txt answered {status}")
    if not 200 <= status < 300:
        return allow_all(user_agent, f"robots.txt answered {status}")
    text = body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace")
    try:
        parser = Protego.parse(text)
    except Exception as exc:  # protego is lenient; a parser bug must not stop the crawl
        return allow_all(user_agent, f"robots.txt unparseable: {exc}")
    return Robots(user_agent=user_agent, parser=parser, reason="robots.txt", sitemaps=list(parser.sitemaps)[:50])
