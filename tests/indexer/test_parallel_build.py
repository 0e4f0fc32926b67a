"""A full build written by several worker processes, one segment each, is the build one writer would write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

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
