"""scripts/nightly-reindex runs `indexer update` from cron's empty environment; its log lines parse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

SCRIPT = ROOT / "scripts" / "nightly-reindex"


def test_nightly_reindex_updates_then_does_nothing(tmp_path):
    venv = Path(os.environ.get("VENV", ROOT / ".venv"))
    if not (venv / "bin" / "python").exists():
        pytest.skip(f"no virtual environment at {venv} (the script never creates one)")
    src = tmp_path / "seeds"
    shutil.copytree(SEEDS, src)
    env = {
        "PATH": "/usr/bin:/bin",
        "GOVLAW_INDEX": str(tmp_path / "index"),
        "GOVLAW_SOURCES": str(src),
        "VENV": str(venv),
    }
    first = subprocess.run(
        [str(SCRIPT), "--no-progress"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("update: published build")
    events = [json.loads(line) for line in first.stderr.splitlines()]  # JSON lines when not a terminal
    assert [e["event"] for e in events] == [
        "scan.done",
        "write.done",
        "gate.done",
        "switch.done",
        "log.done",
        "run.done",
    ]
    second = subprocess.run(
        [str(SCRIPT), "--log-format", "logfmt"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert second.returncode == 0 and second.stdout.startswith("update: unchanged: no new build")
    assert all(line.startswith("time=") and " event=" in line for line in second.stderr.splitlines())
    missing = subprocess.run(
        [str(SCRIPT)], env={**env, "GOVLAW_SOURCES": ""}, capture_output=True, text=True, check=False
    )
    assert missing.returncode == 64 and "GOVLAW_SOURCES" in missing.stderr


def test_logfmt_quotes_values_with_spaces():
    from search.logs import logfmt_value as _logfmt_value

    assert [_logfmt_value(v) for v in ("a", "a b", "", 3, [1], ["x"], 'q"')] == [
        "a",
        '"a b"',
        '""',
        "3",
        "[1]",
        '"[\\"x\\"]"',
        '"q\\""',
    ]
