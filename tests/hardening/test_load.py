"""Closed-loop clients against gunicorn (2 sync workers) while a full reindex is switched in, and an overload.

The short variant of `scripts/harden load` (4 clients, 180 s). Latency is measured and reported by the script;
these tests assert only what cannot flake: no error, no worker timeout, both builds served, no 500 ever.
"""

from __future__ import annotations

import json
import shutil
import threading

import pytest

from indexer.update import UpdateOptions, update_index
from search.index import current_build_path
from tools.hardening.common import GUNICORN, SEEDS
from tools.hardening.loadgen import Server, load, reindex_during, request

CLIENTS = 2
MAX_SECONDS = 120  # the load runs until 3 s after the reindex finished
OVERLOAD_CLIENTS = 32
OVERLOAD_SECONDS = 10
# The workers' warming budget: every request started this long after the switch, and a second more, comes from
# the new build.
WARM_SECONDS = 1


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed at {GUNICORN}")
    base = tmp_path_factory.mktemp("load")
    src = base / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    root = base / "index"
    assert update_index([src], root, UpdateOptions(workers=1, progress=False)).status == "published"
    with Server(root, base / "gunicorn.log", workers=2, env={"GOVLAW_WARM_SECONDS": str(WARM_SECONDS)}) as server:
        yield src, root, server


def test_clients_see_no_error_while_a_full_reindex_is_switched_in(served):
    src, root, server = served
    old = current_build_path(root).name
    assert load(server.port, CLIENTS, 60, max_requests=20).errors == []  # warm both workers
    stop, load_done, runs = threading.Event(), threading.Event(), []
    reindexing = reindex_during(
        [src], root, stop, runs, first_after=2, at_most=1, then_stop=load_done, nice=0
    )  # not niced as in production: a short test
    result = load(server.port, CLIENTS, MAX_SECONDS, stop=load_done)
    stop.set()
    reindexing.join(timeout=120)

    assert [r.returncode for r in runs] == [0]
    assert result.errors == []
    assert server.worker_timeouts() == 0 and server.worker_restarts() == 0
    assert result.builds == {old, runs[0].build}  # both builds served, nothing else
    switched = runs[0].started + runs[0].seconds
    assert {r.build for r in result.responses if r.started > switched + 1 + WARM_SECONDS} == {runs[0].build}


def test_overload_is_shed_with_503_and_retry_after_and_nothing_times_out(served):
    """32 closed-loop clients against 2 workers: more than the queue holds (QUEUE_MAX of web/overload.py)."""
    _, _, server = served
    result = load(server.port, OVERLOAD_CLIENTS, OVERLOAD_SECONDS)
    assert len(result.responses) > OVERLOAD_CLIENTS
    statuses = result.statuses
    assert set(statuses) == {200, 503}, statuses  # no timeout (-1), no 500, nothing else
    assert statuses[200] > 0 and statuses[503] > 0
    assert {r.retry_after for r in result.errors} == {"1"}
    assert all(r.json_error for r in result.errors if r.path.startswith("/api/"))  # pages answer an HTML page
    assert server.worker_timeouts() == 0
    after = [request(server.port, "/api/search?q=%E6%B3%95%E6%B2%BB") for _ in range(20)]
    assert [r.status for r in after] == [200] * 20
    # The server's log is the indexer's JSON, with an access line for each request, the shed ones included.
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    shed = [x for x in lines if x["event"] == "http.request" and x["status"] == 503]
    assert len(shed) == statuses[503]
    assert all(x["bytes"] > 0 and x["ms"] >= 0 and len(x["request_id"]) == 32 for x in shed)
