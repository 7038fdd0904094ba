"""AI crawlers a robots.txt may address: their product tokens, operators and what they do.

The report of each crawl says, for each token, whether the site's robots.txt lets it fetch the home
page, blocks it, or blocks parts of the site. Sources (read 2026): each operator's documentation,
collected in docs/AUDIT.md ("AI crawlers"). Purposes: ``training`` (content may train models),
``search`` (an AI search index that links to the site), ``user`` (fetches a person asked for).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Purpose = Literal["training", "search", "user"]


@dataclass(frozen=True)
class AiCrawler:
    token: str
    operator: str
    purpose: Purpose
    note: str = ""


CRAWLERS: tuple[AiCrawler, ...] = (
    AiCrawler("GPTBot", "OpenAI", "training"),
    AiCrawler("ChatGPT-User", "OpenAI", "user", "user-initiated; OpenAI says robots.txt may not apply"),
    AiCrawler("OAI-SearchBot", "OpenAI", "search"),
    AiCrawler("ClaudeBot", "Anthropic", "training"),
    AiCrawler("PerplexityBot", "Perplexity", "search"),
    AiCrawler("Google-Extended", "Google", "training", "a robots.txt token, not a crawler: Googlebot fetches"),
    AiCrawler("CCBot", "Common Crawl", "training"),
    AiCrawler("Bytespider", "ByteDance", "training", "widely reported not to honour robots.txt"),
    AiCrawler("Applebot-Extended", "Apple", "training", "a robots.txt token, not a crawler: Applebot fetches"),
    AiCrawler("Amazonbot", "Amazon", "training"),
    AiCrawler("meta-externalagent", "Meta", "training"),
)
