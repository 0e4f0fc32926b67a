"""/quality and /api/quality: per source folder what was indexed and what failed, and the last runs' gates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer import build as indexer_build
from indexer import update as indexer_update
from indexer.gate import GateQuery
from indexer.update import UpdateOptions, update_index
from search import quality as search_quality
from tests.conftest import SEED_001, SEED_004, SEEDS
from web.app import create_app

GOLDEN = GateQuery("郑政文〔2017〕60号", SEED_004, "file:gate.jsonl:1")
MISSED = GateQuery("量子纠缠", SEED_004, "file:gate.jsonl:2")
SCAN = (
    "---\ntitle: 某县扫描件\ndate: 2020-01-02\nissuer: 某县人民政府\nocr: true\n---\n某县扫描件\n\n扫描识别的正文。\n"
)


def test_the_web_reads_the_files_the_indexer_writes():
    assert search_quality.ERRORS_FILE == indexer_build.ERRORS_FILE
    assert search_quality.HISTORY_FILE == indexer_build.HISTORY_FILE
    assert search_quality.LAST_RUN_FILE == indexer_update.LAST_RUN_FILE
    assert search_quality.REPORT_FILE == indexer_update.REPORT_FILE


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, list]:
    """Three update runs: the first publishes (an empty file fails), the second publishes a change, the third is
    refused by its gate."""
    tmp = tmp_path_factory.mktemp("quality")
    src = tmp / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    (src / "empty.txt").write_bytes(b"")
    (tmp / "src" / "scans").mkdir()
    (tmp / "src" / "scans" / "a.txt").write_text(SCAN, "utf-8")
    root = tmp / "index"
    sources = [src, tmp / "src" / "scans"]
    reports = [update_index(sources, root, UpdateOptions(workers=1, progress=False, gate_queries=(GOLDEN,)))]
    changed = src / SEED_001.split("/")[1]
    changed.write_text(changed.read_text("utf-8") + "\n补充一段。\n", "utf-8")
    reports.append(update_index(sources, root, UpdateOptions(workers=1, progress=False, gate_queries=(GOLDEN,))))
    changed.write_text(changed.read_text("utf-8") + "\n再补充一段。\n", "utf-8")
    reports.append(update_index(sources, root, UpdateOptions(workers=1, progress=False, gate_queries=(GOLDEN, MISSED))))
    assert [r.status for r in reports] == ["published", "published", "refused"]
    return root, reports


def test_quality_per_folder(runs):
    root, reports = runs
    client = create_app({"INDEX": str(root), "TESTING": True}).test_client()
    r = client.get("/api/quality")
    assert r.status_code == 200 and r.headers["X-Govlaw-Build"] == reports[1].build_id
    body = r.get_json()
    manifest = json.loads((root / "current" / "manifest.json").read_text("utf-8"))
    assert (body["build_id"], body["documents"], body["sections"], body["failed"]) == (
        reports[1].build_id,
        6,
        manifest["sections"],
        1,
    )
    scans, seeds = body["folders"]
    assert (scans["folder"], scans["documents"], scans["sections"], scans["ocr"], scans["failed"]) == (
        "scans",
        1,
        1,
        1,
        [],
    )
    assert scans["share"] == {"issuer": 1.0, "date": 1.0, "doc_number": 0.0, "status": 0.0}
    assert (seeds["folder"], seeds["documents"], seeds["ocr"], seeds["failed_total"]) == ("seeds", 5, 0, 1)
    assert seeds["with"] == {"issuer": 4, "date": 4, "doc_number": 2, "status": 1}
    assert seeds["share"] == {"issuer": 0.8, "date": 0.8, "doc_number": 0.4, "status": 0.2}
    assert seeds["failed"] == [{"source": "seeds/empty.txt", "stage": "empty", "reason": "the file is empty (0 bytes)"}]
    assert str(root.parent) not in r.get_data(as_text=True)  # no place on the server


def test_the_last_runs_with_their_gates(runs):
    root, reports = runs
    client = create_app({"INDEX": str(root), "TESTING": True}).test_client()
    refused, second, first = client.get("/api/quality").get_json()["runs"]
    assert [(x["build_id"], x["status"], x["served"], x["gate_passed"]) for x in (refused, second, first)] == [
        (reports[2].build_id, "refused", False, False),
        (reports[1].build_id, "published", True, True),
        (reports[0].build_id, "published", False, True),
    ]
    assert (refused["golden_passed"], refused["golden_failed"], refused["titles_failed"]) == (1, 1, 0)
    assert refused["reasons"] == [
        "query '量子纠缠' (file:gate.jsonl:2) does not find seeds/004_bcf532dea3b7f34c.txt in the first 10 hits"
    ]
    assert (second["golden_passed"], second["titles_passed"], second["titles_failed"]) == (
        1,
        5,
        0,
    )  # the unchanged documents
    assert [(c["kind"], c["q"], c["rank"]) for c in second["checks"][:2]] == [
        ("golden", "郑政文〔2017〕60号", 1),
        ("title", second["checks"][1]["q"], 1),
    ]
    assert all(x["time"] and x["time"].endswith("+00:00") for x in (refused, second, first))
    page = client.get("/quality").get_data(as_text=True)
    assert "seeds/empty.txt" in page and "the file is empty (0 bytes)" in page
    assert f'<code>{reports[1].build_id}</code> <span class="badge">当前</span>' in page
    assert client.get("/quality?x=1").status_code == 400


def test_the_answer_matches_the_openapi_document(runs):
    from tests.web.test_openapi import assert_valid
    from web.openapi import openapi_document

    root, _ = runs
    client = create_app({"INDEX": str(root), "TESTING": True}).test_client()
    assert_valid(openapi_document(), "Quality", client.get("/api/quality").get_json())
