"""Opening the published build of an index root, and noticing when a newer one is published.

Layout of an index root (GOVLAW_INDEX):

    builds/<build id>/     a complete build: the Whoosh index, docs.sqlite, manifest.json, errors.jsonl, the
                           opened state (opened.pickle, search/snapshot.py), and with `--backend xapian` its
                           Xapian shards (xapian/, search/xapian_backend.py)
    current                symlink to builds/<build id>, replaced in one atomic rename to publish a build

The search side only reads. A process holds an `IndexHolder`; every request asks it for the `OpenIndex` of the
build `current` points at, which costs one readlink when nothing changed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import query as wq
from whoosh.query import Query
from whoosh.searching import Searcher

from search import analysis
from search.backend import Backend, ShardError, WhooshBackend, open_backend
from search.schema import STORED_FACETS as FACETS
from search.snapshot import read_snapshot
from search.store import STORE_FILE, DocMeta, DocStore
from search.vector import VectorScorer
from search.versions import link_versions
from search.whoosh_fence import WHOOSH_VERSION

log = logging.getLogger(__name__)
# A replaced build is closed this long after the switch: longer than any request may take (gunicorn's worker
# timeout is 30 s), so that a request of another thread still using it is never cut off.
RETIRE_SECONDS = 60.0
# Match sets remembered per build, in bytes (4 per matching section).
MATCH_CACHE_BYTES = 16 * 1024 * 1024
# A word's match set larger than this share of MATCH_CACHE_BYTES is not remembered.
REMEMBERED_WORD_SHARE = 64
# A phrase matched within this share of the sections or more is matched in them all and remembered: within a
# common word's documents, a common phrase (人民法院 in those holding 起诉) costs nearly what matching it everywhere
# does, and then it costs nothing the next time. (A word's postings are read at a tenth of a phrase's positions:
# its match set would take the place of phrases' for little.)
WITHIN_WHOLE_SHARE = 0.25
# Values derived from a build (OpenIndex.memo) remembered apart from the match sets, in bytes of their arrays:
# the match sets of a large corpus would otherwise push out the tables every query needs.
MEMO_CACHE_BYTES = 32 * 1024 * 1024
# DocTable.section_mask sets the sections of documents holding at most 1/SECTION_MASK_SHARE of a build's sections
# from their own docnums, and looks up every docnum's document for more (the two cost the same near a fifth).
SECTION_MASK_SHARE = 5
CURRENT_LINK = "current"
BUILDS_DIR = "builds"
MANIFEST_FILE = "manifest.json"
# The Whoosh of a build whose manifest does not say (older manifests, no manifest): 2.7.5, the only version
# govlaw has ever written indexes with.
MANIFEST_WHOOSH_DEFAULT = "2.7.5"


def facet_values(meta: DocMeta) -> dict[str, tuple[str, ...]]:
    """A document's value(s) of every facet, names in simplified script (鄭州市人民政府 counts as 郑州市人民政府)."""
    out = {}
    for facet in FACETS:
        value = getattr(meta, facet)
        if isinstance(value, tuple):  # several names (issuers)
            out[facet] = tuple(analysis.to_simplified(v) for v in value)
            continue
        out[facet] = (
            () if value in (None, "") else (analysis.to_simplified(value) if isinstance(value, str) else str(value),)
        )
    return out


def newest_first_key(meta: DocMeta) -> str:
    """Sort key putting the newest documents first (the ISO date's digits inverted), undated ones last."""
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in meta.date) if meta.date else "~"


@dataclass(frozen=True, slots=True)
class DocTable:
    """The documents of a build as arrays over document ordinals (0..n-1, in doc_id order), so that matching,
    filtering, facet counting and ordering work on whole arrays instead of one document at a time. What is kept
    per index record (a section) is NumPy arrays only: a build has fifty times more sections than documents."""

    ids: tuple[str, ...]  # ordinal -> doc_id
    ordinal: dict[str, int]  # doc_id -> ordinal
    of_section: np.ndarray  # index docnum -> ordinal (-1: a deleted record)
    section_order: np.ndarray  # the live index docnums by ordinal, ascending within a document
    section_starts: np.ndarray  # ordinal -> where its docnums start in section_order (n + 1 entries)
    newest_rank: np.ndarray  # ordinal -> place in (newest first, then title) order
    facet_names: dict[str, tuple[str, ...]]  # facet -> its values (simplified script)
    facet_pairs: dict[str, tuple[np.ndarray, np.ndarray]]  # facet -> (ordinals, value indexes), one per value
    titles: tuple[str, ...]  # normalised titles without white space
    title_lengths: np.ndarray  # ordinal -> len(title), at least 1
    issuers: tuple[tuple[str, ...], ...]  # normalised issuer names

    @classmethod
    def build(cls, docs: dict[str, DocMeta], of_section: np.ndarray) -> DocTable:
        """The table of `docs`, whose index records belong to the ordinals `of_section` (of doc_ids in sorted
        order, as `section_ordinals` numbers them)."""
        ids = tuple(sorted(docs))
        by_date = sorted(range(len(ids)), key=lambda i: (newest_first_key(docs[ids[i]]), docs[ids[i]].title))
        newest_rank = np.empty(len(ids), dtype=np.int32)
        newest_rank[by_date] = np.arange(len(ids), dtype=np.int32)
        live = np.flatnonzero(of_section >= 0)
        section_order = live[np.argsort(of_section[live], kind="stable")].astype(np.int32)
        section_starts = np.searchsorted(of_section[section_order], np.arange(len(ids) + 1)).astype(np.int64)
        index: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        ords: dict[str, list[int]] = {f: [] for f in FACETS}
        vals: dict[str, list[int]] = {f: [] for f in FACETS}
        for i, d in enumerate(ids):
            for f, values in facet_values(docs[d]).items():
                for v in values:
                    ords[f].append(i)
                    vals[f].append(index[f].setdefault(v, len(index[f])))
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        return cls(
            ids=ids,
            ordinal={d: i for i, d in enumerate(ids)},
            of_section=of_section,
            section_order=section_order,
            section_starts=section_starts,
            newest_rank=newest_rank,
            facet_names={f: tuple(index[f]) for f in FACETS},
            facet_pairs={f: (np.asarray(ords[f], dtype=np.int32), np.asarray(vals[f], dtype=np.int32)) for f in FACETS},
            titles=(titles := tuple(analysis.normalize("".join(docs[d].title.split())) for d in ids)),
            title_lengths=np.asarray([max(len(t), 1) for t in titles], dtype=np.float64),
            # Most documents share their issuers' names with others: one tuple of each.
            issuers=tuple(
                shared.setdefault(names, names)
                for names in (tuple(analysis.normalize(i) for i in docs[d].issuer) for d in ids)
            ),
        )

    def mask(self, doc_ids) -> np.ndarray:
        """A boolean array over ordinals, true for the given doc_ids."""
        out = np.zeros(len(self.ids), dtype=bool)
        out[[self.ordinal[d] for d in doc_ids]] = True
        return out

    def docs_of(self, sections: np.ndarray) -> np.ndarray:
        """A boolean array over ordinals: the documents owning any of the given index docnums."""
        out = np.zeros(len(self.ids), dtype=bool)
        ords = self.of_section[sections]
        out[ords[ords >= 0]] = True
        return out

    def section_mask(self, docs: np.ndarray) -> np.ndarray:
        """A boolean array over docnums, true for the live sections of the documents of `docs` (a boolean array
        over ordinals). Set from the documents' own docnums when they hold few of the build's sections, else
        looked up for every docnum: over ten times the laws corpus the lookup costs 3.3 ms whatever the
        documents, setting 0.2 ms for a hundred of them and 2.4 ms for 6,000 (a sixth of the sections)."""
        ords = np.flatnonzero(docs)
        starts, ends = self.section_starts[ords], self.section_starts[ords + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total * SECTION_MASK_SHARE > len(self.of_section):
            return np.append(docs, False)[self.of_section]  # deleted records own -1: the appended False
        # The positions in section_order of every document's run, one after another.
        at = np.arange(total, dtype=np.int64) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        out = np.zeros(len(self.of_section), dtype=bool)
        out[self.section_order[at]] = True
        return out

    def sections(self, ordinal: int) -> np.ndarray:
        """The live index docnums of a document, ascending (its title record first)."""
        return self.section_order[self.section_starts[ordinal] : self.section_starts[ordinal + 1]]

    def first_sections(self, ordinals: Sequence[int]) -> np.ndarray:
        """The first live index docnum of each of the documents that has one."""
        ords = np.asarray(ordinals, dtype=np.int64)
        starts, ends = self.section_starts[ords], self.section_starts[ords + 1]
        return self.section_order[starts[starts < ends]]


class NoIndexError(RuntimeError):
    """There is no published build under the index root."""


class BuildVersionError(RuntimeError):
    """A build was written by another Whoosh than the one installed: it must be built again."""


def check_build_whoosh(manifest: dict, path: Path) -> None:
    """Refuse a build (at `path`, with this manifest) written by a Whoosh other than the installed one."""
    made = manifest.get("whoosh", MANIFEST_WHOOSH_DEFAULT)
    if made != WHOOSH_VERSION:
        raise BuildVersionError(
            f"build {path.name} was written by Whoosh {made}, and this installation reads only indexes of Whoosh "
            f"{WHOOSH_VERSION}: rebuild it with `govlaw-index build SRC_DIR... --index {path.parent.parent}`"
        )


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
    """One published build, opened: its backend (search/backend.py), document store and document table."""

    build_id: str
    path: Path
    backend: Backend
    store: DocStore
    docs: dict[str, DocMeta]
    manifest: dict
    versions: dict[str, tuple[str, ...]]  # doc_id -> its versions, newest first
    table: DocTable
    _cached_bytes: int = 0
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _memos: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _memo_bytes: int = 0
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, path: Path, backend: str | None = None, shards: list[tuple[str, int]] | None = None) -> OpenIndex:
        """Open the build at `path` with the backend `backend` (whoosh or xapian; None: GOVLAW_BACKEND) and, for
        xapian, the shard servers `shards` (None: GOVLAW_SHARDS; none: the shards inside the build)."""
        manifest_path = path / MANIFEST_FILE
        manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
        # Before Whoosh reads anything of the build: another version's files may not even open.
        check_build_whoosh(manifest, path)
        opened = open_backend(path, manifest, backend, shards)
        try:
            store = DocStore(path / STORE_FILE)
            # What the indexer wrote of this very build when it had it open (search/snapshot.py), else computed.
            snapshot = read_snapshot(path, opened.name, opened.section_count)
            if snapshot is not None:
                docs, versions, table = snapshot.docs, snapshot.versions, snapshot.table
            else:
                docs, versions = link_versions(store.metas())
                table = DocTable.build(docs, opened.section_ordinals(sorted(docs)))
        except BaseException:
            opened.close()
            raise
        index = cls(
            build_id=path.name,
            path=path,
            backend=opened,
            store=store,
            docs=docs,
            manifest=manifest,
            versions=versions,
            table=table,
        )
        for key, value in snapshot.memos.items() if snapshot is not None else ():
            index.memo(key, lambda value=value: value)
        return index

    @property
    def vector(self) -> VectorScorer:
        """Term, phrase, And and Or queries matched and scored over whole arrays, by the backend's postings."""
        return self.backend.scorer

    @property
    def ix(self):
        """The Whoosh index of a build served by Whoosh."""
        return self._whoosh().ix

    def searcher(self) -> Searcher:
        """This thread's Whoosh searcher, of a build served by Whoosh."""
        return self._whoosh().searcher()

    def _whoosh(self) -> WhooshBackend:
        if not isinstance(self.backend, WhooshBackend):
            raise TypeError(f"build {self.build_id} is served by {type(self.backend).__name__}, not Whoosh")
        return self.backend

    @property
    def section_count(self) -> int:
        """The index records (sections) of the build, deleted ones included: its docnums are 0..count-1."""
        return len(self.table.of_section)

    def sections_of(self, doc_id: str) -> np.ndarray:
        """The live index docnums of a document's sections, ascending (none for a document not in the build)."""
        ordinal = self.table.ordinal.get(doc_id)
        return self.table.sections(ordinal) if ordinal is not None else np.zeros(0, dtype=np.int32)

    def sections_for(self, query: Query) -> np.ndarray:
        """Index docnums of the sections matching a query (sorted, unscored); remembered for this build (LRU)."""
        key = repr(query)
        with self._cache_lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = self.vector.matches(query)
        if found is None:
            found = self.backend.fallback(query, scored=False)[0]
        elif not _has_phrase(query) and found.nbytes > MATCH_CACHE_BYTES // REMEMBERED_WORD_SHARE:
            # A common word's sections are read again at little cost; kept, they would push out the phrases'.
            return found
        return self.remember_sections(key, found)

    def cached_sections(self, query: Query) -> np.ndarray | None:
        """The sections matching a query if they are remembered for this build, else None (nothing computed)."""
        with self._cache_lock:
            found = self._cache.get(repr(query))
            if found is not None:
                self._cache.move_to_end(repr(query))
            return found

    def sections_within(self, query: Query, within: np.ndarray) -> np.ndarray:
        """Of the sections matching a query, those in `within` (a boolean array over docnums), sorted: taken from
        the remembered match set where there is one, else matched in those sections alone (not remembered)."""
        found = self.cached_sections(query)
        everywhere = _has_phrase(query) and np.count_nonzero(within) >= WITHIN_WHOLE_SHARE * len(within)
        if found is None and not everywhere:
            found = self.vector.matches(query, within)
            if found is not None:
                return found
        if found is None:
            found = self.sections_for(query)
        return found[within[found]]

    def remember_sections(self, key: str, found: np.ndarray) -> np.ndarray:
        """Remember the sections matching a query (`key`: its repr), as `sections_for` found them or as they
        were found for this same build before (search/warm.py); returns what is remembered."""
        found.flags.writeable = False
        with self._cache_lock:
            if key not in self._cache:
                self._cache[key] = found
                self._cached_bytes += found.nbytes
                while self._cached_bytes > MATCH_CACHE_BYTES and len(self._cache) > 1:
                    _, old = self._cache.popitem(last=False)
                    self._cached_bytes -= getattr(old, "nbytes", 0)
            return self._cache[key]

    def memo(self, key, compute):
        """A value derived from this build alone, computed once and remembered (least recently used dropped
        first past MEMO_CACHE_BYTES of arrays; a value without `nbytes` counts as small)."""
        with self._cache_lock:
            found = self._memos.get(key)
            if found is not None:
                self._memos.move_to_end(key)
                return found
        found = compute()
        with self._cache_lock:
            if key not in self._memos:
                self._memos[key] = found
                self._memo_bytes += getattr(found, "nbytes", 0)
                while self._memo_bytes > MEMO_CACHE_BYTES and len(self._memos) > 1:
                    _, old = self._memos.popitem(last=False)
                    self._memo_bytes -= getattr(old, "nbytes", 0)
            return self._memos[key]

    def levels(self) -> tuple[str, ...]:
        """Every document's level (效力级别; "" where unknown), by ordinal (read once per build)."""
        return self.memo("levels", lambda: tuple(self.docs[d].level or "" for d in self.table.ids))

    def memos(self) -> dict:
        """The values remembered by `memo`, by key (a copy)."""
        with self._cache_lock:
            return dict(self._memos)

    def __del__(self) -> None:
        # A build dropped without close() (a test, a one-off script) still closes its files.
        # Nothing to report to during garbage collection.
        with contextlib.suppress(Exception):
            self.close()

    def close(self) -> None:
        """Close the backend and the store (call once no request uses this build any more)."""
        self.store.close()
        self.backend.close()


# What warms a build before it serves: called with the opened build and a function telling it to stop (the
# time budget is spent, or the build is no longer wanted); search/warm.py's `warm_build` in the web app.
Warmer = Callable[[OpenIndex, Callable[[], bool]], object]


class _Warming:
    """A build being opened and warmed in a thread of its own while the holder serves the one before it."""

    def __init__(self, path: Path, budget: float, warmer: Warmer | None):
        self.path = path
        self.started = time.monotonic()
        self.deadline = self.started + budget
        self.opened: OpenIndex | None = None  # set once open, possibly before warming has finished
        self.error: Exception | None = None  # the build cannot be opened
        self.done = threading.Event()  # opened (or failed) and warmed as far as it goes
        self._warmer = warmer
        self._lock = threading.Lock()
        self._dropped = False  # superseded before it was served: whoever comes last closes it
        self._thread = threading.Thread(target=self._run, name=f"warm-{path.name}", daemon=True)
        self._thread.start()

    def should_stop(self) -> bool:
        return self._dropped or time.monotonic() >= self.deadline

    def _run(self) -> None:
        try:
            opened = OpenIndex.open(self.path)
        except Exception as e:  # noqa: BLE001  any failure to open keeps the served build (logged by the holder)
            self.error = e
            self.done.set()
            return
        self.opened = opened
        run_warmer(opened, self._warmer, self.should_stop)
        with self._lock:
            self.done.set()
            close = self._dropped
        if close:
            opened.close()

    def drop(self) -> None:
        """Give the build up (`current` moved on before it was served); it is closed once its thread ends."""
        with self._lock:
            self._dropped = True
            close = self.done.is_set() and self.opened is not None
        if close and self.opened is not None:
            self.opened.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread to finish (tests, and a process ending); True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()


def run_warmer(opened: OpenIndex, warmer: Warmer | None, should_stop: Callable[[], bool]) -> None:
    """Run a warmer over a build; a warmer that fails leaves the build as it is, served all the same (warming
    only saves time: the build itself opened and passed the indexer's gate)."""
    if warmer is None:
        return
    try:
        warmer(opened, should_stop)
    except Exception:
        log.warning("index.warm_failed", exc_info=True, extra={"govlaw": {"build": opened.build_id}})


class IndexHolder:
    """Hands out the currently published build, reopening when `current` moves to another build.

    With a warming budget (`warm_seconds` > 0) a newly published build is opened and warmed (`warmer`) in a
    thread while the build served so far keeps answering; the holder switches to it once warming has finished
    or the budget is spent, whichever comes first (and not before it is open). A process serving nothing yet
    opens and warms the first build before answering, within the same budget. With no budget a new build is
    opened and served at once. A build that cannot be opened leaves the served one in place either way.

    The build it replaces is closed RETIRE_SECONDS later (at a later request), when no request can still be
    using it; left to garbage collection, every switch kept the old build's files open for an unknown time.
    """

    def __init__(
        self,
        root: Path,
        retire_seconds: float = RETIRE_SECONDS,
        *,
        warm_seconds: float = 0.0,
        warmer: Warmer | None = None,
    ):
        self.root = Path(root)
        self.retire_seconds = retire_seconds
        self.warm_seconds = max(0.0, warm_seconds)
        self.warmer = warmer
        self._lock = threading.Lock()
        self._open: OpenIndex | None = None
        self._retired: list[tuple[float, OpenIndex]] = []
        self._warming: _Warming | None = None

    @property
    def served_build(self) -> str | None:
        """The id of the build this process serves now, without opening anything (None before the first)."""
        opened = self._open
        return opened.build_id if opened is not None else None

    @property
    def warming(self) -> _Warming | None:
        """The build being warmed to replace the served one, if any."""
        return self._warming

    def get(self) -> OpenIndex:
        path = current_build_path(self.root)
        if path is None:
            raise NoIndexError(f"no published index under {self.root}")
        opened = self._open
        if opened is not None and opened.path == path and not self._retired and self._warming is None:
            return opened
        with self._lock:
            self._close_retired()
            if self._open is not None and self._open.path == path:
                self._drop_warming()  # `current` went back to the served build while another was warming
                return self._open
            if self._open is None:
                self._open = self._open_first(path)
            elif self.warm_seconds <= 0:
                self._switch_at_once(path)
            else:
                self._switch_when_warm(path)
            return self._open

    def _open_first(self, path: Path) -> OpenIndex:
        try:
            fresh = OpenIndex.open(path)
        except ShardError:
            raise  # a 503 naming the shards; the next request opens the build again
        except Exception as e:
            raise NoIndexError(f"the published build {path.name} cannot be opened: {e}") from e
        deadline = time.monotonic() + self.warm_seconds
        run_warmer(fresh, self.warmer if self.warm_seconds > 0 else None, lambda: time.monotonic() >= deadline)
        return fresh

    def _switch_at_once(self, path: Path) -> None:
        try:
            fresh = OpenIndex.open(path)
        except Exception as e:  # noqa: BLE001  any failure to open keeps the served build, logged there
            self._cannot_open(path, e)
            return
        self._replace(fresh)

    def _switch_when_warm(self, path: Path) -> None:
        warming = self._warming
        if warming is None or warming.path != path:
            self._drop_warming()
            warming = self._warming = _Warming(path, self.warm_seconds, self.warmer)
        if warming.error is not None:
            # Tried again from the next request, as a build opened at once would be.
            self._warming = None
            self._cannot_open(path, warming.error)
        elif warming.opened is not None and (warming.done.is_set() or time.monotonic() >= warming.deadline):
            self._warming = None
            self._replace(warming.opened)

    def _cannot_open(self, path: Path, error: Exception) -> None:
        assert self._open is not None
        log.error(
            "the published build %s cannot be opened (%s); still serving %s", path.name, str(error), self._open.build_id
        )

    def _replace(self, fresh: OpenIndex) -> None:
        if self._open is not None:
            self._retired.append((time.monotonic(), self._open))
        self._open = fresh

    def _drop_warming(self) -> None:
        if self._warming is not None:
            self._warming.drop()
            self._warming = None

    def close(self) -> None:
        """Close every build this holder has open, a build being warmed included (when the process stops
        serving)."""
        with self._lock:
            self._drop_warming()
            opened = [o for _, o in self._retired] + ([self._open] if self._open is not None else [])
            self._retired, self._open = [], None
        for o in opened:
            o.close()

    def _close_retired(self) -> None:
        now = time.monotonic()
        due = [o for t, o in self._retired if now - t >= self.retire_seconds]
        self._retired = [(t, o) for t, o in self._retired if now - t < self.retire_seconds]
        for o in due:
            o.close()


def _has_phrase(q: Query) -> bool:
    """Whether a query is or holds a phrase (matched by reading positions)."""
    return isinstance(q, wq.Phrase) or any(_has_phrase(sub) for sub in getattr(q, "subqueries", ()))
