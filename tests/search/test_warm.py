"""A newly published build is opened and warmed while the one before it keeps answering; the holder switches
once warming is done or its budget is spent (search/index.py, search/warm.py)."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading
import time

import pytest
from whoosh.reading import ReaderClosed

from indexer.build import publish
from indexer.update import UpdateOptions, update_index
from search.engine import run_search
from search.index import BUILDS_DIR, MANIFEST_FILE, IndexHolder, OpenIndex, current_build_path
from search.params import params_from
from search.warm import WARM_SETS_FILE, frequent_body_words, load_warm_sets, match_sets, warm_build, warm_words
from tools.hardening.common import write_tiny

WAIT = 60  # seconds a test waits for a warming thread at most (each finishes in well under one)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """An index root with three builds of the same three documents, one line apart; `current` at the first."""
    src = write_tiny(tmp_path_factory.mktemp("warm-src") / "docs")
    root = tmp_path_factory.mktemp("warm-index")
    for n in range(3):
        with open(src / "a_notice.txt", "a", encoding="utf-8") as f:
            f.write(f"\n补充第{n}条。\n")
        options = UpdateOptions(workers=1, progress=False, keep=10, warm_sets=True)
        assert update_index([src], root, options).status == "published"
    paths = sorted((root / BUILDS_DIR).iterdir())
    assert len(paths) == 3
    return root, paths


@pytest.fixture()
def root(builds):
    root, paths = builds
    publish(root, paths[0])
    return root


class Gate:
    """A warmer that holds every build but the first until released, and records what it was given."""

    def __init__(self, first: str):
        self.first = first
        self.release = threading.Event()
        self.warmed: list[str] = []

    def __call__(self, index: OpenIndex, should_stop) -> None:
        if index.build_id != self.first:
            assert self.release.wait(WAIT)
        self.warmed.append(index.build_id)


def _finish(holder: IndexHolder) -> None:
    """Wait for the build being warmed (if the holder has not switched to it already)."""
    warming = holder.warming
    assert warming is None or warming.wait(WAIT)


def test_the_old_build_answers_until_the_new_one_is_warmed(builds, root):
    _, paths = builds
    gate = Gate(paths[0].name)
    holder = IndexHolder(root, warm_seconds=WAIT, warmer=gate)
    assert holder.get().build_id == paths[0].name
    publish(root, paths[1])
    assert [holder.get().build_id for _ in range(3)] == [paths[0].name] * 3
    assert holder.warming is not None and holder.warming.path == paths[1]
    gate.release.set()
    _finish(holder)
    assert holder.get().build_id == paths[1].name
    assert holder.warming is None
    assert gate.warmed == [paths[0].name, paths[1].name]


def test_the_new_build_is_served_once_the_budget_is_spent_even_if_warming_goes_on(builds, root):
    _, paths = builds
    stopped: list[tuple[str, bool]] = []

    def endless(index: OpenIndex, should_stop) -> None:
        while not should_stop():
            time.sleep(0.01)
        stopped.append((index.build_id, should_stop()))

    holder = IndexHolder(root, warm_seconds=0.3, warmer=endless)
    assert holder.get().build_id == paths[0].name  # the first build, warmed for its 0.3 s before answering
    publish(root, paths[1])
    assert holder.get().build_id == paths[0].name
    _finish(holder)
    assert holder.get().build_id == paths[1].name
    assert stopped == [(paths[0].name, True), (paths[1].name, True)]


def test_no_budget_switches_at_once_without_warming(builds, root):
    _, paths = builds
    warmed: list[str] = []
    holder = IndexHolder(root, warm_seconds=0, warmer=lambda index, stop: warmed.append(index.build_id))
    assert holder.get().build_id == paths[0].name
    publish(root, paths[1])
    assert holder.get().build_id == paths[1].name
    assert holder.warming is None and warmed == []


def test_a_failing_warmer_still_switches_to_the_new_build(builds, root, caplog):
    _, paths = builds

    def failing(index: OpenIndex, should_stop) -> None:
        raise RuntimeError("warming failed")

    holder = IndexHolder(root, warm_seconds=WAIT, warmer=failing)
    assert holder.get().build_id == paths[0].name
    publish(root, paths[1])
    with caplog.at_level(logging.WARNING, logger="search.index"):
        holder.get()
        _finish(holder)
    assert holder.get().build_id == paths[1].name
    assert [(r.getMessage(), r.govlaw) for r in caplog.records if r.name == "search.index"] == [
        ("index.warm_failed", {"build": paths[0].name}),
        ("index.warm_failed", {"build": paths[1].name}),
    ]


def test_a_build_that_cannot_be_opened_leaves_the_old_one_served(builds, root, tmp_path, caplog):
    _, paths = builds
    broken = paths[0].parent / "broken-build"
    shutil.copytree(paths[1], broken)
    (broken / MANIFEST_FILE).write_text(json.dumps({"whoosh": "2.7.4"}), "utf-8")
    try:
        holder = IndexHolder(root, warm_seconds=WAIT, warmer=lambda index, stop: None)
        assert holder.get().build_id == paths[0].name
        publish(root, broken)
        with caplog.at_level(logging.ERROR, logger="search.index"):
            assert holder.get().build_id == paths[0].name
            _finish(holder)
            assert holder.get().build_id == paths[0].name  # the failure is seen, and logged
        logged = [r.getMessage() for r in caplog.records if r.name == "search.index"]
        # Once or twice: a next request tries again, as a build opened at once was tried by every request.
        assert 1 <= len(logged) <= 2
        assert {(m[:97], m[-len(paths[0].name) - 16 :]) for m in logged} == {
            (
                "the published build broken-build cannot be opened (build broken-build was written by Whoosh 2.7.4",
                f"; still serving {paths[0].name}",
            )
        }
        publish(root, paths[2])
        holder.get()
        _finish(holder)
        assert holder.get().build_id == paths[2].name
    finally:
        publish(root, paths[0])
        shutil.rmtree(broken)


def test_a_build_superseded_while_warming_is_closed_and_never_served(builds, root):
    _, paths = builds
    gate = Gate(paths[0].name)
    holder = IndexHolder(root, warm_seconds=WAIT, warmer=gate)
    holder.get()
    publish(root, paths[1])
    holder.get()
    first_warming = holder.warming
    assert first_warming is not None and first_warming.path == paths[1]
    publish(root, paths[2])
    assert holder.get().build_id == paths[0].name
    assert holder.warming is not None and holder.warming.path == paths[2]
    gate.release.set()
    assert first_warming.wait(WAIT)
    _finish(holder)
    assert holder.get().build_id == paths[2].name
    superseded = first_warming.opened
    assert superseded is not None and superseded.build_id == paths[1].name
    with pytest.raises((ReaderClosed, sqlite3.ProgrammingError)):
        run_search(superseded, params_from(q="法治政府"))


def test_going_back_to_the_served_build_while_another_warms_stops_warming(builds, root):
    _, paths = builds
    gate = Gate(paths[0].name)
    holder = IndexHolder(root, warm_seconds=WAIT, warmer=gate)
    first = holder.get()
    publish(root, paths[1])
    holder.get()
    warming = holder.warming
    publish(root, paths[0])  # a rollback before the new build was served
    assert holder.get() is first and holder.warming is None
    gate.release.set()
    assert warming is not None and warming.wait(WAIT)
    assert holder.get() is first


def test_warm_words_are_the_words_titles_share_most():
    titles = [
        "某市人民政府关于加强安全生产工作的通知",
        "某县人民政府关于安全生产的通知",
        "国务院办公厅通知",
        "安全生产条例",
    ]
    assert warm_words(titles) == ("安全", "生产", "通知", "人民政府", "关于")  # 国务院 and 条例: one title each
    assert warm_words(titles, limit=2) == ("安全", "生产")


def test_warming_searches_the_shared_title_words_and_stops_when_told(seed_index):
    path = current_build_path(seed_index)
    index = OpenIndex.open(path)
    try:
        assert warm_words(index.table.titles) == (
            "人民政府",
            "关于",
            "法治政府建设",
            "情况",
            "报告",
            "郑州市",
            "年度",
            "工作",
        )
        assert warm_build(index, lambda: True) == 0
        assert len(index._cache) == 0
        assert warm_build(index, lambda: False) == 8
        assert len(index._cache) > 0  # their match sets are remembered
        # A question's per-build tables too (the first question after a switch would compute them).
        assert {"level-factor", "copied-rules", "places", "sections-per-document", "title-topic-levels"} <= set(
            index._memos
        )
    finally:
        index.close()


def test_an_update_asked_to_write_the_match_sets_of_its_build_and_only_that_build_loads_them(builds, tmp_path):
    _, paths = builds
    loaded, fresh = OpenIndex.open(paths[1]), OpenIndex.open(paths[1])
    try:
        assert warm_words(fresh.table.titles) == ("法治政府建设", "关于")
        assert frequent_body_words(fresh) == ()  # no word of three short documents is frequent enough
        body = frequent_body_words(fresh, min_frequency=1)
        assert body[:8] == ("政府", "法治政府", "法治", "推进", "建设", "行政", "人民政府", "人民")
        expected = {k: v.tolist() for k, v in match_sets(fresh, ("法治政府建设", "关于")).items()}
        assert load_warm_sets(loaded) == len(expected) == 2
        assert {k: loaded._cache[k].tolist() for k in expected} == expected
        about = expected["Or([Term('title_bi', '关于'), Term('body_bi', '关于')])"]
        owners = sorted(fresh.docs[fresh.table.ids[fresh.table.of_section[d]]].source for d in about)
        assert owners == ["docs/a_notice.txt", "docs/c_plan.txt"]
    finally:
        loaded.close()
        fresh.close()
    # The same build elsewhere loads them; with another build's file (a copy carried over) it loads none.
    copy = tmp_path / paths[1].name
    shutil.copytree(paths[1], copy)
    for source, count in ((paths[1], 2), (paths[0], 0)):
        shutil.copy(source / WARM_SETS_FILE, copy / WARM_SETS_FILE)
        index = OpenIndex.open(copy)
        try:
            assert load_warm_sets(index) == count
        finally:
            index.close()
