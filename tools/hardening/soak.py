"""A soak: gunicorn workers under closed-loop clients while the nightly update publishes a new build every
`interval` seconds; each worker's memory and open files sampled just before every switch."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from indexer.update import UpdateOptions, update_index
from tools.hardening.loadgen import LoadResult, Server, load


@dataclass
class Soak:
    samples: list[tuple[float, int, dict[int, tuple[int, int]]]] = field(default_factory=list)  # (t, switches, pid->)
    switches: list[str] = field(default_factory=list)
    failed_updates: list[str] = field(default_factory=list)
    load: LoadResult = field(default_factory=LoadResult)

    def series(self, pid: int, what: int) -> list[int]:
        return [s[2][pid][what] for s in self.samples if pid in s[2]]

    @property
    def pids(self) -> list[int]:
        return sorted(self.samples[0][2]) if self.samples else []

    def growth(self, what: int, since: int = 1) -> dict[int, int]:
        """Per worker: the last sample minus sample `since` (kB of RSS for what=0, open files for what=1). The
        first sample, before any switch, has no replaced build still open; a replaced build stays open for
        RETIRE_SECONDS after the switch (for requests still using it), so the count of open builds is steady
        only once switches have come for that long: from sample 2 when switches are 30 s apart."""
        return {pid: self.series(pid, what)[-1] - self.series(pid, what)[since] for pid in self.pids}


def run_soak(
    server: Server, src: Path, root: Path, *, seconds: float, interval: float, clients: int, warmup: float = 10.0
) -> Soak:
    """Clients for `seconds`; after `warmup`, a full rebuild with one changed file every `interval` seconds."""
    soak = Soak()
    stop = threading.Event()
    holder: list[LoadResult] = []
    loader = threading.Thread(
        target=lambda: holder.append(load(server.port, clients, seconds + warmup, stop=stop)), daemon=True
    )
    loader.start()
    started = time.monotonic()
    time.sleep(warmup)
    soak.samples.append((time.monotonic() - started, 0, server.worker_status()))
    target = src / min(p.name for p in src.iterdir() if p.suffix == ".txt")
    n = 0
    while time.monotonic() - started < seconds + warmup - 1:
        n += 1
        with open(target, "a", encoding="utf-8") as f:
            f.write(f"\n补充第{n}条：继续推进依法行政。\n")
        # Rebuilt in full: every build has the size of the last, so what grows from one to the next is a leak.
        report = update_index([src], root, UpdateOptions(workers=1, progress=False, full=True))
        (soak.switches if report.status == "published" else soak.failed_updates).append(
            report.build_id or report.message
        )
        wait_until = started + warmup + n * interval
        while time.monotonic() < wait_until and time.monotonic() - started < seconds + warmup:
            time.sleep(0.5)
        soak.samples.append((time.monotonic() - started, n, server.worker_status()))
    stop.set()
    loader.join(timeout=120)
    if not holder:
        raise RuntimeError("the load clients did not finish")
    soak.load = holder[0]
    return soak
