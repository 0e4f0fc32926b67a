"""Running gunicorn workers warm a newly published build while serving the old one, then serve it, with no
failed request (switching at once, GOVLAW_WARM_SECONDS=0, is checked on the holder in tests/search/test_warm.py)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer.update import UpdateOptions, update_index
from search.index import current_build_path
from tests.conftest import ROOT, SEEDS

START_TIMEOUT = 60
AFTER_SWITCH = 40  # requests that must all come from the new build once it is warmed
# The workers' warming budget; the seeds warm in a small part of it, so every request started later than this
# after the switch comes from the new build.
WARM_SECONDS = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> tuple[int, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status, r.getheader("X-Govlaw-Build")
    finally:
        conn.close()


@pytest.fixture()
def served(tmp_path):
    """gunicorn with two workers over a published build of the seeds, its log (JSON lines) in gunicorn.log."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    src = tmp_path / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    root = tmp_path / "index"
    assert update_index([src], root, UpdateOptions(workers=1, progress=False)).status == "published"
    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "GOVLAW_WORKERS": "2",
        "GOVLAW_INDEX": str(root),
        "GOVLAW_WARM_SECONDS": str(WARM_SECONDS),
        "GOVLAW_LOG_FORMAT": "json",
        # Mapped index pages released after every request (web/mapped.py), while the workers switch builds.
        "GOVLAW_MAPPED_MB": "0",
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115  closed when gunicorn has ended
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "web/gunicorn.conf.py", "web.app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)
        yield src, root, port, tmp_path / "gunicorn.log"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def warmed_builds(log: Path) -> list[str]:
    """The builds of the `index.warmed` events gunicorn's workers logged, in order."""
    events = (json.loads(line) for line in log.read_text("utf-8").splitlines() if line.startswith("{"))
    return [e["build"] for e in events if e["event"] == "index.warmed"]


def test_workers_warm_a_new_build_and_switch_to_it_without_a_failed_request(served):
    src, root, port, log = served
    old = current_build_path(root).name
    # Each worker warmed the published build before its first request (post_worker_init); /healthz answered as
    # soon as the first was ready.
    deadline = time.monotonic() + START_TIMEOUT
    while len(warmed_builds(log)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert warmed_builds(log) == [old, old]
    results: list[tuple[float, int, str | None]] = []
    published_at: list[float] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status, build = get(port, "/api/search?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C")
            except OSError as e:
                status, build = -1, repr(e)
            results.append((started, status, build))
            if published_at and sum(1 for r in results if r[0] > published_at[0] + WARM_SECONDS) >= AFTER_SWITCH:
                return

    threads = [threading.Thread(target=client) for _ in range(2)]  # keep both workers busy
    for t in threads:
        t.start()
    while len(results) < 10:
        time.sleep(0.05)
    (src / "010_new.txt").write_text("关于开展星际航行法治宣传的通知\n\n正文。\n", "utf-8")
    report = update_index([src], root, UpdateOptions(workers=1, progress=False))
    assert report.status == "published"
    published_at.append(time.monotonic())
    for t in threads:
        t.join(timeout=120)
    stop.set()

    assert [r for r in results if r[1] != 200] == []
    assert {r[2] for r in results} == {old, report.build_id}
    assert "post_request" not in log.read_text("utf-8")  # gunicorn logs a failing hook and goes on
    after = [r[2] for r in results if r[0] > published_at[0] + WARM_SECONDS]
    assert len(after) >= AFTER_SWITCH and set(after) == {report.build_id}
    assert get(port, "/api/changes?limit=1")[1] == report.build_id
    # Both workers warmed the new build in the background before serving it.
    assert warmed_builds(log) == [old, old, report.build_id, report.build_id]
