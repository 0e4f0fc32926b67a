"""The installed packages stand alone: search/, indexer/ and web/ never import the tests or the developer tools,
and only they are packaged."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ("search", "indexer", "web")
NOT_LIBRARY = ("tests", "tools")


def imported_roots(source: str) -> set[str]:
    """Top-level names of the absolute imports in `source`, including importlib.import_module("…") of a literal."""
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Attribute, ast.Name))
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            roots.add(node.args[0].value.split(".")[0])
    return roots


def library_modules() -> list[Path]:
    return sorted(p for package in LIBRARY for p in (ROOT / package).rglob("*.py"))


def test_the_checker_sees_every_form_of_import():
    source = (
        "import tools.bench\nfrom tests.conftest import SEEDS\nfrom . import tools\n"
        "import importlib\nimportlib.import_module('tools.querymix')\n__import__('os')\n"
    )
    assert imported_roots(source) == {"tools", "tests", "importlib", "os"}
    assert imported_roots("from tools import bench\nimport search.engine as tests\n") == {"tools", "search"}


def test_the_library_never_imports_tests_or_tools():
    modules = library_modules()
    names = {p.relative_to(ROOT).as_posix() for p in modules}
    assert {"search/engine.py", "indexer/update.py", "web/app.py", "web/gunicorn.conf.py"} <= names
    offenders = {
        p.relative_to(ROOT).as_posix(): sorted(imported_roots(p.read_text("utf-8")) & set(NOT_LIBRARY)) for p in modules
    }
    assert {path: roots for path, roots in offenders.items() if roots} == {}


def test_only_the_library_is_packaged():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    assert cfg["options"]["packages"].strip() == "find:"
    assert cfg["options.packages.find"]["include"].split() == [
        "search",
        "search.*",
        "indexer",
        "indexer.*",
        "web",
        "web.*",
    ]
