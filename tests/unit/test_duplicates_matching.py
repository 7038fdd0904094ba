"""The near-duplicate matching as pure CPU: the same answer as a pair-by-pair loop, linear on identical pages."""

from __future__ import annotations

import random
import time

import numpy as np

from shared.audit import duplicates


def _pairwise(values: list[int], groups: list[int], threshold: float) -> dict[int, tuple[int, int]]:
    """The reference: every pair, the least (distance, index) not in the same content group."""
    limit = duplicates.max_distance(threshold)
    out: dict[int, tuple[int, int]] = {}
    for i, a in enumerate(values):
        best: tuple[int, int] | None = None
        for j, b in enumerate(values):
            if i == j or (groups[i] >= 0 and groups[i] == groups[j]):
                continue
            d = bin(a ^ b).count("1")
            if d <= limit and (best is None or (d, j) < best):
                best = (d, j)
        if best is not None:
            out[i] = best
    return out


def _as_dict(found: np.ndarray, distance: np.ndarray, other: np.ndarray) -> dict[int, tuple[int, int]]:
    return {int(i): (int(d), int(o)) for i, d, o in zip(found, distance, other, strict=True)}


def _flip(value: int, rng: random.Random, bits: int) -> int:
    for b in rng.sample(range(64), bits):
        value ^= 1 << b
    return value


def test_matches_equal_the_pair_loop_on_clustered_sets_with_identical_pages() -> None:
    rng = random.Random(3)
    for _ in range(20):
        values: list[int] = []
        groups: list[int] = []
        for cluster in range(rng.randint(1, 8)):
            centre = rng.getrandbits(64)
            for member in range(rng.randint(1, 12)):
                kind = rng.random()
                if kind < 0.3 and values:  # an identical copy of an earlier page (same text, same hash)
                    k = rng.randrange(len(values))
                    values.append(values[k])
                    groups.append(groups[k])
                elif kind < 0.4 and values:  # same fingerprint, different text
                    values.append(values[rng.randrange(len(values))])
                    groups.append(1000 + len(values))
                else:
                    values.append(_flip(centre, rng, rng.randint(0, 9)))
                    groups.append(rng.choice([-1, 2000 + cluster * 100 + member]))
        array = np.array(values, dtype=np.uint64)
        assert _as_dict(*duplicates._matches(array, np.array(groups), 0.9)) == _pairwise(values, groups, 0.9)


def test_identical_pages_are_grouped_first_so_the_pass_stays_linear() -> None:
    """10k and 50k copies of one page used to be 50 million pairs (53 s, then > 14 min)."""
    rng = random.Random(1)
    for copies in (10_000, 50_000):
        one = rng.getrandbits(64)
        others = [rng.getrandbits(64) for _ in range(1000)]
        near = _flip(one, rng, 3)
        values = np.array([one] * copies + others + [near], dtype=np.uint64)
        groups = np.array([0] * copies + list(range(1, 1001)) + [5000], dtype=np.int64)
        started = time.monotonic()
        found, distance, other = duplicates._matches(values, groups, 0.9)
        elapsed = time.monotonic() - started
        result = _as_dict(found, distance, other)
        # Every copy's closest non-identical page is the near one; the near page's is the first copy.
        assert all(result[i] == (3, copies + 1000) for i in range(copies))
        assert result[copies + 1000] == (3, 0)
        assert elapsed < 10, f"{copies} identical pages took {elapsed:.1f} s"
