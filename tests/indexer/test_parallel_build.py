"""A full build written by several worker processes, each writing segments of its own share, is the build one
writer would write, whatever the number of segments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer import build as build_module
from indexer.build import PARALLEL_MIN_FILES, build_index, split_files
from indexer.pipeline import iter_sources
from indexer.update import UpdateOptions, update_index
from search.engine import run_search
from search.index import OpenIndex, current_build_path
from search.params import params_from
from tests.conftest import SEEDS
from tests.indexer.test_prepared_build import postings

QUERIES = ("法治政府建设", "行政 执法", "郑政文〔2017〕60号", "述法", "工作 报告 OR 方案", "xx市", "規劃", "公开 -郑州")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The seeds, each also in two changed copies: more files than a parallel build needs."""
    src = tmp_path_factory.mktemp("docs") / "docs"
    src.mkdir()
    for p in sorted(SEEDS.glob("*.txt")):
        text = p.read_text("utf-8")
        shutil.copyfile(p, src / p.name)
        for n in (1, 2):
            (src / f"{p.stem}_copy{n}.txt").write_text(text + f"\n本副本第{n}份，另加一句以区别。\n", "utf-8")
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    return src


def built(folder: Path, root: Path, workers: int) -> Path:
    report = build_index([folder], root, workers=workers, progress=False)
    assert report.published and report.documents == 15
    assert [e.source for e in report.errors] == ["docs/broken.pdf"]
    return current_build_path(root)


def stored(path: Path) -> list[dict]:
    ix = whoosh_index.open_dir(str(path))
    try:
        with ix.reader() as r:
            return [r.stored_fields(n) for n in r.all_doc_ids()]
    finally:
        ix.close()


def test_a_parallel_build_equals_a_one_writer_build(folder, tmp_path):
    assert len(list(folder.iterdir())) >= PARALLEL_MIN_FILES
    # The one-writer build is Whoosh's own writer; the parallel build's workers write their segments in bulk.
    one = built(folder, tmp_path / "one", workers=1)
    two = built(folder, tmp_path / "two", workers=2)
    segments = whoosh_index.open_dir(str(two))
    assert len(segments._segments()) == 2
    segments.close()
    # Same records in the same docnum order, same postings (frequencies and positions), same stored fields.
    assert stored(one) == stored(two)
    assert postings(one) == postings(two)
    a, b = OpenIndex.open(one), OpenIndex.open(two)
    try:
        assert a.docs == b.docs
        for doc_id in a.docs:
            doc = a.store.get(doc_id)
            assert doc == b.store.get(doc_id)
            ids = [s.anchor for s in doc.sections]
            assert a.store.sections(doc_id, ids) == b.store.sections(doc_id, ids)
        for q in QUERIES:
            ra, rb = run_search(a, params_from({"q": q})), run_search(b, params_from({"q": q}))
            assert ra.total > 0 or q == "公开 -郑州"
            assert [(h.doc_id, h.score, h.snippet) for h in ra.hits] == [
                (h.doc_id, h.score, h.snippet) for h in rb.hits
            ]
            assert ra.facets == rb.facets
        assert a.manifest["files"] == b.manifest["files"] and a.manifest["failed"] == b.manifest["failed"]
        assert [(m["whoosh"], m["writer"]) for m in (a.manifest, b.manifest)] == [
            ("2.7.5", "whoosh"),
            ("2.7.5", "bulk"),
        ]
        assert (one / "errors.jsonl").read_text("utf-8") == (two / "errors.jsonl").read_text("utf-8")
    finally:
        a.close()
        b.close()
    # No part files are left behind.
    assert not list(two.glob(".part-*"))
    assert not list(one.glob(".part-*"))


def segment_records(path: Path) -> list[int]:
    """The records of each segment of a build's index, in docnum order."""
    ix = whoosh_index.open_dir(str(path))
    try:
        return [s.doc_count_all() for s in ix._segments()]
    finally:
        ix.close()


def answers(path: Path) -> tuple:
    """Every document with its sections' texts, and the hits, scores, snippets and facets of QUERIES."""
    opened = OpenIndex.open(path)
    try:
        docs = {}
        for doc_id in sorted(opened.docs):
            doc = opened.store.get(doc_id)
            docs[doc_id] = (doc, opened.store.sections(doc_id, [s.anchor for s in doc.sections]))
        results = []
        for q in QUERIES:
            r = run_search(opened, params_from({"q": q}))
            results.append(([(h.doc_id, h.score, h.snippet) for h in r.hits], r.total, r.facets))
        return docs, results
    finally:
        opened.close()


def test_a_worker_starts_a_new_segment_past_its_token_budget(folder, tmp_path, monkeypatch):
    two = built(folder, tmp_path / "two", workers=2)
    assert len(segment_records(two)) == 2
    # Past 20,000 tokens (the seeds hold 4,300 to 10,800 each, their copies a few more) a worker writes the
    # segment and starts another; at 1 token, every document is a segment of its own.
    monkeypatch.setattr(build_module, "SEGMENT_TOKENS", 20_000)
    some = built(folder, tmp_path / "some", workers=2)
    monkeypatch.setattr(build_module, "SEGMENT_TOKENS", 1)
    each = built(folder, tmp_path / "each", workers=2)
    # The first worker: seed 000 and its copies with seed 001 (13 + 13 + 13 + 17 sections), 001's copies with 002
    # (17 + 17 + 21), 002's copies with 003, its share's last; the second: 003's copies, 004 and a copy, the last.
    assert segment_records(some) == [56, 55, 81, 78, 90, 45]
    sections = [len(doc.sections) or 1 for doc, _ in sorted(answers(two)[0].values(), key=lambda d: d[0].source)]
    assert segment_records(each) == sections and len(sections) == 15
    # The same records in the same docnum order (file order), the same postings, documents, sections and answers.
    assert stored(some) == stored(two) and stored(each) == stored(two)
    assert postings(some) == postings(two) and postings(each) == postings(two)
    assert answers(some) == answers(two) and answers(each) == answers(two)
    for path in (some, each):
        assert (
            json.loads((path / "manifest.json").read_text("utf-8"))["files"]
            == json.loads((two / "manifest.json").read_text("utf-8"))["files"]
        )
    assert not list(each.glob(".part-*"))


def test_an_update_writes_its_records_in_segments_of_the_budget_too(folder, tmp_path, monkeypatch):
    src = tmp_path / "docs"
    shutil.copytree(folder, src)
    root = tmp_path / "ix"
    built(src, root, workers=2)
    for name in ("001_8388e48a1664613c_copy1.txt", "003_68910bc0cfdf6076.txt"):
        (src / name).write_text((src / name).read_text("utf-8") + "\n新增一句：数字政府专项督查。\n", "utf-8")
    monkeypatch.setattr(build_module, "SEGMENT_TOKENS", 1)
    report = update_index([src], root, UpdateOptions(workers=2, progress=False, min_ratio=0.5))
    assert report.status == "published" and report.mode == "incremental"
    # The two workers' segments, then one segment per changed document (17 and 39 sections: the added line
    # ends their last one).
    assert segment_records(current_build_path(root)) == [192, 213, 17, 39]
    # Its documents and sections are a fresh build's, and so are its hits (not their scores: the deleted
    # records still count in the statistics until they are merged away).
    fresh = tmp_path / "fresh"
    build_index([src], fresh, workers=1, progress=False)
    (docs, results), (fresh_docs, fresh_results) = answers(current_build_path(root)), answers(current_build_path(fresh))
    assert docs == fresh_docs
    assert [([h[0] for h in hits], total) for hits, total, _ in results] == [
        ([h[0] for h in hits], total) for hits, total, _ in fresh_results
    ]


def test_a_parallel_build_updates_incrementally(folder, tmp_path):
    src = tmp_path / "docs"
    shutil.copytree(folder, src)
    root = tmp_path / "ix"
    built(src, root, workers=2)
    changed = src / "001_8388e48a1664613c_copy1.txt"
    changed.write_text(changed.read_text("utf-8") + "\n新增一句：数字政府专项督查。\n", "utf-8")
    (src / "002_a6eb94dc626ef6bf_copy2.txt").unlink()
    report = update_index([src], root, UpdateOptions(workers=2, progress=False, min_ratio=0.5))
    assert report.status == "published" and report.mode == "incremental"
    fresh = tmp_path / "fresh"
    build_index([src], fresh, workers=1, progress=False)
    a, b = OpenIndex.open(current_build_path(root)), OpenIndex.open(current_build_path(fresh))
    try:
        assert (a.manifest["writer"], b.manifest["writer"]) == ("bulk", "whoosh")
        assert a.docs == b.docs
        for q in (*QUERIES, "数字政府专项督查"):
            ra, rb = run_search(a, params_from({"q": q})), run_search(b, params_from({"q": q}))
            assert [h.doc_id for h in ra.hits] == [h.doc_id for h in rb.hits] and ra.total == rb.total
    finally:
        a.close()
        b.close()


def test_shares_keep_file_order_and_balance_bytes(folder):
    files, _, _ = iter_sources([folder])
    for parts in (1, 2, 3, 7):
        shares = split_files(files, parts)
        assert [f for share in shares for f in share] == files
        assert len(shares) == min(parts, len(files)) or parts > len(files)
    sizes = [sum(f.path.stat().st_size for f in share) for share in split_files(files, 2)]
    assert max(sizes) < 0.75 * sum(sizes)


def test_a_full_update_writes_in_parallel_like_a_build(folder, tmp_path):
    """An update that reads every file again (after a change of the indexing code) writes as `build` does."""
    src = tmp_path / "docs"
    shutil.copytree(folder, src)
    root = tmp_path / "ix"
    built(src, root, workers=1)
    (src / "003_68910bc0cfdf6076_copy1.txt").unlink()
    report = update_index([src], root, UpdateOptions(workers=2, progress=False, min_ratio=0.5, full=True))
    assert report.status == "published" and report.mode == "full"
    path = current_build_path(root)
    segments = whoosh_index.open_dir(str(path))
    assert len(segments._segments()) == 2
    segments.close()
    assert sorted(report.reprocessed) == sorted(f.source for f in iter_sources([src])[0])
    fresh = tmp_path / "fresh"
    build_index([src], fresh, workers=1, progress=False)
    assert stored(path) == stored(current_build_path(fresh))
    assert postings(path) == postings(current_build_path(fresh))


def test_files_synced_behind_are_not_synced_again_unless_replaced(tmp_path, monkeypatch):
    synced: list[str] = []
    monkeypatch.setattr(build_module, "fsync_file", lambda f: synced.append(Path(f).name))
    (tmp_path / "sub").mkdir()
    for name in ("a", "b", "sub/c"):
        (tmp_path / name).write_text(name)
    wait = build_module.fsync_files_behind(tmp_path)
    done = wait()
    assert sorted(synced) == ["a", "b", "c"]
    # Written after the thread's list was made: a new file, and one replaced by another under its name.
    (tmp_path / "d").write_text("d")
    (tmp_path / "b.partial").write_text("b2")
    (tmp_path / "b.partial").replace(tmp_path / "b")
    synced.clear()
    build_module.fsync_tree(tmp_path, done=done)
    assert sorted(synced) == ["b", "d"]


def test_a_failed_sync_behind_is_raised_by_the_wait(tmp_path, monkeypatch):
    def fail(f):
        raise OSError(5, "Input/output error", f)

    monkeypatch.setattr(build_module, "fsync_file", fail)
    (tmp_path / "a").write_text("a")
    wait = build_module.fsync_files_behind(tmp_path)
    with pytest.raises(OSError, match="Input/output error"):
        wait()
