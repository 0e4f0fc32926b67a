"""Where a build's index records are matched and scored: the interface the one search function uses.

A backend holds the index records (sections) of one build and answers, over docnums 0..count-1:

- `scorer`: term, phrase, And and Or queries matched and scored over whole arrays (search.vector's
  VectorScorer interface: `evaluate`, `matches`, `estimate`), with Whoosh's BM25F, the same for every backend;
- `doc_frequency`: how many sections hold a word of a field;
- `section_ids`: the section anchors of docnums (to show which sections of a document matched);
- `section_ordinals`: of every docnum, the ordinal of the document owning it (search.index.DocTable);
- `frequent_words`: a field's most frequent words (warming);
- `fallback`: (docnums, scores) of a query the scorer does not evaluate (None from it).

Everything above it (coordination of groups, exact-string, title and breadth bonuses, version order, facets from
the document table, the direct answer of citations) is search/engine.py's, whichever backend matched.

`WhooshBackend` is the embedded default (the Whoosh index in the build); search/xapian_backend.py's
`XapianBackend` reads Xapian shards, in the build or served by `xapian-tcpsrv` on other machines.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.query import Query
from whoosh.searching import Searcher

from search.vector import VectorScorer
from search.whoosh_fence import column_bytes

# Sections range from a one-line article to a report chapter of thousands of characters: full BM25 length
# normalisation (B=0.75) would favour any short article that mentions a term, so it is weakened.
WEIGHTING = scoring.BM25F(B=0.3, K1=1.2)
BACKEND_ENV = "GOVLAW_BACKEND"
SHARDS_ENV = "GOVLAW_SHARDS"
WHOOSH = "whoosh"
XAPIAN = "xapian"
BACKENDS = (WHOOSH, XAPIAN)
# A build's Xapian shards and record table (search/xapian_backend.py), named here so that what only asks whether
# a build has them needs no Xapian installed.
XAPIAN_DIR = "xapian"
TABLE_FILE = "records.json"
LENGTHS_FILE = "lengths.npy"
SHARD_PREFIX = "shard-"
# The manifest's entry for a build's shards: {"shards": N, "shard_builds": [...], "records": …, "xapian": version}.
MANIFEST_KEY = "xapian"


def shard_name(k: int) -> str:
    return f"{SHARD_PREFIX}{k:02d}"


def shard_path(build: Path, k: int) -> Path:
    return build / XAPIAN_DIR / shard_name(k)


def has_shards(build: Path) -> bool:
    return (build / XAPIAN_DIR / TABLE_FILE).exists()


def manifest_shards(manifest: dict) -> int | None:
    """The number of Xapian shards a build's manifest says it has (None: none)."""
    found = manifest.get(MANIFEST_KEY)
    return int(found["shards"]) if isinstance(found, dict) and "shards" in found else None


class BackendConfigError(ValueError):
    """GOVLAW_BACKEND or GOVLAW_SHARDS says something that cannot be served."""


class ShardError(RuntimeError):
    """The shards cannot answer for this build; `shards` names those at fault."""

    def __init__(self, message: str, shards: Sequence[str]):
        super().__init__(message)
        self.shards = tuple(shards)


class ShardUnavailableError(ShardError):
    """A shard server did not answer."""


class ShardMismatchError(ShardError):
    """A shard serves another build than the one being served."""


class Backend(Protocol):
    name: str  # whoosh, xapian: docnums of one backend mean nothing to another
    scorer: VectorScorer

    @property
    def section_count(self) -> int: ...

    def section_ordinals(self, ids: Sequence[str]) -> np.ndarray: ...

    def section_ids(self, docnums: Sequence[int]) -> list[str]: ...

    def doc_frequency(self, fieldname: str, word: str) -> int: ...

    def frequent_words(self, fieldname: str, limit: int) -> list[tuple[float, str]]: ...

    def fallback(self, q: Query, scored: bool = True) -> tuple[np.ndarray, np.ndarray]: ...

    def close(self) -> None: ...


def configured_backend() -> tuple[str, list[tuple[str, int]]]:
    """GOVLAW_BACKEND (whoosh, the default, or xapian) and GOVLAW_SHARDS (host:port,… in shard order; empty:
    the shards inside the build are opened from disk)."""
    name = (os.environ.get(BACKEND_ENV) or WHOOSH).strip().lower()
    if name not in BACKENDS:
        raise BackendConfigError(f"{BACKEND_ENV}={name!r}: one of {', '.join(BACKENDS)}")
    return name, parse_shards(os.environ.get(SHARDS_ENV, ""))


def parse_shards(text: str) -> list[tuple[str, int]]:
    """`host:port,host:port` -> [(host, port), …]; a clear error for anything else."""
    out = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise BackendConfigError(f"{SHARDS_ENV}: {item!r} is not host:port")
        out.append((host.strip("[]"), int(port)))
    return out


def require_xapian() -> None:
    """Refuse, with what to install, where the Xapian extra is not installed."""
    try:
        import xapian  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        raise BackendConfigError(
            "the Xapian backend needs the Xapian bindings: pip install 'govlaw[xapian]' (xapian-bindings-binary)"
        ) from None


def open_backend(path: Path, manifest: dict, name: str | None = None, shards: list[tuple[str, int]] | None = None):
    """The backend serving the build at `path`: `name` and `shards` as given, else as configured."""
    if name is None:
        name, configured = configured_backend()
        shards = configured if shards is None else shards
    if name == XAPIAN:
        require_xapian()
        from search.xapian_backend import XapianBackend  # an optional extra: imported only where asked for

        return XapianBackend.open(path, manifest, shards or None)
    return WhooshBackend.open(path)


class WhooshBackend:
    """The Whoosh index of a build: per-thread searchers (Whoosh searchers are not shared between threads),
    postings and lengths read through them by a VectorScorer."""

    name = WHOOSH

    def __init__(self, ix: whoosh_index.Index):
        self.ix = ix
        self._local = threading.local()
        self._lock = threading.Lock()
        self._searchers: list[Searcher] = []  # of every thread, closed by close()
        self.scorer = VectorScorer(self.searcher, ix.doc_count_all(), WEIGHTING)

    @classmethod
    def open(cls, path: Path) -> WhooshBackend:
        return cls(whoosh_index.open_dir(str(path)))

    @property
    def section_count(self) -> int:
        return self.scorer.doc_count

    def searcher(self) -> Searcher:
        """This thread's searcher, reused across requests."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher(weighting=WEIGHTING)
            with self._lock:
                self._searchers.append(s)
        return s

    def section_ordinals(self, ids: Sequence[str]) -> np.ndarray:
        """Of every index docnum, the ordinal of the doc_id owning it in `ids` (sorted), -1 for a deleted record
        or a doc_id not there. Each segment's doc_id column is read at once (`column_bytes`; a lookup per docnum
        costs several times more), with no string kept past its segment."""
        ordinal = {d.encode("utf-8"): i for i, d in enumerate(ids)}
        parts = []
        with self.ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                n = leaf.doc_count_all()
                values = column_bytes(leaf, "doc_id") or leaf.column_reader("doc_id")
                part = np.fromiter(
                    (ordinal.get(v if isinstance(v, bytes) else v.encode("utf-8"), -1) for v in values),
                    dtype=np.int32,
                    count=n,
                )
                if leaf.has_deletions():
                    part[np.fromiter(leaf.deleted_docs_set, dtype=np.int64)] = -1
                parts.append(part)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)

    def section_ids(self, docnums: Sequence[int]) -> list[str]:
        stored = self.searcher().reader()
        return [stored.stored_fields(n)["section_id"] for n in docnums]

    def doc_frequency(self, fieldname: str, word: str) -> int:
        return self.searcher().doc_frequency(fieldname, word)

    def frequent_words(self, fieldname: str, limit: int) -> list[tuple[float, str]]:
        reader = self.searcher().reader()
        return [(n, text.decode("utf-8")) for n, text in reader.most_frequent_terms(fieldname, limit)]

    def fallback(self, q: Query, scored: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, scores) of a query through Whoosh's matchers, one posting at a time; without `scored`, the
        docnums alone, sorted."""
        searcher = self.searcher()
        if not scored:
            found = np.fromiter(searcher.docs_for_query(q), dtype=np.int32)
            found.sort()
            return found, np.zeros(0)
        matcher = q.matcher(searcher, searcher.context())
        id_list: list[int] = []
        score_list: list[float] = []
        while matcher.is_active():
            id_list.append(matcher.id())
            score_list.append(matcher.score())
            matcher.next()
        return np.asarray(id_list, dtype=np.int32), np.asarray(score_list, dtype=np.float64)

    def close(self) -> None:
        with self._lock:
            searchers, self._searchers = self._searchers, []
        for s in searchers:
            s.close()
        self.ix.close()
