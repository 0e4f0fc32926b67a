"""Worker processes of builds and updates: they hold none of the parent's locks, end with their parent, and
hand back results or errors; the root lock is taken over from a holder that is gone, with a log line."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer.build import LOCK_FILE, LockedError, root_lock
from indexer.workers import WorkerError, run_each, worker_context, worker_pool
from tests.conftest import ROOT


def _open_files() -> list[str]:
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return out


def _double(x: int) -> int:
    return 2 * x


def _fail(message: str) -> None:
    raise ValueError(message)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return int(proc.stdout)


def test_workers_do_not_hold_the_root_lock(tmp_path):
    lock = str(tmp_path / LOCK_FILE)
    with root_lock(tmp_path):
        assert lock in _open_files()
        with worker_pool(2) as pool:
            seen = pool.map(_open_files_in_worker, [0, 1])
        in_each = run_each(_open_files_in_worker, [(0,), (1,)])
    assert [lock in files for files in seen] == [False, False]
    assert [lock in files for files in in_each] == [False, False]


def _open_files_in_worker(_: int) -> list[str]:
    return _open_files()


def test_run_each_returns_results_in_order_and_raises_what_a_worker_raised():
    assert run_each(_double, [(1,), (2,), (3,)]) == [2, 4, 6]
    with pytest.raises(ValueError, match="bad share"):
        run_each(_fail, [("bad share",)])


# Held by a thread of the test while a worker starts: a worker forked then would find it held for ever.
HELD = threading.Lock()


def _take_held() -> bool:
    return HELD.acquire(timeout=5)


def test_workers_started_while_another_thread_holds_a_lock_are_not_forked_with_it():
    assert worker_context().get_start_method() == "fork"  # no other thread: forked
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with HELD:
            taken.set()
            done.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        taken.wait(10)
        assert worker_context().get_start_method() == "spawn"
        assert run_each(_take_held, [()]) == [True]  # a forked worker would wait 5 s and give False
    finally:
        done.set()
        holder.join()


def _wait_for(path: Path) -> str:
    deadline = time.monotonic() + 20
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return path.read_text("utf-8") if path.exists() else "not made while the worker ran"


def test_run_each_runs_beside_in_this_process_while_the_workers_run(tmp_path):
    # The worker waits for a file that only `beside` makes: it sees it, so both ran at the same time.
    made = tmp_path / "made"
    pid = os.getpid()
    assert run_each(_wait_for, [(made,)], beside=lambda: made.write_text(f"by {os.getpid()}", "utf-8")) == [f"by {pid}"]
    # What `beside` raises is raised here (the worker, still waiting, is ended).
    with pytest.raises(ValueError, match="beside failed"):
        run_each(_wait_for, [(tmp_path / "never",)], beside=lambda: _fail("beside failed"))


def test_run_each_reports_a_worker_killed_before_its_result_instead_of_waiting():
    started = time.monotonic()
    with pytest.raises(WorkerError, match=r"exit code -9"):
        run_each(_die, [()])
    assert time.monotonic() - started < 30


SCRIPT = """
import os, sys, time
from indexer.workers import worker_pool
pool = worker_pool(2)
print(" ".join(str(p.pid) for p in pool._pool), flush=True)
pool.map_async(time.sleep, [600, 600])
time.sleep(600)
"""


def test_workers_end_within_two_seconds_when_their_parent_is_killed():
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2
    assert all(_running(p) for p in pids)
    proc.kill()
    proc.wait()
    proc.stdout.close()
    deadline = time.monotonic() + 2.0
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [p for p in pids if _running(p)] == []


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_a_lock_left_by_a_killed_holder_is_taken_over_with_a_log_line(tmp_path, caplog):
    dead = _dead_pid()
    (tmp_path / LOCK_FILE).write_text(f"{dead}\n", "ascii")
    with caplog.at_level(logging.WARNING, logger="govlaw.indexer"), root_lock(tmp_path):
        assert (tmp_path / LOCK_FILE).read_text("ascii") == f"{os.getpid()}\n"
    stale = [r for r in caplog.records if r.getMessage() == "lock.stale"]
    assert len(stale) == 1
    assert stale[0].govlaw == {"root": str(tmp_path), "previous_pid": dead, "alive": False}
    # Released cleanly: the file names no holder, and the next taker logs nothing.
    assert (tmp_path / LOCK_FILE).read_text("ascii") == ""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="govlaw.indexer"), root_lock(tmp_path):
        pass
    assert [r.getMessage() for r in caplog.records] == []


HOLD_SCRIPT = """
import sys, time
from pathlib import Path
from indexer.build import root_lock
with root_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_held_lock_is_refused_naming_its_holder(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLD_SCRIPT,
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with (
            pytest.raises(LockedError, match=rf"another build holds the lock on .* \(pid {holder.pid}\)"),
            root_lock(tmp_path),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout:
            holder.stdout.close()
