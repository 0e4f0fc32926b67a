"""/changes and /api/changes: the change log the indexer writes, read back by the web app."""

from __future__ import annotations

import json
import shutil

import pytest

from indexer import changes as indexer_changes
from indexer.changes import append_changes, last_logged_build
from indexer.update import UpdateOptions, update_index
from search import changelog
from search.changelog import Change
from tests.conftest import SEED_001, SEEDS
from web import changes as web_changes
from web.app import create_app


def entry(n: int, kind: str = "new", build: str = "b1") -> Change:
    return Change(f"2026-01-01T00:00:{n:02d}+00:00", build, kind, f"seeds/{n:03d}.txt", f"id{n}", f"h{n}", "", "")


def test_the_web_reads_the_file_the_indexer_writes():
    assert indexer_changes.Change is web_changes.Change is Change
    assert indexer_changes.CHANGES_FILE == changelog.CHANGES_FILE == "changes.jsonl"
    assert set(web_changes.KIND_LABELS) == set(changelog.KINDS)
    assert set(web_changes.PRIVATE_FIELDS) < set(Change.__dataclass_fields__)


@pytest.fixture()
def updated(tmp_path):
    src = tmp_path / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    root = tmp_path / "index"
    update_index([src], root, UpdateOptions(workers=1, progress=False))
    path = src / SEED_001.split("/")[1]
    path.write_text(path.read_text("utf-8") + "\n补充一段。\n", "utf-8")
    report = update_index([src], root, UpdateOptions(workers=1, progress=False))
    return root, report


def test_api_changes_lists_the_last_run_first(updated):
    root, report = updated
    client = create_app({"INDEX": str(root), "TESTING": True}).test_client()
    r = client.get("/api/changes", query_string={"limit": 2})
    assert r.status_code == 200 and r.headers["X-Govlaw-Build"] == report.build_id
    body = r.get_json()
    assert body["limit"] == 2 and body["count"] == 2
    first = body["changes"][0]
    assert (first["kind"], first["kind_label"], first["source"], first["build_id"], first["in_index"]) == (
        "changed",
        "修改",
        SEED_001,
        report.build_id,
        True,
    )
    assert first["content_hash"] != first["previous_hash"] != ""
    assert body["changes"][1]["kind"] == "new"
    assert client.get("/api/changes").get_json()["count"] == 6


def test_changes_page_is_chinese_and_links_documents(updated):
    root, report = updated
    client = create_app({"INDEX": str(root), "TESTING": True}).test_client()
    r = client.get("/changes")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["X-Govlaw-Build"] == report.build_id
    assert "索引更新记录" in html and "修改" in html and "新增" in html
    assert f">{SEED_001}</a>" in html and 'href="/doc/' in html
    assert "<script>" not in html.split("<main")[1]


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x", "limit=1&limit=2x", "other=1"])
def test_bad_limits_are_400(tmp_path, query):
    client = create_app({"INDEX": str(tmp_path), "TESTING": True}).test_client()
    r = client.get(f"/api/changes?{query}")
    assert r.status_code == 400 and r.get_json()["status"] == 400
    assert client.get(f"/changes?{query}").status_code == 400


def test_no_log_yet_is_an_empty_list(tmp_path):
    client = create_app({"INDEX": str(tmp_path), "TESTING": True}).test_client()
    assert client.get("/api/changes").get_json() == {"limit": 100, "count": 0, "changes": []}
    assert "尚无更新记录" in client.get("/changes").get_data(as_text=True)


def test_the_log_rotates_and_the_reader_spans_the_rotation(tmp_path):
    for n in range(10):
        append_changes(tmp_path, [entry(n, build=f"b{n}")], max_bytes=400, rotated=2)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["changes.jsonl", "changes.jsonl.1", "changes.jsonl.2"]
    assert sum(len(p.read_text().splitlines()) for p in tmp_path.iterdir()) < 10  # the oldest went
    assert last_logged_build(tmp_path) == "b9"
    got = changelog.read_changes(tmp_path, 4)
    assert [c.build_id for c in got] == ["b9", "b8", "b7", "b6"]


def test_tail_lines_reads_a_long_log_from_its_end(tmp_path, monkeypatch):
    monkeypatch.setattr(changelog, "TAIL_BLOCK", 100)
    (tmp_path / "changes.jsonl").write_text(
        "".join(json.dumps(entry(n).to_dict()) + "\n" for n in range(50)) + "not json\n"
    )
    got = changelog.read_changes(tmp_path, 3)
    assert [c.source for c in got] == ["seeds/049.txt", "seeds/048.txt"]  # the broken line is skipped


def test_lines_that_are_not_changes_are_skipped_and_missing_fields_read_empty():
    assert changelog.parse_line("[1, 2]") is None and changelog.parse_line("{") is None
    assert changelog.parse_line('{"kind": "rollback", "build_id": "b2", "note": null}') == Change(
        "", "b2", "rollback", "", "", "", "", "", ""
    )


def test_an_entry_shows_every_field_of_the_change_but_the_path_on_the_server(tmp_path):
    append_changes(
        tmp_path,
        [
            Change("t", "b1", "changed", "seeds/a.txt", "d1", "h2", "h1", "/srv/src/a.txt"),
            Change("t", "b1", "removed", "seeds/b.txt", "d2", "", "h3", "/srv/src/b.txt"),
        ],
    )
    got = [e.to_dict() for e in web_changes.change_entries(tmp_path, 10, {"d1", "d2"})]
    assert got == [
        {
            "time": "t",
            "build_id": "b1",
            "kind": "removed",
            "source": "seeds/b.txt",
            "doc_id": "d2",
            "content_hash": "",
            "previous_hash": "h3",
            "note": "",
            "kind_label": "删除",
            "in_index": False,
        },
        {
            "time": "t",
            "build_id": "b1",
            "kind": "changed",
            "source": "seeds/a.txt",
            "doc_id": "d1",
            "content_hash": "h2",
            "previous_hash": "h1",
            "note": "",
            "kind_label": "修改",
            "in_index": True,
        },
    ]
