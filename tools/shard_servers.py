"""`govlaw-shard` processes on loopback for every shard of an index root: what the Xapian tests and the backend
benchmark serve a build with."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tools.bench import ROOT

START_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class ShardServers:
    """A `govlaw-shard` per shard of `root`'s published build, each in a process group of its own (as
    xapian-tcpsrv stops its connection processes by signalling its group); a context manager."""

    def __init__(self, root: Path, count: int):
        self.root = root
        self.ports = [free_port() for _ in range(count)]
        self.procs: list[subprocess.Popen | None] = [None] * count

    def __enter__(self) -> ShardServers:
        try:
            for k in range(len(self.ports)):
                self.start(k)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, k: int) -> None:
        cmd = [sys.executable, "-m", "search.shard", "--index", str(self.root), "--shard", str(k)]
        cmd += ["--port", str(self.ports[k]), "--log-format", "text"]
        self.procs[k] = subprocess.Popen(cmd, cwd=ROOT, process_group=0, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_SECONDS
        while not listening(self.ports[k]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"shard {k} of {self.root} did not start listening on {self.ports[k]}")
            time.sleep(0.05)

    def kill(self, k: int) -> None:
        """Kill shard k's server and its supervisor at once (a node going down)."""
        proc = self.procs[k]
        if proc is None:
            return
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], check=False, capture_output=True, text=True)
        for pid in children.stdout.split():
            os.killpg(int(pid), signal.SIGKILL)
        proc.kill()
        proc.wait()
        self.procs[k] = None

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", p) for p in self.ports]

    @property
    def env(self) -> str:
        """GOVLAW_SHARDS naming these servers."""
        return ",".join(f"{host}:{port}" for host, port in self.addresses)

    def stop(self) -> None:
        for k, proc in enumerate(self.procs):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.kill(k)
            self.procs[k] = None
