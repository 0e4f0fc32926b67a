"""Every test under tests/hardening/ is marked `hardening`: the tier that runs the harnesses of tools/hardening/
(crashes, disk faults, hostile and malformed input, load, soak)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.hardening)
