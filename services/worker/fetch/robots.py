"""robots.txt: parsed and matched exactly as Google's open-source reference parser does (RFC 9309).

The parser works on bytes, like the reference (github.com/google/robotstxt, robots.cc):

- only the first 512,000 bytes (500 KiB, Google's documented cap) are read; a UTF-8 byte order
  mark, whole or partial, before the first line is skipped; lines end in LF, CR or CRLF and
  nothing else (form feeds, NEL and U+2028 are ordinary characters); a line keeps at most
  16,663 bytes (8 x 2083 - 1);
- ``#`` starts a comment; ``key: value``, or ``key value`` when exactly two words and no colon;
  keys are recognised by prefix and the reference's accepted typos (``Disallows``, ``useragent``,
  ``disalow`` ...); every other line (crawl-delay, host, noindex, unknown) is ignored and does not
  end a group;
- a group is one or more user-agent lines followed by rules; a user-agent line after a rule starts
  the next group; groups naming the same agent merge; the product token of a user-agent value is
  its leading ``[A-Za-z_-]`` run (``FooBot/1.0`` is ``foobot``), ``*`` (even ``* foo``) is every
  crawler, matched case-insensitively;
- a crawler named in any group obeys only its own groups, else the ``*`` groups; the longest
  matching pattern wins (its length counted after percent-escaping), allow wins a tie; ``*`` is any
  run of characters, ``$`` at the end anchors; an allow for ``/dir/index.htm...`` also allows
  ``/dir/``; rule values have non-ASCII bytes percent-encoded and escapes upper-cased, and are
  otherwise compared literally with the URL's path, parameters and query as requested.

Where RFC 9309 reads differently (an escaped unreserved character, a literal ``*``/``$`` in a URL,
``/robots.txt`` itself), the reference wins; docs/CRAWLER.md lists those cases. What an answer means
(``from_response``): 2xx parse; redirects are followed up to 5 hops by the caller (more means no
robots.txt); 4xx except 429 means no robots.txt (allow all, the body is not read); 429, 5xx and an
unreachable host mean disallow all until robots.txt answers again.

Besides the rules, ``parse`` keeps what the audit reports about the file: syntax problems as
Lighthouse's robots-txt audit defines them, the ``Sitemap:`` lines, whether it was over the cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from shared.audit import aicrawlers
from shared.model.sitefiles import AiCrawlerVerdict

MAX_ROBOTS_BYTES = 512_000  # Google: "content which is after the maximum file size [500 KiB] is ignored"
MAX_LINE_BYTES = 2083 * 8 - 1  # the reference keeps this much of a line
MAX_PROBLEMS = 50  # syntax problems kept for the report (a garbage file has one per line)
MAX_SITEMAPS = 50
MAX_RULES = 50_000  # rules kept per file: a hostile file cannot make every URL check slow
_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_TOKEN = re.compile(rb"[A-Za-z_-]*")
_UA_TOKEN = re.compile(r"[A-Za-z_-]+")
_COMPATIBLE = re.compile(r"compatible;\s*([A-Za-z_-]+)", re.IGNORECASE)
_ESCAPE = re.compile(rb"%[0-9A-Fa-f]{2}|[\x80-\xff]")
_DISALLOW_TYPOS = (b"dissallow", b"dissalow", b"disalow", b"diasllow", b"disallaw")
# What Lighthouse's robots-txt audit accepts as a directive (lighthouse core/audits/seo/robots-txt.js).
KNOWN_DIRECTIVES = frozenset(
    {"user-agent", "disallow", "allow", "sitemap", "crawl-delay", "clean-param", "host", "request-rate",
     "visit-time", "noindex", "content-signal"}
)  # fmt: skip
CRAWL_DELAY_CAP = 60.0  # seconds; a crawl-delay of hours is a trap, not politeness


def product_token(user_agent: str) -> str:
    """The name a crawler with this User-Agent header looks for in robots.txt (RFC 9309 2.2.1).

    ``SEOCrawler/1.0 (+self-hosted)`` is ``SEOCrawler``; a browser-style header names its crawler
    after ``compatible;`` (``Mozilla/5.0 (compatible; Googlebot/2.1; ...)`` is ``Googlebot``).
    """
    found = _COMPATIBLE.search(user_agent)
    if found:
        return found.group(1)
    token = _UA_TOKEN.match(user_agent.strip())
    return token.group(0) if token else "*"


def _escape(value: bytes) -> str:
    """A rule value as the reference compares it: non-ASCII bytes %-encoded, escapes upper-cased."""

    def one(match: re.Match[bytes]) -> bytes:
        text = match.group(0)
        return text.upper() if len(text) == 3 else b"%%%02X" % text[0]

    return _ESCAPE.sub(one, value).decode("ascii", "replace")


def _matches(path: str, pattern: str) -> bool:
    """Whether ``pattern`` matches ``path`` from its start (``*`` any run, a final ``$`` the end).

    Pieces between stars are placed leftmost one after another: for patterns with ``*`` only,
    that finds a match whenever one exists, in O(len(path) * pieces) (no backtracking).
    """
    anchored = pattern.endswith("$")
    pieces = (pattern[:-1] if anchored else pattern).split("*")
    first = pieces[0]
    if not path.startswith(first):
        return False
    if len(pieces) == 1:
        return not anchored or len(path) == len(first)
    pos = len(first)
    for piece in pieces[1:-1]:
        found = path.find(piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    last = pieces[-1]
    if anchored:
        return len(path) - len(last) >= pos and path.endswith(last)
    return path.find(last, pos) >= 0


def request_path(url: str) -> str:
    """What rules are matched against: path, parameters and query of ``url``, without the fragment.

    Raw non-ASCII characters are percent-encoded as UTF-8 (what the request line carries).
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if "?" in url.split("#", 1)[0]:
        path += "?" + parts.query
    if not path.startswith("/"):
        path = "/" + path
    if not path.isascii():
        path = "".join(ch if ord(ch) < 0x80 else "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in path)
    return path


@dataclass(frozen=True)
class Rule:
    allow: bool
    pattern: str  # escaped as the reference compares it
    line: int


@dataclass
class Group:
    """User-agent lines and the rules after them."""

    agents: set[str] = field(default_factory=set)  # lower-cased product tokens; "*" for every crawler
    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None


@dataclass(frozen=True)
class Problem:
    """A line Lighthouse's robots-txt audit (and a careful reader) rejects."""

    line: int
    text: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """Whether a URL may be fetched, and the rule that decided (None: no rule applied)."""

    allowed: bool
    rule: Rule | None = None


@dataclass
class RobotsTxt:
    """A parsed robots.txt."""

    groups: list[Group] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    size_bytes: int = 0
    truncated: bool = False

    @classmethod
    def parse(cls, body: bytes) -> RobotsTxt:
        out = cls(size_bytes=len(body), truncated=len(body) > MAX_ROBOTS_BYTES)
        body = body[:MAX_ROBOTS_BYTES]
        skip = 0
        while skip < 3 and skip < len(body) and body[skip] == _BOM[skip]:
            skip += 1
        current: Group | None = None
        in_rules = False  # a rule was seen since the last user-agent line: the next one opens a group
        seen_agent = False
        rules = 0
        for number, raw in enumerate(_LINE_END.split(body[skip:]), start=1):
            raw = raw[:MAX_LINE_BYTES]
            out._lint(number, raw, seen_agent)
            line = raw.split(b"#", 1)[0].strip()
            if not line:
                continue
            if b":" in line:
                key, value = (part.strip() for part in line.split(b":", 1))
            else:
                words = line.split()
                if len(words) != 2:  # only "key value" is read without a colon
                    continue
                key, value = words
            if not key:
                continue
            lowered = key.lower()
            if lowered.startswith((b"user-agent", b"useragent", b"user agent")):
                if current is None or in_rules:
                    current, in_rules = Group(), False
                    out.groups.append(current)
                seen_agent = True
                if value[:1] == b"*" and (len(value) == 1 or value[1:2].isspace()):
                    current.agents.add("*")
                else:
                    current.agents.add(_TOKEN.match(value).group(0).decode("ascii").lower())  # type: ignore[union-attr]
            elif lowered.startswith(b"allow") or lowered.startswith((b"disallow", *_DISALLOW_TYPOS)):
                if current is None:
                    continue  # a rule before any user-agent line belongs to no group
                in_rules = True
                if value and rules < MAX_RULES:  # an empty value matches nothing
                    current.rules.append(Rule(lowered.startswith(b"allow"), _escape(value), number))
                    rules += 1
            elif lowered.startswith((b"sitemap", b"site-map")):
                if len(out.sitemaps) < MAX_SITEMAPS and value:
                    out.sitemaps.append(value.decode("utf-8", "replace"))
            elif lowered in (b"crawl-delay", b"crawl delay") and current is not None and current.crawl_delay is None:
                try:  # not Google's: a politeness hint other engines honour, and so do we
                    delay = float(value)
                except ValueError:
                    continue
                if delay == delay and delay >= 0:  # not NaN
                    current.crawl_delay = min(delay, CRAWL_DELAY_CAP)
        return out

    def _lint(self, number: int, raw: bytes, seen_agent: bool) -> None:
        """Lighthouse's robots-txt line checks (comments stripped, trimmed, empty lines skipped)."""
        text = raw.decode("utf-8", "replace").split("#", 1)[0].strip()
        if not text:
            return
        message = None
        if ":" not in text:
            message = "Syntax not understood"
        else:
            key, value = (part.strip() for part in text.split(":", 1))
            key = key.lower()
            if key not in KNOWN_DIRECTIVES:
                message = "Unknown directive"
            elif key == "sitemap":
                if not value or not _absolute(value):
                    message = "Invalid sitemap URL"
                elif urlsplit(value).scheme.lower() not in ("http", "https", "ftp"):
                    message = "Invalid sitemap URL protocol"
            elif key == "user-agent" and not value:
                message = "No user-agent specified"
            elif key in ("allow", "disallow"):
                if not seen_agent:
                    message = "No user-agent specified"
                elif value and not value.startswith(("/", "*")):
                    message = 'Pattern should either be empty, start with "/" or "*"'
                elif "$" in value[:-1]:
                    message = '"$" should only be used at the end of the pattern'
        if message is not None:
            self.problem_count += 1
            if len(self.problems) < MAX_PROBLEMS:
                self.problems.append(Problem(number, text[:200], message))

    def groups_for(self, token: str) -> tuple[list[Group], bool]:
        """The groups that ``token`` obeys, and whether they name it (False: the ``*`` groups)."""
        token = token.lower()
        own = [g for g in self.groups if token in g.agents]
        if own:
            return own, True
        return [g for g in self.groups if "*" in g.agents], False

    def verdict(self, url: str, token: str) -> Verdict:
        """May the crawler ``token`` fetch ``url``? The longest matching rule decides, allow on a tie."""
        path = request_path(url)
        best: dict[bool, tuple[int, Rule | None]] = {True: (0, None), False: (0, None)}
        groups, _ = self.groups_for(token)
        for group in groups:
            for rule in group.rules:
                length = _priority(path, rule)
                if length > best[rule.allow][0]:
                    best[rule.allow] = (length, rule)
        (allow, allow_rule), (disallow, disallow_rule) = best[True], best[False]
        if disallow > allow:
            return Verdict(False, disallow_rule)
        return Verdict(True, allow_rule)

    def allowed(self, url: str, token: str) -> bool:
        return self.verdict(url, token).allowed

    def crawl_delay(self, token: str) -> float | None:
        groups, _ = self.groups_for(token)
        return next((g.crawl_delay for g in groups if g.crawl_delay is not None), None)


def _priority(path: str, rule: Rule) -> int:
    """The length of ``rule``'s pattern if it matches ``path`` (0 if not)."""
    if _matches(path, rule.pattern):
        return len(rule.pattern)
    if rule.allow:
        # Google: an allow for /dir/index.htm(l) also allows /dir/ itself.
        slash = rule.pattern.rfind("/")
        if slash >= 0 and rule.pattern.startswith("/index.htm", slash):
            short = rule.pattern[: slash + 1] + "$"
            if _matches(path, short):
                return len(short)
    return 0


def _absolute(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


@dataclass
class Robots:
    """The rules one host gives our crawler, and how they came about."""

    token: str
    parsed: RobotsTxt | None = None
    allow_all: bool = False
    outcome: str = "rules"  # "rules" | "missing" | "unavailable" | "not consulted"
    reason: str = ""
    status: int | None = None
    error: str | None = None
    url: str = ""  # where robots.txt was asked for, and where its redirects ended
    final_url: str = ""
    redirects: int = 0
    text: str | None = None  # the body as read (the first MAX_ROBOTS_BYTES), kept per crawl for diffs

    @property
    def sitemaps(self) -> list[str]:
        return self.parsed.sitemaps if self.parsed else []

    def allowed(self, url: str) -> bool:
        if self.parsed is None:
            return self.allow_all
        return self.parsed.allowed(url, self.token)

    @property
    def crawl_delay(self) -> float | None:
        """Seconds between requests the site asks for, if any (capped: a delay of hours is a trap)."""
        return self.parsed.crawl_delay(self.token) if self.parsed else None


def allow_all(token: str, reason: str = "robots.txt not found", *, outcome: str = "missing") -> Robots:
    return Robots(token=token, allow_all=True, outcome=outcome, reason=reason)


def disallow_all(token: str, reason: str) -> Robots:
    return Robots(token=token, allow_all=False, outcome="unavailable", reason=reason)


def from_response(
    token: str, status: int | None, body: bytes, error: str | None = None, *, truncated: bool = False
) -> Robots:
    """The rules that a robots.txt answer (final status and body, or a fetch error) implies.

    ``token`` is the crawler's product token (``product_token``). A redirect still unresolved
    after 5 hops arrives here as a 3xx status: no robots.txt, like a 404. ``truncated``: the body
    is the head of a longer file (the fetch stopped at the cap).
    """
    if error is not None or status is None:
        rules = disallow_all(token, f"robots.txt unreachable: {error or 'no answer'}")
    elif status == 429 or status >= 500:
        rules = disallow_all(token, f"robots.txt answered {status}")
    elif not 200 <= status < 300:
        rules = allow_all(token, f"robots.txt answered {status}")
    else:
        parsed = RobotsTxt.parse(body)
        parsed.truncated = parsed.truncated or truncated
        rules = Robots(token=token, parsed=parsed, reason="robots.txt")
    rules.status, rules.error = status, error
    if status is not None and error is None:
        rules.text = body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace")
    return rules


def ai_verdicts(rules: Robots, origin: str) -> list[AiCrawlerVerdict]:
    """What robots.txt says to each AI crawler of ``aicrawlers.CRAWLERS``, for the site ``origin``.

    ``blocked``: the home page is disallowed; ``partly blocked``: it is allowed but rules of the
    crawler's group disallow something; ``allowed``: nothing is disallowed. No robots.txt (4xx)
    allows everyone; one that is unavailable (5xx) blocks everyone, as it does our crawler.
    """
    out = []
    for crawler in aicrawlers.CRAWLERS:
        line: int | None = None
        verdict: Literal["allowed", "partly blocked", "blocked"]
        group: Literal["own", "*", "none"]
        if rules.parsed is None:
            verdict, group = ("allowed" if rules.allow_all else "blocked"), "none"
        else:
            groups, own = rules.parsed.groups_for(crawler.token)
            home = rules.parsed.verdict(origin + "/", crawler.token)
            disallows = any(not rule.allow for g in groups for rule in g.rules)
            verdict = "blocked" if not home.allowed else ("partly blocked" if disallows else "allowed")
            line = home.rule.line if home.rule is not None and not home.allowed else None
            group = "own" if own else ("*" if groups else "none")
        out.append(AiCrawlerVerdict(token=crawler.token, operator=crawler.operator, purpose=crawler.purpose,
                                    verdict=verdict, group=group, line=line, note=crawler.note))  # fmt: skip
    return out
