"""Worker processes of a build or an update that end with their parent, whatever ends it.

A worker is forked (spawned where other threads run: `worker_context`) from the process that holds the index
root's lock. Were it to outlive that process (a SIGKILL from the OOM killer or a timeout runs no cleanup), it
would go on reading and writing a build nobody will publish and, through the lock file descriptor inherited by
the fork, keep the root locked. So each worker:

- asks the kernel to kill it when its parent dies (Linux `PR_SET_PDEATHSIG`);
- watches its parent from a thread as well (other systems, or a parent gone before the request took effect);
- closes its copy of the lock's descriptor, so the lock is held by the parent alone and goes with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.pool import Pool
from multiprocessing.process import BaseProcess
from typing import TypeVar

T = TypeVar("T")

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# How often a worker looks for its parent besides the kernel's signal (the watchdog ends it within this).
PARENT_POLL_SECONDS = 0.5
# Descriptors of root locks held by this process (indexer.build.root_lock): a worker closes its copies.
_LOCK_FDS: set[int] = set()


def register_lock_fd(fd: int) -> None:
    _LOCK_FDS.add(fd)


def unregister_lock_fd(fd: int) -> None:
    _LOCK_FDS.discard(fd)


def _set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def init_worker(parent: int) -> None:
    """Pool initializer: end with `parent`, and hold none of its locks."""
    _set_parent_death_signal()
    # The parent may have died between the fork and the request above: then no signal will come.
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="govlaw-parent-watch", daemon=True).start()
    for fd in list(_LOCK_FDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _LOCK_FDS.clear()


class WorkerError(RuntimeError):
    """A worker process ended without handing back its result (killed, or out of memory)."""


def run_each(func: Callable[..., T], arglists: Sequence[tuple], beside: Callable[[], object] | None = None) -> list[T]:
    """`func(*args)` for each of `arglists`, each in a worker process of its own, in parallel, and `beside()` in
    this process meanwhile; the workers' results in order. A worker that ends without a result (the OOM killer)
    raises WorkerError instead of waiting forever, and an exception in a worker or in `beside` is raised here."""
    ctx = worker_context()
    parent = os.getpid()
    started: list[tuple[BaseProcess, Connection]] = []
    try:
        for args in arglists:
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_run_one, args=(parent, send, func, args), daemon=True)  # type: ignore[attr-defined]
            proc.start()
            send.close()
            started.append((proc, receive))
        if beside is not None:
            beside()
        results = []
        for proc, receive in started:
            try:
                ok, value = receive.recv()
            except EOFError:
                proc.join()
                raise WorkerError(
                    f"worker process {proc.pid} ended (exit code {proc.exitcode}) before handing back its result"
                ) from None
            proc.join()
            if not ok:
                raise value
            results.append(value)
        return results
    finally:
        for proc, receive in started:
            receive.close()
            if proc.is_alive():
                proc.kill()
                proc.join()


def _run_one(parent: int, send: Connection, func: Callable, args: tuple) -> None:
    init_worker(parent)
    try:
        result = (True, func(*args))
    except BaseException as e:  # noqa: BLE001 - handed to the parent, which raises it
        try:
            pickle.dumps(e)
            result = (False, e)
        except Exception:  # noqa: BLE001 - an exception that does not pickle goes as its text
            result = (False, WorkerError(f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
    send.send(result)
    send.close()


def worker_context() -> BaseContext:
    """How workers start: forked, sharing what this process has loaded, when no other thread runs in it; else as
    a new interpreter (spawn). A fork copies every lock as it is at that moment, and a lock another thread holds
    then (SQLite's, while it serves a search beside an update run in-process) stays held in the worker forever."""
    import multiprocessing as mp

    if not hasattr(os, "fork"):
        return mp.get_context()
    return mp.get_context("fork" if threading.active_count() == 1 else "spawn")


def worker_pool(processes: int) -> Pool:
    """A process pool whose workers end with this process and never hold its locks.

    No `maxtasksperchild`: its replacement workers are forked by one of the pool's threads, and Linux sends the
    parent-death signal when that thread ends (at the pool's close), killing a worker that may hold the pool's
    queue lock. All of these workers are forked by the calling thread, which outlives the pool."""
    return worker_context().Pool(processes, initializer=init_worker, initargs=(os.getpid(),))
