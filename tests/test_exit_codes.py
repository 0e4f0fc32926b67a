"""Every command line exits 64 on a wrong command line (2 stays the indexer's "another run holds the lock")."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

WRONG = [
    ["-m", "indexer"],
    ["-m", "indexer", "frobnicate"],
    ["-m", "indexer", "build"],
    ["-m", "indexer", "build", "/nonexistent/folder"],
    ["-m", "indexer", "build", "seeds", "--workers", "zero"],
    ["-m", "indexer", "update", "seeds", "--bogus"],
    ["-m", "indexer", "rollback", "--keep", "3"],
    ["-m", "indexer", "inspect"],
    ["-m", "search", "刑法", "--size", "ten"],
    ["-m", "search", "刑法", "--filter", "no-equals-sign"],
    ["-m", "tools.harden", "frobnicate"],
    ["-m", "tools.harden", "crash", "--trials", "many"],
]


@pytest.mark.parametrize("args", WRONG, ids=" ".join)
def test_a_wrong_command_line_exits_64_with_a_message(args):
    result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 64, result.stderr
    assert "rror" in result.stderr or "Usage" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["-m", "indexer", "--help"], ["-m", "search", "--help"]], ids=" ".join)
def test_help_exits_0(args):
    result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "Usage:" in result.stdout
