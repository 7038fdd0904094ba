"""robots.txt and llms.txt: the llms.txt reader, the AI crawler verdicts, and the site-file rules."""

from __future__ import annotations

from services.worker.fetch import llmstxt, robots
from shared.audit import sitefiles
from shared.model.sitefiles import FileProblem, SiteFile, SitemapAnswer, SitemapFile

GOOD = b"""# Tea shop

> Teas, kettles and brewing advice.

Everything about tea.

## Guides

- [Brewing green tea](https://tea.example/green.md): temperatures and times
- [Kettles](https://tea.example/kettles.md)

## Optional

- [History](https://tea.example/history.md)
"""


def test_llms_txt_in_the_format_has_no_problem() -> None:
    found = llmstxt.read(200, GOOD, "text/markdown; charset=utf-8")
    assert found.exists and found.problems == [] and found.title == "Tea shop"
    assert found.sections == ["Guides", "Optional"] and found.links == 3


def test_llms_txt_problems_name_their_lines() -> None:
    body = b"Tea shop\n# Tea shop\n### Deep\n## Guides\nplain text\n- [ok](/ok)\n# Again\n"
    found = llmstxt.read(200, body, "text/plain")
    assert [(p.line, p.message.split(":")[0].split(" (")[0]) for p in found.problems] == [
        (1, "the file does not start with an H1 title"),
        (3, "H3 heading"),
        (5, 'line in section "Guides" is not a link list item "- [name](url)"'),
        (7, "more than one H1"),
    ]


def test_no_llms_txt_html_pages_and_empty_answers_are_none() -> None:
    assert not llmstxt.read(404, b"# x", "text/plain").exists
    assert not llmstxt.read(200, b"<!DOCTYPE html><title>404</title>", "text/plain").exists
    assert not llmstxt.read(200, b"# Tea", "text/html; charset=utf-8").exists
    assert not llmstxt.read(200, b"  \n", "text/plain").exists
    assert llmstxt.read(200, b"\xef\xbb\xbf# Tea\n", "text/plain").problems == []  # a BOM is fine


def test_ai_verdicts_follow_the_groups_each_crawler_obeys() -> None:
    body = (
        b"User-agent: *\nDisallow: /tmp/\n\nUser-agent: gptbot\nDisallow: /\n\nUser-agent: Google-Extended\nAllow: /\n"
    )
    rules = robots.from_response("SEOCrawler", 200, body)
    verdicts = {v.token: (v.verdict, v.group, v.line) for v in robots.ai_verdicts(rules, "https://e.com")}
    assert verdicts["GPTBot"] == ("blocked", "own", 5)  # tokens match case-insensitively
    assert verdicts["Google-Extended"] == ("allowed", "own", None)
    assert verdicts["CCBot"] == ("partly blocked", "*", None)
    none = robots.ai_verdicts(robots.from_response("SEOCrawler", 404, b""), "https://e.com")
    down = robots.ai_verdicts(robots.from_response("SEOCrawler", 503, b""), "https://e.com")
    assert {v.verdict for v in none} == {"allowed"} and {v.verdict for v in down} == {"blocked"}


def _robots(**changes: object) -> SiteFile:
    values: dict[str, object] = {"kind": "robots.txt", "origin": "https://e.com", "url": "https://e.com/robots.txt",
                                 "status": 200, "exists": True, "outcome": "rules"}  # fmt: skip
    return SiteFile.model_validate({**values, **changes})


def _codes(found: SiteFile, blocked: int = 0) -> set[str]:
    if found.kind == "llms.txt":
        return {i["code"] for i in sitefiles.llms_rules(1, found)}
    return {i["code"] for i in sitefiles.robots_rules(1, found, blocked)}


def test_each_robots_code_fires_on_its_defect_only() -> None:
    assert _codes(_robots()) == set()
    assert _codes(_robots(status=404, exists=False, outcome="missing")) == {"robots_txt_missing"}
    assert _codes(_robots(status=503, exists=False, outcome="unavailable", failures=4), 9) == {"robots_txt_unavailable"}
    # it answered in the end, but the outage counted: still reported, marked recovered
    (recovered,) = sitefiles.robots_rules(1, _robots(failures=2), 0)
    assert recovered["code"] == "robots_txt_unavailable" and recovered["details"]["recovered"] is True
    problems = [FileProblem(line=3, text="Disalow: /x", message="Unknown directive")]
    assert _codes(_robots(problems=problems, problem_count=1)) == {"robots_txt_invalid"}
    sitemap_line = [FileProblem(line=4, text="Sitemap: /s.xml", message="Invalid sitemap URL")]
    relative = [SitemapAnswer(value="/s.xml")]
    assert _codes(_robots(problems=sitemap_line, problem_count=1, sitemaps=relative)) == {"robots_txt_sitemap_invalid"}
    gone = [SitemapAnswer(value="https://e.com/s.xml", url="https://e.com/s.xml", status=404, fetched=True)]
    assert _codes(_robots(sitemaps=gone)) == {"robots_txt_sitemap_unreachable"}
    unread = [SitemapAnswer(value="https://e.com/s.xml", url="https://e.com/s.xml")]  # not fetched: not judged
    assert _codes(_robots(sitemaps=unread)) == set()
    assert _codes(_robots(truncated=True, size_bytes=600_000)) == {"robots_txt_too_large"}


def test_a_sitemap_that_answered_but_cannot_be_read_is_reported_with_its_reason() -> None:
    def files(*items: dict[str, object]) -> list[SitemapFile]:
        return [SitemapFile.model_validate({"url": "https://e.com/s.xml", "status": 200, **i}) for i in items]

    broken = files({"found_in": "robots.txt", "error": "not well-formed XML (line 1): Premature end of data"})
    (issue,) = sitefiles.robots_rules(1, _robots(sitemap_files=broken), 0)
    assert issue["code"] == "sitemap_unreadable"
    reason = "not well-formed XML (line 1): Premature end of data"
    assert issue["details"]["sitemaps"] == [
        {"url": "https://e.com/s.xml", "found_in": "robots.txt", "index": None, "status_code": 200, "error": reason}
    ]
    dtd = files({"found_in": "/sitemap.xml", "error": "refused: the sitemap declares a DTD (<!DOCTYPE>)"})
    assert _codes(_robots(sitemap_files=dtd)) == {"sitemap_unreadable"}
    child = files({"found_in": "index", "index": "https://e.com/i.xml", "status": None, "error": "no answer"})
    assert _codes(_robots(sitemap_files=child)) == {"sitemap_unreadable"}
    # No sitemap at the default address is no finding; a Sitemap: line without an answer has its own code.
    quiet = files(
        {"found_in": "/sitemap.xml", "status": 404, "error": "answered 404"},
        {"found_in": "robots.txt", "status": 500, "error": "answered 500"},
        {"found_in": "robots.txt"},
    )
    assert _codes(_robots(sitemap_files=quiet)) == set()


def test_llms_code_needs_a_file_with_problems() -> None:
    llms = {"kind": "llms.txt", "origin": "https://e.com", "url": "https://e.com/llms.txt", "status": 200}
    bad = [FileProblem(line=1, message="the file does not start with an H1 title (# Site name)")]
    assert _codes(SiteFile.model_validate({**llms, "exists": True, "problems": bad, "problem_count": 1})) == {
        "llms_txt_invalid"
    }
    assert _codes(SiteFile.model_validate({**llms, "exists": True})) == set()
    assert _codes(SiteFile.model_validate({**llms, "status": 404})) == set()
