"""kill -9 during an update, at each of its phases: the index answers exactly as before or exactly as after,
and the next run recovers by itself."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from indexer.changes import CHANGES_FILE
from indexer.update import update_index
from search.index import BUILDS_DIR, current_build_path
from tests.conftest import ROOT, SEEDS
from tests.indexer.test_update import OPTIONS, change_sources, snapshot
from tools.hardening.common import PAUSE_TIMEOUT, start_paused


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """An index of the seeds (`before`), the changed sources, and what a finished update answers (`after`)."""
    base = tmp_path_factory.mktemp("crash")
    src = base / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    root = base / "before"
    assert update_index([src], root, OPTIONS).status == "published"
    before = snapshot(root)
    change_sources(src)
    done = base / "after"
    shutil.copytree(root, done, symlinks=True)
    assert update_index([src], done, OPTIONS).status == "published"
    after = snapshot(done)
    assert before != after
    return src, root, before, after


def run_until_paused(args: list[str], phase: str) -> subprocess.Popen:
    return start_paused([sys.executable, "-m", "indexer", *args], phase)


@pytest.mark.parametrize("phase", ["process", "write", "gate", "switch", "log"])
def test_kill_9_at_each_phase_leaves_before_or_after_and_the_next_run_recovers(states, tmp_path, phase):
    src, template, before, after = states
    root = tmp_path / "index"
    shutil.copytree(template, root, symlinks=True)
    args = ["update", str(src), "--index", str(root), "--workers", "1", "--no-progress", "--log-format", "json"]
    proc = run_until_paused(args, phase)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()

    # Killed before the switch: exactly as before; after it: exactly as after.
    assert snapshot(root) == (after if phase == "log" else before)

    result = subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PAUSE_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert snapshot(root) == after
    assert not [p for p in (root / BUILDS_DIR).iterdir() if p.name.startswith(".")]
    last = json.loads((root / "last-run.json").read_text("utf-8"))
    assert last["status"] == ("unchanged" if phase == "log" else "published")
    # Each change is logged once, by the killed run's build or the recovering run's.
    served = current_build_path(root).name
    log = [json.loads(line) for line in (root / CHANGES_FILE).read_text("utf-8").splitlines()]
    assert sorted(c["kind"] for c in log if c["build_id"] == served) == ["changed", "new"]
    assert len(log) == 5 + 2
    if phase == "log":
        assert last["recovered"]["changes_logged"] == 2
