"""Running gunicorn workers serve a newly published build from their next request, with no failed request."""

from __future__ import annotations

import http.client
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
AFTER_SWITCH = 40  # requests that must all come from the new build once it is published


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
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    src = tmp_path / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    root = tmp_path / "index"
    assert update_index([src], root, UpdateOptions(workers=1, progress=False)).status == "published"
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "GOVLAW_WORKERS": "2", "GOVLAW_INDEX": str(root)}
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "web/gunicorn.conf.py", "web.app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
        yield src, root, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_workers_switch_to_a_new_build_without_a_failed_request(served):
    src, root, port = served
    old = current_build_path(root).name
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
            if published_at and sum(1 for r in results if r[0] > published_at[0]) >= AFTER_SWITCH:
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
    assert {r[2] for r in results if r[0] < published_at[0]} <= {old, report.build_id}
    after = [r[2] for r in results if r[0] > published_at[0]]
    assert len(after) >= AFTER_SWITCH and set(after) == {report.build_id}
    assert any(r[2] == old for r in results)
    assert get(port, "/api/changes?limit=1")[1] == report.build_id
