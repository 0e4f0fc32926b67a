"""An update's build from the published one: hard links, a new segment per worker, small segments merged."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer.build import build_index
from indexer.incremental import small_segments
from indexer.pipeline import doc_id_for
from indexer.update import UpdateOptions, update_index
from search.engine import run_search
from search.index import MANIFEST_FILE, OpenIndex, current_build_path
from search.params import params_from
from search.store import DELTA_FILE, STORE_FILE, DocStore, delta_share
from tests.conftest import SEEDS

SMALL = 30  # small files beside the seeds: a changed one's records are a small segment of the build
QUERIES = ("法治政府", "放管服", "征求意见稿", "郑政文〔2017〕60号", "补充条款甲", "补充条款乙", "第9号事项")


def small_text(n: int) -> str:
    return f"某县关于第{n}号事项的通知\n\n一、事项内容\n办理第{n}号事项，依法公开。\n二、工作要求\n按期完成。\n"


@pytest.fixture()
def corpus(tmp_path) -> tuple[Path, Path]:
    src = tmp_path / "src" / "docs"
    shutil.copytree(SEEDS, src)
    for n in range(SMALL):
        (src / f"small_{n:02d}.txt").write_text(small_text(n), "utf-8")
    root = tmp_path / "index"
    report = update_index([src], root, UpdateOptions(workers=1, progress=False))
    assert (report.status, report.mode, report.documents) == ("published", "full", 5 + SMALL)
    return src, root


def append(src: Path, name: str, text: str) -> None:
    path = src / name
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def leaves(build: Path) -> list[tuple[int, bool]]:
    """(records, has deleted records) of each segment of a build's index."""
    ix = whoosh_index.open_dir(str(build))
    try:
        with ix.reader() as r:
            return [(leaf.doc_count_all(), leaf.has_deletions()) for leaf, _ in r.leaf_readers()]
    finally:
        ix.close()


def answers(build: Path) -> tuple:
    opened = OpenIndex.open(build)
    try:
        docs = sorted((m.source, m.content_hash) for m in opened.docs.values())
        hits = [[h.source for h in run_search(opened, params_from(q=q)).hits] for q in QUERIES]
        return docs, hits, opened.ix.doc_count()
    finally:
        opened.close()


def digests(build: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(build.iterdir()) if p.is_file()}


def test_small_segments_are_merged_only_past_the_limit_and_two_at_least():
    assert small_segments([100, 1, 1], limit=2) == []
    assert small_segments([100, 1, 1, 1], limit=2) == [1, 2, 3]
    assert small_segments([50, 50, 1, 1, 1], limit=2) == [2, 3, 4]
    assert small_segments([50, 50, 4, 40, 30], limit=0) == []  # one small segment: nothing to merge it with
    assert small_segments([10, 10, 10, 10, 10], limit=0) == []  # none under a quarter of the largest
    assert small_segments([100, 24, 25, 24], limit=1) == [1, 3]
    assert small_segments([100, 30, 15, 15], limit=1, share=0.2) == [2, 3]
    assert small_segments([], limit=0) == []


def test_the_many_segments_of_a_large_full_build_are_not_small():
    # Two workers' segments of SEGMENT_TOKENS each and their last, shorter ones (thousands of records); then
    # daily updates of 1 % of the files at ten times the laws corpus.
    full = [124, 127, 127, 126, 126, 123, 128, 93, 124, 127, 127, 126, 126, 123, 127, 9]
    assert small_segments(full) == []
    assert small_segments([*full, 17, 17, 18, 17, 17]) == []
    assert small_segments([*full, 17, 17, 18, 17, 17, 18]) == [15, 16, 17, 18, 19, 20, 21]


def test_an_update_links_the_published_files_and_leaves_them_as_they_were(corpus):
    src, root = corpus
    previous = current_build_path(root)
    before = digests(previous)
    append(src, "small_07.txt", "三、补充条款甲\n另行通知。\n")
    report = update_index([src], root, UpdateOptions(workers=1, progress=False))
    assert (report.status, report.mode, report.changed) == ("published", "incremental", ("docs/small_07.txt",))
    build = current_build_path(root)
    assert digests(previous) == before
    carried = [n for n in before if n.startswith("MAIN_") and n != "MAIN_WRITELOCK"]  # the segment's files
    assert carried and all((build / n).stat().st_ino == (previous / n).stat().st_ino for n in carried)
    # The full store linked too; the changed document in a delta beside it, and the store reads as one.
    assert (build / STORE_FILE).stat().st_ino == (previous / STORE_FILE).stat().st_ino
    assert (build / DELTA_FILE).exists() and not (previous / DELTA_FILE).exists()
    assert delta_share(build / STORE_FILE) == 2 / (5 + SMALL)  # small_07 added, and gone from the full store
    store = DocStore(build / STORE_FILE)
    try:
        assert store.count() == 5 + SMALL
        assert "补充条款甲" in store.get(doc_id_for("docs/small_07.txt")).text
        assert [h for _, h in store.headings(doc_id_for("docs/small_07.txt"))][-1] == "三、补充条款甲"
    finally:
        store.close()
    # The previous segment with the old records of small_07 marked deleted, and one new segment with its new ones.
    (old_records, old_deleted), (new_records, new_deleted) = leaves(build)
    assert (old_deleted, new_deleted) == (True, False)
    assert leaves(previous) == [(old_records, False)]
    assert new_records == 4  # its sections: the opening, 一、二、and the added 三、


def test_segments_past_the_limit_are_merged_and_the_build_answers_like_a_full_build(corpus, tmp_path):
    src, root = corpus
    options = UpdateOptions(workers=1, progress=False, max_small_segments=1)
    append(src, "small_07.txt", "三、补充条款甲\n另行通知。\n")
    first = update_index([src], root, options)
    assert first.status == "published" and "merge" not in first.phases
    assert [deleted for _, deleted in leaves(current_build_path(root))] == [True, False]
    append(src, "small_08.txt", "三、补充条款乙\n另行通知。\n")
    (src / "small_09.txt").unlink()
    second = update_index([src], root, UpdateOptions(workers=1, progress=False, max_small_segments=1, min_ratio=0.5))
    assert second.status == "published" and "merge" in second.phases
    build = current_build_path(root)
    # The two small segments (small_07's and small_08's records) merged into one, without deleted records.
    assert [(n, deleted) for n, deleted in leaves(build)][1:] == [(8, False)]
    assert len(leaves(build)) == 2
    # The store's delta (small_07 and small_08 added; 07, 08 and 09 gone: 5 of 35) written into a full store.
    assert not (build / DELTA_FILE).exists() and delta_share(build / STORE_FILE) == 0.0
    assert json.loads((build / MANIFEST_FILE).read_text("utf-8"))["writer"] == "bulk+whoosh"
    fresh = tmp_path / "fresh"
    build_index([src], fresh, workers=1, progress=False)
    assert answers(build) == answers(current_build_path(fresh))
    docs, hits, _ = answers(build)
    assert len(docs) == 5 + SMALL - 1
    assert hits[4:6] == [["docs/small_07.txt"], ["docs/small_08.txt"]]
    assert hits[6] and "docs/small_09.txt" not in hits[6]


def test_an_update_on_two_workers_adds_a_segment_from_each_and_answers_like_a_full_build(corpus, tmp_path):
    src, root = corpus
    (src / "small_30.txt").write_text(small_text(30), "utf-8")
    append(src, "small_03.txt", "三、补充条款甲\n另行通知。\n")
    append(src, "small_21.txt", "三、补充条款乙\n另行通知。\n")
    report = update_index([src], root, UpdateOptions(workers=2, progress=False))
    assert (report.status, report.mode) == ("published", "incremental")
    assert (report.new, report.changed) == (("docs/small_30.txt",), ("docs/small_03.txt", "docs/small_21.txt"))
    build = current_build_path(root)
    # The new file and the first changed one (3 and 4 records) from one worker, the other (4) from the second;
    # the published segment with the old records of the changed two marked deleted.
    old, *added = leaves(build)
    assert old[1] is True and added == [(7, False), (4, False)]
    assert not [p for p in build.iterdir() if p.name.startswith(".part-")]
    fresh = tmp_path / "fresh"
    build_index([src], fresh, workers=1, progress=False)
    assert answers(build) == answers(current_build_path(fresh))
    docs, hits, count = answers(build)
    assert (len(docs), count) == (5 + SMALL + 1, old[0] - 6 + 11)
    assert hits[4:6] == [["docs/small_03.txt"], ["docs/small_21.txt"]]
