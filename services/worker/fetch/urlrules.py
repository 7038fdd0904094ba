"""A crawl's URL rules applied: one spelling per page before a URL enters the frontier.

``Rewriter(settings.url_rules).apply(url)`` strips query parameters (named ones, ``utm_*`` prefixes,
or all), lower-cases the path, then runs the regex rewrites in order (RE2: linear time on a URL of
at most ``urls.MAX_URL_LENGTH`` characters), and normalises the result. It returns the new URL and
the names of the rules that changed it, which the link rows keep beside the original so that the
link report shows what was written and the URL-rules report counts what each rule collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_plus

from services.worker.fetch import urls
from shared.model import patterns
from shared.model.crawlrules import UrlRules

STRIP_ALL = "strip_params:all"
LOWERCASE = "lowercase"


def strip_key(name: str) -> str:
    """The rule name of stripping ``name`` (as the user wrote it: ``utm_*``)."""
    return f"strip_params:{name}"


def rewrite_key(index: int) -> str:
    """The rule name of the ``index``-th regex rewrite (from 0, as in the settings)."""
    return f"rewrite:{index}"


@dataclass(frozen=True)
class Rewritten:
    url: str
    rules: tuple[str, ...] = ()  # the rules that changed it, in the order they ran


class Rewriter:
    """The compiled rules of one crawl; ``apply`` is pure and cheap enough for every link of a page."""

    def __init__(self, rules: UrlRules) -> None:
        self.rules = rules
        self.active = rules.active()
        self._strip_all = rules.strip_params == "all"
        names = [] if isinstance(rules.strip_params, str) else rules.strip_params
        self._exact = {n: n for n in names if not n.endswith("*")}
        self._prefixes = [(n[:-1], n) for n in names if n.endswith("*")]
        self._rewrites = [
            (patterns.compile_pattern(r.pattern, max_subject=urls.MAX_URL_LENGTH), r.replacement) for r in rules.rewrite
        ]

    def apply(self, url: str) -> Rewritten:
        """``url`` (normalised) after the rules; unchanged (no rule names) when none applies."""
        if not self.active or len(url) > urls.MAX_URL_LENGTH:
            return Rewritten(url)
        hit: list[str] = []
        current = self._strip(url, hit)
        if self.rules.lowercase:
            current = self._lowercase(current, hit)
        for index, (pattern, replacement) in enumerate(self._rewrites):
            try:
                changed = pattern.regex.sub(replacement, current)
            except (patterns.SubjectTooLong, IndexError, ValueError):
                continue
            if len(changed) > urls.MAX_URL_LENGTH:
                continue  # a rewrite that grows a URL past the cap would make it a trap: not applied
            if changed != current:
                normal = urls.normalize(changed)
                if normal is not None and normal != current:
                    current = normal
                    hit.append(rewrite_key(index))
        if current == url:
            return Rewritten(url)
        return Rewritten(current, tuple(hit))

    def _strip(self, url: str, hit: list[str]) -> str:
        base, sep, query = url.partition("?")
        if not sep or not (self._strip_all or self._exact or self._prefixes):
            return url
        if self._strip_all:
            hit.append(STRIP_ALL)
            return base
        kept = []
        for pair in query.split("&"):
            name = unquote_plus(pair.split("=", 1)[0])
            rule = self._exact.get(name) or next(
                (full for prefix, full in self._prefixes if name.startswith(prefix)), None
            )
            if rule is None:
                kept.append(pair)
            elif strip_key(rule) not in hit:
                hit.append(strip_key(rule))
        if len(kept) == query.count("&") + 1:
            return url
        return base + ("?" + "&".join(kept) if kept else "")

    def _lowercase(self, url: str, hit: list[str]) -> str:
        scheme_host, _, rest = url.partition("://")
        host, slash, tail = rest.partition("/")
        path, sep, query = tail.partition("?")
        lowered = path.lower()
        if lowered == path:
            return url
        hit.append(LOWERCASE)
        # Escapes stay upper-case (%2F), as normalisation writes them.
        return urls.normalize(f"{scheme_host}://{host}{slash}{lowered}{sep}{query}") or url
