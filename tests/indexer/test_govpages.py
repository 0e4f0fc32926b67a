"""The saved government pages of ../shared/corpus/govpages against their truth file: every field target of
scripts/metadata-accuracy, and every probe phrase found by a search of an index built from the pages."""

from __future__ import annotations

import json

import pytest

from indexer.build import build_index
from search.engine import run_search
from search.index import IndexHolder
from search.params import params_from
from tests.conftest import INDEX_OPTIONS, require_corpus
from tools.metadata_accuracy import govpages_rows

pytestmark = pytest.mark.corpus


def _folder():
    folder = require_corpus() / "govpages"
    if not (folder / "truth.jsonl").is_file():
        pytest.skip(f"{folder}/truth.jsonl is absent")
    return folder


def test_field_targets():
    rows = {row.name: row for row in govpages_rows(_folder())}
    shares = {name: row.ok / row.of for name, row in rows.items()}
    assert shares["govpages: title"] == 1.0, rows["govpages: title"].failures
    assert shares["govpages: issuer (pages stating one)"] >= 0.95
    assert shares["govpages: 文号 (pages stating one)"] == 1.0
    assert shares["govpages: date"] >= 0.95
    assert shares["govpages: furniture strings absent"] >= 0.95


def test_every_probe_phrase_is_found_by_a_search(tmp_path):
    folder = _folder()
    truth = [json.loads(line) for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line]
    report = build_index([folder], tmp_path / "index", **INDEX_OPTIONS)
    # The search-results page is no document; every detail page is one.
    assert [e.path.rsplit("/", 1)[-1] for e in report.errors] == ["g04.html"]
    index = IndexHolder(tmp_path / "index").get()
    try:
        missed = []
        for t in truth:
            for probe in t["probes"]:
                sources = [h.source for h in run_search(index, params_from({"q": f'"{probe}"'})).hits]
                if f"govpages/{t['file']}" not in sources:
                    missed.append((t["file"], probe))
        assert missed == []
    finally:
        index.close()
