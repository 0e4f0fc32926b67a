"""gunicorn over an index root on 127.0.0.1, and a closed-loop load generator (threads + http.client).

The generator stops by itself: after `seconds`, or `max_requests` requests, or when `stop` is set.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from tools.hardening.common import GUNICORN, ROOT, percentile, proc_status, update_command

START_TIMEOUT = 60
REQUEST_TIMEOUT = 30
# A mix of what the page and the API are asked: words, phrases, OR, 文号, facets, paging, suggestions.
PATHS = tuple(
    p.replace(" ", "%20")
    for p in (
        "/api/search?q=" + quote("法治政府"),
        "/?q=" + quote("放管服 营商环境"),
        "/api/search?q=" + quote('"依法行政"') + "&sort=date",
        "/api/search?q=" + quote("行政复议 OR 行政诉讼") + "&page=2&size=5",
        "/api/search?q=" + quote("郑政文〔2017〕60号"),
        "/?q=" + quote("法治") + "&year=2022",
        "/api/suggest?q=" + quote("法治"),
        "/api/search?q=" + quote("-征求意见稿 建设"),
        "/healthz",
    )
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True, slots=True)
class Response:
    started: float
    seconds: float
    status: int  # -1: no answer (connection error or timeout)
    build: str | None
    json_error: bool  # an error status answered with the JSON error shape
    path: str
    retry_after: str | None = None  # the Retry-After header of a shed request


def request(port: int, path: str, timeout: float = REQUEST_TIMEOUT) -> Response:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        json_error = False
        if r.status >= 400 and (r.getheader("Content-Type") or "").startswith("application/json"):
            with contextlib.suppress(ValueError):
                json_error = set(json.loads(body)) == {"error", "status", "request_id"}
        return Response(
            started,
            time.monotonic() - started,
            r.status,
            r.getheader("X-Govlaw-Build"),
            json_error,
            path,
            r.getheader("Retry-After"),
        )
    except (OSError, http.client.HTTPException):
        return Response(started, time.monotonic() - started, -1, None, False, path)
    finally:
        conn.close()


@dataclass
class LoadResult:
    responses: list[Response] = field(default_factory=list)
    seconds: float = 0.0

    def latencies(self, since: float = 0.0, until: float = float("inf")) -> list[float]:
        return [r.seconds for r in self.responses if r.status == 200 and since <= r.started < until]

    def p(self, q: float, **window) -> float:
        return percentile(self.latencies(**window), q)

    @property
    def statuses(self) -> Counter:
        return Counter(r.status for r in self.responses)

    @property
    def errors(self) -> list[Response]:
        return [r for r in self.responses if r.status != 200]

    @property
    def builds(self) -> set[str]:
        return {r.build for r in self.responses if r.build}

    @property
    def rate(self) -> float:
        return len(self.responses) / self.seconds if self.seconds else 0.0


def load(
    port: int,
    clients: int,
    seconds: float,
    *,
    max_requests: int = 1_000_000,
    stop: threading.Event | None = None,
    paths: tuple[str, ...] = PATHS,
    retry_after_cap: float = 2.0,
) -> LoadResult:
    """`clients` threads, each sending the next request as soon as the last was answered, or, after a 503 with
    Retry-After, that many seconds later (at most `retry_after_cap`), as a well-behaved client does."""
    result = LoadResult()
    lock = threading.Lock()
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        i = n
        while not stop.is_set() and time.monotonic() < deadline:
            r = request(port, paths[i % len(paths)])
            i += 1
            with lock:
                result.responses.append(r)
                if len(result.responses) >= max_requests:
                    stop.set()
            if r.status == 503 and r.retry_after:
                with contextlib.suppress(ValueError):
                    stop.wait(min(float(r.retry_after), retry_after_cap, max(0.0, deadline - time.monotonic())))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    result.seconds = time.monotonic() - started
    return result


class Server:
    """gunicorn with `web/gunicorn.conf.py` over an index root; its log is kept to count worker timeouts."""

    def __init__(
        self,
        index_root: Path,
        log_path: Path,
        workers: int = 2,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ):
        """`env`: more environment variables of gunicorn's (GOVLAW_WARM_SECONDS …)."""
        self.index_root = Path(index_root)
        self.log_path = Path(log_path)
        self.workers = workers
        self.extra_args = extra_args
        self.env = env or {}
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "GOVLAW_WORKERS": str(self.workers),
            "GOVLAW_INDEX": str(self.index_root),
            **self.env,
        }
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [
                str(GUNICORN),
                "-c",
                "web/gunicorn.conf.py",
                "--access-logfile",
                "/dev/null",
                *self.extra_args,
                "web.app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if (
                request(self.port, "/healthz", timeout=5).status in (200, 503)
                and len(self.worker_pids()) == self.workers
            ):
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"gunicorn did not start: {self.log()[-2000:]}")
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children", encoding="ascii") as f:
                return sorted(int(p) for p in f.read().split())
        except OSError:
            return []

    def worker_status(self) -> dict[int, tuple[int, int]]:
        """Per worker pid: (RSS in kB, open file descriptors)."""
        out = {}
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):  # a worker that exited since it was listed
                out[pid] = proc_status(pid)
        return out

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def worker_timeouts(self) -> int:
        return self.log().count("WORKER TIMEOUT")

    def worker_restarts(self) -> int:
        """Workers booted beyond the first ones that replaced a worker which timed out or died (not one recycled
        after `max_requests`, which gunicorn logs as an autorestart)."""
        text = self.log()
        return max(0, text.count("Booting worker") - self.workers - text.count("Autorestarting worker"))


@dataclass(frozen=True, slots=True)
class Reindex:
    started: float
    seconds: float
    returncode: int
    build: str | None


def reindex(src: list[Path], root: Path, *, full: bool = True, nice: int = 10) -> Reindex:
    """One run of the nightly update in its own process, at the priority the systemd unit gives it."""
    started = time.monotonic()
    cmd = [
        "nice",
        "-n",
        str(nice),
        *update_command(src, root, *(["--full"] if full else [])),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False)
    build = None
    for line in proc.stderr.splitlines():
        if '"run.done"' in line:
            build = json.loads(line).get("build")
    return Reindex(started, time.monotonic() - started, proc.returncode, build)


def reindex_during(
    src: list[Path],
    root: Path,
    stop: threading.Event,
    runs: list[Reindex],
    *,
    first_after: float,
    at_most: int = 1_000,
    then_stop: threading.Event | None = None,
    tail: float = 3.0,
    nice: int = 10,
) -> threading.Thread:
    """Full reindexes one after another (from `first_after` seconds on) until `stop` is set or `at_most` ran;
    `then_stop` is set `tail` seconds after the last one (to end a load that should outlast them)."""

    def loop() -> None:
        if not stop.wait(first_after):
            while not stop.is_set() and len(runs) < at_most:
                runs.append(reindex(src, root, nice=nice))
        if then_stop is not None:
            time.sleep(tail)
            then_stop.set()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t
