"""Link score at scale: PageRank of a synthetic link graph, the CPU pass of a crawl's end.

``python -m bench.linkscore --pages 200000 --links 1000000`` (in the product's environment: it
needs scipy) builds a site-shaped graph (every page links to the home page and its section, the
rest of its links go to random pages, a few redirects and canonicalised copies hand their links
on), runs ``shared.audit.linkscore.scores_of`` and prints one JSON line: pages, links, seconds,
iterations. The goal (issue 16): seconds, not minutes, for a million links.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench import processes
from shared.audit import linkscore


def graph(pages: int, links: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, pages + 1, dtype=np.int64)
    forward = np.zeros(pages, dtype=np.int64)
    moved = rng.choice(pages, size=pages // 50, replace=False)  # 2 % redirect or are canonicalised
    forward[moved] = rng.integers(1, pages + 1, size=len(moved))
    forward[moved[forward[moved] == ids[moved]]] = 0
    nofollow = rng.random(pages) < 0.01
    sources = rng.integers(1, pages + 1, size=links, dtype=np.int64)
    targets = rng.integers(1, pages + 1, size=links, dtype=np.int64)
    targets[: links // 5] = 1  # a fifth of all links point home, as navigation does
    sections = max(pages // 100, 1)
    targets[links // 5 : links // 3] = (sources[links // 5 : links // 3] % sections) + 2
    return ids, forward, nofollow, sources, targets


def measure(pages: int, links: int, seed: int = 7) -> dict[str, float | int]:
    ids, forward, nofollow, sources, targets = graph(pages, links, seed)
    started = time.perf_counter()
    node_ids, scores = linkscore.scores_of(ids, forward, nofollow, sources, targets)
    seconds = time.perf_counter() - started
    return {"pages": pages, "links": links, "nodes": len(node_ids), "seconds": round(seconds, 2),
            "strongest": int(node_ids[int(np.argmax(scores))])}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200_000)
    parser.add_argument("--links", type=int, default=1_000_000)
    args = parser.parse_args()
    processes.emit(measure(args.pages, args.links))


if __name__ == "__main__":
    main()
