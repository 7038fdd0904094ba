"""llms.txt (llmstxt.org): whether a site has one and whether it follows the format.

The proposal (AnswerDotAI/llms-txt, llmstxt.org) asks for markdown at ``/llms.txt``, in this order:
an H1 with the site's name (the only required part), an optional blockquote summary, optional
paragraphs or lists without headings, then H2 sections whose lines are link list items
``- [name](url)`` with optional ``: notes``. This reads it that way and lists what does not fit.

An HTML page answering for ``/llms.txt`` (a soft 404, a catch-all route) is not an llms.txt: the
site has none, and nothing is reported about its format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_BYTES = 1024 * 1024
MAX_PROBLEMS = 20
_H1 = re.compile(r"^#\s+\S")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^[-*+]\s*\[[^\]]+\]\([^)\s]+\)(\s*:.*)?$")
_LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass
class LlmsTxt:
    exists: bool
    title: str | None = None
    sections: list[str] = field(default_factory=list)
    links: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, line: int, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line, message))


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    if (content_type or "").split(";", 1)[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        return True
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def read(status: int | None, body: bytes, content_type: str | None) -> LlmsTxt:
    """What an answer for ``/llms.txt`` says: no file (not 200, or an HTML page) or a file and its problems."""
    if status != 200 or looks_like_html(body, content_type) or not body.strip():
        return LlmsTxt(exists=False)
    out = LlmsTxt(exists=True)
    text = body[:MAX_BYTES].decode("utf-8", "replace").lstrip("\ufeff")
    lines = text.splitlines()
    numbered = [(n, line.rstrip()) for n, line in enumerate(lines, start=1)]
    content = [(n, line) for n, line in numbered if line.strip()]
    if not content or not _H1.match(content[0][1]):
        out.problem(content[0][0] if content else 1, "the file does not start with an H1 title (# Site name)")
    else:
        out.title = content[0][1][1:].strip()[:200]
    section: str | None = None
    seen_h1 = False
    for number, line in content:
        heading = _HEADING.match(line)
        out.links += len(_LINK.findall(line))
        if heading:
            level = len(heading.group(1))
            if level == 1:
                if seen_h1:
                    out.problem(number, "more than one H1")
                seen_h1 = True
            elif level == 2:
                section = heading.group(2).strip()
                out.sections.append(section[:100])
            else:
                out.problem(number, f"H{level} heading: only H2 sections may follow the title")
            continue
        if section is not None and not _ITEM.match(line.strip()):
            out.problem(number, f'line in section "{section[:40]}" is not a link list item "- [name](url)"')
    return out
