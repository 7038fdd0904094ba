"""Regular expressions a user supplies (include/exclude now, extraction rules next), run in linear time.

A user's pattern is hostile input: Python's ``re`` backtracks, so ``(a+)+$`` against a URL of
thirty ``a``s and a ``!`` runs for hours and blocks the event loop that runs it. Every user
pattern is therefore compiled here with RE2 (``google-re2``), whose matching time is linear in
the text whatever the pattern. RE2 has no backreferences and no lookaround (both need
backtracking): such a pattern is refused with a message that says so, for a 422 naming the field.

Reuse it for any new user pattern:

- ``compile_pattern(text, max_subject=...)`` -> ``UserPattern`` (or ``PatternError``, a
  ``ValueError`` whose message is written for the user); ``UserPattern.search(subject)`` and
  ``.finditer(subject)`` refuse a subject longer than ``max_subject`` with ``SubjectTooLong``
  (never a silent cut, which would make ``$`` match at the cut), so one call is bounded in time
  as well as linear;
- ``RegexPattern``: an annotated ``str`` for pydantic models (a list of them reports
  ``include.0``-style fields), with the length bound in the JSON schema;
- ``any_match(patterns, subject)`` for include/exclude-style lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

import re2
from pydantic import AfterValidator, Field, ValidationInfo

from shared.model.userinput import is_stored

MAX_PATTERN_LENGTH = 1000
# Characters of a subject a pattern looks at: URLs are at most 2048 long, so the default covers any
# URL with room to spare; callers matching longer text (page bodies) pass their own bound.
MAX_SUBJECT_LENGTH = 8192
# RE2's memory budget per compiled pattern (its default is 8 MiB); compiling a pattern that needs
# more fails with "pattern too large" instead of growing.
MAX_PROGRAM_MEMORY = 8 << 20

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern to stderr
_OPTIONS.max_mem = MAX_PROGRAM_MEMORY


class PatternError(ValueError):
    """A pattern that cannot run here; ``str(error)`` tells the user why and what to write instead."""


class SubjectTooLong(ValueError):
    """The text to match is longer than the pattern's ``max_subject``; the caller decides what that means."""


# RE2's own error texts, turned into advice. Checked in order; the first that matches wins.
_EXPLAINED: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"invalid perl operator: \(\?(<?[=!])"),
        "uses a lookaround ({operator}), which RE2 cannot express: patterns run on RE2 so that matching takes "
        "linear time, and lookahead/lookbehind need backtracking. Match the text itself, or use an `exclude` "
        "pattern for what must not follow",
    ),
    (
        re.compile(r"invalid escape sequence: \\([1-9]|k|g)"),
        "uses a backreference ({operator}), which RE2 cannot express: patterns run on RE2 so that matching "
        "takes linear time, and backreferences need backtracking",
    ),
    (re.compile(r"invalid escape sequence: \\Z"), "uses \\Z, which RE2 spells \\z (or use $)"),
    (
        re.compile(r"invalid (?:perl operator|named capture group): \(\?(?:[>|#]|P(?:$|[=>]))"),
        "uses a construct RE2 cannot express ({operator}: an atomic group, a named backreference, recursion "
        "or an inline comment): patterns run on RE2 so that matching takes linear time, and it has none of them",
    ),
    (
        re.compile(r"invalid repetition size|bad repetition operator: \{"),
        "repeats more than 1000 times; use a smaller count or + and *",
    ),
    (re.compile(r"pattern too large"), "is too large to compile within the memory limit; simplify it"),
)


def _explain(pattern: str, reason: str) -> str:
    for rule, advice in _EXPLAINED:
        match = rule.search(reason)
        if match:
            operator = match.group(0).split(": ", 1)[-1]
            return f"{_quote(pattern)} {advice.format(operator=operator)}"
    return f"{_quote(pattern)} is not a valid regular expression: {reason}"


def _quote(pattern: str) -> str:
    return repr(pattern if len(pattern) <= 80 else pattern[:77] + "...")


@dataclass(frozen=True, eq=False)
class UserPattern:
    """A compiled user pattern; it matches subjects of at most ``max_subject`` characters."""

    source: str
    regex: Any  # re2._Regexp: the compiled program (groups, groupindex, sub, ... for callers that need them)
    max_subject: int = MAX_SUBJECT_LENGTH

    def search(self, subject: str) -> Any:
        """The first match in ``subject`` (an re-style match object), or None."""
        return self.regex.search(self._bounded(subject))

    def finditer(self, subject: str) -> Iterator[Any]:
        """Every non-overlapping match in ``subject``."""
        return self.regex.finditer(self._bounded(subject))  # type: ignore[no-any-return]

    def _bounded(self, subject: str) -> str:
        if len(subject) > self.max_subject:
            raise SubjectTooLong(f"the text is longer than {self.max_subject} characters")
        return subject


def compile_pattern(pattern: str, *, max_subject: int = MAX_SUBJECT_LENGTH) -> UserPattern:
    """``pattern`` compiled with RE2; ``PatternError`` says why when it cannot be."""
    return UserPattern(pattern, _compile(pattern), max_subject)


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> Any:
    # Cached: the api validates a crawl's patterns, then the worker compiles the same ones per attempt.
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"the pattern is longer than {MAX_PATTERN_LENGTH} characters")
    if "\x00" in pattern:
        raise PatternError("the pattern contains a NUL character")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(_explain(pattern, reason)) from None


def check_pattern(pattern: str) -> str:
    """The pattern unchanged when RE2 can run it; ``PatternError`` otherwise."""
    _compile(pattern)
    return pattern


def _validate(pattern: str, info: ValidationInfo) -> str:
    # Patterns read back from the log (``userinput.STORED``) pass as they are: whoever runs one
    # compiles it and reports a failure then (the worker fails that crawl with the reason).
    return pattern if is_stored(info) else check_pattern(pattern)


def any_match(patterns: Iterable[UserPattern], subject: str) -> bool:
    """Whether any of ``patterns`` is found in ``subject``."""
    return any(p.search(subject) is not None for p in patterns)


RegexPattern = Annotated[
    str,
    # The length bound is checked by the validator (so that it too spares stored patterns) and
    # stated in the JSON schema here.
    Field(
        description="a regular expression in RE2 syntax (no lookaround, no backreferences), matched anywhere",
        json_schema_extra={"format": "regex", "maxLength": MAX_PATTERN_LENGTH},
    ),
    AfterValidator(_validate),
]
