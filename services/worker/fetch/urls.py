"""URL rules: normalisation (one page is one record), scope, and caps against spider traps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from shared.model import patterns

MAX_URL_LENGTH = 2048
MAX_QUERY_PARAMS = 20
MAX_PATH_SEGMENTS = 40
MAX_REPEATED_SEGMENT = 3  # /a/b/a/b/a/b/... calendars and relative-link loops

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters that stay as they are in a path or query; everything else is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/?:@!$&'()*+,;=-._~"
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
# Unreserved characters are decoded (RFC 3986 6.2.2.2); other escapes are upper-cased.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _normalise_escapes(text: str, safe: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(0)[1:], 16))
        return char if char in _UNRESERVED else match.group(0).upper()

    text = _PERCENT.sub(fix, text)
    # Encode what is not allowed raw (spaces, non-ASCII as UTF-8), keeping existing escapes.
    return quote(text, safe=safe + "%")


def _remove_dot_segments(path: str) -> str:
    output: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if segment == ".":
            if i == len(segments) - 1:
                output.append("")
            continue
        if segment == "..":
            if len(output) > 1:
                output.pop()
            if i == len(segments) - 1:
                output.append("")
            continue
        output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


# An href that needs no normalisation beyond joining: an absolute path (not //), no dot segment,
# no escape, only characters kept raw. Most links on most sites are this; they skip urljoin.
_PLAIN_PATH = re.compile(r"/(?!/)[A-Za-z0-9\-_~/!$&'()*+,;=:@]*(?:\.[A-Za-z0-9\-_~!$&'()*+,;=:@]+)*"
                         r"(?:\?[A-Za-z0-9\-._~/?!$&'()*+,;=:@]*)?")  # fmt: skip


@lru_cache(maxsize=4096)
def _origin(base: str) -> str | None:
    normal = normalize(base)
    if normal is None:
        return None
    return normal[: normal.index("/", normal.index("//") + 2)]


def normalize(url: str, base: str | None = None) -> str | None:
    """The canonical spelling of ``url`` (resolved against ``base``), or None if it is not http(s).

    Lower-cases scheme and host, drops default ports and the fragment, resolves dot segments,
    and normalises percent-encoding, so that spellings of one page map to one record.
    """
    url = url.strip().replace("\t", "").replace("\n", "").replace("\r", "")
    if not url:
        return None
    if base is not None and url[0] == "/":
        path = url.split("#", 1)[0]
        if _PLAIN_PATH.fullmatch(path) and "/." not in path and not path.endswith("?"):
            origin = _origin(base)
            if origin is not None:
                return origin + path
    try:
        if base is not None:
            url = urljoin(base, url)
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            return None
        host = parts.hostname
        if not host:
            return None
        port = parts.port
    except ValueError:
        return None
    try:
        host = host.rstrip(".").encode("idna").decode("ascii") if not host.isascii() else host.rstrip(".")
    except UnicodeError:
        return None
    if not host or any(c in host for c in ' <>"{}|\\^`'):
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _remove_dot_segments(_normalise_escapes(parts.path or "/", _PATH_SAFE))
    query = _normalise_escapes(parts.query, _QUERY_SAFE) if parts.query else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """The host (with a non-default port) of a normalised URL: the unit of politeness."""
    return url.split("/", 3)[2]


def trap_reason(url: str) -> str | None:
    """Why ``url`` (normalised) looks like a spider trap: too long, too many parameters, repeating path."""
    if len(url) > MAX_URL_LENGTH:
        return f"URL longer than {MAX_URL_LENGTH} characters"
    rest = url.split("/", 3)[3] if url.count("/") >= 3 else ""
    path, _, query = rest.partition("?")
    if query and query.count("&") + 1 > MAX_QUERY_PARAMS:
        return f"more than {MAX_QUERY_PARAMS} query parameters"
    segments = [s for s in path.split("/") if s]
    if len(segments) > MAX_PATH_SEGMENTS:
        return f"more than {MAX_PATH_SEGMENTS} path segments"
    if len(segments) > MAX_REPEATED_SEGMENT and len(set(segments)) < len(segments):
        counts: dict[str, int] = {}
        for segment in segments:
            counts[segment] = counts.get(segment, 0) + 1
            if counts[segment] > MAX_REPEATED_SEGMENT:
                return f"path segment {unquote(segment)[:40]!r} repeats more than {MAX_REPEATED_SEGMENT} times"
    return None


def _registrable_suffix(host: str) -> str:
    """The host without a leading ``www.``: subdomain matching treats www as the site itself."""
    host = host.split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


@dataclass
class Scope:
    """Which URLs a crawl follows: the start host (or its subdomains), include and exclude.

    The patterns are the user's, so they run on RE2 (``shared.model.patterns``): linear time, and
    never on more than a URL's worth of characters, whatever a crawled page links to.
    """

    start_url: str
    include_subdomains: bool = False
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._host = host_of(self.start_url)
        self._site = _registrable_suffix(self._host)
        self._include = [patterns.compile_pattern(p, max_subject=MAX_URL_LENGTH) for p in self.include]
        self._exclude = [patterns.compile_pattern(p, max_subject=MAX_URL_LENGTH) for p in self.exclude]

    def is_internal(self, url: str) -> bool:
        """Same site as the start URL (scheme aside: http and https of one host are one site)."""
        host = host_of(url)
        if host == self._host:
            return True
        if _registrable_suffix(host) == self._site:
            return True  # www.example.com and example.com
        if self.include_subdomains:
            bare = host.split(":", 1)[0]
            return bare.endswith("." + self._site)
        return False

    def allows(self, url: str) -> bool:
        """Internal, and passes the include and exclude patterns (matched anywhere in the URL)."""
        if not self.is_internal(url) or len(url) > MAX_URL_LENGTH:
            return False  # a longer URL is a spider trap (``trap_reason``): never matched, never followed
        if self._include and not patterns.any_match(self._include, url):
            return False
        return not patterns.any_match(self._exclude, url)
