"""What a crawl reports about a site's robots.txt and llms.txt (the ``SiteFilesRead`` event).

Read once, when the crawl starts (``read``): robots.txt as the crawl obeys it (answer, syntax
problems, ``Sitemap:`` lines and what each answered, what it says to AI crawlers) and ``/llms.txt``.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp

from services.worker.fetch import fetcher, llmstxt, robots, sitemaps, urls
from shared.model.sitefiles import FileProblem, SiteFile, SitemapAnswer, SitemapFile

SitemapAnswers = dict[str, tuple[int | None, str | None]]  # sitemap URL -> (status, error) as fetched


def robots_file(
    rules: robots.Robots, origin: str, failures: int, answers: SitemapAnswers, files: list[SitemapFile] | None = None
) -> SiteFile:
    """The report of one origin's robots.txt (``failures``: answers that were 5xx, 429 or none), with
    every sitemap file the crawl read (``files``)."""
    parsed = rules.parsed
    sitemaps = []
    for value in parsed.sitemaps if parsed else []:
        url = urls.normalize(value)  # None unless an absolute http(s) URL: Google reads no other
        status, error = answers.get(url or "", (None, None))
        sitemaps.append(SitemapAnswer(value=value, url=url, status=status, error=error, fetched=(url or "") in answers))
    return SiteFile(
        kind="robots.txt",
        origin=origin,
        url=rules.url or origin + "/robots.txt",
        final_url=rules.final_url or None,
        status=rules.status,
        error=rules.error,
        size_bytes=parsed.size_bytes if parsed else None,
        exists=parsed is not None,
        problems=[FileProblem(line=p.line, text=p.text, message=p.message) for p in parsed.problems] if parsed else [],
        problem_count=parsed.problem_count if parsed else 0,
        outcome=rules.outcome,  # type: ignore[arg-type]
        reason=rules.reason,
        truncated=bool(parsed and parsed.truncated),
        failures=failures,
        sitemaps=sitemaps,
        sitemap_files=files or [],
        ai_crawlers=robots.ai_verdicts(rules, origin) if rules.outcome != "not consulted" else [],
        text=rules.text,
    )


async def llms_file(session: aiohttp.ClientSession, politeness: Any, origin: str, rules: robots.Robots) -> SiteFile:
    """``/llms.txt`` of ``origin``: whether there is one (an HTML page answering is none) and its problems.

    Requested like a page: only if robots.txt allows it, through the host's politeness gate.
    """
    url = origin + "/llms.txt"
    if not rules.allowed(url):
        return SiteFile(kind="llms.txt", origin=origin, url=url, error="not read: robots.txt disallows it")
    async with politeness.gate_for(url, rules):
        got = await fetcher.fetch(session, url, max_body_bytes=llmstxt.MAX_BYTES, read_body=lambda _: True,
                                  max_redirects=5, body_after_redirects=True, truncate=True)  # fmt: skip
    found = llmstxt.read(got.status, got.body, got.content_type)
    return SiteFile(
        kind="llms.txt",
        origin=origin,
        url=url,
        final_url=got.final_url,
        status=got.status,
        error=got.error,
        content_type=(got.content_type or "")[:200] or None,
        size_bytes=len(got.body) if got.body else None,
        exists=found.exists,
        problems=[FileProblem(line=p.line, message=p.message) for p in found.problems],
        problem_count=found.problem_count,
        title=found.title,
        links=found.links,
    )


def sitemap_files(reports: list[sitemaps.Report], from_robots: set[str]) -> list[SitemapFile]:
    """What each sitemap file read gave, and how the crawl came to it (``from_robots``: robots.txt's)."""
    out = []
    for report in reports:
        found_in: Literal["robots.txt", "/sitemap.xml", "index"]
        if report.index is not None:
            found_in = "index"
        elif report.url in from_robots:
            found_in = "robots.txt"
        else:
            found_in = "/sitemap.xml"
        out.append(
            SitemapFile(
                url=report.url,
                found_in=found_in,
                index=report.index,
                status=report.status,
                kind=report.kind,
                urls=report.urls,
                error=report.error,
            )  # fmt: skip
        )
    return out


async def read(
    session: aiohttp.ClientSession,
    politeness: Any,
    start: str,
    answers: SitemapAnswers,
    files: list[SitemapFile] | None = None,
) -> list[SiteFile]:
    """robots.txt (with the sitemap ``files`` read) and llms.txt of the start URL's origin."""
    parts = urlsplit(start)
    origin = f"{parts.scheme}://{parts.netloc}"
    rules = await politeness.robots_for(start)
    failures = politeness.robots_failures(start)
    robots_txt = robots_file(rules, origin, failures, answers, files)
    return [robots_txt, await llms_file(session, politeness, origin, rules)]
