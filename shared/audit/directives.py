"""Robots directives (meta robots and ``X-Robots-Tag``), read the way Google reads them: the one parser.

The page record's indexability (the worker), the page rules and the site rules all ask this module,
so a page is noindex for all of them or for none. What it follows (Google's "Robots meta tag,
data-nosnippet, and X-Robots-Tag specifications"):

- Rules are a comma-separated list, case-insensitive. Rules separated by spaces only
  (``content="noindex nofollow"``) or by semicolons are read as two rules too, as search engines
  are lenient about them in practice.
- ``none`` means ``noindex, nofollow``; ``all``, ``index`` and ``follow`` restrict nothing.
- A rule may name a crawler first (``googlebot: noindex``); the rules that follow in the same
  list are then that crawler's, until another crawler is named. This crawler audits the way Google
  web search would: the rules for every crawler and those for ``googlebot`` apply, the rules for
  other crawlers (``bingbot``, ``googlebot-news``, ...) do not. The worker records
  ``<meta name="googlebot">`` the same way, as ``googlebot: ...`` after the general rules.
- ``unavailable_after: <date>`` (RFC 822, RFC 850 or ISO 8601; without a zone, UTC) takes a page
  out of search results from that moment: a page crawled after it is read as noindex. An invalid
  date is ignored, as Google ignores it. ``max-snippet``, ``max-image-preview`` and
  ``max-video-preview`` take a value too and restrict no indexing.

Every value read here was crawled: it is bounded (``MAX_CHARS``) and parsed in linear time.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

GOOGLEBOT = "googlebot"
MAX_CHARS = 4096  # of one header or meta value (the worker stores at most 500)

NOINDEX, NOFOLLOW, NONE, UNAVAILABLE_AFTER = "noindex", "nofollow", "none", "unavailable_after"
VALUE_RULES = frozenset({UNAVAILABLE_AFTER, "max-snippet", "max-image-preview", "max-video-preview"})
RULES = frozenset({
    "all", "index", "follow", NOINDEX, NOFOLLOW, NONE, "noarchive", "nocache", "nosnippet", "notranslate",
    "noimageindex", "indexifembedded", *VALUE_RULES,
})  # fmt: skip

_WORD = re.compile(r"[a-z][a-z0-9_-]*")
_SPACE_BEFORE_COLON = re.compile(r"\s+:")
_SEPARATOR = re.compile(r"[,;]")
_WEEKDAY = re.compile(r"[a-z]+", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """One rule: the crawler it names (``None``: every crawler), its name, and its value if it takes one."""

    crawler: str | None
    name: str
    value: str | None = None


def parse(text: str | None) -> list[Rule]:
    """The rules of one meta ``content`` or ``X-Robots-Tag`` value, in order (lower-cased names)."""
    rules: list[Rule] = []
    crawler: str | None = None
    for part in _SEPARATOR.split((text or "")[:MAX_CHARS]):
        part = part.strip()
        if not part:
            continue
        last = rules[-1] if rules else None
        if last is not None and last.name == UNAVAILABLE_AFTER and _date_goes_on(last.value, part):
            rules[-1] = replace(last, value=f"{last.value}, {part}")  # RFC 850: "Friday, 25-Jun-10 ..."
            continue
        crawler = _read_part(part, crawler, rules)
    return rules


def _read_part(part: str, crawler: str | None, rules: list[Rule]) -> str | None:
    """Rules of one comma-separated part (``noindex nofollow``, ``googlebot: noindex``, ``max-snippet: 20``)."""
    words = _SPACE_BEFORE_COLON.sub(":", part).split()
    i = 0
    while i < len(words):
        word = words[i]
        name, colon, rest = word.partition(":")
        name = name.lower()
        if colon and name in VALUE_RULES:
            value = " ".join([rest, *words[i + 1 :]]).strip()  # a value runs to the end of the part
            rules.append(Rule(crawler, name, value or None))
            return crawler
        if colon and name not in RULES and _WORD.fullmatch(name):
            crawler = name  # "googlebot:" (or "googlebot:noindex"): the rules that follow are its
            if rest:
                words[i] = rest
                continue
        elif name:
            rules.append(Rule(crawler, name))
        i += 1
    return crawler


def _date_goes_on(value: str | None, part: str) -> bool:
    """``unavailable_after: Friday`` then ``25-Jun-10 15:00:00 GMT``: the comma was the date's own."""
    return value is not None and _WEEKDAY.fullmatch(value) is not None and part[:1].isdigit()


def date(value: str | None) -> datetime | None:
    """An ``unavailable_after`` date (RFC 822/850 or ISO 8601; UTC when it names no zone), or None."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Directives:
    """The rules that apply to this crawler, from every source of a page."""

    names: frozenset[str]
    unavailable_after: datetime | None = None

    def noindex(self, at: datetime | None = None) -> bool:
        """The page is not to be indexed (at ``at``, for ``unavailable_after``)."""
        if NOINDEX in self.names or NONE in self.names:
            return True
        return at is not None and self.unavailable_after is not None and self.unavailable_after <= at

    @property
    def nofollow(self) -> bool:
        return NOFOLLOW in self.names or NONE in self.names


def of(*sources: str | None, crawler: str = GOOGLEBOT) -> Directives:
    """The rules for ``crawler`` in ``sources`` (a page's meta robots and X-Robots-Tag values)."""
    names: set[str] = set()
    until: datetime | None = None
    for source in sources:
        for rule in parse(source):
            if rule.crawler not in (None, crawler):
                continue
            if rule.name == UNAVAILABLE_AFTER:
                moment = date(rule.value)
                if moment is None:
                    continue  # an invalid date: the rule is ignored
                until = moment if until is None else min(until, moment)
            names.add(rule.name)
    return Directives(frozenset(names), until)
