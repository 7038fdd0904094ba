"""Summaries of py-spy's raw (collapsed-stack) output: where a process spent its samples.

``python -m bench.profiles FILE [FILTER]`` prints the functions with the most samples, inclusive
(anywhere on the stack) and self (on top of it), optionally only of frames containing FILTER.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path


def summarize(path: Path, top: int = 25, only: str = "") -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            if only in frame:
                inclusive[frame] += count
        if only in frames[-1]:
            own[frames[-1]] += count
    lines = [f"{total} samples in {path.name}", "", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1]), only=sys.argv[2] if len(sys.argv) > 2 else ""))
