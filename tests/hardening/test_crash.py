"""kill -9 of the nightly update at random moments and after each phase marker: 20 trials over a tiny folder
(`scripts/harden crash` runs 200)."""

from __future__ import annotations

from collections import Counter

import pytest

from tools.hardening.crashbench import MARKERS, MODES, CrashBench

TRIALS = 20


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    return CrashBench(tmp_path_factory.mktemp("crash"))


def test_the_plan_covers_every_phase_marker_in_both_modes_and_random_moments(bench):
    plan = bench.plan(TRIALS, seed=8)
    assert len(plan) == TRIALS
    markers = {(m, p) for m in MODES for p in MARKERS[m]}
    assert {(m, p) for m, p in plan if p} == markers
    assert sum(1 for _, p in plan if p is None) == TRIALS - len(markers) > 0


def test_kill_9_never_mixes_builds_and_the_next_run_recovers(bench):
    trials = bench.run(TRIALS, seed=8)
    bad = [t for t in trials if not t.ok]
    assert bad == []
    states = Counter(t.fresh for t in trials)
    # A kill after the switch leaves the new build served, one before it the old one: both happen.
    assert states["before"] > 0 and states["after"] > 0
    assert all(t.fresh == "after" for t in trials if t.kill == "after log")
    assert all(
        t.fresh == "before"
        for t in trials
        if t.kill in ("after scan", "after process", "after write", "after gate", "after switch")
    )
