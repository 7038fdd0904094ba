"""Synthetic page texts with known near-duplicate structure (``make bench`` and the MinHash tests).

``pair_at(jaccard)`` builds two word lists whose 3-shingle sets have exactly that Jaccard
similarity; ``corpus(n)`` builds ``n`` pages in clusters of edited copies, with the exact answer:
which pages have another page (not an identical copy) at or above a threshold.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from shared.audit import minhash


def _words(rng: random.Random, count: int) -> list[str]:
    # Tokens from a space of 10^12: two texts share a shingle only where one was copied from the other.
    return [f"w{rng.randrange(10**12)}" for _ in range(count)]


def shingles(words: list[str]) -> set[tuple[str, ...]]:
    """The word 3-shingles (a text of fewer than 3 words is one shingle)."""
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def pair_at(target: float, *, seed: int = 0, min_shingles: int = 0) -> tuple[list[str], list[str]]:
    """Two texts whose shingle sets have Jaccard similarity exactly ``target`` (a simple fraction).

    Text B is text A with ``m`` words replaced, each at least 3 words from the others, so each
    replacement swaps 3 of A's ``S`` shingles for 3 new ones: J = (S - 3m) / (S + 3m).
    """
    fraction = Fraction(target).limit_denominator(1000)
    # (S - 3m) / (S + 3m) = p / q  =>  S (q - p) = 3m (q + p)
    p, q = fraction.numerator, fraction.denominator
    m = (q - p) or 1
    shingle_count = 3 * m * (q + p) // (q - p) if q != p else max(min_shingles, 50)
    while shingle_count < min_shingles or (q != p and shingle_count < 6 * m + 6):
        m, shingle_count = m * 2, shingle_count * 2
    rng = random.Random(seed)
    a = _words(rng, shingle_count + 2)
    b = list(a)
    if q != p:
        spacing = (len(a) - 6) // m
        for k in range(m):
            b[3 + k * spacing] = _words(rng, 1)[0]
    assert jaccard(a, b) == float(fraction), (target, jaccard(a, b))
    return a, b


@dataclass
class Corpus:
    """Pages as word-hash arrays (what ``minhash.shingle_keys`` reads), a content-hash group per page
    (-1: unique), and exact similarities."""

    texts: list[np.ndarray]
    groups: list[int]
    best: list[float]  # each page's highest Jaccard similarity to a page outside its identical group

    def positives(self, threshold: float) -> set[int]:
        return {i for i, value in enumerate(self.best) if value >= threshold}

    def sketches(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """Every page's MinHash signature (stacked) and bottom-k sketch, as the crawler stores them."""
        signatures, sketches = [], []
        for text in self.texts:
            hashes = minhash.distinct((minhash.shingle_keys(text) >> np.uint64(32)).astype(np.uint32))
            stored = minhash.sketches_of(hashes)
            assert stored is not None
            signatures.append(minhash.decode(stored[0]))
            sketches.append(minhash.decode(stored[1]))
        return np.stack(signatures), sketches


def corpus(count: int, *, seed: int = 13) -> Corpus:
    """``count`` pages: unique ones and clusters of 2 to 5 edited copies of one text.

    Texts have 80 to 900 words; a copy replaces 0 to 12 % of its words at random positions (0 %:
    an identical copy) and sometimes drops or adds a tail, so similarities spread from about 0.5
    to 1, with thousands of pages within 0.05 of 0.9. ``best`` is exact (sets of 64-bit shingle
    keys, pairs within each cluster; unrelated texts share no shingle).
    """
    rng = np.random.default_rng(seed)
    texts: list[np.ndarray] = []
    groups: list[int] = []
    best: list[float] = []
    digest_group: dict[bytes, int] = {}
    while len(texts) < count:
        size = 1 if rng.random() < 0.35 else int(rng.integers(2, 6))
        size = min(size, count - len(texts))
        base = rng.integers(0, 2**32, size=int(rng.integers(80, 901)), dtype=np.uint64)
        cluster = [base]
        for _ in range(size - 1):
            copy = base.copy()
            share = [0.0, 0.0, rng.uniform(0, 0.02), rng.uniform(0, 0.05), rng.uniform(0, 0.12)][int(rng.integers(5))]
            edits = int(len(copy) * share)
            copy[rng.integers(0, len(copy), size=edits)] = rng.integers(0, 2**32, size=edits, dtype=np.uint64)
            if rng.random() < 0.2:
                keep = int(rng.integers(len(copy) * 9 // 10, len(copy) + 1))
                tail = rng.integers(0, 2**32, size=int(rng.integers(0, 21)), dtype=np.uint64)
                copy = np.concatenate([copy[:keep], tail])
            cluster.append(copy)
        sets = [minhash.distinct(minhash.shingle_keys(t)) for t in cluster]
        for i, text in enumerate(cluster):
            group = digest_group.setdefault(text.tobytes(), len(digest_group))
            value = 0.0
            for j in range(len(cluster)):
                if j != i and not np.array_equal(cluster[j], text):
                    both = len(np.intersect1d(sets[i], sets[j], assume_unique=True))
                    value = max(value, both / (len(sets[i]) + len(sets[j]) - both))
            texts.append(text)
            groups.append(group)
            best.append(value)
    counts: dict[int, int] = {}
    for group in groups:
        counts[group] = counts.get(group, 0) + 1
    return Corpus(texts, [g if counts[g] > 1 else -1 for g in groups], best)
