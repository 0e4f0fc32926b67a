"""An update whose published build cannot be opened reads every file into a build from scratch, and says so."""

from __future__ import annotations

import json
import logging
import shutil

import pytest

from indexer.update import update_index
from search.index import MANIFEST_FILE, current_build_path
from search.store import STORE_FILE
from tests.conftest import SEEDS
from tests.indexer.test_update import OPTIONS, change_sources, snapshot


@pytest.fixture()
def corpus(tmp_path):
    src = tmp_path / "src" / "seeds"
    shutil.copytree(SEEDS, src)
    root = tmp_path / "index"
    assert update_index([src], root, OPTIONS).status == "published"
    return src, root


def _break_index(build):
    for toc in build.glob("_MAIN_*.toc"):
        toc.write_bytes(b"\0not a table of contents")


def _break_store(build):
    (build / STORE_FILE).write_bytes(b"this is not an SQLite database" * 10)


def _break_manifest(build):
    (build / MANIFEST_FILE).write_text("{ half a manifest", "utf-8")


@pytest.mark.parametrize("damage", [_break_index, _break_store, _break_manifest], ids=lambda f: f.__name__)
def test_an_unopenable_published_build_is_replaced_by_a_full_build(corpus, caplog, damage):
    src, root = corpus
    served = current_build_path(root)
    expected = snapshot(root)
    damage(served)
    with caplog.at_level(logging.INFO, logger="govlaw.indexer"):
        report = update_index([src], root, OPTIONS)
    assert report.status == "published"
    assert report.mode == "full"
    assert report.message.startswith(f"the published build {served.name} cannot be opened (")
    assert report.message.endswith("): built again from scratch")
    assert report.message in report.summary()
    events = [r.govlaw for r in caplog.records if r.getMessage() == "previous.unopenable"]
    assert [(e["build"], e["action"]) for e in events] == [(served.name, "full build from scratch")]
    assert current_build_path(root) != served
    assert snapshot(root) == expected  # the same sources: the same answers as before the damage
    last = json.loads((root / "last-run.json").read_text("utf-8"))
    assert last["status"] == "published" and "built again from scratch" in last["message"]
    # The next run builds on the new build as usual.
    change_sources(src)
    assert update_index([src], root, OPTIONS).mode == "incremental"
