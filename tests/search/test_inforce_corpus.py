"""As of a day, over every versioned law of the shared corpus: on the day before each version enters into force
the previous one is found, and on that day the new one (a build of those laws alone, with their metadata)."""

from __future__ import annotations

import datetime
import json
import shutil
from collections import defaultdict

import pytest

from indexer.build import build_index
from search.engine import run_search
from search.index import IndexHolder
from search.inforce import start_of
from search.params import params_from
from tests.conftest import INDEX_OPTIONS, require_corpus

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def versioned(tmp_path_factory):
    laws = require_corpus() / "laws"
    rows = [json.loads(line) for line in (laws / "metadata.jsonl").read_text("utf-8").splitlines() if line.strip()]
    groups = defaultdict(list)
    for row in rows:
        groups[(row["heading"], row["region"])].append(row)
    kept = [r for members in groups.values() if len(members) > 1 for r in members]
    src = tmp_path_factory.mktemp("versioned") / "laws"
    for row in kept:
        (src / row["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(laws / row["path"], src / row["path"])
    (src / "metadata.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), "utf-8")
    root = tmp_path_factory.mktemp("versioned-index")
    report = build_index([src], root, **INDEX_OPTIONS)
    assert report.errors == []
    opened = IndexHolder(root).get()
    yield opened
    opened.close()


def _found(opened, title: str, day: str, members: set[str]) -> set[str]:
    result = run_search(opened, params_from({"q": f'title:"{title}"', "as_of": day, "size": "100"}))
    return {h.doc_id for h in result.hits} & members


def test_the_version_in_force_on_both_sides_of_every_change(versioned):
    groups = {frozenset(v) for v in versioned.versions.values()}
    assert len(groups) >= 100
    checked = 0
    for group in groups:
        # A version: the documents of one date (copies, or the books of one code), entering into force on the
        # latest day any of them states; an undated document is the oldest version.
        by_date: dict[str, set[str]] = defaultdict(set)
        for d in group:
            by_date[versioned.docs[d].date or ""].add(d)
        # Versions entering into force the same day are one (a text dated by its adoption and by its publication).
        starts = {date: max(start_of(versioned.docs[d]) or "" for d in members) for date, members in by_date.items()}
        start_of_doc = {d: starts[date] for date, members in by_date.items() for d in members}
        title = versioned.docs[next(iter(group))].title
        for change in sorted({s for s in starts.values() if s}):
            before = (datetime.date.fromisoformat(change) - datetime.timedelta(days=1)).isoformat()
            for day in (before, change):
                started = [s for s in start_of_doc.values() if s <= day]
                expected = {d for d, s in start_of_doc.items() if started and s == max(started)}
                assert _found(versioned, title, day, set(group)) == expected, (title, day)
                checked += 1
    assert checked >= 400


@pytest.mark.parametrize(
    "title, day, expected",
    [
        ("中华人民共和国公司法", "2024-06-30", ["民法商法/公司法(2018-10-26).md"]),
        ("中华人民共和国公司法", "2024-07-01", ["民法商法/公司法(2023-12-29).md"]),
        ("中华人民共和国公司法", "2018-10-25", []),
        ("中华人民共和国行政复议法", "2017-12-31", []),
        ("中华人民共和国行政复议法", "2023-12-31", ["诉讼与非诉讼程序法/行政复议法(2017-09-01).md"]),
        ("中华人民共和国行政复议法", "2024-01-01", ["诉讼与非诉讼程序法/行政复议法(2023-09-01).md"]),
    ],
)
def test_literal_days(versioned, title, day, expected):
    result = run_search(versioned, params_from({"q": f'title:"{title}"', "as_of": day, "size": "100"}))
    assert sorted(h.source.removeprefix("laws/") for h in result.hits if h.title == title) == expected
