"""The lock files name every dependency that setup.cfg declares (scripts/lock remakes them; an install from a lock
that misses one would leave it out: the project is installed with --no-deps)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _declared(section: str, key: str) -> set[str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = [ln.strip() for ln in cfg[section][key].splitlines()]
    return {canonicalize_name(Requirement(ln).name) for ln in lines if ln and not ln.startswith("#")}


def _locked(name: str) -> set[str]:
    text = (ROOT / "requirements" / name).read_text("utf-8")
    return {canonicalize_name(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", text, re.MULTILINE)}


@pytest.mark.parametrize(
    "lock,declared",
    [
        ("serve.txt", [("options", "install_requires")]),
        ("test.txt", [("options", "install_requires"), ("options.extras_require", "test")]),
    ],
)
def test_every_declared_dependency_is_locked(lock, declared):
    wanted = set().union(*(_declared(s, k) for s, k in declared))
    assert sorted(wanted - _locked(lock)) == []
