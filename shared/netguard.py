"""The SSRF guard: refuse crawl targets that resolve to private, loopback or metadata addresses.

Two layers use it. ``check_url`` is the up-front check (the api's 422, the crawler's start URL).
``GuardedConnector`` is the one that matters for security: it checks the addresses DNS returned
on every connection the crawler opens (every redirect hop included), so a host that resolves to a
public address at check time and to 127.0.0.1 at connect time (DNS rebinding) is still refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import aiohttp

from shared.platform.settings import Network, parse_networks

__all__ = ["AddressRefused", "Allowlist", "GuardedConnector", "Network", "address_reason", "check_url",
           "parse_networks", "refusal_of", "resolve"]  # fmt: skip

# 100.64.0.0/10 (carrier-grade NAT) is not "private" to the ipaddress module, but it is not the
# public internet either; cloud metadata services sometimes live there.
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


# Networks an operator lets through although they are not public (``PRIVATE_NETWORK_ALLOWLIST``,
# parsed by ``shared.platform.settings.parse_networks``, re-exported here for the guard's callers).
Allowlist: TypeAlias = Sequence[Network]


class AddressRefused(OSError):
    """A connection was refused because its address is not on the public internet."""


def address_reason(address: str, allowlist: Allowlist = ()) -> str | None:
    """Why ``address`` (an IP literal) must not be crawled, or None when it is public (or allow-listed)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if any(ip.version == net.version and ip in net for net in allowlist):
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 and 64:ff9b::7f00:1 reach IPv4 hosts: judge the IPv4 address.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in ipaddress.ip_network("64:ff9b::/96"):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if any(ip.version == net.version and ip in net for net in allowlist):
            return None
    checks = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private or (ip.version == 4 and ip in _SHARED_ADDRESS_SPACE)),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
    )
    for name, hit in checks:
        if hit:
            return f"{ip} is a {name} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def _host_of(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host or None


async def resolve(host: str, port: int = 80) -> list[str]:
    """Every address ``host`` resolves to (IP literals in any spelling the system accepts)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def check_url(
    url: str, *, allow_private: bool = False, allowlist: Allowlist = (), timeout: float = 10.0
) -> str | None:
    """Why ``url`` must not be crawled (a sentence for the user), or None when it may be.

    Resolves the host: decimal, octal and hex IPv4 spellings and IPv6-mapped addresses are
    judged by the address they reach. A name that does not resolve is refused too.
    """
    host = _host_of(url)
    if host is None:
        return "the URL has no host"
    if allow_private:
        return None
    try:
        addresses = await asyncio.wait_for(resolve(host), timeout)
    except (TimeoutError, OSError, UnicodeError) as exc:
        return f"the host {host!r} does not resolve ({exc.__class__.__name__}: {exc})"
    if not addresses:
        return f"the host {host!r} does not resolve"
    for address in addresses:
        reason = address_reason(address, allowlist)
        if reason is not None:
            return f"the host {host!r} resolves to {reason}; crawling private networks is not allowed"
    return None


class TargetGuard:
    """A client middleware for sessions that talk to a proxy: each request's own host is checked first.

    Through a proxy the connection goes to the proxy, so ``GuardedConnector`` sees only the proxy's
    address; the target is resolved here and judged before every request (every redirect hop is a
    request of its own). The proxy resolves the name again; what it reaches in between is its own
    (docs/SECURITY.md). Verdicts are kept for ``ttl`` seconds per host.
    """

    def __init__(self, *, allow_private: bool = False, allowlist: Allowlist = (), ttl: float = 300.0) -> None:
        self.allow_private = allow_private
        self.allowlist = tuple(allowlist)
        self.ttl = ttl
        self._verdicts: dict[str, tuple[float, str | None]] = {}

    async def __call__(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        if not self.allow_private:
            host = request.url.host or ""
            loop = asyncio.get_running_loop()
            seen = self._verdicts.get(host)
            if seen is None or seen[0] < loop.time():
                reason = await check_url(str(request.url), allowlist=self.allowlist)
                seen = self._verdicts[host] = (loop.time() + self.ttl, reason)
            if seen[1] is not None:
                raise AddressRefused(f"refused {host}: {seen[1]}")
        return await handler(request)


class GuardedConnector(aiohttp.TCPConnector):
    """A TCP connector that refuses to connect to non-public addresses, after DNS, every time."""

    def __init__(self, *args: Any, allow_private: bool = False, allowlist: Allowlist = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._allow_private = allow_private
        self._allowlist = tuple(allowlist)

    async def _resolve_host(self, host: str, port: int, traces: Sequence[Any] | None = None) -> list[Any]:
        results = await super()._resolve_host(host, port, traces=traces)  # type: ignore[arg-type]
        if self._allow_private:
            return results
        allowed = []
        reason = None
        for result in results:
            reason_here = address_reason(str(result["host"]), self._allowlist)
            if reason_here is None:
                allowed.append(result)
            else:
                reason = reason_here
        if not allowed:
            raise AddressRefused(f"refused {host}: {reason or 'no address'} (private networks are not allowed)")
        return allowed


def refusal_of(exc: BaseException) -> str | None:
    """The guard's reason if ``exc`` (as aiohttp wraps it) is a refused connection, else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, AddressRefused):
            return str(current)
        os_error = getattr(current, "os_error", None)
        if isinstance(os_error, AddressRefused):
            return str(os_error)
        current = current.__cause__ or current.__context__
    return None
