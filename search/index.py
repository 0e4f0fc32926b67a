"""Opening the published build of an index root, and noticing when a newer one is published.

Layout of an index root (GOVLAW_INDEX):

    builds/<build id>/     a complete build: the Whoosh index, docs.sqlite, manifest.json, errors.jsonl
    current                symlink to builds/<build id>, replaced in one atomic rename to publish a build

The search side only reads. A process holds an `IndexHolder`; every request asks it for the `OpenIndex` of the
build `current` points at, which costs one readlink when nothing changed.
"""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.query import Query
from whoosh.searching import Searcher

from search.store import STORE_FILE, DocMeta, DocStore
from search.versions import link_versions

# Sections range from a one-line article to a report chapter of thousands of characters: full BM25 length
# normalisation (B=0.75) would favour any short article that mentions a term, so it is weakened.
WEIGHTING = scoring.BM25F(B=0.3, K1=1.2)
# Match sets remembered per build: a set costs at most 8 bytes per matching section.
MATCH_CACHE_SIZE = 512
CURRENT_LINK = "current"
BUILDS_DIR = "builds"
MANIFEST_FILE = "manifest.json"


class NoIndexError(RuntimeError):
    """There is no published build under the index root."""


def current_build_path(root: Path) -> Path | None:
    """The build directory `current` points at, or None when nothing is published."""
    link = root / CURRENT_LINK
    try:
        target = os.readlink(link)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return None
    path = (root / target) if not os.path.isabs(target) else Path(target)
    return path if path.is_dir() else None


@dataclass
class OpenIndex:
    """One published build, opened: Whoosh index, document store and the in-memory document table."""

    build_id: str
    path: Path
    ix: whoosh_index.Index
    store: DocStore
    docs: dict[str, DocMeta]
    manifest: dict
    versions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # doc_id -> its versions, newest first
    doc_of: list[str] = field(default_factory=list)                 # index docnum -> doc_id
    sections_of: dict[str, list[int]] = field(default_factory=dict)  # doc_id -> index docnums
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, path: Path) -> OpenIndex:
        ix = whoosh_index.open_dir(str(path))
        store = DocStore(path / STORE_FILE)
        docs, versions = link_versions(store.metas())
        manifest_path = path / MANIFEST_FILE
        manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
        opened = cls(build_id=path.name, path=path, ix=ix, store=store, docs=docs, manifest=manifest,
                     versions=versions)
        opened._map_sections()
        return opened

    def _map_sections(self) -> None:
        with self.ix.searcher() as s:
            reader = s.reader()
            column = reader.column_reader("doc_id")
            doc_of = [""] * reader.doc_count_all()
            sections_of: dict[str, list[int]] = {}
            for docnum in reader.all_doc_ids():
                doc_id = column[docnum]
                doc_id = doc_id.decode("utf-8") if isinstance(doc_id, bytes) else doc_id
                doc_of[docnum] = doc_id
                sections_of.setdefault(doc_id, []).append(docnum)
        self.doc_of = doc_of
        self.sections_of = sections_of

    def sections_for(self, query: Query) -> frozenset[int]:
        """Index docnums of the sections matching a query, unscored; remembered for this build (LRU)."""
        key = repr(query)
        with self._cache_lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = frozenset(self.searcher().docs_for_query(query))
        with self._cache_lock:
            self._cache[key] = found
            while len(self._cache) > MATCH_CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def searcher(self) -> Searcher:
        """This thread's searcher, reused across requests (Whoosh searchers are not shared between threads)."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher(weighting=WEIGHTING)
        return s

    def close(self) -> None:
        s = getattr(self._local, "searcher", None)
        if s is not None:
            s.close()
        self.store.close()
        self.ix.close()


class IndexHolder:
    """Hands out the currently published build, reopening when `current` moves to another build."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._lock = threading.Lock()
        self._open: OpenIndex | None = None

    def get(self) -> OpenIndex:
        path = current_build_path(self.root)
        if path is None:
            raise NoIndexError(f"no published index under {self.root}")
        opened = self._open
        if opened is not None and opened.path == path:
            return opened
        with self._lock:
            if self._open is None or self._open.path != path:
                # The previous build stays open for requests already using it; it is closed by garbage
                # collection, and its files stay readable after a prune because they are open.
                self._open = OpenIndex.open(path)
            return self._open
