"""A build's manifest names the Whoosh and the writer that wrote it; a build of another Whoosh is not opened."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer.build import build_index, updated_writer
from indexer.update import UpdateOptions, update_index
from search.engine import run_search
from search.index import MANIFEST_FILE, BuildVersionError, IndexHolder, NoIndexError, OpenIndex, current_build_path
from search.params import params_from
from tests.conftest import SEED_001, SEEDS

OPTIONS = UpdateOptions(workers=1, progress=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """Sources (a copy of the seeds) and an index root with one build of them, by Whoosh's writer."""
    src = tmp_path_factory.mktemp("manifest-src") / "seeds"
    shutil.copytree(SEEDS, src)
    root = tmp_path_factory.mktemp("manifest-index") / "index"
    assert build_index([src], root, workers=1, progress=False).published
    return src, root


@pytest.fixture()
def copy(built, tmp_path) -> tuple[Path, Path]:
    """A copy of the sources and the index root that a test may change."""
    src, root = built
    shutil.copytree(src, tmp_path / "seeds")
    shutil.copytree(root, tmp_path / "index", symlinks=True)
    return tmp_path / "seeds", tmp_path / "index"


def manifest_of(root: Path) -> dict:
    return json.loads((current_build_path(root) / MANIFEST_FILE).read_text("utf-8"))


def edit_manifest(root: Path, change) -> None:
    path = current_build_path(root) / MANIFEST_FILE
    manifest = json.loads(path.read_text("utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), "utf-8")


def test_a_build_records_its_whoosh_and_writer(built):
    _, root = built
    manifest = manifest_of(root)
    assert (manifest["whoosh"], manifest["writer"]) == ("2.7.5", "whoosh")


def test_the_shared_test_indexes_are_written_in_bulk_by_two_workers(seed_index, fixture_index):
    for root in (seed_index, fixture_index):
        assert manifest_of(root)["writer"] == "bulk"
        ix = whoosh_index.open_dir(str(current_build_path(root)))
        with ix.reader() as r:
            assert len(r.leaf_readers()) == 2
        ix.close()


def test_an_unknown_writer_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"^unknown writer 'fast': one of bulk, whoosh$"):
        build_index([SEEDS], tmp_path, writer="fast")
    assert not tmp_path.joinpath("builds").exists()


def test_an_update_names_the_writers_of_its_segments():
    assert updated_writer("whoosh", "bulk") == "bulk+whoosh"
    assert updated_writer("bulk", "bulk") == "bulk"
    assert updated_writer("bulk", "bulk", "whoosh") == "bulk+whoosh"
    assert updated_writer("bulk+whoosh", "bulk") == "bulk+whoosh"
    assert updated_writer(None, "bulk") == "bulk+unknown"


def test_a_build_of_another_whoosh_is_refused_with_how_to_rebuild(copy):
    src, root = copy
    served = current_build_path(root)
    edit_manifest(root, lambda m: m.update(whoosh="2.6.0"))
    message = (
        f"build {served.name} was written by Whoosh 2.6.0, and this installation reads only indexes of "
        f"Whoosh 2.7.5: rebuild it with `govlaw-index build SRC_DIR... --index {root}`"
    )
    with pytest.raises(BuildVersionError) as e:
        OpenIndex.open(served)
    assert str(e.value) == message
    with pytest.raises(NoIndexError) as e:
        IndexHolder(root).get()
    assert str(e.value) == f"the published build {served.name} cannot be opened: {message}"
    path = src / Path(SEED_001).name
    path.write_text(path.read_text("utf-8") + "\n补充。\n", "utf-8")
    report = update_index([src], root, OPTIONS)
    assert (report.status, report.message) == ("failed", f"{message}; the served build is unchanged")
    assert current_build_path(root) == served
    # A new build replaces it.
    assert build_index([src], root, workers=1, progress=False).published
    opened = IndexHolder(root).get()
    assert opened.manifest["whoosh"] == "2.7.5"
    opened.close()


def test_a_manifest_older_than_the_fields_is_of_whoosh_2_7_5(copy):
    src, root = copy

    def drop(manifest: dict) -> None:
        del manifest["whoosh"], manifest["writer"]

    edit_manifest(root, drop)
    opened = OpenIndex.open(current_build_path(root))
    try:
        assert [h.source for h in run_search(opened, params_from(q="郑政文〔2017〕60号")).hits] == [
            "seeds/004_bcf532dea3b7f34c.txt"
        ]
    finally:
        opened.close()
    path = src / Path(SEED_001).name
    path.write_text(path.read_text("utf-8") + "\n补充。\n", "utf-8")
    report = update_index([src], root, OPTIONS)
    assert (report.status, report.mode) == ("published", "incremental")
    manifest = manifest_of(root)
    assert (manifest["whoosh"], manifest["writer"]) == ("2.7.5", "bulk+unknown")
