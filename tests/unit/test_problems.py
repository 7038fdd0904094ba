"""Distinct problems: a code on at least 90 % of a crawl's HTML pages is one site-wide problem."""

from __future__ import annotations

from shared.audit import problems


def test_site_wide_codes_need_90_percent_of_at_least_10_pages() -> None:
    counts = {"meta_description_missing": 1053, "title_too_long": 1052, "h1_missing": 12, "status_4xx": 17}
    assert problems.site_wide(counts, 1170) == {"meta_description_missing"}  # 1053 / 1170 = 0.9
    assert problems.site_wide({"h1_missing": 9}, 9) == set()  # a 9-page site has no "template" yet
    assert problems.site_wide({"h1_missing": 10}, 10) == {"h1_missing"}


def test_distinct_problems_count_a_site_wide_code_once() -> None:
    counts = {"meta_description_missing": 1170, "title_too_long": 40, "status_4xx": 17}
    wide = problems.site_wide(counts, 1170)
    assert problems.problems(counts, wide) == 1 + 40 + 17
    assert problems.problems(counts, set()) == sum(counts.values())
