"""Near-duplicate similarity: the Jaccard similarity of two pages' word 3-shingles, estimated.

What Screaming Frog's near-duplicate similarity means, and what ``near_duplicate_similarity``
means here: |A ∩ B| / |A ∪ B| over the sets of 3-word shingles of the pages' body text.

Per page the crawler keeps two small sketches of its shingle set (``sketches``):

- a **MinHash signature** of 128 permutations (512 bytes): slot ``i`` holds the least value of
  hash ``h_i`` over the shingles, and two pages agree in a slot with probability exactly their
  Jaccard similarity, so the share of equal slots estimates it (standard error
  ``sqrt(J (1 - J) / 128)``, 0.027 at J = 0.9). Signatures feed **LSH banding**: ``b`` bands of
  ``r`` slots (``bands``, chosen per threshold so that a pair 0.05 below the threshold is still a
  candidate with probability ≥ 0.995), and only pages that agree on a whole band are compared.
- a **bottom-k sketch** (the 512 least shingle hashes, ≤ 2 KB): the similarity of a candidate
  pair is computed from these (``jaccard``). It is exact when the two pages have at most 512
  distinct shingles together (pages up to about 500 words), and otherwise an estimate from a
  sample of 512 (standard error 0.013 at J = 0.9, 0.01 at J = 0.95).

A pair whose similarity is at or above the threshold is a near duplicate. Every pass is vectorised
numpy over arrays of the page count, bounded per bucket, so 100,000 pages take seconds (see
``make bench``). The hash constants below are part of the stored data: changing them makes old
signatures incomparable with new ones.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

PERMUTATIONS = 128
SKETCH_SIZE = 512
SHINGLE_WORDS = 3
MAX_BUCKET_NEIGHBOURS = 64  # pages compared per page and band: bounds a pass over crafted or templated sets
MAX_CANDIDATES = 8  # best candidates (by signature) per page whose sketches are compared
RECALL_MARGIN = 0.05  # a pair this far below the threshold still becomes a candidate (≥ 99.5 %)
_CHUNK = 4096  # shingles hashed at a time: bounds the (shingles x 128) temporary

_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_MIX3 = np.uint64(0x94D049BB133111EB)
_PRIME1 = np.uint64(0x100000001B3)
_PRIME2 = np.uint64(0xC2B2AE3D27D4EB4F)
# Multiply-shift hashing, h_i(x) = ((a_i x + b_i) mod 2^64) >> 32 with a_i odd: a universal family
# from 32-bit shingle hashes to 32-bit values. Fixed seed: the signatures are stored data.
_RNG = np.random.default_rng(0x5E0C0DE)
_A = _RNG.integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _RNG.integers(0, 2**63, size=PERMUTATIONS, dtype=np.uint64)
_EMPTY = np.uint32(0xFFFFFFFF)


def word_hashes(words: list[bytes]) -> np.ndarray:
    """One 32-bit hash (crc32) per word, as uint64."""
    return np.fromiter(map(zlib.crc32, words), dtype=np.uint64, count=len(words))


def shingle_keys(hashes: np.ndarray) -> np.ndarray:
    """A 64-bit key per word 3-shingle of a text given as word hashes, in text order (fewer than
    three words make one shingle of all of them): the three word hashes combined, spread by
    splitmix64."""
    hashes = hashes.astype(np.uint64, copy=False)
    if not len(hashes):
        return np.zeros(0, dtype=np.uint64)
    if len(hashes) >= SHINGLE_WORDS:
        shingles = (hashes[:-2] * _PRIME1) ^ (hashes[1:-1] * _PRIME2) ^ hashes[2:]
    else:
        shingles = np.array([int(np.bitwise_xor.reduce(hashes * _PRIME1))], dtype=np.uint64)
    z = shingles + _MIX1
    z = (z ^ (z >> np.uint64(30))) * _MIX2
    z = (z ^ (z >> np.uint64(27))) * _MIX3
    return z ^ (z >> np.uint64(31))


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique without its hashing pass: faster on short arrays)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def shingle_hashes(words: list[bytes]) -> np.ndarray:
    """The distinct 32-bit hashes of the word 3-shingles of ``words`` (UTF-8, lower-cased), sorted."""
    return distinct((shingle_keys(word_hashes(words)) >> np.uint64(32)).astype(np.uint32))


def signature(hashes: np.ndarray) -> np.ndarray:
    """The 128-slot MinHash signature (uint32) of a set of shingle hashes (not empty)."""
    # ">> 32" keeps the order of values, so it is taken once, after the minimum.
    out = np.full(PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(hashes), _CHUNK):
        values = np.multiply(hashes[start : start + _CHUNK].astype(np.uint64)[:, None], _A)
        values += _B
        np.minimum(out, values.min(axis=0), out=out)
    return (out >> np.uint64(32)).astype(np.uint32)


def sketches(words: list[bytes]) -> tuple[bytes, bytes] | None:
    """``(signature, bottom-k sketch)`` of a page's words as bytes to store, None for no words."""
    return sketches_of(shingle_hashes(words))


def sketches_of(hashes: np.ndarray) -> tuple[bytes, bytes] | None:
    """``(signature, bottom-k sketch)`` of sorted distinct shingle hashes, None for none."""
    if not len(hashes):
        return None
    return signature(hashes).astype("<u4").tobytes(), hashes[:SKETCH_SIZE].astype("<u4").tobytes()


def decode(stored: bytes) -> np.ndarray:
    """A stored signature or sketch as a uint32 array."""
    return np.frombuffer(stored, dtype="<u4").astype(np.uint32)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity from two bottom-k sketches (sorted distinct uint32): exact while the two
    sets have at most ``SKETCH_SIZE`` members together, else the bottom-k estimate."""
    if not len(a) or not len(b):
        return 0.0
    union = np.union1d(a, b)[:SKETCH_SIZE]  # the k least of A ∪ B (each sketch holds A's, B's k least)
    both = np.intersect1d(a, b, assume_unique=True)
    return float(np.count_nonzero(both <= union[-1])) / len(union)


def estimate(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity estimated from two MinHash signatures (the share of equal slots)."""
    return float(np.count_nonzero(a == b)) / PERMUTATIONS


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """The chance that LSH with ``bands`` x ``rows`` makes a pair at ``similarity`` a candidate."""
    return float(1 - (1 - similarity**rows) ** bands)


def bands(threshold: float) -> tuple[int, int]:
    """(bands, rows) for ``threshold``: the most rows per band (fewest false candidates) for which a
    pair ``RECALL_MARGIN`` below the threshold is still a candidate with probability ≥ 0.995."""
    target = max(threshold - RECALL_MARGIN, 0.05)
    for rows in range(16, 0, -1):
        count = PERMUTATIONS // rows
        if candidate_probability(target, count, rows) >= 0.995:
            return count, rows
    return PERMUTATIONS, 1


def _band_keys(signatures: np.ndarray, start: int, rows: int) -> np.ndarray:
    """One 64-bit key per page for the band of slots ``start .. start + rows``."""
    keys = np.zeros(len(signatures), dtype=np.uint64)
    for column in range(start, start + rows):
        keys = (keys ^ signatures[:, column].astype(np.uint64)) * _PRIME2 + _MIX1
    return keys


def candidates(signatures: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs ``(xs, ys, estimate)`` (xs < ys, each pair once) for rows of ``signatures``.

    Per band, pages are sorted by the band's key (then by the next band's, so that pages agreeing
    on more than one band sit together) and each page is compared with the pages after it in
    its bucket, ``MAX_BUCKET_NEIGHBOURS`` at most. Pairs whose signature estimate is far below the
    threshold are dropped; each page keeps its ``MAX_CANDIDATES`` best.
    """
    count = len(signatures)
    empty = np.zeros(0, dtype=np.int64)
    if count < 2:
        return empty, empty, np.zeros(0)
    band_count, rows = bands(threshold)
    pairs: list[np.ndarray] = []
    keys = [_band_keys(signatures, b * rows, rows) for b in range(band_count)]
    for b in range(band_count):
        order = np.lexsort((keys[(b + 1) % band_count], keys[b]))
        sorted_keys = keys[b][order]
        for offset in range(1, min(count, MAX_BUCKET_NEIGHBOURS + 1)):
            same = sorted_keys[offset:] == sorted_keys[:-offset]
            if not same.any():
                break  # buckets are contiguous runs: none this long, none longer
            xs, ys = order[:-offset][same], order[offset:][same]
            lo, hi = np.minimum(xs, ys), np.maximum(xs, ys)
            pairs.append(lo.astype(np.int64) * count + hi)
    if not pairs:
        return empty, empty, np.zeros(0)
    codes = np.unique(np.concatenate(pairs))
    xs, ys = codes // count, codes % count
    agree = np.empty(len(codes), dtype=np.int64)
    for start in range(0, len(codes), 65536):  # bounded temporaries: 65,536 x 128 booleans
        part = slice(start, start + 65536)
        agree[part] = np.count_nonzero(signatures[xs[part]] == signatures[ys[part]], axis=1)
    estimates = agree / PERMUTATIONS
    # A pair whose estimate is 4 standard errors (and the margin) below the threshold is not one.
    floor = threshold - RECALL_MARGIN - 4 * np.sqrt(threshold * (1 - threshold) / PERMUTATIONS)
    keep = estimates >= floor
    xs, ys, estimates = xs[keep], ys[keep], estimates[keep]
    # Each page's best candidates: rank the pairs from both ends, keep the first few per page.
    both_x = np.concatenate([xs, ys])
    both_e = np.concatenate([estimates, estimates])
    pair_index = np.concatenate([np.arange(len(xs)), np.arange(len(xs))])
    order = np.lexsort((-both_e, both_x))
    ranked_x = both_x[order]
    starts = np.flatnonzero(np.r_[True, ranked_x[1:] != ranked_x[:-1]])
    rank = np.arange(len(ranked_x)) - np.repeat(starts, np.diff(np.r_[starts, len(ranked_x)]))
    chosen = np.unique(pair_index[order][rank < MAX_CANDIDATES])
    return xs[chosen], ys[chosen], estimates[chosen]


@dataclass(frozen=True)
class Matches:
    """Per page with a near duplicate: its index, the index of its closest match, their similarity."""

    index: np.ndarray
    other: np.ndarray
    similarity: np.ndarray


def closest(
    xs: np.ndarray,
    ys: np.ndarray,
    sketches_of: dict[int, np.ndarray],
    groups: np.ndarray,
    threshold: float,
) -> Matches:
    """Each page's closest near duplicate among the candidate pairs ``xs``/``ys`` (row indexes).

    ``sketches_of`` maps a row index to its bottom-k sketch; ``groups`` is a number per content
    hash (-1 for none): pages of one group are identical, exact duplicates, never near ones. The
    closest match is the greatest similarity, then the least index.
    """
    best: dict[int, tuple[float, int]] = {}
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        if groups[x] >= 0 and groups[x] == groups[y]:
            continue
        value = round(jaccard(sketches_of[x], sketches_of[y]), 4)
        if value < threshold:
            continue
        for page, other in ((x, y), (y, x)):
            known = best.get(page)
            if known is None or (value, -other) > (known[0], -known[1]):
                best[page] = (value, other)
    pages = sorted(best)
    return Matches(
        np.array(pages, dtype=np.int64),
        np.array([best[p][1] for p in pages], dtype=np.int64),
        np.array([best[p][0] for p in pages], dtype=np.float64),
    )


def collapse(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(representatives, owner)``: one row per content-hash group (its first; a row without a
    group is its own), and for every row the position of its representative.

    Identical pages share their shingles, so only one of each group takes part in the matching
    and its match applies to all of them: 10,000 copies of a page cost what one page costs.
    """
    groups = groups.astype(np.int64, copy=True)
    missing = groups < 0
    groups[missing] = int(groups.max(initial=-1)) + 1 + np.arange(int(missing.sum()), dtype=np.int64)
    _, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64)


def expand(found: Matches, representatives: np.ndarray, owner: np.ndarray) -> Matches:
    """Matches among representatives as matches of every row they stand for."""
    if not len(found.index):
        return found
    position = np.full(len(representatives), -1, dtype=np.int64)
    position[found.index] = np.arange(len(found.index))
    at = position[owner]
    rows = np.flatnonzero(at >= 0)
    return Matches(rows, representatives[found.other[at[rows]]], found.similarity[at[rows]])


def match(signatures: np.ndarray, sketches_list: list[np.ndarray], groups: np.ndarray, threshold: float) -> Matches:
    """The whole pass on arrays in memory (tests, benchmarks): collapse, candidates, sketches, expand."""
    representatives, owner = collapse(groups)
    xs, ys, _ = candidates(signatures[representatives], threshold)
    needed = set(xs.tolist()) | set(ys.tolist())
    sketches_of = {i: sketches_list[int(representatives[i])] for i in needed}
    found = closest(xs, ys, sketches_of, np.full(len(representatives), -1), threshold)
    return expand(found, representatives, owner)
