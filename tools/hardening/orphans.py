"""SIGKILL of the main process of a build or an update in each phase, and what it leaves running.

Each trial copies a published index of a folder of a dozen files (enough for two worker processes), starts a run
that stops at a phase marker (GOVLAW_TEST_PAUSE_AT), notes every process it started, kills it with SIGKILL and
times how long its workers outlive it. Then the next run, with no hand in between, must exit 0: the lock went with
the killed process, and the run says it took over a stale lock.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer.update import UpdateOptions, update_index
from tools.hardening.common import PAUSE_TIMEOUT, ROOT, copy_root, start_paused, update_command

FILES = 12
WORKERS = "2"
# How long a worker may outlive the killed process, and how often to look.
SURVIVAL_LIMIT = 2.0
POLL_SECONDS = 0.02
# (name, command, pause marker, what the marker line starts with): the phases where a run can be killed. The
# `worker` marker is printed by a worker in the middle of its share (reading and writing its segment); at the
# `gate` marker one worker runs the golden queries.
SCENARIOS: tuple[tuple[str, str, str], ...] = (
    ("build: workers reading and writing", "build", "worker"),
    ("update --full: workers reading and writing", "full", "worker"),
    ("update: workers reading and writing", "incremental", "worker"),
    ("update: writing", "incremental", "write"),
    ("update: gate", "incremental", "gate"),
    ("update: publish", "incremental", "switch"),
    ("update: change log", "incremental", "log"),
)


@dataclass(frozen=True, slots=True)
class Trial:
    scenario: str
    workers_seen: int  # processes the run had started when it was killed
    survivors: int  # of them, still running SURVIVAL_LIMIT seconds after the kill
    last_exit: float  # seconds from the kill until the last of them had ended (0.0 when none)
    next_exit: int  # exit code of the next run
    stale_logged: bool  # the next run logged the stale lock it took over

    @property
    def ok(self) -> bool:
        return self.survivors == 0 and self.next_exit == 0 and self.stale_logged


def write_folder(folder: Path, variant: str = "") -> Path:
    """A dozen short notices; `variant` changes every one of them (an update then reads them all again)."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(FILES):
        (folder / f"notice_{n:02d}.txt").write_text(
            f"某市人民政府关于第{n + 1}批法治政府建设试点的通知{variant}\n\n各区县人民政府：\n\n一、总体要求\n"
            f"深入推进依法行政，第{n + 1}批试点单位加快建设法治政府。{variant}\n二、工作措施\n"
            "落实放管服改革，优化营商环境，规范行政执法行为。\n",
            "utf-8",
        )
    return folder


def children_of(pid: int) -> list[int]:
    """Every live descendant of `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            state = _stat(int(entry))
            if state is not None:
                parents[int(entry)] = state[1]
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        found += kids
        todo += kids
    return found


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for whoever adopted it to reap it; it runs nothing)."""
    state = _stat(pid)
    return state is not None and state[0] not in ("Z", "X")


class OrphanBench:
    def __init__(self, work: Path):
        self.work = work
        self.src = write_folder(work / "src" / "notices")
        self.base = work / "base"
        report = update_index([self.src], self.base, UpdateOptions(workers=2, progress=False))
        assert report.status == "published", report.message
        write_folder(self.src, variant="（修订）")

    def command(self, root: Path, mode: str) -> list[str]:
        if mode == "build":
            build = ["build", str(self.src), "--index", str(root), "--workers", WORKERS, "--no-progress"]
            return [sys.executable, "-m", "indexer", *build, "--log-format", "json"]
        return update_command([self.src], root, "--workers", WORKERS, *(["--full"] if mode == "full" else []))

    def _start_paused(self, root: Path, mode: str, marker: str) -> tuple[subprocess.Popen, list[int]]:
        proc = start_paused(self.command(root, mode), marker)
        return proc, children_of(proc.pid)

    def trial(self, number: int, scenario: tuple[str, str, str]) -> Trial:
        name, mode, marker = scenario
        root = copy_root(self.base, self.work / f"trial-{number}")
        try:
            proc, kids = self._start_paused(root, mode, marker)
            os.kill(proc.pid, signal.SIGKILL)
            killed = time.perf_counter()
            proc.wait()
            assert proc.stderr is not None
            proc.stderr.close()
            last_exit = 0.0
            alive = list(kids)
            while alive and time.perf_counter() - killed < SURVIVAL_LIMIT:
                time.sleep(POLL_SECONDS)
                alive = [k for k in alive if running(k)]
                if not alive:
                    last_exit = time.perf_counter() - killed
            survivors = [k for k in alive if running(k)]
            for k in survivors:  # never left behind by the harness itself
                os.kill(k, signal.SIGKILL)
            result = subprocess.run(
                self.command(root, mode), cwd=ROOT, capture_output=True, text=True, timeout=PAUSE_TIMEOUT, check=False
            )
            return Trial(
                name,
                len(kids),
                len(survivors),
                round(last_exit, 3),
                result.returncode,
                '"lock.stale"' in result.stderr,
            )
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def run(self, trials_per_scenario: int, on_trial: Callable[[Trial], None] | None = None) -> list[Trial]:
        """Every scenario in turn, `trials_per_scenario` rounds; `on_trial` sees each trial as it ends."""
        trials = []
        for n in range(trials_per_scenario):
            for i, s in enumerate(SCENARIOS):
                trials.append(self.trial(n * len(SCENARIOS) + i, s))
                if on_trial is not None:
                    on_trial(trials[-1])
        return trials
