"""`indexer update`: only new, changed and removed files are read again; the gate; the lock; rollback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.build import build_index, prune_builds, read_history, root_lock
from indexer.changes import CHANGES_FILE
from indexer.update import LAST_RUN_FILE, UpdateOptions, plan_changes, update_index
from search.engine import run_search
from search.index import BUILDS_DIR, MANIFEST_FILE, OpenIndex, current_build_path
from search.params import params_from
from tests.conftest import ROOT, SEED_001, SEED_003, SEEDS

CHANGED_TERM = "量子纠缠治理试点"
NEW_SOURCE = "seeds/010_new.txt"
NEW_TEXT = "关于开展星际航行法治宣传的通知\n\n各区县人民政府：\n\n一、星际航行法治宣传要求\n请于年底前完成。\n"
QUERIES = ("法治政府", "放管服", CHANGED_TERM, "星际航行", "征求意见稿", "郑政文〔2017〕60号")
# Plenty for five seeds; the defaults of the gate are for a real corpus.
OPTIONS = UpdateOptions(workers=1, progress=False)


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args, "--log-format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _answer(opened: OpenIndex, q: str) -> tuple[str, ...]:
    """The sources a query finds, in order; as a set for a query found only word by word (征求意见稿 in the seeds).
    Such a query is ranked as a question, its first documents ordered by a model that weighs their scores against
    breadth, and an updated build's scores differ from a full build's by the statistics of the records it marked
    deleted (counted until a merge drops them): two documents the model holds nearly equal may change places."""
    result = run_search(opened, params_from(q=q))
    sources = tuple(h.source for h in result.hits)
    return tuple(sorted(sources)) if result.query.notes else sources


def snapshot(root: Path) -> tuple:
    """What the served build answers: every (source, content hash) and the hits of a few queries."""
    opened = OpenIndex.open(current_build_path(root))
    try:
        docs = tuple(sorted((m.source, m.content_hash) for m in opened.docs.values()))
        hits = tuple(_answer(opened, q) for q in QUERIES)
        assert opened.ix.doc_count() == sum(len(opened.sections_of(d)) for d in opened.docs)
        return docs, hits
    finally:
        opened.close()


def finished(root: Path) -> list[str]:
    return sorted(p.name for p in (root / BUILDS_DIR).iterdir())


def change_sources(src: Path) -> None:
    """One changed file and one new file."""
    path = src / Path(SEED_001).name
    path.write_text(path.read_text("utf-8") + f"\n补充：{CHANGED_TERM}工作进展顺利。\n", "utf-8")
    (src / Path(NEW_SOURCE).name).write_text(NEW_TEXT, "utf-8")


@pytest.fixture()
def corpus(tmp_path) -> tuple[Path, Path]:
    """A copy of the seeds (the folder is named `seeds`, like the sources of the seed index) and an index of it."""
    src = tmp_path / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    root = tmp_path / "index"
    report = update_index([src], root, OPTIONS)
    assert report.status == "published" and report.mode == "full" and len(report.new) == 5
    return src, root


def test_plan_changes_sorts_files_into_new_changed_removed_and_unchanged():
    manifest = {
        "files": {"a/1": "h1", "a/2": "h2", "a/3": "h3", "a/4": "h4"},
        "operator": {"a/4": "m1"},
        "failed": {"a/5": "h5", "a/6": "h6"},
    }
    found = {
        "a/1": ("h1", ""),
        "a/2": ("h2x", ""),
        "a/4": ("h4", "m2"),
        "a/5": ("h5", ""),
        "a/6": ("h6x", ""),
        "a/7": ("h7", ""),
        "a/8": ("", ""),
    }
    plan = plan_changes(found, manifest)
    assert plan.unchanged == ("a/1",)
    assert plan.changed == ("a/2", "a/4")  # content, operator metadata
    assert plan.removed == ("a/3",)
    assert plan.still_failing == ("a/5",)
    assert plan.new == ("a/6", "a/7", "a/8")  # a failed file that changed is tried again; so is an unreadable one


def test_unchanged_corpus_is_a_no_op(corpus):
    src, root = corpus
    before = finished(root)
    served = current_build_path(root)
    report = update_index([src], root, OPTIONS)
    assert report.status == "unchanged" and report.build_id is None
    assert (len(report.new), len(report.changed), len(report.removed), report.reprocessed) == (0, 0, 0, ())
    assert finished(root) == before and current_build_path(root) == served
    last = json.loads((root / LAST_RUN_FILE).read_text("utf-8"))
    assert last["status"] == "unchanged" and last["counts"]["changed"] == 0 and last["counts"]["reprocessed"] == 0


def test_one_changed_file_is_the_only_one_read_again(corpus):
    src, root = corpus
    path = src / Path(SEED_001).name
    path.write_text(path.read_text("utf-8") + "\n补充。\n", "utf-8")
    builds = finished(root)
    dry = run_cli("update", str(src), "--index", str(root), "--dry-run")
    assert dry.returncode == 0 and dry.stdout.splitlines()[0] == f"changed\t{SEED_001}"
    assert finished(root) == builds
    report = update_index([src], root, OPTIONS)
    assert report.status == "published" and report.mode == "incremental"
    assert report.reprocessed == (SEED_001,) and report.changed == (SEED_001,)
    assert report.to_dict()["counts"] == {
        "files": 5,
        "new": 0,
        "changed": 1,
        "removed": 0,
        "failed": 0,
        "reprocessed": 1,
    }


def test_a_whoosh_build_updates_where_xapian_is_not_installed(corpus, monkeypatch):
    # Xapian is an optional extra: `scripts/serve` installs none, and its nightly update must still publish.
    src, root = corpus
    monkeypatch.setitem(sys.modules, "xapian", None)  # `import xapian` raises ImportError
    for name in ("indexer.shards", "search.xapian_backend"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    change_sources(src)
    report = update_index([src], root, OPTIONS)
    assert (report.status, report.mode, report.message) == ("published", "incremental", "")
    assert "indexer.shards" not in sys.modules


def test_only_the_changed_and_new_files_are_read_again(corpus):
    src, root = corpus
    change_sources(src)
    report = update_index([src], root, OPTIONS)
    assert report.status == "published" and report.mode == "incremental"
    assert report.changed == (SEED_001,) and report.new == (NEW_SOURCE,) and report.removed == ()
    assert sorted(report.reprocessed) == [SEED_001, NEW_SOURCE]
    assert current_build_path(root).name == report.build_id
    opened = OpenIndex.open(current_build_path(root))
    try:
        assert [h.source for h in run_search(opened, params_from(q=CHANGED_TERM)).hits] == [SEED_001]
        assert [h.source for h in run_search(opened, params_from(q="星际航行")).hits] == [NEW_SOURCE]
        assert len(opened.docs) == 6
    finally:
        opened.close()
    in_build = json.loads((current_build_path(root) / "report.json").read_text("utf-8"))
    assert in_build["status"] == "published" and in_build["counts"]["reprocessed"] == 2
    log = [json.loads(line) for line in (root / CHANGES_FILE).read_text("utf-8").splitlines()]
    mine = [(c["kind"], c["source"]) for c in log if c["build_id"] == report.build_id]
    assert mine == [("changed", SEED_001), ("new", NEW_SOURCE)]
    changed = next(c for c in log if c["build_id"] == report.build_id and c["kind"] == "changed")
    assert changed["previous_hash"] and changed["content_hash"] != changed["previous_hash"]
    assert changed["path"] == str(src / Path(SEED_001).name)


def test_an_update_answers_like_a_full_build_of_the_same_files(corpus, tmp_path):
    src, root = corpus
    change_sources(src)
    (src / Path(SEED_003).name).unlink()
    assert update_index([src], root, UpdateOptions(workers=1, progress=False, min_ratio=0.5)).status == "published"
    fresh = tmp_path / "fresh"
    build_index([src], fresh, workers=1, progress=False)
    assert snapshot(root) == snapshot(fresh)
    a = OpenIndex.open(current_build_path(root))
    b = OpenIndex.open(current_build_path(fresh))
    try:
        for doc_id in b.docs:
            doc = b.store.get(doc_id)
            assert a.store.get(doc_id) == doc
            # Every section as a hit reads it, from the sections table of the updated store too.
            ids = [s.anchor for s in doc.sections]
            assert (
                a.store.sections(doc_id, ids)
                == b.store.sections(doc_id, ids)
                == [(s, doc.section_text(s)) for s in doc.sections]
            )
        assert a.docs == b.docs
        ma, mb = a.manifest, b.manifest
        # The seeds' build was written by Whoosh's writer (one worker), the update's segment by the bulk writer.
        assert (ma["writer"], mb["writer"]) == ("bulk+whoosh", "whoosh")
        assert {k: ma[k] for k in ("documents", "sections", "files", "operator", "failed", "pipeline")} == {
            k: mb[k] for k in ("documents", "sections", "files", "operator", "failed", "pipeline")
        }
    finally:
        a.close()
        b.close()


def test_a_removed_file_disappears_from_results(corpus):
    src, root = corpus
    opened = OpenIndex.open(current_build_path(root))
    assert SEED_003 in [h.source for h in run_search(opened, params_from(q="征求意见稿")).hits]
    opened.close()
    (src / Path(SEED_003).name).unlink()
    report = update_index([src], root, UpdateOptions(workers=1, progress=False, min_ratio=0.5))
    assert report.status == "published" and report.removed == (SEED_003,) and report.reprocessed == ()
    opened = OpenIndex.open(current_build_path(root))
    try:
        assert SEED_003 not in [h.source for h in run_search(opened, params_from(q="征求意见稿")).hits]
        assert SEED_003 not in {m.source for m in opened.docs.values()}
        assert SEED_003 not in opened.manifest["files"]
    finally:
        opened.close()


def test_a_changed_operator_metadata_row_reads_the_file_again(corpus):
    src, root = corpus
    name = Path(SEED_003).name
    (src / "metadata.jsonl").write_text(json.dumps({"path": name, "status": "repealed"}) + "\n", "utf-8")
    report = update_index([src], root, OPTIONS)
    assert report.changed == (SEED_003,) and report.reprocessed == (SEED_003,)
    opened = OpenIndex.open(current_build_path(root))
    try:
        assert next(m for m in opened.docs.values() if m.source == SEED_003).status == "repealed"
    finally:
        opened.close()


def test_a_file_that_fails_is_reported_and_not_retried_until_it_changes(corpus):
    src, root = corpus
    bad = src / "011_empty.txt"
    bad.write_text("   \n", "utf-8")
    first = update_index([src], root, OPTIONS)
    assert first.status == "published" and [e.source for e in first.failed] == ["seeds/011_empty.txt"]
    again = update_index([src], root, OPTIONS)
    assert again.status == "unchanged" and again.reprocessed == ()
    errors = (current_build_path(root) / "errors.jsonl").read_text("utf-8")
    assert "seeds/011_empty.txt" in errors
    bad.write_text("关于修复空白文件的通知\n\n内容已补全。\n", "utf-8")
    fixed = update_index([src], root, OPTIONS)
    assert fixed.new == ("seeds/011_empty.txt",) and fixed.failed == ()


def test_changed_indexing_code_reads_every_file_again(corpus):
    src, root = corpus
    manifest_path = current_build_path(root) / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["pipeline"] = "older-code"
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    report = update_index([src], root, OPTIONS)
    assert report.status == "published" and report.mode == "full" and len(report.reprocessed) == 5
    assert report.changed == report.new == report.removed == ()


def test_the_gate_refuses_a_build_that_lost_too_many_documents(corpus):
    src, root = corpus
    served, before, builds = current_build_path(root), snapshot(root), finished(root)
    for name in sorted(os.listdir(src))[:2]:
        (src / name).unlink()
    result = run_cli("update", str(src), "--index", str(root), "--min-ratio", "0.9")
    assert result.returncode == 3, result.stderr
    assert "refused" in result.stdout and "fewer than 90%" in result.stdout
    assert current_build_path(root) == served and snapshot(root) == before and finished(root) == builds
    last = json.loads((root / LAST_RUN_FILE).read_text("utf-8"))
    assert last["status"] == "refused" and last["gate"]["passed"] is False
    events = [json.loads(line) for line in result.stderr.splitlines()]  # every line is one JSON object
    assert any(e["event"] == "gate.done" and e["passed"] is False for e in events)
    assert events[-1]["level"] == "error" and "quality gate refused" in events[-1]["message"]


def test_golden_queries_must_find_their_document(corpus, tmp_path):
    src, root = corpus
    change_sources(src)
    gate = tmp_path / "gate.jsonl"
    gate.write_text(json.dumps({"q": "星际航行", "expect_source": SEED_003}, ensure_ascii=False) + "\n", "utf-8")
    refused = run_cli("update", str(src), "--index", str(root), "--gate-queries", str(gate))
    assert refused.returncode == 3 and "星际航行" in refused.stdout
    gate.write_text(
        json.dumps({"q": "星际航行", "expect_source": NEW_SOURCE}, ensure_ascii=False)
        + "\n"
        + "# a comment\n"
        + json.dumps({"q": "郑政文[2017]60号", "expect_source": "seeds/004_bcf532dea3b7f34c.txt"}, ensure_ascii=False)
        + "\n",
        "utf-8",
    )
    report = tmp_path / "report.json"
    done = run_cli("update", str(src), "--index", str(root), "--gate-queries", str(gate), "--report", str(report))
    assert done.returncode == 0, done.stderr
    gate_result = json.loads(report.read_text("utf-8"))["gate"]
    assert gate_result["passed"] and [c["rank"] for c in gate_result["checks"][:2]] == [1, 1]
    gate.write_text('{"q": "x"}\n', "utf-8")
    bad = run_cli("update", str(src), "--index", str(root), "--gate-queries", str(gate))
    assert bad.returncode == 1 and f"{gate}:1" in bad.stderr


def test_the_default_gate_searches_titles_of_unchanged_documents(corpus):
    src, root = corpus
    change_sources(src)
    report = update_index([src], root, OPTIONS)
    titles = [c for c in report.gate.checks if c.origin == "title"]
    assert titles and all(c.hit for c in titles)
    assert SEED_001 not in {c.expect_source for c in titles}  # changed documents may change their title


def test_a_second_run_is_refused_while_one_holds_the_lock(corpus):
    src, root = corpus
    with root_lock(root):
        result = run_cli("update", str(src), "--index", str(root))
        rolled = run_cli("rollback", "--index", str(root))
    assert result.returncode == 2 and "another build holds the lock" in result.stderr
    assert rolled.returncode == 2


def test_a_run_removes_what_a_crashed_run_left(corpus):
    src, root = corpus
    served = current_build_path(root)
    leftovers = [
        root / BUILDS_DIR / ".tmp-20260101T000000000Z-dead",
        root / ".current-20260101T000000000Z-dead",
        root / ".history.json.123.tmp",
    ]
    leftovers[0].mkdir()
    leftovers[1].symlink_to(served)
    leftovers[2].write_text("{", "utf-8")
    report = update_index([src], root, OPTIONS)
    assert report.status == "unchanged" and report.recovered["stale_builds_removed"] == 1
    assert not any(p.exists() or p.is_symlink() for p in leftovers)
    assert current_build_path(root) == served


def test_a_missing_source_folder_fails_and_leaves_the_index(corpus, tmp_path):
    _, root = corpus
    served = current_build_path(root)
    result = run_cli("update", str(tmp_path / "unmounted"), "--index", str(root))
    assert result.returncode == 1 and "is missing or not a folder" in result.stderr
    assert current_build_path(root) == served


def test_a_wrong_command_line_is_not_the_lock_exit_code(tmp_path):
    assert run_cli("update", "--index", str(tmp_path)).returncode == 64
    assert run_cli("update", str(tmp_path), "--min-ratio", "2").returncode == 64


def test_rollback_serves_the_previous_build_and_skips_rolled_back_ones(corpus):
    src, root = corpus
    first, first_answers = current_build_path(root).name, snapshot(root)
    change_sources(src)
    second = update_index([src], root, OPTIONS).build_id
    result = run_cli("rollback", "--index", str(root))
    assert result.returncode == 0 and f"now serving build {first}" in result.stdout
    assert current_build_path(root).name == first and snapshot(root) == first_answers
    assert read_history(root) == [first]
    assert run_cli("rollback", "--index", str(root)).returncode == 1
    # The next update starts from the served build, and a rollback from it skips the build rolled back from.
    (src / "012_more.txt").write_text("关于再次更新的通知\n\n正文。\n", "utf-8")
    third = update_index([src], root, OPTIONS)
    assert third.status == "published" and set(third.new) == {NEW_SOURCE, "seeds/012_more.txt"}
    assert read_history(root) == [first, third.build_id]
    assert run_cli("rollback", "--index", str(root)).returncode == 0
    assert current_build_path(root).name == first != second
    kinds = [json.loads(line)["kind"] for line in (root / CHANGES_FILE).read_text("utf-8").splitlines()]
    assert kinds.count("rollback") == 2


def test_old_builds_are_pruned_but_the_published_history_is_kept(corpus):
    src, root = corpus
    ids = [current_build_path(root).name]
    for i in range(3):
        (src / f"02{i}.txt").write_text(f"关于第{i}次更新的通知\n\n正文。\n", "utf-8")
        ids.append(update_index([src], root, UpdateOptions(workers=1, progress=False, keep=2)).build_id)
    assert finished(root) == ids[-2:]
    (root / BUILDS_DIR / "20000101T000000Z-dead").mkdir()  # never published
    assert [p.name for p in prune_builds(root, 2)] == ["20000101T000000Z-dead"]


def test_the_pipeline_fingerprint_follows_the_code_that_makes_records(tmp_path, monkeypatch):
    from indexer import build

    for rel in ("indexer", "search"):
        shutil.copytree(ROOT / rel, tmp_path / rel, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build, "PACKAGE_ROOT", tmp_path)
    original = build.pipeline_fingerprint()
    with open(tmp_path / "indexer" / "cli.py", "a", encoding="utf-8") as f:
        f.write("\n# orchestration only\n")
    assert build.pipeline_fingerprint() == original
    with open(tmp_path / "indexer" / "clean.py", "a", encoding="utf-8") as f:
        f.write("\n# a cleaning rule\n")
    assert build.pipeline_fingerprint() != original
