"""kill -9 of `indexer update` at random moments and just after each phase marker, and what the index answers.

Each trial copies a published index of a tiny folder, opens a searcher on it, starts an update of the changed
folder and kills it. Then: the searcher opened before answers as before; a fresh open answers exactly as
before or exactly as after (anything else is a mix); the next run, with no hand in between, publishes `after`.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from indexer.update import PHASES, UpdateOptions, update_index
from search.index import BUILDS_DIR
from tools.hardening.common import (
    PAUSE_TIMEOUT,
    ROOT,
    answers,
    change_tiny,
    copy_root,
    open_published,
    served_answers,
    start_paused,
    update_command,
    write_tiny,
)

MODES = ("incremental", "full")
# The phase markers a run passes in each mode (a full build writes as it reads: it has no separate write marker).
MARKERS = {"incremental": PHASES, "full": tuple(p for p in PHASES if p != "write")}
OPTIONS = {
    "incremental": UpdateOptions(workers=1, progress=False),
    "full": UpdateOptions(workers=1, progress=False, full=True),
}


@dataclass(frozen=True, slots=True)
class Trial:
    number: int
    mode: str
    kill: str  # "after <phase>" or "random <seconds>"
    fresh: str  # before | after | MIXED | BROKEN
    held_as_before: bool  # the searcher opened before the run still answers as before
    recovered: bool  # the next run exited 0 and the index answers as after
    stale_left: int  # half-written builds left after the next run
    seconds: float

    @property
    def ok(self) -> bool:
        return self.fresh in ("before", "after") and self.held_as_before and self.recovered and not self.stale_left


class CrashBench:
    def __init__(self, work: Path):
        self.work = work
        self.src = write_tiny(work / "src" / "docs")
        self.base = work / "base"
        assert update_index([self.src], self.base, OPTIONS["incremental"]).status == "published"
        self.before = served_answers(self.base)
        change_tiny(self.src)
        self.after: dict[str, tuple] = {}
        self.run_seconds: dict[str, float] = {}
        for mode in MODES:
            done = copy_root(self.base, work / f"done-{mode}")
            t = time.perf_counter()
            result = subprocess.run(
                self.command(done, mode), cwd=ROOT, capture_output=True, text=True, timeout=PAUSE_TIMEOUT, check=False
            )
            self.run_seconds[mode] = time.perf_counter() - t
            assert result.returncode == 0, result.stderr[-2000:]
            after = served_answers(done)
            assert after is not None and after != self.before
            self.after[mode] = after

    def command(self, root: Path, mode: str) -> list[str]:
        return update_command([self.src], root, "--workers", "1", *(["--full"] if mode == "full" else []))

    def _kill_after_phase(self, root: Path, mode: str, phase: str) -> None:
        # An incremental run turns full (no write marker) when the indexer's code changed since the base was
        # built: only while someone edits the working tree (MarkerMissedError then).
        proc = start_paused(self.command(root, mode), phase)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()

    def _kill_at(self, root: Path, mode: str, delay: float) -> None:
        proc = subprocess.Popen(
            self.command(root, mode), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()

    def trial(self, number: int, mode: str, phase: str | None, rng: random.Random) -> Trial:
        """One kill: after `phase`'s marker, or (phase None) at a random moment of a run."""
        started = time.perf_counter()
        root = copy_root(self.base, self.work / f"trial-{number}")
        held = open_published(root)
        held.searcher()
        try:
            if phase is not None:
                kill = f"after {phase}"
                self._kill_after_phase(root, mode, phase)
            else:
                delay = rng.uniform(0.0, self.run_seconds[mode] * 1.1)
                kill = f"random {delay:.2f}s"
                self._kill_at(root, mode, delay)
            fresh = served_answers(root)
            state = (
                "before"
                if fresh == self.before
                else "after"
                if fresh == self.after[mode]
                else "BROKEN"
                if fresh is None
                else "MIXED"
            )
            held_ok = answers(held) == self.before
            report = update_index([self.src], root, OPTIONS[mode])
            recovered = report.status in ("published", "unchanged") and served_answers(root) == self.after[mode]
            held_ok = held_ok and answers(held) == self.before
            stale = sum(1 for p in (root / BUILDS_DIR).iterdir() if p.name.startswith("."))
        finally:
            held.close()
        shutil.rmtree(root, ignore_errors=True)
        return Trial(number, mode, kill, state, held_ok, recovered, stale, time.perf_counter() - started)

    def plan(self, trials: int, seed: int) -> list[tuple[str, str | None]]:
        """Every phase marker in both modes first, then random moments, alternating modes."""
        plan: list[tuple[str, str | None]] = [(m, p) for m in MODES for p in MARKERS[m]]
        while len(plan) < trials:
            plan.append((MODES[len(plan) % 2], None))
        rng = random.Random(seed)
        head = plan[:trials]
        rng.shuffle(head)
        return head

    def run(self, trials: int, seed: int = 8) -> list[Trial]:
        rng = random.Random(seed)
        return [self.trial(i + 1, mode, phase, rng) for i, (mode, phase) in enumerate(self.plan(trials, seed))]
