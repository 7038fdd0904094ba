"""The ceiling: the same URLs fetched with aiohttp at the same concurrency, bodies read, nothing parsed."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import aiohttp

from bench import processes


async def fetch_all(urls: list[str], concurrency: int) -> dict[str, Any]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    failures = 0
    total_bytes = 0

    async def fetcher(session: aiohttp.ClientSession) -> None:
        nonlocal failures, total_bytes
        while True:
            try:
                url = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            async with session.get(url) as resp:
                body = await resp.read()
                total_bytes += len(body)
                if resp.status != 200:
                    failures += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        await asyncio.gather(*(fetcher(session) for _ in range(concurrency)))
        seconds = time.monotonic() - started
    return {
        "pages": len(urls),
        "seconds": round(seconds, 3),
        "pages_per_second": round(len(urls) / seconds, 1),
        "bytes": total_bytes,
        "failures": failures,
    }


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    return parser.parse_args()


if __name__ == "__main__":
    args = parse()
    page_urls = [f"{args.base}/p/{i}.html" for i in range(args.pages)]
    processes.emit(asyncio.run(fetch_all(page_urls, args.concurrency)))
