"""The posting arrays beside a segment (search.sidecar) read what the segment's posting blocks hold: term by term
on the seeds, through an incremental update's hard links and merges, without deleted records, and in search
results."""

from __future__ import annotations

import shutil
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq

from indexer.build import build_index
from indexer.update import UpdateOptions, update_index
from search import analysis, vector
from search.backend import WEIGHTING
from search.engine import run_search
from search.index import OpenIndex, current_build_path
from search.params import params_from
from search.sidecar import (
    HEADER_BYTES,
    POSITIONS_SUFFIX,
    SIDECAR_SUFFIX,
    PositionsWriter,
    SidecarWriter,
    open_positions,
    open_sidecar,
)
from search.vector import VectorScorer, read_mapped_positions, read_term_postings
from search.whoosh_fence import leaf_file_path
from tests.conftest import SEEDS
from tests.indexer.test_incremental import small_text

# Words, phrases, questions, citations, 文号, filters and traditional script.
QUERIES = (
    "法治政府建设",
    "法治 政府",
    "行政 执法 监督",
    '"法治政府建设"',
    '"全面推进依法行政"',
    "依法行政工作要点",
    "政府信息公开怎么申请",
    "行政复议法第九条",
    "郑政文〔2017〕60号",
    "郑政文[2017]60号",
    "關於 法治",
    "規劃",
    "规划 -郑州",
    "述法",
    "的",
)


def sidecar_files(build: Path) -> list[str]:
    return sorted(p.name for p in build.iterdir() if p.name.endswith(SIDECAR_SUFFIX))


def each_term(leaf):
    """(field, term bytes) of every term a segment holds."""
    return list(leaf.all_terms())


def both_ways(reader, fieldname: str, text: bytes) -> tuple:
    mapped = read_term_postings(reader, fieldname, text, sidecars=True)
    decoded = read_term_postings(reader, fieldname, text, sidecars=False)
    return mapped, decoded


def assert_terms_read_alike(build: Path) -> tuple[int, int]:
    """Every term of every segment of `build` read from posting arrays and from blocks: the same arrays, of the
    same types; returns (terms compared, terms read from posting arrays alone)."""
    ix = whoosh_index.open_dir(str(build))
    compared = mapped_only = 0
    try:
        with ix.reader() as reader:
            terms = sorted({t for leaf, _ in reader.leaf_readers() for t in each_term(leaf)})
            for fieldname, text in terms:
                mapped, decoded = both_ways(reader, fieldname, text)
                assert mapped.ids.dtype == decoded.ids.dtype == np.int32, (fieldname, text)
                assert mapped.weights.dtype == decoded.weights.dtype == np.float32, (fieldname, text)
                assert mapped.ids.tolist() == decoded.ids.tolist(), (fieldname, text)
                assert mapped.weights.tolist() == decoded.weights.tolist(), (fieldname, text)
                assert not decoded.mapped and decoded.blocks is not None
                compared += 1
                mapped_only += mapped.mapped
    finally:
        ix.close()
    return compared, mapped_only


def test_every_term_of_every_segment_reads_alike_from_posting_arrays_and_blocks(seed_index):
    build = current_build_path(seed_index)
    assert len(sidecar_files(build)) == 2  # one per build worker's segment
    ix = whoosh_index.open_dir(str(build))
    try:
        with ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                side = open_sidecar(
                    leaf_file_path(leaf, SIDECAR_SUFFIX), leaf.segment().segment_id(), leaf.doc_count_all()
                )
                # Every term of the segment, of every field with postings, is in its posting arrays.
                assert side is not None and len(side.places) == len(each_term(leaf))
                assert {f for f, _ in each_term(leaf)} == {n for n, f in ix.schema.items() if f.indexed}
    finally:
        ix.close()
    compared, mapped_only = assert_terms_read_alike(build)
    assert compared > 10_000 and mapped_only == compared


def test_a_segment_without_posting_arrays_reads_from_its_blocks(seed_index, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(current_build_path(seed_index), build)
    for name in sidecar_files(build):
        (build / name).unlink()
    index = OpenIndex.open(build)
    try:
        found = index.vector.term_postings("body", "法治".encode())
        assert not found.mapped and found.blocks is not None
        assert ("body", "法治".encode()) in index.vector.cached_postings  # decoded: cached as before
    finally:
        index.close()
    compared, mapped_only = assert_terms_read_alike(build)
    assert compared > 10_000 and mapped_only == 0


def test_posting_arrays_of_another_segment_or_cut_short_are_not_read(seed_index, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(current_build_path(seed_index), build)
    first, second = sidecar_files(build)
    # Swapped: each file names the other segment.
    (build / first).rename(build / "swap")
    (build / second).rename(build / first)
    (build / "swap").rename(build / second)
    _, mapped_only = assert_terms_read_alike(build)
    assert mapped_only == 0
    data = (build / first).read_bytes()
    (build / first).write_bytes(data[:-8])
    (build / second).write_bytes(data[: HEADER_BYTES - 1])
    _, mapped_only = assert_terms_read_alike(build)
    assert mapped_only == 0


def test_mapped_postings_are_not_cached_and_phrases_read_positions_files(opened):
    scorer = VectorScorer(opened.searcher, opened.section_count, WEIGHTING, sidecars=True)
    found = scorer.term_postings("body", "法治".encode())
    assert found.mapped and found.blocks is None
    assert scorer.cached_postings.nbytes == 0
    grams = analysis.bigrams("法治政府建设")
    q = wq.Phrase("body_bi", grams)
    got = scorer.evaluate(q)
    blocks = VectorScorer(opened.searcher, opened.section_count, WEIGHTING, sidecars=False)
    want = blocks.evaluate(q)
    assert got is not None and want is not None and len(got[0]) > 5
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()
    # Positions sliced from the positions files: no posting kept and no block table read.
    assert scorer.cached_for_phrases.nbytes == 0 and scorer.cached_postings.nbytes == 0
    # Read from the posting blocks: the rarest bigram's postings and the others' block tables are kept.
    assert blocks.cached_for_phrases.nbytes > 0


def test_a_terms_segments_are_looked_up_once_per_build(opened):
    """Which segments hold a term, and where, is asked of Whoosh's term tables once and then remembered: a second
    read of the postings and of a phrase's positions looks nothing up, and reads the same."""
    scorer = VectorScorer(opened.searcher, opened.section_count, WEIGHTING, sidecars=True)
    reader = opened.searcher().reader()
    assert len(list(reader.leaf_readers())) == 2
    places = vector.term_places(reader, "body", "法治".encode())
    # Both segments hold it, in their posting arrays; the body field keeps no positions.
    assert [(leaf, at >= 0, in_positions) for leaf, at, in_positions in places.tolist()] == [
        (0, True, -1),
        (1, True, -1),
    ]
    gram = analysis.bigrams("法治")[0].encode()
    gram_places = vector.term_places(reader, "body_bi", gram)
    assert len(gram_places) == 2 and (gram_places[:, 1:] >= 0).all()
    assert vector.term_places(reader, "body", "不在索引里的词".encode()).shape == (0, 3)
    first = scorer.term_postings("body", "法治".encode())
    q = wq.Phrase("body_bi", analysis.bigrams("法治政府建设"))
    first_phrase = scorer.evaluate(q)
    with patch.object(vector, "postings_place", side_effect=AssertionError("looked up again")):
        again = scorer.term_postings("body", "法治".encode())
        again_phrase = scorer.evaluate(q)
    assert again.ids.tolist() == first.ids.tolist() and again.weights.tolist() == first.weights.tolist()
    assert first_phrase is not None and again_phrase is not None
    assert again_phrase[0].tolist() == first_phrase[0].tolist() and len(first_phrase[0]) > 5
    # A full table is emptied, not grown.
    with patch.object(vector, "TERM_PLACES_LIMIT", 1):
        scorer.term_postings("body", "政府".encode())
        assert list(scorer._places) == [("body", "政府".encode())]


def assert_positions_read_alike(build: Path, step: int = 1) -> int:
    """Every `step`-th term of each positional field of `build`: the positions its segments' positions files
    give, for every section, are those Whoosh decodes, with the same weights; returns the terms compared."""
    ix = whoosh_index.open_dir(str(build))
    checked = 0
    try:
        with ix.reader() as reader:
            every = np.arange(reader.doc_count_all(), dtype=np.int32)
            for fieldname in ("title_bi", "body_bi"):
                texts = sorted({t for leaf, _ in reader.leaf_readers() for f, t in each_term(leaf) if f == fieldname})
                for text in texts[::step]:
                    want_keys = []
                    m = reader.postings(fieldname, text)
                    while m.is_active():
                        want_keys += [(m.id() << 32) | p for p in m.value_as("positions")]
                        m.next()
                    got = read_mapped_positions(reader, fieldname, text, every)
                    assert got is not None
                    assert got.keys.tolist() == want_keys, (fieldname, text)
                    assert got.docnums.tolist() == sorted({k >> 32 for k in want_keys})
                    assert got.weights.tolist() == read_term_postings(reader, fieldname, text).weights.tolist()
                    checked += 1
            # A field without positions has none in the positions files.
            assert read_mapped_positions(reader, "body", "法治".encode(), every) is None
    finally:
        ix.close()
    return checked


def test_positions_files_hold_every_position_whoosh_decodes(seed_index):
    build = current_build_path(seed_index)
    assert len([p for p in build.iterdir() if p.name.endswith(POSITIONS_SUFFIX)]) == 2
    assert assert_positions_read_alike(build, step=7) > 1000


def test_the_positions_writer_checks_its_input_and_reads_back_by_posting(tmp_path):
    path = tmp_path / "MAIN_x.gvpos"
    writer = PositionsWriter(path, "MAIN_x")
    # Term at 10: postings with 2 and 1 positions; term at 20: one posting with 3.
    writer.add(np.array([10]), np.array([2]), np.array([2, 1]), np.array([0, 5, 7]))
    with pytest.raises(ValueError):
        writer.add(np.array([5]), np.array([1]), np.array([1]), np.array([0]))
    with pytest.raises(ValueError):
        writer.add(np.array([30]), np.array([1]), np.array([2]), np.array([0]))
    writer.add(np.array([20]), np.array([1]), np.array([3]), np.array([1, 2, 9]))
    assert open_positions(path, "MAIN_x", 4) is None  # not closed yet
    writer.close(4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MAIN_x.gvpos"]
    found = open_positions(path, "MAIN_x", 4)
    assert found is not None and open_positions(path, "MAIN_x", 5) is None and open_positions(path, "MAIN_y", 4) is None
    counts, positions = found.term_at(found.find(10)).of(np.array([0, 1]))
    assert counts.tolist() == [2, 1] and positions.tolist() == [0, 5, 7]
    counts, positions = found.term_at(found.find(10)).of(np.array([1]))
    assert counts.tolist() == [1] and positions.tolist() == [7]
    assert found.term_at(found.find(20)).of(np.array([0]))[1].tolist() == [1, 2, 9]
    assert found.find(15) == -1
    (tmp_path / "cut.gvpos").write_bytes(path.read_bytes()[:-8])
    assert open_positions(tmp_path / "cut.gvpos", "MAIN_x", 4) is None
    cancelled = PositionsWriter(tmp_path / "MAIN_y.gvpos", "MAIN_y")
    cancelled.add(np.array([1]), np.array([1]), np.array([1]), np.array([0]))
    cancelled.cancel()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MAIN_x.gvpos", "cut.gvpos"]


def test_search_results_are_the_same_with_and_without_posting_arrays(fixture_index):
    build = current_build_path(fixture_index)
    with_arrays = OpenIndex.open(build)
    with patch.object(vector, "READ_SIDECARS", False):
        without = OpenIndex.open(build)
    try:
        assert with_arrays.vector.sidecars and not without.vector.sidecars
        empty = []
        for q in QUERIES:
            a = run_search(with_arrays, params_from(q=q)).to_dict()
            b = run_search(without, params_from(q=q)).to_dict()
            del a["took_ms"], b["took_ms"]
            assert a == b, q
            if not a["hits"]:
                empty.append(q)
        assert empty == ['"全面推进依法行政"']  # not in the seeds or fixtures as one run
        assert without.vector.cached_postings.nbytes > 0 and with_arrays.vector.cached_postings.nbytes == 0
    finally:
        with_arrays.close()
        without.close()


def test_an_incremental_update_links_posting_arrays_and_merges_leave_none(tmp_path, monkeypatch):
    src = tmp_path / "src" / "docs"
    shutil.copytree(SEEDS, src)
    for n in range(30):
        (src / f"small_{n:02d}.txt").write_text(small_text(n), "utf-8")
    root = tmp_path / "index"
    build_index([src], root, workers=1, writer="bulk", progress=False)
    full = current_build_path(root)
    assert len(sidecar_files(full)) == 1
    path = src / "small_07.txt"
    path.write_text(path.read_text("utf-8") + "三、补充条款甲\n另行通知。\n", "utf-8")
    options = UpdateOptions(workers=1, progress=False, max_small_segments=1)
    assert update_index([src], root, options).mode == "incremental"
    first = current_build_path(root)
    # The published segment's posting arrays linked with it; the new segment has its own.
    carried = sidecar_files(full)[0]
    assert (first / carried).stat().st_ino == (full / carried).stat().st_ino
    assert len(sidecar_files(first)) == 2
    compared, mapped_only = assert_terms_read_alike(first)
    assert mapped_only == compared
    # The old records of small_07 (deleted in the carried segment) are left out.
    opened = OpenIndex.open(first)
    try:
        ids = opened.vector.postings("body", "依法".encode())[0]
        live = [d for d in range(opened.section_count) if not opened.searcher().reader().is_deleted(d)]
        assert len(ids) and set(ids.tolist()) <= set(live)
        assert opened.searcher().reader().has_deletions()
        assert [h.source for h in run_search(opened, params_from(q="补充条款甲")).hits] == ["docs/small_07.txt"]
        # Within some sections (every other one, deleted ones among them): a term's postings looked up in the
        # posting arrays, as every term's are with the thresholds lowered, are those filtering them leaves.
        within = np.zeros(opened.section_count, dtype=bool)
        within[::2] = True
        assert any(opened.searcher().reader().is_deleted(d) for d in np.flatnonzero(within).tolist())
        queries = [
            wq.Term(f, w) for f in ("body", "title", "heading") for w in ("依法", "通知", "补充", "条款", "规定")
        ]

        def evaluated() -> list[tuple[list[int], list[float]]]:
            scorer = VectorScorer(opened.searcher, opened.section_count, WEIGHTING)
            return [tuple(a.tolist() for a in scorer.evaluate(q, within)) for q in queries]

        filtered = evaluated()
        monkeypatch.setattr(vector, "SPARSE_MIN_POSTINGS", 1)
        monkeypatch.setattr(vector, "SPARSE_RATIO", 0)
        assert evaluated() == filtered
        assert sum(len(ids) for ids, _ in filtered) > 20
    finally:
        opened.close()
    # Past one small segment the small ones are merged by Whoosh's writer: the merged segment has no posting arrays.
    path = src / "small_08.txt"
    path.write_text(path.read_text("utf-8") + "三、补充条款乙\n另行通知。\n", "utf-8")
    second = update_index([src], root, UpdateOptions(workers=1, progress=False, max_small_segments=1, min_ratio=0.5))
    assert "merge" in second.phases
    build = current_build_path(root)
    assert sidecar_files(build) == [carried]
    compared, mapped_only = assert_terms_read_alike(build)
    assert 0 < mapped_only < compared


def test_the_writer_takes_terms_in_posting_file_order_and_a_cancelled_file_is_gone(tmp_path):
    path = tmp_path / "MAIN_x.gvpost"
    writer = SidecarWriter(path, "MAIN_x")
    writer.add(np.array([10, 20]), np.array([1, 2]), np.array([3, 1, 4]), np.array([1.0, 2.0, 1.0]))
    with pytest.raises(ValueError):
        writer.add(np.array([15]), np.array([1]), np.array([0]), np.array([1.0]))
    with pytest.raises(ValueError):
        writer.add(np.array([30]), np.array([2]), np.array([0]), np.array([1.0]))
    assert open_sidecar(path, "MAIN_x", 5) is None  # not closed yet
    writer.close(5)
    side = open_sidecar(path, "MAIN_x", 5)
    assert side is not None and open_sidecar(path, "MAIN_x", 6) is None and open_sidecar(path, "MAIN_y", 5) is None
    ids, weights = side.term_at(side.find(20))
    assert ids.tolist() == [1, 4] and weights.tolist() == [2.0, 1.0]
    assert side.term_at(side.find(10))[0].tolist() == [3] and side.find(15) == -1 and side.find(30) == -1
    cancelled = SidecarWriter(tmp_path / "MAIN_y.gvpost", "MAIN_y")
    cancelled.add(np.array([1]), np.array([1]), np.array([0]), np.array([1.0]))
    cancelled.cancel()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MAIN_x.gvpost"]


def test_a_writer_failing_on_a_full_disk_leaves_no_file_and_closes_its_files(tmp_path, monkeypatch):
    writer = SidecarWriter(tmp_path / "MAIN_z.gvpost", "MAIN_z")
    writer.add(np.array([1]), np.array([1]), np.array([0]), np.array([1.0]), np.array([2]), np.array([3, 4]))
    files = [writer._file, writer._positions._file, writer._positions._starts_file]
    calls = []

    def full_disk(data):
        calls.append(len(data))
        raise OSError(28, "No space left on device")

    # The positions file is completed; the posting arrays' term table finds the disk full.
    monkeypatch.setattr(files[0], "write", full_disk)
    with pytest.raises(OSError, match="No space"):
        writer.close(1)
    assert calls and all(f.closed for f in files)
    assert list(tmp_path.iterdir()) == []
