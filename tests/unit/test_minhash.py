"""Near duplicates as estimated Jaccard similarity of word 3-shingles (MinHash + LSH + bottom-k)."""

from __future__ import annotations

import numpy as np
import pytest

from bench import synthetic
from shared.audit import minhash


def _sketch(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    stored = minhash.sketches([w.encode() for w in words])
    assert stored is not None
    return minhash.decode(stored[0]), minhash.decode(stored[1])


def _match(texts: list[list[str]], threshold: float = 0.9, groups: list[int] | None = None) -> minhash.Matches:
    sketched = [_sketch(t) for t in texts]
    signatures = np.stack([s for s, _ in sketched])
    return minhash.match(signatures, [k for _, k in sketched], np.array(groups or [-1] * len(texts)), threshold)


def _with_strangers(a: list[str], b: list[str], count: int = 40) -> list[list[str]]:
    """The pair among unrelated pages (so a match is found among candidates, not by elimination)."""
    strangers = [synthetic.pair_at(0.5, seed=100 + i, min_shingles=200)[0] for i in range(count)]
    return [a, *strangers, b]


@pytest.mark.parametrize(("jaccard", "found"), [(0.98, True), (0.95, True), (0.92, True), (0.90, True), (0.80, False)])
def test_pairs_at_known_jaccard(jaccard: float, found: bool) -> None:
    """At the default threshold 0.9: 0.98, 0.95, 0.92 and 0.90 are near duplicates, 0.80 is not."""
    a, b = synthetic.pair_at(jaccard, seed=7)
    assert synthetic.jaccard(a, b) == jaccard
    texts = _with_strangers(a, b)
    matches = _match(texts)
    pair = {0, len(texts) - 1}
    assert (set(matches.index.tolist()) == pair) is found and (not found) == (len(matches.index) == 0)
    if found:  # pages this size (under 512 shingles together) get the exact similarity
        assert matches.similarity.tolist() == [jaccard, jaccard]
        assert set(matches.other.tolist()) == pair


@pytest.mark.parametrize(("jaccard", "found"), [(0.98, True), (0.95, True), (0.92, True), (0.80, False)])
def test_long_pages_are_estimated_within_the_error(jaccard: float, found: bool) -> None:
    """Past 512 shingles the similarity is a bottom-k estimate: within 4 standard errors (±0.05)."""
    a, b = synthetic.pair_at(jaccard, seed=11, min_shingles=3000)
    signature_a, sketch_a = _sketch(a)
    signature_b, sketch_b = _sketch(b)
    assert len(sketch_a) == minhash.SKETCH_SIZE
    error = 4 * (jaccard * (1 - jaccard) / minhash.SKETCH_SIZE) ** 0.5
    assert abs(minhash.jaccard(sketch_a, sketch_b) - jaccard) <= error
    assert abs(minhash.estimate(signature_a, signature_b) - jaccard) <= 0.1
    assert bool(len(_match(_with_strangers(a, b)).index)) is found


def test_the_issue_example_two_words_of_409() -> None:
    """Two 409-word pages differing in 2 words (98.5 % of shingles shared) were missed by simhash."""
    a, _ = synthetic.pair_at(0.5, seed=3, min_shingles=407)
    a = a[:409]
    b = list(a)
    b[100], b[300] = "changed", "words"
    matches = _match(_with_strangers(a, b))
    assert len(matches.index) == 2 and matches.similarity[0] == round(synthetic.jaccard(a, b), 4) > 0.95


def test_identical_copies_are_exact_not_near_and_cost_one_page() -> None:
    """2,000 copies of one page (one content hash) and an edited copy: each copy's near match is the edit."""
    a, b = synthetic.pair_at(0.95, seed=5)
    texts = [a] * 2000 + [b]
    matches = _match(texts, groups=[0] * 2000 + [-1])
    assert len(matches.index) == 2001
    assert set(matches.other[:-1].tolist()) == {2000} and matches.other[-1] == 0


@pytest.mark.parametrize("threshold", [0.8, 0.85, 0.9, 0.95, 0.99, 1.0])
def test_bands_keep_pairs_just_below_the_threshold(threshold: float) -> None:
    bands, rows = minhash.bands(threshold)
    assert bands * rows <= minhash.PERMUTATIONS
    assert minhash.candidate_probability(threshold - minhash.RECALL_MARGIN, bands, rows) >= 0.995
    assert minhash.candidate_probability(0.3, bands, rows) < 0.1  # unrelated pages are rarely compared


def test_precision_and_recall_on_10000_synthetic_pages() -> None:
    """Clusters of edited copies (similarities spread over 0.5 .. 1, many near 0.9) and unique pages."""
    corpus = synthetic.corpus(10_000)
    signatures, sketches = corpus.sketches()
    matches = minhash.match(signatures, sketches, np.array(corpus.groups), 0.9)
    predicted, truth = set(matches.index.tolist()), corpus.positives(0.9)
    hit = len(predicted & truth)
    assert len(truth) > 3000  # the set is not trivially easy: thousands of near duplicates
    assert hit / len(predicted) >= 0.98 and hit / len(truth) >= 0.98, (hit / len(predicted), hit / len(truth))


def test_short_and_empty_texts() -> None:
    assert minhash.sketches([]) is None
    one = minhash.sketches([b"tea"])
    assert one is not None and len(minhash.decode(one[1])) == 1
    signature, sketch = _sketch(["one", "two"])
    assert len(signature) == minhash.PERMUTATIONS and minhash.jaccard(sketch, sketch) == 1.0
