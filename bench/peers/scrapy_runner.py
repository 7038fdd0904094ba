"""A Scrapy spider that crawls the generated site the way our crawler does; prints one JSON line.

It follows every internal link from the start page and extracts the fields we compare on
(title, meta description, h1, canonical, links, made absolute), writing each item to a JSON
lines feed. Same concurrency as ours, no delays, robots.txt obeyed, no autothrottle.
"""

from __future__ import annotations

import argparse
import resource
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from bench import processes


class SiteSpider(scrapy.Spider):
    name = "bench"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_url = start_url
        self.allowed_domains = [urlsplit(start_url).hostname or ""]

    async def start(self) -> Any:
        # Through the dupe filter (start URLs skip it by default), so the start page is fetched once.
        yield scrapy.Request(self.start_url, callback=self.parse)

    def parse(self, response: Response) -> Any:
        links = [response.urljoin(href) for href in response.css("a::attr(href)").getall()]
        yield {
            "url": response.url,
            "status": response.status,
            "title": response.css("title::text").get(),
            "description": response.css('meta[name="description"]::attr(content)').get(),
            "h1": [" ".join(h.css("::text").getall()).strip() for h in response.css("h1")],
            "canonical": response.css('link[rel="canonical"]::attr(href)').get(),
            "links": links,
        }
        # The offsite middleware drops external links; the dupe filter drops pages already seen.
        for link in links:
            yield scrapy.Request(link, callback=self.parse)


def main(args: argparse.Namespace) -> dict[str, Any]:
    settings = {
        "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "CLOSESPIDER_ITEMCOUNT": args.max_pages,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "FEEDS": {args.feed: {"format": "jsonlines", "overwrite": True}},
        "USER_AGENT": "SEOCrawlerBench/1.0 (Scrapy)",
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, start_url=args.start_url)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    pages = int(stats.get("item_scraped_count", 0))
    elapsed = float(stats.get("elapsed_time_seconds") or (stats["finish_time"] - stats["start_time"]).total_seconds())
    return {
        "version": metadata.version("scrapy"),
        "pages": pages,
        "seconds": round(elapsed, 3),
        "pages_per_second": round(pages / elapsed, 1) if elapsed else 0.0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "responses": int(stats.get("response_received_count", 0)),
        "finish_reason": stats.get("finish_reason"),
    }


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start-url", required=True)
    parser.add_argument("--max-pages", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--feed", required=True)
    return parser.parse_args()


if __name__ == "__main__":
    processes.emit(main(parse()))
