"""Worker memory and open files stay flat across builds published under load (`scripts/harden soak`: 30 min,
a switch every 5 min); and the holder closes a replaced build once no request can be using it."""

from __future__ import annotations

import gc
import os
import shutil
import threading
from pathlib import Path

import pytest
from whoosh.reading import ReaderClosed

from indexer.build import publish
from indexer.update import UpdateOptions, update_index
from search.engine import run_search
from search.index import BUILDS_DIR, IndexHolder
from search.params import params_from
from tools.hardening.common import GUNICORN, SEEDS, write_tiny
from tools.hardening.loadgen import Server
from tools.hardening.soak import run_soak

SECONDS = 150
INTERVAL = 30
CLIENTS = 2
# Generous bounds: a leak of one build per switch shows as dozens of files and tens of MB per worker.
MAX_FD_GROWTH = 8
MAX_RSS_GROWTH_KB = 60 * 1024


def _open_builds(root: Path) -> set[str]:
    """The builds under `root` this process has files of open (other tests' indexes do not count)."""
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(root.resolve()) + "/") and f"/{BUILDS_DIR}/" in target:
            out.add(target.split(f"/{BUILDS_DIR}/")[1].split("/")[0])
    return out


def _switch(src, root, n: int) -> None:
    with open(src / "a_notice.txt", "a", encoding="utf-8") as f:
        f.write(f"\n补充第{n}条。\n")
    assert update_index([src], root, UpdateOptions(workers=1, progress=False, keep=10)).status == "published"


def _builds(tmp_path, count: int) -> tuple[Path, list[Path]]:
    src = write_tiny(tmp_path / "src" / "docs")
    root = tmp_path / "index"
    for n in range(count):
        _switch(src, root, n)
    builds = sorted(p for p in (root / BUILDS_DIR).iterdir())
    assert len(builds) == count
    gc.collect()  # what the updates run here left open
    return root, builds


def test_a_replaced_build_is_closed_with_the_searchers_of_every_thread(tmp_path):
    root, builds = _builds(tmp_path, 3)
    holder = IndexHolder(root, retire_seconds=0)
    gc.disable()  # nothing may depend on the garbage collector closing files
    try:
        seen = []
        for n in range(9):
            publish(root, builds[n % len(builds)])
            opened = holder.get()
            threads = [threading.Thread(target=run_search, args=(opened, params_from(q="法治政府"))) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            run_search(opened, params_from(q="法治政府"))
            del opened
            seen.append(_open_builds(root))
        holder.get()  # a later request: the replaced build is closed by now
        last = _open_builds(root)
    finally:
        gc.enable()
    # The served build and, until the next request, the one it replaced; never more.
    assert all(len(s) <= 2 for s in seen), seen
    assert last == {builds[8 % len(builds)].name}


def test_a_replaced_build_stays_open_for_its_grace_period(tmp_path):
    root, builds = _builds(tmp_path, 2)
    publish(root, builds[0])
    holder = IndexHolder(root, retire_seconds=3600)
    first = holder.get()
    run_search(first, params_from(q="法治政府"))
    publish(root, builds[1])
    assert holder.get() is not first
    assert run_search(first, params_from(q="法治政府")).total == 2  # a request still using it is served
    holder.retire_seconds = 0
    holder.get()
    with pytest.raises(ReaderClosed):
        run_search(first, params_from(q="法治政府"))


@pytest.fixture()
def served(tmp_path):
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed at {GUNICORN}")
    src = tmp_path / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    root = tmp_path / "index"
    assert update_index([src], root, UpdateOptions(workers=1, progress=False)).status == "published"
    # No recycling of workers after max_requests: the same two processes are watched all along.
    with Server(root, tmp_path / "gunicorn.log", workers=2, extra_args=("--max-requests", "0")) as server:
        yield src, root, server


def test_worker_memory_and_open_files_stay_flat_across_switches_under_load(served):
    src, root, server = served
    soak = run_soak(server, src, root, seconds=SECONDS, interval=INTERVAL, clients=CLIENTS)
    assert soak.failed_updates == [] and len(soak.switches) >= SECONDS // INTERVAL - 1
    assert soak.load.errors == [] and server.worker_timeouts() == 0 and server.worker_restarts() == 0
    assert len(soak.pids) == 2 and all(len(soak.series(pid, 1)) == len(soak.samples) for pid in soak.pids)
    assert soak.load.builds >= set(soak.switches[-2:])
    # Open files from the third sample on: a worker serves a new build once it is warm, seconds after the
    # switch, so a build replaced two switches before may still be open then (RETIRE_SECONDS is two intervals).
    assert max(soak.growth(1, since=2).values()) <= MAX_FD_GROWTH, soak.samples
    assert max(soak.growth(0).values()) <= MAX_RSS_GROWTH_KB, soak.samples
