"""Shared fixtures: a real index built from seeds/ by the production indexer, the app and its client.

The indexes are written as a corpus build writes them: two worker processes, each writing its segment with the
bulk writer (indexer/segment.py), not Whoosh's own writer (which a build of a few files would use)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from indexer.build import build_index
from search.index import IndexHolder
from web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"

SEED_000 = "seeds/000_82c2db1a300160f2.txt"  # 郑州 2022 report, traditional script with pinyin artifacts
SEED_001 = "seeds/001_8388e48a1664613c.txt"  # XX市 2019 report, PDF text
SEED_002 = "seeds/002_a6eb94dc626ef6bf.txt"  # 鼓楼区 2023 report, web page with footer
SEED_003 = "seeds/003_68910bc0cfdf6076.txt"  # 涧西区 plan, draft for comment, traditional script
SEED_004 = "seeds/004_bcf532dea3b7f34c.txt"  # 郑政文〔2017〕60号 notice, PDF text
# How the shared indexes are written (see the module's docstring).
INDEX_OPTIONS = {"workers": 2, "writer": "bulk", "progress": False}


def require_corpus() -> Path:
    """The shared corpus, or a skip with the reason (a failure in CI, where it must be present)."""
    if CORPUS.is_dir():
        return CORPUS
    if os.environ.get("GOVLAW_REQUIRE_CORPUS"):
        pytest.fail(f"{CORPUS} is absent but GOVLAW_REQUIRE_CORPUS is set")
    pytest.skip(f"{CORPUS} is absent (../shared/corpus is only needed for tests at scale)")


def copy_laws(files: Iterable[str], dst: Path) -> Path:
    """A source folder `dst` of some corpus laws (paths inside corpus/laws) with their metadata.jsonl rows."""
    corpus = require_corpus() / "laws"
    files = tuple(files)
    rows = {
        (r := json.loads(line))["path"]: r
        for line in (corpus / "metadata.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    }
    for rel in files:
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / rel, dst / rel)
    (dst / "metadata.jsonl").write_text("".join(json.dumps(rows[p], ensure_ascii=False) + "\n" for p in files), "utf-8")
    return dst


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("index")
    report = build_index([SEEDS], root, **INDEX_OPTIONS)
    assert report.errors == [] and report.documents == 5
    return root


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory) -> Path:
    """An index of the seeds and the small documents of tests/golden/fixtures.py (versions, laws to cite by
    article, a local regulation and an interpretation on the same rules)."""
    import shutil

    from tests.golden.fixtures import DOCS

    src = tmp_path_factory.mktemp("fixtures-src")
    shutil.copytree(SEEDS, src / "seeds")
    for rel, text in DOCS.items():
        path = src / "fixtures" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    root = tmp_path_factory.mktemp("fixtures-index")
    report = build_index([src / "seeds", src / "fixtures"], root, **INDEX_OPTIONS)
    assert report.errors == []
    return root


@pytest.fixture(scope="session")
def opened(seed_index):
    index = IndexHolder(seed_index).get()
    yield index
    index.close()


@pytest.fixture()
def app(seed_index):
    # A new app per test: warming its build first would cost every such test its searches (warming has tests of
    # its own: tests/search/test_warm.py, tests/web/test_live_switch.py).
    return create_app({"INDEX": str(seed_index), "TESTING": True, "WARM_SECONDS": 0})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run, shared by tests/browser and tests/hardening: Playwright's sync API
    cannot be started twice in one process."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _require_browser

    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
