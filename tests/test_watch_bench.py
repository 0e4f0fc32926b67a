"""tools/watch_bench.py measures every watch endpoint over the seeds (its figures are not judged here)."""

from __future__ import annotations

import pytest

from tools.watch_bench import FIXED_PATHS, P99_TARGET_MS, measure, mix_paths


@pytest.mark.slow  # the segmenter's dictionary and the query mix take about ten seconds on two cores
def test_every_feed_of_the_mix_and_every_page_is_measured(seed_index):
    searches, paths = mix_paths(seed_index)
    assert paths and all(p.startswith("/feed.atom?") and "sort=date" in p for p in paths)
    assert len(searches) == len(paths) and all(p.startswith("/api/search?") for p in searches)
    figures = measure(seed_index, passes=2, feeds=5, repeat=3)
    assert list(figures) == ["/api/search (query mix)", "/feed.atom (query mix)", *FIXED_PATHS]
    assert figures["/feed.atom (query mix)"]["n"] == 10
    assert all(figures[p]["n"] == 6 and figures[p]["p50"] > 0 and figures[p]["errors"] == {} for p in FIXED_PATHS)
    assert P99_TARGET_MS == 100.0
