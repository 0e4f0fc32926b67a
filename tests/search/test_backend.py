"""The backend is chosen by GOVLAW_BACKEND; the Whoosh-only install (no Xapian bindings) builds and serves as it
always has, and asking it for Xapian says what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from search.backend import BackendConfigError, configured_backend
from tests.conftest import ROOT, SEEDS

WITHOUT_XAPIAN = "import sys; sys.modules['xapian'] = None  # as where the extra is not installed\n"


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_XAPIAN + textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_without_the_xapian_extra_whoosh_builds_and_answers_and_xapian_is_refused_clearly(tmp_path):
    result = _run(
        f"""
        from pathlib import Path
        from indexer.build import build_index
        from search.backend import BackendConfigError
        from search.engine import run_search
        from search.index import IndexHolder, OpenIndex, current_build_path
        from search.params import params_from
        root = Path({str(tmp_path / "index")!r})
        build_index([Path({str(SEEDS)!r})], root, workers=1, progress=False)
        index = IndexHolder(root).get()
        print("total", run_search(index, params_from({{"q": "法治政府建设"}})).total)
        for attempt in (
            lambda: build_index([Path({str(SEEDS)!r})], root, workers=1, progress=False, shards=3),
            lambda: OpenIndex.open(current_build_path(root), "xapian", []),
        ):
            try:
                attempt()
            except BackendConfigError as e:
                print("refused:", e)
        """
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "total 5"
    hint = (
        "refused: the Xapian backend needs the Xapian bindings: pip install 'govlaw[xapian]' (xapian-bindings-binary)"
    )
    assert lines[1:] == [hint, hint]


def test_the_backend_is_configured_by_the_environment(monkeypatch):
    monkeypatch.delenv("GOVLAW_BACKEND", raising=False)
    monkeypatch.delenv("GOVLAW_SHARDS", raising=False)
    assert configured_backend() == ("whoosh", [])
    monkeypatch.setenv("GOVLAW_BACKEND", " Xapian ")
    monkeypatch.setenv("GOVLAW_SHARDS", "10.0.0.1:7700,10.0.0.2:7701")
    assert configured_backend() == ("xapian", [("10.0.0.1", 7700), ("10.0.0.2", 7701)])
    monkeypatch.setenv("GOVLAW_BACKEND", "elastic")
    with pytest.raises(BackendConfigError, match="GOVLAW_BACKEND='elastic': one of whoosh, xapian"):
        configured_backend()
