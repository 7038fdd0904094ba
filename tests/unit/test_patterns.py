"""User patterns run on RE2: linear time whatever the pattern, and a clear refusal for what RE2 cannot say."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.worker.fetch import urls
from shared.model import patterns
from shared.model.crawlsettings import CrawlSettings
from shared.model.userinput import STORED

# The case: with Python's backtracking `re`, (a+)+$ against thirty a's and a `!` runs for
# hours; these subjects are far longer. Each test passing at all (within pytest's timeout) is the point.
EVIL = "(a+)+$"
LONG_URL = "https://example.com/" + "a" * 2000 + "!"


@pytest.mark.timeout(30)
def test_a_catastrophic_pattern_runs_in_linear_time() -> None:
    pattern = patterns.compile_pattern(EVIL, max_subject=200_000)
    assert pattern.search("a" * 100_000 + "!") is None
    assert pattern.search("aaa") is not None


@pytest.mark.timeout(30)
def test_the_worker_scope_check_cannot_be_stalled_by_an_exclude_pattern() -> None:
    scope = urls.Scope("https://example.com/", exclude=[EVIL])
    assert scope.allows(LONG_URL)  # not excluded: the pattern needs the URL to end in a's
    assert not scope.allows("https://example.com/" + "a" * 2000)
    scope = urls.Scope("https://example.com/", include=[EVIL])
    assert not scope.allows(LONG_URL)


@pytest.mark.timeout(30)
def test_the_start_url_check_cannot_be_stalled() -> None:
    with pytest.raises(ValidationError, match="does not match any `include`"):
        CrawlSettings(url=LONG_URL, include=[EVIL])


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("/blog/(?=2024)", "lookaround"),
        ("/(?!private)", "lookaround"),
        ("(?<=/)x", "lookaround"),
        ("(?<!a)b", "lookaround"),
        (r"(a)\1", "backreference"),
        (r"(?P<x>a)(?P=x)", "RE2 cannot express"),
        (r"x\Z", r"\z"),
        ("a{5000}", "1000"),
        ("(", "not a valid regular expression"),
        ("a" * (patterns.MAX_PATTERN_LENGTH + 1), "longer than 1000"),
    ],
)
def test_what_re2_cannot_express_is_refused_with_the_reason(pattern: str, says: str) -> None:
    with pytest.raises(patterns.PatternError, match=None) as caught:
        patterns.compile_pattern(pattern)
    assert says in str(caught.value)
    with pytest.raises(ValidationError) as invalid:
        CrawlSettings(url="https://example.com/", exclude=["ok", pattern])
    error = invalid.value.errors()[0]
    assert error["loc"] == ("exclude", 1) and says in error["msg"]


def test_re2_syntax_that_python_shares_still_works() -> None:
    settings = CrawlSettings(
        url="https://example.com/blog/2024/", include=[r"/blog/\d{4}/", r"(?i)/BLOG/", "(?P<y>20)"]
    )
    scope = urls.Scope(settings.url, include=settings.include)
    assert scope.allows("https://example.com/Blog/1999/") and not scope.allows("https://example.com/shop/")


def test_subjects_are_bounded() -> None:
    pattern = patterns.compile_pattern("needle$", max_subject=100)
    assert pattern.search("x" * 50 + "needle") is not None
    with pytest.raises(patterns.SubjectTooLong):
        pattern.search("x" * 200 + "needle")  # refused, not cut (a cut would move where `$` matches)
    assert not urls.Scope("https://example.com/").allows("https://example.com/" + "a" * urls.MAX_URL_LENGTH)


def test_stored_settings_stay_readable() -> None:
    """A pattern accepted before RE2 (a lookahead) must not make the event log that holds it unreadable."""
    stored = {"url": "https://example.com/", "include": ["(?=.)"], "user_agent": "old\r\nagent"}
    assert CrawlSettings.model_validate(stored, context=STORED).include == ["(?=.)"]
    with pytest.raises(ValidationError):
        CrawlSettings.model_validate(stored)  # as new input (or a worker about to run it): refused


@pytest.mark.parametrize("agent", ["bot\r\nX-Injected: 1", "bot\nx", "bot\x00", "bot\x7f", "tab\there"])
def test_header_values_refuse_control_characters(agent: str) -> None:
    with pytest.raises(ValidationError) as invalid:
        CrawlSettings(url="https://example.com/", user_agent=agent)
    error = invalid.value.errors()[0]
    assert error["loc"] == ("user_agent",) and "control characters" in error["msg"]
    assert CrawlSettings(url="https://example.com/", user_agent="Mozilla/5.0 (compatible; Bot/1.0; +https://x.y/)")
