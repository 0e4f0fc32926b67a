"""A build's opened state, written into it by the indexer so that a web worker opens it in a fraction of the time.

Opening a build reads every document's metadata from the store (JSON, one document at a time), numbers every
section by its document (a pass over the doc_id column) and builds the document table: 4.8 s for ten times the
laws corpus, all of it Python holding the GIL, so that a worker opening a newly published build beside its
requests (search/index.py, `IndexHolder`) slowed its answers from the old build for that long, and a worker
starting up answered nothing. The indexer has the build open anyway (the update's gate searches it) and writes
what opening computed, with the per-build tables its searches filled (`OpenIndex.memo`: document levels, places,
copied rules …), as one pickle; `OpenIndex.open` loads it in a quarter of a second at that size instead.

The file is a cache: it is used only by the build it was written for (same name, backend and number of sections)
and by the same code (the source of the search package, whose constants and scoring the remembered tables hold,
and SNAPSHOT_FORMAT); any other file, or one that cannot be read, is ignored and the build is opened as before.
It is read by an unpickler that makes no object but of the types listed in LOADABLE (arrays, dates, the document
table …): a file written by anything else cannot make the web process run code, whoever could write into the
index.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import logging
import os
import pickle
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from search import repeals
from search.store import DocMeta
from search.validity import today

if TYPE_CHECKING:
    from search.index import DocTable, OpenIndex

log = logging.getLogger(__name__)
SNAPSHOT_FILE = "opened.pickle"
# Raised when what the file holds changes in a way the fields below do not show.
SNAPSHOT_FORMAT = 1
# Documents are pickled as tuples of their fields, in chunks: one pickle of them all held the GIL for 0.3 s at ten
# times the laws corpus, as long as a request answered by the build being replaced then waited.
DOCS_PER_CHUNK = 2048


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """What `OpenIndex.open` computes from a build, and the per-build tables remembered beside it."""

    docs: dict[str, DocMeta]
    versions: dict[str, tuple[str, ...]]
    table: DocTable
    memos: dict


# The only globals a snapshot may name: what the document table, the documents' fields and the per-build tables
# are made of. A table of a type not listed is left out when the file is written.
LOADABLE = frozenset(
    {
        ("builtins", "frozenset"),
        ("builtins", "set"),
        ("collections", "OrderedDict"),
        ("datetime", "date"),
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy.core.multiarray", "_reconstruct"),  # NumPy 1's names of the same
        ("numpy.core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("search.dayview", "DayView"),
        ("search.engine", "_Champions"),
        ("search.index", "DocTable"),
    }
)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in LOADABLE:
            raise pickle.UnpicklingError(f"a snapshot may not hold {module}.{name}")
        return super().find_class(module, name)


def _load(f) -> Any:
    return _Unpickler(f).load()


def code_fingerprint() -> str:
    """Changes whenever the search package's source changes (the pickled types' fields, and the constants and
    scoring that the remembered tables were computed with: a common word's best sections, the levels' factors)
    or the format its number: a snapshot of other code is not loaded."""
    return hashlib.sha256(f"{SNAPSHOT_FORMAT};{source_digest()}".encode()).hexdigest()[:16]


@functools.cache
def source_digest() -> str:
    """A digest of the search package's source files (read once per process)."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(f"{source.name}\0".encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _loadable_memos(memos: dict) -> dict:
    """The remembered tables that pickle and load back of the LOADABLE types (all of them today; one that does
    not is left for the worker to compute)."""
    out = {}
    for key, value in memos.items():
        try:
            _load(io.BytesIO(pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)))
        except Exception:  # noqa: BLE001  left out of the cache, computed by the worker when asked
            continue
        out[key] = value
    return out


def write_snapshot(index: OpenIndex, build_id: str) -> Path:
    """Write an opened build's state into it, for the name it is (or will be) published under; returns the file."""
    header = {
        "format": code_fingerprint(),
        "build": build_id,
        "backend": index.backend.name,
        "sections": index.section_count,
        "chunks": -(-len(index.docs) // DOCS_PER_CHUNK),
        # The statuses hold the repeals in force today: the day the next one takes effect makes them stale.
        "repeals_pending": repeals.pending(index.docs, today()),
    }
    path = index.path / SNAPSHOT_FILE
    # Written beside and renamed over: a build made from another by hard links may hold that build's file.
    partial = path.with_name(f".{SNAPSHOT_FILE}.partial")
    try:
        _write(partial, header, index)
    except BaseException:
        partial.unlink(missing_ok=True)  # a full disk, say: no half-written file is left in the build
        raise
    os.replace(partial, path)
    return path


def _write(partial: Path, header: dict, index: OpenIndex) -> None:
    """The header, the versions, table and per-build tables, then the documents as tuples of their fields in
    chunks of DOCS_PER_CHUNK."""
    docs = list(index.docs.items())
    with open(partial, "wb") as f:
        pickle.dump(header, f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump((index.versions, index.table, _loadable_memos(index.memos())), f, protocol=pickle.HIGHEST_PROTOCOL)
        names = [f.name for f in dataclasses.fields(DocMeta)]
        for start in range(0, len(docs), DOCS_PER_CHUNK):
            chunk = [(d, tuple(getattr(m, n) for n in names)) for d, m in docs[start : start + DOCS_PER_CHUNK]]
            pickle.dump(chunk, f, protocol=pickle.HIGHEST_PROTOCOL)


def read_snapshot(path: Path, backend: str, sections: int) -> Snapshot | None:
    """The state written for the build at `path` as its backend `backend` numbers `sections` sections, or None
    (no file, another build's or other code's, or unreadable: the build is then opened from its files)."""
    try:
        with open(path / SNAPSHOT_FILE, "rb") as f:
            header: Any = _load(f)
            expected = {"format": code_fingerprint(), "build": path.name, "backend": backend, "sections": sections}
            if not isinstance(header, dict) or {k: header.get(k) for k in expected} != expected:
                return None
            if (due := header.get("repeals_pending")) is not None and due <= today().isoformat():
                return None
            versions, table, memos = _load(f)
            docs: dict[str, DocMeta] = {}
            for _ in range(header["chunks"]):
                # A load holds the GIL throughout (a few ms a chunk); the documents are made in Python, which
                # gives way to other threads' requests (unpickled as such, each ran dataclasses' __setstate__,
                # 0.23 s in one piece for ten times the laws corpus).
                time.sleep(0)
                docs.update((d, DocMeta(*values)) for d, values in _load(f))
    except FileNotFoundError:
        return None
    except Exception as e:  # noqa: BLE001  a damaged cache is no reason not to serve the build
        log.warning("snapshot.unreadable", extra={"govlaw": {"build": path.name, "error": f"{type(e).__name__}: {e}"}})
        return None
    return Snapshot(docs, versions, table, memos)
