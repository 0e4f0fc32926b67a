"""The versions of the libraries that shape records are part of the pipeline fingerprint: an upgrade of one
re-reads every file on the next update."""

from __future__ import annotations

import shutil

import pytest

import indexer.build
from indexer.build import PIPELINE_LIBRARIES, library_versions, pipeline_fingerprint
from indexer.update import update_index
from tests.conftest import SEEDS
from tests.indexer.test_update import OPTIONS


def test_every_library_that_shapes_records_is_named_and_installed():
    assert set(PIPELINE_LIBRARIES) == {
        "opencc",
        "jieba",
        "rjieba",
        "charset-normalizer",
        "beautifulsoup4",
        "lxml",
        "pypdf",
        "python-docx",
    }
    assert all(library_versions().values())


@pytest.mark.parametrize("library", PIPELINE_LIBRARIES)
def test_a_new_version_of_any_of_them_changes_the_fingerprint(monkeypatch, library):
    before = pipeline_fingerprint()
    upgraded = {**library_versions(), library: "999.0"}
    monkeypatch.setattr(indexer.build, "library_versions", lambda: upgraded)
    assert pipeline_fingerprint() != before


def test_an_update_after_an_upgrade_reads_every_file_again(tmp_path, monkeypatch):
    src = tmp_path / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    root = tmp_path / "index"
    assert update_index([src], root, OPTIONS).status == "published"
    assert update_index([src], root, OPTIONS).status == "unchanged"
    upgraded = {**library_versions(), "opencc": "999.0"}
    monkeypatch.setattr(indexer.build, "library_versions", lambda: upgraded)
    report = update_index([src], root, OPTIONS)
    assert (report.status, report.mode) == ("published", "full")
    assert sorted(report.reprocessed) == sorted(f"seeds/{p.name}" for p in SEEDS.iterdir() if p.suffix == ".txt")
    assert update_index([src], root, OPTIONS).status == "unchanged"
