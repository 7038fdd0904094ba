"""Link score: PageRank on graphs with known values, the forwarding of redirects and canonicals, the scale."""

from __future__ import annotations

import numpy as np
import pytest

from shared.audit import linkscore

# Wikipedia's PageRank illustration (d = 0.85): A has no outlinks (its score is shared by all);
# the published values are B 38.4 %, C 34.3 %, E 8.1 %, D and F 3.9 %, A 3.3 %, the five others 1.6 %.
WIKIPEDIA = {
    "B": ["C"], "C": ["B"], "D": ["A", "B"], "E": ["B", "D", "F"], "F": ["B", "E"],
    "G": ["B", "E"], "H": ["B", "E"], "I": ["B", "E"], "J": ["E"], "K": ["E"],
}  # fmt: skip
PUBLISHED = {"A": 3.3, "B": 38.4, "C": 34.3, "D": 3.9, "E": 8.1, "F": 3.9, "G": 1.6, "H": 1.6, "I": 1.6, "J": 1.6,
             "K": 1.6}  # fmt: skip


def _edges(graph: dict[str, list[str]], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [(names.index(s), names.index(t)) for s, targets in graph.items() for t in targets]
    return np.array([s for s, _ in pairs]), np.array([t for _, t in pairs])


def test_pagerank_matches_the_published_example() -> None:
    names = sorted(PUBLISHED)
    sources, targets = _edges(WIKIPEDIA, names)
    scores, iterations = linkscore.pagerank(len(names), sources, targets)
    assert scores.sum() == pytest.approx(1.0)
    assert {n: round(100 * float(s), 1) for n, s in zip(names, scores, strict=True)} == PUBLISHED
    assert iterations < linkscore.MAX_ITERATIONS


def test_pagerank_of_a_symmetric_graph_is_uniform_and_repeated_links_and_self_links_count_once() -> None:
    # a cycle a -> b -> c -> a: every page 1/3; a second copy of a link and a self link change nothing
    sources, targets = np.array([0, 1, 2, 0, 1]), np.array([1, 2, 0, 1, 1])
    scores, _ = linkscore.pagerank(3, sources, targets)
    assert scores == pytest.approx([1 / 3] * 3)
    # a star: the hub linked from four leaves it links back to; known closed form
    sources, targets = np.array([1, 2, 3, 4, 0, 0, 0, 0]), np.array([0, 0, 0, 0, 1, 2, 3, 4])
    scores, _ = linkscore.pagerank(5, sources, targets)
    hub = (1 - 0.85) / 5 + 0.85 * (1 - scores[0])  # every leaf passes all of its score to the hub
    assert scores[0] == pytest.approx(hub) and scores[0] == pytest.approx(0.88 / 1.85)


def test_scale_is_logarithmic_from_no_link_0_to_the_strongest_100() -> None:
    # three pages: a page without any link gets (1 - 0.85) / 3 = 0.05, the bottom of the scale
    assert linkscore.scale(np.array([0.05, 0.15, 0.8])).tolist() == [0.0, 39.6, 100.0]
    # the weakest page of a small, well-linked site is not 0 for being last
    assert linkscore.scale(np.array([0.2, 0.3, 0.5])).min() > 30
    assert linkscore.scale(np.array([0.25, 0.25, 0.25, 0.25])).tolist() == [100.0] * 4
    assert linkscore.scale(np.zeros(0)).tolist() == []


def test_redirects_and_canonicals_hand_their_links_on_and_nofollow_passes_nothing() -> None:
    # pages 10 (home), 11, 12 redirects to 11, 13 canonicalised to 11, 14 (nofollow page), 15
    ids = np.array([10, 11, 12, 13, 14, 15])
    forward = np.array([0, 0, 11, 11, 0, 0])
    nofollow = np.array([False, False, False, False, True, False])
    # home links to the redirect and the canonicalised copy (both count for 11) and to 14;
    # 14's link to 15 passes nothing: 15 is reached by no followed link
    sources, targets = np.array([10, 10, 10, 11, 14]), np.array([12, 13, 14, 10, 15])
    node_ids, scores = linkscore.scores_of(ids, forward, nofollow, sources, targets)
    by_id = dict(zip(node_ids.tolist(), scores.tolist(), strict=True))
    assert set(by_id) == {10, 11, 14, 15}  # the redirect and the copy are no nodes
    assert by_id[15] == min(by_id.values()) and max(by_id.values()) == 100.0
    assert by_id[11] == by_id[14]  # the links to 12 and 13 are one edge 10 -> 11, like the one to 14
    # the same graph with the links pointing at 11 directly scores the same
    same = linkscore.scores_of(ids, forward, nofollow, np.array([10, 10, 11, 14]), np.array([11, 14, 10, 15]))
    assert same[1].tolist() == scores.tolist()


def test_a_million_links_score_in_seconds() -> None:
    """Size, not speed, is what a unit test checks: the bench (bench/linkscore.py) times it."""
    rng = np.random.default_rng(1)
    count = 20_000
    sources, targets = rng.integers(0, count, 200_000), rng.integers(0, count, 200_000)
    scores, iterations = linkscore.pagerank(count, sources, targets)
    assert scores.sum() == pytest.approx(1.0) and iterations < 100
