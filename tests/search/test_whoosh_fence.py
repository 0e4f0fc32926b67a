"""search/whoosh_fence.py is the one module that touches Whoosh's internals, and it refuses any other Whoosh."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
import types
from functools import cache
from pathlib import Path

import pytest
import whoosh

from search import whoosh_fence
from search.whoosh_fence import REQUIRED, SUPPORTED_WHOOSH, Required, WhooshVersionError, check_whoosh

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("search", "indexer", "web")
FENCE = Path("search/whoosh_fence.py")


@cache
def whoosh_private_names() -> frozenset[str]:
    """Every name with one leading underscore in Whoosh's source (its attributes, functions, parameters)."""
    names = set()
    for path in Path(whoosh.__file__).parent.rglob("*.py"):
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline):
            if tok.type == tokenize.NAME and tok.string.startswith("_") and not tok.string.startswith("__"):
                names.add(tok.string)
    names.discard("_")
    return frozenset(names)


def fence_classes() -> set[str]:
    """Classes of the fence that derive from a Whoosh class (a subclass's `self._x` is then Whoosh's too)."""
    return {
        name
        for name, obj in vars(whoosh_fence).items()
        if isinstance(obj, type) and any(c.__module__.startswith("whoosh.") for c in obj.__mro__)
    }


def whoosh_bases_of(tree: ast.Module) -> set[str]:
    """The names that stand for Whoosh in a module: the fence's classes deriving from Whoosh's, and what the
    module imports from whoosh (`from whoosh.x import Y`, `import whoosh.x`)."""
    bases = set(fence_classes())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
            bases.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Import):
            bases.update((a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] == "whoosh")
    return bases


class PrivateUses:
    """The walk of private_uses over one module, with what it records."""

    def __init__(self, private: frozenset[str], whoosh_bases: set[str]) -> None:
        self.private = private
        self.whoosh_bases = whoosh_bases
        self.found: list[tuple[int, str]] = []

    def is_private(self, name: str | None) -> bool:
        return bool(name) and name in self.private

    def derives(self, cls: ast.ClassDef) -> bool:
        """The class names a Whoosh class (or an attribute of a Whoosh module) among its bases."""
        for base in cls.bases:
            root = base
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in self.whoosh_bases:
                return True
        return False

    def visit(self, node: ast.AST, in_whoosh_class: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = self.derives(child) if isinstance(child, ast.ClassDef) else in_whoosh_class
            if isinstance(child, ast.JoinedStr):
                self.visit_fstring(child, inside)
                continue
            self.record(child, inside)
            self.visit(child, inside)

    def record(self, node: ast.AST, in_whoosh_class: bool) -> None:
        """The private names a node uses itself (its children are visited apart)."""
        if isinstance(node, ast.ClassDef):
            self.found.extend(
                (item.lineno, f"def {item.name}")
                for item in node.body
                if in_whoosh_class and isinstance(item, ast.FunctionDef) and self.is_private(item.name)
            )
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
            self.found.extend((node.lineno, f"import {a.name}") for a in node.names if a.name.startswith("_"))
        elif isinstance(node, ast.Attribute) and self.is_private(node.attr):
            own = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls") and not in_whoosh_class
            if not own:
                self.found.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.keyword) and self.is_private(node.arg):
            self.found.append((node.value.lineno, f"{node.arg}="))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and self.is_private(node.value):
            self.found.append((node.lineno, repr(node.value)))

    def visit_fstring(self, node: ast.JoinedStr, in_whoosh_class: bool) -> None:
        """A name built in an f-string ("_{field}_len"); a later piece is no name on its own (f"{name}_label"):
        only the values inside are visited."""
        if node.values and isinstance(node.values[0], ast.Constant) and str(node.values[0].value).startswith("_"):
            self.found.append((node.lineno, "f'_...'"))
            return
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value, in_whoosh_class)


def private_uses(source: str) -> list[tuple[int, str]]:
    """Where a module's source uses one of Whoosh's private names: imports them from whoosh, reads or sets
    `x._name` (but `self._name` only in a class deriving from a Whoosh class, where Whoosh's names and the
    class's own meet), defines `_name` methods in such a class, passes `_name=` arguments, names `"_name"` in a
    string (getattr), or builds a name starting with "_" in an f-string ("_{field}_len")."""
    tree = ast.parse(source)
    walk = PrivateUses(whoosh_private_names(), whoosh_bases_of(tree))
    walk.visit(tree, False)
    return sorted(walk.found)


def private_uses_under(root: Path) -> list[str]:
    """`path:line: use` for every private Whoosh name used in search/, indexer/ and web/ but the fence."""
    out = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root)
            if rel != FENCE:
                out += [f"{rel}:{line}: {what}" for line, what in private_uses(path.read_text("utf-8"))]
    return out


def test_no_module_outside_the_fence_uses_a_private_whoosh_name():
    assert private_uses_under(ROOT) == []


def test_the_scan_finds_each_kind_of_private_use():
    source = """
from whoosh.codec.whoosh3 import W3Codec, _lenfield
from whoosh.writing import SegmentWriter
from search.whoosh_fence import BulkWriterBase


class Own:
    def __init__(self):
        self._data = 1                      # an own attribute of an own class: not Whoosh's


class Writer(SegmentWriter):
    def _flush_segment(self):
        self._added = True


class Bulk(BulkWriterBase):
    def add(self):
        self._storedfields = {}


def read(m, leaf, ix):
    m._read_data()
    getattr(leaf, "_perdoc", None)
    Writer(ix, _lk=False)
    return f"_{m}_len", f"{m}_len"
"""
    assert private_uses(source) == [
        (2, "import _lenfield"),
        (13, "def _flush_segment"),
        (14, "._added"),
        (19, "._storedfields"),
        (23, "._read_data"),
        (24, "'_perdoc'"),
        (25, "_lk="),
        (26, "f'_...'"),
    ]


def test_the_installed_whoosh_is_the_supported_one():
    assert SUPPORTED_WHOOSH == whoosh_fence.WHOOSH_VERSION == whoosh.versionstring() == "2.7.5"
    assert check_whoosh("2.7.5") is None
    assert len(REQUIRED) > 30


def test_another_version_is_refused_naming_the_supported_one():
    with pytest.raises(WhooshVersionError) as e:
        check_whoosh("2.7.4")
    assert str(e.value) == (
        "Whoosh 2.7.4 is installed, but govlaw supports exactly Whoosh 2.7.5 (whoosh-reloaded==2.7.5): its bulk "
        "writer and vectorised scorer use Whoosh internals of that version. Install whoosh-reloaded==2.7.5, or port "
        "search/whoosh_fence.py."
    )


class _PerDocWriter:
    """A W3PerDocWriter whose code no longer sets _storedfields (as if renamed by a Whoosh release)."""

    __module__ = "whoosh.codec.whoosh3"

    def __init__(self):
        self._colwriters = {}
        self._fieldlengths = {}
        self._stored = None

    def _create_column(self, fieldname, column):
        self._colwriters[fieldname] = column


def test_a_missing_internal_is_refused_by_its_name():
    fake = types.SimpleNamespace(W3PerDocWriter=_PerDocWriter, LENGTHS_COLUMN=types.SimpleNamespace(_typecode="H"))
    required = [
        r
        for r in REQUIRED
        if r.module == "whoosh.codec.whoosh3"
        and r.path.split(".")[0] in ("W3PerDocWriter", "LENGTHS_COLUMN", "_lenfield")
    ]
    assert len(required) == 6
    with pytest.raises(WhooshVersionError) as e:
        check_whoosh("2.7.5", required, import_module=lambda name: fake)
    assert str(e.value) == (
        "Whoosh 2.7.5 lacks internals govlaw uses: whoosh.codec.whoosh3._lenfield, "
        "whoosh.codec.whoosh3.LENGTHS_COLUMN._typecode == 'B' (it is 'H'), "
        "whoosh.codec.whoosh3.W3PerDocWriter._storedfields. govlaw supports exactly an unmodified "
        "whoosh-reloaded==2.7.5 (see search/whoosh_fence.py)."
    )


def test_missing_modules_and_parameters_are_named():
    required = [
        Required("whoosh.no_such_module", "X"),
        Required("whoosh.writing", "SegmentWriter.__init__._x", "param"),
        Required("whoosh.writing", "NoSuchWriter._check_state"),
    ]
    with pytest.raises(
        WhooshVersionError,
        match=r"lacks internals govlaw uses: module whoosh\.no_such_module, "
        r"parameter _x of whoosh\.writing\.SegmentWriter\.__init__, "
        r"whoosh\.writing\.NoSuchWriter\._check_state\. ",
    ):
        check_whoosh("2.7.5", required)


def test_importing_the_fence_under_another_whoosh_fails_even_with_optimisation():
    # python -O drops asserts; the check is not one.
    code = "import whoosh; whoosh.versionstring = lambda *a, **k: '2.8.0'\nimport search.whoosh_fence"
    done = subprocess.run(
        [sys.executable, "-O", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "search.whoosh_fence.WhooshVersionError: Whoosh 2.8.0 is installed, but govlaw supports exactly Whoosh "
        "2.7.5 (whoosh-reloaded==2.7.5): its bulk writer and vectorised scorer use Whoosh internals of that "
        "version. Install whoosh-reloaded==2.7.5, or port search/whoosh_fence.py."
    )


def test_a_segments_doc_ids_read_at_once_are_those_its_column_reader_gives(seed_index, monkeypatch):
    from search import backend as backend_module
    from search.index import IndexHolder
    from search.whoosh_fence import column_bytes

    index = IndexHolder(seed_index).get()
    try:
        with index.backend.ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                values = column_bytes(leaf, "doc_id")
                assert values == list(leaf.column_reader("doc_id", translate=False))
                assert len(values) == leaf.doc_count_all() and values[0].decode() in index.docs
        ids = sorted(index.docs)
        at_once = index.backend.section_ordinals(ids)
        monkeypatch.setattr(backend_module, "column_bytes", lambda leaf, fieldname: None)  # the reader's own pass
        assert at_once.tolist() == index.backend.section_ordinals(ids).tolist()
        assert sorted(set(at_once.tolist()) - {-1}) == list(range(len(ids)))
    finally:
        index.close()
