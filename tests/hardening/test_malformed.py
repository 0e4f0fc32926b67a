"""About thirty kinds of malformed files, about 200 in all, built beside good ones by the production indexer:
no crash, one error record per refused file, the good files indexed exactly as without the bad ones.
(`scripts/harden malformed` prints the time and memory per kind.)"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from indexer.pipeline import SourceFile, build_document, file_hash
from indexer.update import UpdateOptions, update_index
from search.engine import run_search
from search.highlight import snippet
from search.index import OpenIndex, current_build_path
from search.params import params_from
from tools.hardening.badfiles import KINDS, outcomes, run_build, write_bad, write_good
from tools.hardening.common import TINY_QUERIES

PER_KIND = 6
# Loose bounds: a hang or a runaway allocation fails, a slow machine does not.
MAX_PEAK_MB = 4096
HANG_SECONDS = 60
GENEROUS_SECONDS = 5


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    base = tmp_path_factory.mktemp("malformed")
    clean_src, dirty_src = base / "clean" / "docs", base / "dirty" / "docs"
    good = write_good(clean_src)
    shutil.copytree(clean_src, dirty_src)  # the same bytes (Word and PDF files carry a timestamp)
    bad = write_bad(dirty_src, PER_KIND)
    clean = run_build([clean_src], base / "clean-index", base / "clean.json")
    dirty = run_build([dirty_src], base / "dirty-index", base / "dirty.json")
    return good, bad, clean, dirty, base


def _open(root: Path) -> OpenIndex:
    return OpenIndex.open(current_build_path(root))


def test_about_two_hundred_files_of_about_thirty_kinds(builds):
    _, bad, *_ = builds
    assert len({f.kind.name for f in bad}) >= 30 and 180 <= len(bad) <= 260


def test_the_build_neither_crashes_nor_runs_away(builds):
    _, _, clean, dirty, _ = builds
    assert clean.returncode == 0 and dirty.returncode == 0, dirty.stderr[-3000:]
    assert "Traceback" not in dirty.stderr
    assert dirty.report["published"] is True
    assert 0 < dirty.max_rss_mb < MAX_PEAK_MB


def test_each_bad_file_has_exactly_the_outcome_its_kind_expects(builds):
    _, bad, _, dirty, base = builds
    opened = _open(base / "dirty-index")
    try:
        docs = {m.source: opened.store.get(d).text for d, m in opened.docs.items()}
    finally:
        opened.close()
    assert outcomes(bad, dirty, docs) == {}
    assert len(dirty.report["errors"]) == sum(1 for f in bad if f.source not in docs)
    assert all(set(e) >= {"path", "stage", "reason"} for e in dirty.report["errors"])


def test_the_good_files_index_exactly_as_without_the_bad_ones(builds):
    good, _, clean, _, base = builds
    assert clean.report["errors"] == []
    a, b = _open(base / "clean-index"), _open(base / "dirty-index")
    try:
        assert sorted(m.source for m in a.docs.values()) == good
        for doc_id, meta in a.docs.items():
            assert b.docs[doc_id] == meta
            assert b.store.get(doc_id) == a.store.get(doc_id)
            assert len(b.sections_of(doc_id)) and len(b.sections_of(doc_id)) == len(a.sections_of(doc_id))
        titles = [m.title for m in a.docs.values() if m.title]
        for q in (*TINY_QUERIES, *titles):
            hits_a = [h.source for h in run_search(a, params_from(q=q, size="100")).hits]
            hits_b = [h.source for h in run_search(b, params_from(q=q, size="100")).hits if h.source in good]
            assert sorted(hits_b) == sorted(hits_a), q
        for q in titles:
            assert run_search(b, params_from(q=q)).hits[0].source == run_search(a, params_from(q=q)).hits[0].source
    finally:
        a.close()
        b.close()


def _bounded(fn, *args):
    """fn(*args) in a thread; fails instead of hanging the suite."""
    out: list = []
    t = threading.Thread(target=lambda: out.append(fn(*args)), daemon=True)
    t.start()
    t.join(HANG_SECONDS)
    assert out, f"{fn.__name__} did not return within {HANG_SECONDS} s"
    return out[0]


def test_a_fifo_or_a_link_to_dev_zero_is_refused_without_reading_it(tmp_path):
    # Both used to hang the build: the content hash was read before the loader refused the file.
    src = tmp_path / "docs"
    src.mkdir()
    os.mkfifo(src / "pipe.txt")
    (src / "zero.txt").symlink_to("/dev/zero")
    pipe = _bounded(build_document, SourceFile(src / "pipe.txt", src, "docs/pipe.txt"))
    zero = _bounded(build_document, SourceFile(src / "zero.txt", src, "docs/zero.txt"))
    assert (pipe.stage, zero.stage) == ("read", "symlink")
    for path in (src / "pipe.txt", src / "zero.txt"):
        with pytest.raises(OSError, match="not a regular file"):
            file_hash(path)  # no FIFO is opened for writing here: a blocking read would hang the test


def test_the_nightly_update_over_a_fifo_finishes_and_reports_it(tmp_path):
    src = tmp_path / "docs"
    src.mkdir()
    (src / "a.txt").write_text("某市关于推进依法行政的通知\n\n一、总体要求\n依法行政。\n", "utf-8")
    os.mkfifo(src / "pipe.txt")
    report = _bounded(update_index, [src], tmp_path / "index", UpdateOptions(workers=1, progress=False))
    assert report.status == "published"
    assert [(e.source, e.stage) for e in report.failed] == [("docs/pipe.txt", "read")]


def test_every_kind_names_what_it_expects():
    assert all(k.expect for k in KINDS) and len({k.name for k in KINDS}) == len(KINDS)


def test_a_snippet_of_a_document_repeating_the_term_forty_thousand_times_is_quick():
    # The million-character line kind: counting the matches of every window one by one took minutes.
    text = "法治政府建设是全面依法治国的重点任务和主体工程" * 40_000
    started = time.perf_counter()
    html = snippet(text, ["法治政府"])
    assert time.perf_counter() - started < GENEROUS_SECONDS
    assert html.startswith("<mark>法治政府</mark>") and html.count("<mark>") == 7
