"""A build carries its opened state (search/snapshot.py): the indexer writes it, a worker opens the build from it,
and a file that is not this build's, not this code's or not whole is ignored."""

from __future__ import annotations

import logging
import os
import pickle
import shutil

import numpy as np
import pytest

from indexer.update import UpdateOptions, update_index
from search import snapshot
from search.index import BUILDS_DIR, DocTable, OpenIndex, current_build_path
from search.snapshot import SNAPSHOT_FILE, read_snapshot
from search.store import STORE_FILE, DocStore
from search.versions import link_versions
from search.warm import read_ahead_files
from tools.hardening.common import write_tiny


def _opened_from_files(path):
    """What opening computes from a build's own files, without its snapshot."""
    index = OpenIndex.open(path)
    store = DocStore(path / STORE_FILE)
    try:
        docs, versions = link_versions(store.metas())
        return docs, versions, DocTable.build(docs, index.backend.section_ordinals(sorted(docs)))
    finally:
        store.close()
        index.close()


def _same_table(a: DocTable, b: DocTable) -> bool:
    def same(x, y) -> bool:
        if isinstance(x, np.ndarray):
            return np.array_equal(x, y)
        if isinstance(x, dict):
            return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
        if isinstance(x, tuple) and x and isinstance(x[0], np.ndarray):
            return len(x) == len(y) and all(same(p, q) for p, q in zip(x, y, strict=True))
        return x == y

    return all(same(getattr(a, n), getattr(b, n)) for n in a.__dataclass_fields__)


def test_a_build_opens_from_the_state_the_indexer_wrote_into_it(seed_index, monkeypatch):
    path = current_build_path(seed_index)
    assert (path / SNAPSHOT_FILE).is_file()
    docs, versions, table = _opened_from_files(path)

    def no_metas(self):
        raise AssertionError("the store was read: the build was not opened from its snapshot")

    monkeypatch.setattr(DocStore, "metas", no_metas)
    index = OpenIndex.open(path)
    try:
        assert index.docs == docs and list(index.docs) == list(docs)
        assert index.versions == versions
        assert _same_table(index.table, table)
        # The per-build tables the indexer's search and question filled come with it.
        remembered = index.memos()
        assert {"levels", "places", "copied-rules", "sections-per-document", "cited-by", "rerank-levels"} <= set(
            remembered
        )
        assert remembered["levels"] == tuple(docs[d].level or "" for d in table.ids)
    finally:
        index.close()


def test_a_common_words_champions_are_written_with_the_opened_state(seed_index, tmp_path, monkeypatch):
    from search import engine

    monkeypatch.setattr(engine, "CHAMPION_MIN_SECTIONS", 1)  # the seeds' words made common
    path = tmp_path / current_build_path(seed_index).name
    shutil.copytree(current_build_path(seed_index), path)
    index = OpenIndex.open(path)
    try:
        assert engine.warm_champions(index, ["法治"]) == 1
        (key,) = [k for k in index.memos() if k[0] == "champions"]
        kept = index.memos()[key]
        snapshot.write_snapshot(index, path.name)
        backend, sections = index.backend.name, index.section_count
    finally:
        index.close()
    loaded = read_snapshot(path, backend, sections)
    assert loaded is not None
    assert loaded.memos[key].ids.tolist() == kept.ids.tolist()
    assert loaded.memos[key].scores.tolist() == kept.scores.tolist() and loaded.memos[key].complete


def test_another_builds_another_codes_or_a_damaged_snapshot_is_ignored(seed_index, tmp_path, monkeypatch, caplog):
    path = current_build_path(seed_index)
    docs, _, _ = _opened_from_files(path)
    opened = OpenIndex.open(path)
    backend, sections = opened.backend.name, opened.section_count
    opened.close()
    assert read_snapshot(path, backend, sections) is not None
    assert read_snapshot(path, "xapian", sections) is None  # docnums of another backend
    assert read_snapshot(path, backend, sections + 1) is None

    copy = tmp_path / "20990101T000000000Z-copy"  # the same files under another build's name
    shutil.copytree(path, copy)
    assert read_snapshot(copy, backend, sections) is None
    index = OpenIndex.open(copy)
    try:
        assert index.docs == docs and index.memos() == {}
    finally:
        index.close()

    monkeypatch.setattr(snapshot, "SNAPSHOT_FORMAT", snapshot.SNAPSHOT_FORMAT + 1)
    assert read_snapshot(path, backend, sections) is None
    monkeypatch.undo()
    # Other search code (another scoring, other constants): its remembered tables are not this code's.
    monkeypatch.setattr(snapshot, "source_digest", lambda: "0" * 64)
    assert read_snapshot(path, backend, sections) is None
    monkeypatch.undo()
    assert read_snapshot(path, backend, sections) is not None

    damaged = tmp_path / path.name
    shutil.copytree(path, damaged)
    data = (damaged / SNAPSHOT_FILE).read_bytes()
    (damaged / SNAPSHOT_FILE).write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING, logger="search.snapshot"):
        assert read_snapshot(damaged, backend, sections) is None
        index = OpenIndex.open(damaged)
    try:
        assert index.docs == docs
    finally:
        index.close()
    assert [r.getMessage() for r in caplog.records] == ["snapshot.unreadable", "snapshot.unreadable"]


class _Runs:
    """Unpickled, it would run a command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_snapshot_naming_anything_but_the_tables_types_makes_nothing(seed_index, tmp_path, caplog):
    path = current_build_path(seed_index)
    opened = OpenIndex.open(path)
    backend, sections = opened.backend.name, opened.section_count
    opened.close()
    hostile = tmp_path / path.name
    shutil.copytree(path, hostile)
    with open(hostile / SNAPSHOT_FILE, "rb") as f:
        header = pickle.load(f)
    marker = tmp_path / "ran"
    with open(hostile / SNAPSHOT_FILE, "wb") as f:
        pickle.dump(header, f)
        pickle.dump(_Runs(marker), f)
    with caplog.at_level(logging.WARNING, logger="search.snapshot"):
        assert read_snapshot(hostile, backend, sections) is None
    assert not marker.exists()
    assert "a snapshot may not hold posix.system" in caplog.records[0].govlaw["error"]


def test_each_update_writes_the_state_of_its_own_build(tmp_path):
    src = write_tiny(tmp_path / "docs")
    root = tmp_path / "index"
    options = UpdateOptions(workers=1, progress=False, keep=10)
    assert update_index([src], root, options).status == "published"
    with open(src / "a_notice.txt", "a", encoding="utf-8") as f:
        f.write("\n补充第一条。\n")
    assert update_index([src], root, options).status == "published"
    first, second = sorted((root / BUILDS_DIR).iterdir())
    states = []
    for path in (first, second):
        index = OpenIndex.open(path)
        try:
            state = read_snapshot(path, index.backend.name, index.section_count)
            assert state is not None and state.docs == index.docs
            states.append(state)
        finally:
            index.close()
    changed = [d for d, meta in states[1].docs.items() if meta.content_hash != states[0].docs[d].content_hash]
    assert [states[1].docs[d].source for d in changed] == ["docs/a_notice.txt"]


def test_a_snapshot_that_cannot_be_written_leaves_nothing_in_the_build(seed_index, tmp_path, monkeypatch):
    path = tmp_path / "build"
    shutil.copytree(current_build_path(seed_index), path)
    (path / SNAPSHOT_FILE).unlink()
    index = OpenIndex.open(path)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    try:
        monkeypatch.setattr(snapshot, "_loadable_memos", full_disk)
        with pytest.raises(OSError, match="No space left"):
            snapshot.write_snapshot(index, path.name)
    finally:
        index.close()
    assert sorted(p.name for p in path.iterdir() if "pickle" in p.name) == []


@pytest.mark.parametrize(
    ("names", "read"),
    [
        (
            ["docs.sqlite", "manifest.json", "opened.pickle", "S1.pst", "S1.gvpost", "S1.gvpos", "S1.trm", "S2.pst"],
            ["S1.gvpos", "S1.gvpost", "S1.trm", "S2.pst", "manifest.json", "opened.pickle"],
        ),
        (["docs.sqlite"], []),
    ],
)
def test_warming_reads_the_files_searches_read(tmp_path, names, read):
    # The document store is read a few pages a hit; Whoosh's postings of a segment with a sidecar are never read.
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    assert [p.name for p in read_ahead_files(tmp_path)] == read
