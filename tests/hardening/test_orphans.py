"""SIGKILL of a build's or an update's main process while its workers read and write, and at the gate: no worker
outlives it by more than 2 s, and the next run succeeds at once, saying it took over a stale lock (`scripts/harden
orphans` runs 20 trials of every phase)."""

from __future__ import annotations

import pytest

from tools.hardening.orphans import SCENARIOS, SURVIVAL_LIMIT, OrphanBench

KILLED_AT = {
    "build: workers reading and writing",
    "update --full: workers reading and writing",
    "update: workers reading and writing",
    "update: gate",
}


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    return OrphanBench(tmp_path_factory.mktemp("orphans"))


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s[0] in KILLED_AT], ids=lambda s: s[0])
def test_sigkill_of_the_main_process_leaves_no_worker_and_no_lock(bench, scenario):
    trial = bench.trial(0, scenario)
    # Two workers were at work when the run was killed, except at the gate, where one runs the golden queries.
    assert trial.workers_seen == (1 if scenario[2] == "gate" else 2)
    assert trial.survivors == 0
    assert trial.last_exit < SURVIVAL_LIMIT
    assert trial.next_exit == 0
    assert trial.stale_logged
