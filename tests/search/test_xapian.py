"""The Xapian backend: shards written beside the Whoosh index, read from disk or from `govlaw-shard` servers on
loopback, answering as the Whoosh backend does; a shard that stops answering, comes back, or changes build.

Tests skip where the Xapian bindings or xapian-tcpsrv are absent, unless GOVLAW_REQUIRE_XAPIAN is set (CI).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import INDEX_OPTIONS, SEEDS


def _require_xapian() -> None:
    missing = []
    try:
        import xapian  # noqa: F401
    except ImportError:
        missing.append("the xapian module (pip install xapian-bindings-binary)")
    if shutil.which("xapian-tcpsrv") is None:
        missing.append("xapian-tcpsrv (apt-get install xapian-tools)")
    if missing:
        if os.environ.get("GOVLAW_REQUIRE_XAPIAN"):
            pytest.fail(f"{', '.join(missing)} missing but GOVLAW_REQUIRE_XAPIAN is set")
        pytest.skip(f"{', '.join(missing)} missing", allow_module_level=True)


_require_xapian()

from indexer.build import build_index  # noqa: E402
from indexer.update import UpdateOptions, update_index  # noqa: E402
from search.backend import BackendConfigError, parse_shards  # noqa: E402
from search.engine import run_search  # noqa: E402
from search.index import OpenIndex, current_build_path  # noqa: E402
from search.params import params_from  # noqa: E402
from search.xapian_backend import (  # noqa: E402
    TERM_LIMIT,
    XAPIAN_DIR,
    RecordTable,
    shard_of,
    shard_path,
    xapian_term,
)
from tools.shard_servers import ShardServers, free_port  # noqa: E402
from web.app import create_app  # noqa: E402

GOLDEN = Path(__file__).parents[1] / "golden" / "golden.jsonl"
SHARDS = 3
# Queries of every kind the engine reads: words, phrases, 文号, both scripts, citations, questions, filters.
QUERIES = [
    "法治政府建设",
    "法治政府建設",
    '"一网通办"',
    "依法行政 -考核",
    "郑政文〔2017〕60号",
    "title:食品安全法",
    "食品安全法第二条",
    "刑法264条",
    "盗窃罪判几年",
    "小作坊能卖食品吗",
    "行政复议 放管服",
    "國務院令第721號",
    "哈哈哈哈",
]


def _fixture_sources(dst: Path) -> list[Path]:
    from tests.golden.fixtures import DOCS

    shutil.copytree(SEEDS, dst / "seeds")
    for rel, text in DOCS.items():
        path = dst / "fixtures" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return [dst / "seeds", dst / "fixtures"]


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Path:
    """An index root of the seeds and the golden fixtures, built with Xapian shards."""
    sources = _fixture_sources(tmp_path_factory.mktemp("xapian-src"))
    root = tmp_path_factory.mktemp("xapian-index")
    report = build_index(sources, root, shards=SHARDS, **INDEX_OPTIONS)
    assert report.errors == []
    return root


@pytest.fixture(scope="module")
def both(sharded):
    """The one build opened twice: by Whoosh, and by Xapian from the shards on disk."""
    build = current_build_path(sharded)
    whoosh, xapian = OpenIndex.open(build, "whoosh"), OpenIndex.open(build, "xapian", [])
    yield whoosh, xapian
    whoosh.close()
    xapian.close()


def _answer(index, q: str, **more) -> dict:
    result = run_search(index, params_from({"q": q, **more}))
    return {
        "total": result.total,
        "hits": [(h.doc_id, [s.section_id for s in h.sections], round(h.score, 9)) for h in result.hits],
        "facets": [(f.name, [(v.value, v.count) for v in f.values]) for f in result.facets],
    }


def test_the_build_has_its_shards_and_table(sharded):
    build = current_build_path(sharded)
    manifest = json.loads((build / "manifest.json").read_text("utf-8"))
    assert manifest["xapian"]["shards"] == SHARDS
    assert manifest["xapian"]["shard_builds"] == [build.name] * SHARDS
    table = RecordTable.load(build / XAPIAN_DIR)
    assert table.records == manifest["sections"]
    whoosh = OpenIndex.open(build, "whoosh")
    try:
        assert {d for d in table.doc_ids if d} == set(whoosh.docs)
        assert table.records == whoosh.section_count == table.count
        # The table numbers each record as the Whoosh index does.
        stored = whoosh.searcher().reader()
        for docnum in range(whoosh.section_count):
            fields = stored.stored_fields(docnum)
            assert (table.doc_ids[docnum], table.section_ids[docnum]) == tuple(fields["record_id"].rsplit("/", 1))
    finally:
        whoosh.close()
    # Each document's records are all in the shard its id hashes to: the shards' record (d - 1) * N + k is shard k's.
    for xapian_docnum, docnum in enumerate(table.docnums):
        if docnum >= 0:
            assert xapian_docnum % SHARDS == shard_of(table.doc_ids[docnum], SHARDS)
    assert sorted(table.docnums[table.docnums >= 0].tolist()) == list(range(table.count))
    assert all(shard_path(build, k).is_dir() for k in range(SHARDS))


@pytest.mark.parametrize("q", QUERIES)
def test_xapian_answers_as_whoosh(both, q):
    whoosh, xapian = both
    expected = _answer(whoosh, q)
    assert _answer(xapian, q) == expected


def test_xapian_answers_filters_and_sorts_as_whoosh(both):
    whoosh, xapian = both
    for more in ({"doc_type": "报告"}, {"sort": "date"}, {"year": "2022"}, {"page": "2", "size": "2"}):
        assert _answer(xapian, "法治政府", **more) == _answer(whoosh, "法治政府", **more)


def test_golden_queries_on_xapian(both):
    """The golden file's literal top results, from the Xapian backend."""
    _, xapian = both
    for line in GOLDEN.read_text("utf-8").splitlines():
        case = json.loads(line)
        hits = run_search(xapian, params_from({"q": case["q"]})).hits[:3]
        assert [f"{h.source} [{h.status or '-'}]" for h in hits] == case["top"], case["q"]


def test_terms_and_shards_are_stable():
    assert xapian_term("body_bi", "中华".encode()) == "body_bi:中华".encode()
    long = xapian_term("source", ("长" * 200).encode())
    assert len(long) <= TERM_LIMIT and long.startswith(b"source:\x00")
    # A hash of the id's bytes (not Python's hash(), which differs between processes): pinned here, since an
    # update finds a document's shard by it.
    seeds = ("c53b6e7838df16ad", "df8d6c98a1baba4f", "585b8644d3b3b84a", "f5c214037d8dfec4", "8721b4904f5f8085")
    assert [shard_of(d, 3) for d in seeds] == [0, 0, 2, 0, 2]
    assert shard_of("c53b6e7838df16ad", 5) == 2


def test_shard_addresses_are_parsed_or_refused():
    assert parse_shards("10.0.0.1:7001, node2:7002,[::1]:7003") == [("10.0.0.1", 7001), ("node2", 7002), ("::1", 7003)]
    assert parse_shards("") == []
    for bad in ("node1", "node1:", "node1:http", "node1:70000"):
        with pytest.raises(BackendConfigError, match="not host:port"):
            parse_shards(bad)


def test_a_build_without_shards_is_refused_by_the_xapian_backend(seed_index):
    with pytest.raises(FileNotFoundError, match="--backend xapian --shards N"):
        OpenIndex.open(current_build_path(seed_index), "xapian", [])


def test_an_update_writes_only_the_shards_of_changed_documents(tmp_path):
    sources = _fixture_sources(tmp_path / "src")
    root = tmp_path / "index"
    build_index(sources, root, shards=SHARDS, **INDEX_OPTIONS)
    before = current_build_path(root)
    added = "某市人民政府关于加强犬只管理的通告\n\n饲养犬只应当办理登记，出户时系犬绳。\n"
    (sources[1] / "notice" / "dogs.txt").write_text(added, "utf-8")
    report = update_index(sources, root, UpdateOptions(workers=1, gate_sample=0))
    assert report.status == "published" and report.mode == "incremental"
    after = current_build_path(root)
    table = RecordTable.load(after / XAPIAN_DIR)
    doc_id = next(d.doc_id for d in OpenIndex.open(after, "whoosh").docs.values() if d.source.endswith("dogs.txt"))
    written = shard_of(doc_id, SHARDS)
    for k in range(SHARDS):
        same_files = all(
            (after / XAPIAN_DIR / f.relative_to(before / XAPIAN_DIR)).stat().st_ino == f.stat().st_ino
            for f in shard_path(before, k).iterdir()
        )
        assert same_files == (k != written), k
        assert table.shard_builds[k] == (after.name if k == written else before.name)
    whoosh, xapian = OpenIndex.open(after, "whoosh"), OpenIndex.open(after, "xapian", [])
    try:
        assert _answer(xapian, "犬绳")["hits"][0][0] == doc_id
        for q in ("犬绳", "法治政府建设", "食品安全法"):
            assert _answer(xapian, q) == _answer(whoosh, q)
    finally:
        whoosh.close()
        xapian.close()


# --- served by shard servers ------------------------------------------------------------------------------


@pytest.fixture()
def servers(sharded):
    with ShardServers(sharded, SHARDS) as running:
        yield running


def _xapian_app(root: Path, servers: ShardServers, monkeypatch):
    monkeypatch.setenv("GOVLAW_BACKEND", "xapian")
    monkeypatch.setenv("GOVLAW_SHARDS", servers.env)
    return create_app({"INDEX": str(root), "TESTING": True, "WARM_SECONDS": 0})


def _api(client, q: str) -> tuple[int, dict]:
    r = client.get("/api/search", query_string={"q": q})
    return r.status_code, r.get_json()


def test_the_service_answers_from_shard_servers_as_from_whoosh(sharded, servers, monkeypatch):
    whoosh = create_app({"INDEX": str(sharded), "TESTING": True, "WARM_SECONDS": 0}).test_client()
    xapian = _xapian_app(sharded, servers, monkeypatch).test_client()
    for q in QUERIES:
        status, body = _api(xapian, q)
        assert status == 200, body
        expected = _api(whoosh, q)[1]
        assert [h["id"] for h in body["hits"]] == [h["id"] for h in expected["hits"]], q
        assert [h["score"] for h in body["hits"]] == [h["score"] for h in expected["hits"]], q
        assert body["total"] == expected["total"] and body["facets"] == expected["facets"], q


def test_a_shard_down_is_a_503_naming_it_and_the_service_recovers(sharded, servers, monkeypatch):
    client = _xapian_app(sharded, servers, monkeypatch).test_client()
    status, before = _api(client, "法治政府建设")
    assert status == 200 and before["total"] == 5
    servers.kill(1)
    started = time.monotonic()
    # (Another query: what a build has read from all its shards is remembered, and answers without them.)
    status, body = _api(client, "依法行政")
    elapsed = time.monotonic() - started
    assert status == 503
    assert f"shard-01 (127.0.0.1:{servers.ports[1]})" in body["error"]
    assert "shard-00" not in body["error"] and "shard-02" not in body["error"]
    assert elapsed < 2.0
    page = client.get("/", query_string={"q": "依法行政"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "2"
    servers.start(1)
    status, after = _api(client, "依法行政")
    assert status == 200 and after["total"] == 5


def test_a_shard_serving_another_build_is_refused(tmp_path, monkeypatch):
    """Shards whose build is not the service's: a 503 naming them, never an answer mixing two builds."""
    sources = _fixture_sources(tmp_path / "src")
    service_root, shard_root = tmp_path / "service", tmp_path / "shards"
    build_index(sources, service_root, shards=SHARDS, **INDEX_OPTIONS)
    build_index(sources, shard_root, shards=SHARDS, **INDEX_OPTIONS)  # the same files, another build
    with ShardServers(shard_root, SHARDS) as running:
        client = _xapian_app(service_root, running, monkeypatch).test_client()
        status, body = _api(client, "法治政府建设")
    assert status == 503
    assert "serve another build" in body["error"]
    assert all(f"shard-0{k}" in body["error"] for k in range(SHARDS))


def test_a_build_switch_under_load_serves_every_request_from_one_build(tmp_path, monkeypatch):
    sources = _fixture_sources(tmp_path / "src")
    root = tmp_path / "index"
    build_index(sources, root, shards=SHARDS, **INDEX_OPTIONS)
    first = current_build_path(root).name
    running = ShardServers(root, SHARDS).__enter__()
    app = _xapian_app(root, running, monkeypatch)
    seen: list[tuple[int, str | None, int]] = []
    stop = threading.Event()

    def ask() -> None:
        client = app.test_client()
        while not stop.is_set():
            status, body = _api(client, "法治政府建设")
            seen.append((status, body.get("build"), body.get("total", -1)))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        time.sleep(0.5)
        dogs = "某市关于在法治政府建设中加强犬只管理的通告\n\n法治政府建设要求出户时系犬绳。\n"
        (sources[1] / "notice" / "dogs.txt").write_text(dogs, "utf-8")
        report = update_index(sources, root, UpdateOptions(workers=1, gate_sample=0))
        assert report.status == "published", report.message
        second = report.build_id
        deadline = time.monotonic() + 20
        while not any(b == second for _, b, _ in seen[-8:]) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
        running.stop()
    assert {status for status, _, _ in seen} == {200}
    totals = {build: {t for _, b, t in seen if b == build} for build in (first, second)}
    assert {b for _, b, _ in seen} == {first, second}
    # One build, one answer: the first build's requests found 5 documents, the second's the added one too.
    assert totals == {first: {5}, second: {6}}


def test_govlaw_shard_says_what_is_missing_and_where_it_listens(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from search.shard import cli, served_path, tcpsrv_command

    result = CliRunner().invoke(cli, ["--index", str(tmp_path), "--shard", "1", "--tcpsrv", "no-such-tcpsrv"])
    assert result.exit_code == 1
    assert "no-such-tcpsrv not found: install xapian-tools" in result.output
    assert served_path(tmp_path, 2) == tmp_path / "current" / "xapian" / "shard-02"
    command = tcpsrv_command("/usr/bin/xapian-tcpsrv", tmp_path, 2, "0.0.0.0", 7702)
    assert command[:5] == ["/usr/bin/xapian-tcpsrv", "--port", "7702", "--interface", "0.0.0.0"]
    assert command[-1] == str(tmp_path / "current" / "xapian" / "shard-02")
    monkeypatch.setenv("GOVLAW_SHARD_PORT_BASE", "http")
    result = CliRunner().invoke(cli, ["--index", str(tmp_path), "--shard", "1"])
    assert result.exit_code == 2 and "GOVLAW_SHARD_PORT_BASE='http' is not a port number" in result.output


def test_govlaw_shard_waits_for_a_build_holding_its_shard(tmp_path):
    """Started before any build is published, a shard server begins serving once one is."""
    port = free_port()
    root = tmp_path / "index"
    cmd = [sys.executable, "-m", "search.shard", "--index", str(root), "--shard", "0", "--port", str(port)]
    cmd += ["--log-format", "text"]
    proc = subprocess.Popen(cmd, process_group=0, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        assert proc.poll() is None
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing to serve yet
        build_index([SEEDS], root, shards=1, **INDEX_OPTIONS)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the shard server did not start once a build was published")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "shard.waiting" in err and f"shard.serving shard=0 build={current_build_path(root).name}" in err


def test_an_update_can_change_the_number_of_shards_or_drop_them(tmp_path):
    sources = _fixture_sources(tmp_path / "src")
    root = tmp_path / "index"
    build_index(sources, root, shards=SHARDS, **INDEX_OPTIONS)
    (sources[1] / "notice" / "dogs.txt").write_text("某市关于加强犬只管理的通告\n\n出户时系犬绳。\n", "utf-8")
    report = update_index(sources, root, UpdateOptions(workers=1, gate_sample=0, shards=2))
    assert report.status == "published", report.message
    build = current_build_path(root)
    table = RecordTable.load(build / XAPIAN_DIR)
    assert table.shards == 2 and table.shard_builds == (build.name, build.name)
    assert sorted(p.name for p in (build / XAPIAN_DIR).glob("shard-*")) == ["shard-00", "shard-01"]
    whoosh, xapian = OpenIndex.open(build, "whoosh"), OpenIndex.open(build, "xapian", [])
    try:
        assert _answer(xapian, "犬绳") == _answer(whoosh, "犬绳") and _answer(xapian, "犬绳")["total"] == 1
    finally:
        whoosh.close()
        xapian.close()
    (sources[1] / "notice" / "dogs.txt").unlink()
    report = update_index(sources, root, UpdateOptions(workers=1, gate_sample=0, backend="whoosh"))
    assert report.status == "published", report.message
    build = current_build_path(root)
    assert not (build / XAPIAN_DIR).exists()
    assert "xapian" not in json.loads((build / "manifest.json").read_text("utf-8"))


def test_the_command_line_takes_the_backend_and_its_shards(tmp_path):
    from click.testing import CliRunner

    from indexer.cli import cli

    root = tmp_path / "index"
    result = CliRunner().invoke(cli, ["build", str(SEEDS), "--index", str(root), "--shards", "2", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "(2 Xapian shards:" in result.output
    assert json.loads((current_build_path(root) / "manifest.json").read_text("utf-8"))["xapian"]["shards"] == 2
    result = CliRunner().invoke(
        cli, ["build", str(SEEDS), "--index", str(root), "--backend", "whoosh", "--shards", "2"]
    )
    assert result.exit_code == 2 and "--shards is for --backend xapian" in result.output


def test_the_posting_cache_is_configured_in_megabytes(monkeypatch):
    from search.xapian_backend import postings_cache_bytes

    monkeypatch.delenv("GOVLAW_XAPIAN_CACHE_MB", raising=False)
    assert postings_cache_bytes() == 64 * 1024 * 1024
    monkeypatch.setenv("GOVLAW_XAPIAN_CACHE_MB", "512")
    assert postings_cache_bytes() == 512 * 1024 * 1024
    monkeypatch.setenv("GOVLAW_XAPIAN_CACHE_MB", "lots")
    with pytest.raises(BackendConfigError, match="GOVLAW_XAPIAN_CACHE_MB='lots': a number of megabytes"):
        postings_cache_bytes()


def test_nodes_holding_only_their_part_of_a_build_answer_as_one_machine(sharded, tmp_path, monkeypatch):
    """The layout of several machines (README): a service node with the build but its Whoosh index and shards,
    and a node per shard with the manifest and that shard alone."""
    build = current_build_path(sharded)

    def node(name: str, keep) -> Path:
        root = tmp_path / name
        for f in build.rglob("*"):
            rel = f.relative_to(build)
            if f.is_file() and keep(rel):
                (root / "builds" / build.name / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, root / "builds" / build.name / rel)
        (root / "current").symlink_to(Path("builds") / build.name)
        return root

    service = node("service", lambda rel: not rel.name.startswith(("MAIN_", "_MAIN_")) and "shard-" not in str(rel))
    assert not list((current_build_path(service)).glob("*MAIN_*"))
    shard_nodes = [
        node(f"shard{k}", lambda rel, k=k: rel.name == "manifest.json" or rel.parts[:2] == ("xapian", f"shard-0{k}"))
        for k in range(SHARDS)
    ]
    servers = []
    try:
        for k, root in enumerate(shard_nodes):
            running = ShardServers(root, SHARDS)  # ports for every shard; only shard k is started here
            running.start(k)
            servers.append(running)
        monkeypatch.setenv("GOVLAW_BACKEND", "xapian")
        monkeypatch.setenv("GOVLAW_SHARDS", ",".join(f"127.0.0.1:{s.ports[k]}" for k, s in enumerate(servers)))
        client = create_app({"INDEX": str(service), "TESTING": True, "WARM_SECONDS": 0}).test_client()
        whoosh = create_app({"INDEX": str(sharded), "TESTING": True, "WARM_SECONDS": 0}).test_client()
        for q in ("法治政府建设", "食品安全法第二条", '"一网通办"'):
            status, body = _api(client, q)
            assert status == 200, body
            assert [h["id"] for h in body["hits"]] == [h["id"] for h in _api(whoosh, q)[1]["hits"]]
    finally:
        for running in servers:
            running.stop()


def test_a_shard_that_hangs_is_a_503_naming_it_within_two_seconds(sharded, servers, monkeypatch):
    """A shard whose machine stops answering (its server stopped, connections left open)."""
    client = _xapian_app(sharded, servers, monkeypatch).test_client()
    assert _api(client, "法治政府建设")[0] == 200
    proc = servers.procs[2]
    assert proc is not None
    tcpsrv = int(
        subprocess.run(["pgrep", "-P", str(proc.pid)], check=True, capture_output=True, text=True).stdout.split()[0]
    )
    os.killpg(tcpsrv, signal.SIGSTOP)
    try:
        started = time.monotonic()
        status, body = _api(client, "依法行政")
        elapsed = time.monotonic() - started
    finally:
        os.killpg(tcpsrv, signal.SIGCONT)
    assert status == 503 and f"shard-02 (127.0.0.1:{servers.ports[2]})" in body["error"]
    assert "shard-00" not in body["error"] and "shard-01" not in body["error"]
    assert elapsed < 2.0
    status, body = _api(client, "依法行政")
    assert status == 200 and body["total"] == 5
