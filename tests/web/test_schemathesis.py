"""The API agrees with its own description: Schemathesis generates requests from /api/openapi.json, valid and
invalid ones (its coverage and fuzzing phases), and runs all its checks on every answer: no server error,
statuses, content types, headers and bodies as documented, invalid input rejected with a 4xx, valid input
accepted, 405 with Allow for other methods.

One rule the document cannot state: `date_from` after `date_to` is a 400 (a reversed range), though each date
alone is valid; fuzzing with other seeds can find such a pair and count it as a valid request rejected.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from web.app import create_app

ST = Path(sys.executable).with_name("st")
# Examples per operation and phase: every parameter's edges, in about a minute on two cores.
MAX_EXAMPLES = 25
SEED = 1


@pytest.fixture()
def served(seed_index):
    if not ST.exists():
        pytest.skip(f"Schemathesis is not installed at {ST} (pip install -e .[test])")
    server = make_server("127.0.0.1", 0, create_app({"INDEX": str(seed_index)}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.mark.slow
def test_schemathesis_with_all_checks_finds_nothing(served):
    result = subprocess.run(
        [
            str(ST),
            "run",
            f"{served}/api/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            # The same cases on every run (no example database carried between runs): a failure is the code's.
            "--generation-deterministic",
            "--request-timeout",
            "60",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    summary = result.stdout[result.stdout.rfind("SUMMARY") :]
    assert result.returncode == 0, result.stdout[-6000:]
    # Every operation of the document but the document itself, which Schemathesis leaves out.
    assert "Selected: 12/12" in summary and "Tested: 12" in summary, summary
    assert " generated, " in summary and "failed" not in summary and "errored" not in summary, summary
