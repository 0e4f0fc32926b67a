"""Xapian shards as a build's index: the second backend of search/backend.py (an optional extra, GPL-2+).

A build written with `--backend xapian --shards N` (indexer/shards.py) holds, beside its document store:

    xapian/shard-00 … shard-NN   Xapian databases, each with the records of the documents hashed to it
    xapian/records.json          every docnum's document and section, the shards' builds, field totals
    xapian/lengths.npy           every docnum's field lengths, one byte each as Whoosh stores them
    xapian/docnums.npy           of every record as the shards number it, its docnum

The terms are the analyzer's, as the Whoosh index has them, each prefixed with its field (`body_bi:中华`), with
the same frequencies, and positions in the bigram fields. Opened as one database, the shards number their
records (docid - 1) * N + k for shard k's record d; the table turns that into the docnum of the same record in
the build's Whoosh index, so that both backends rank the same docnums (and break ties alike).

Queries are evaluated by search/vector.py's VectorScorer over arrays read from the shards: a term's sections
and frequencies (an Enquire weighting each section by its frequency: TfIdfWeight "nnn"), a phrase's sections
(matched by the shards themselves: OP_PHRASE). Scores are then computed here as for the Whoosh index (same
idf, average and byte-encoded field lengths), so both backends rank alike.

The shards are opened from the build's own folder, or from `xapian-tcpsrv` servers (GOVLAW_SHARDS, shard order;
`govlaw-shard` runs one). Each thread holds its own connections. Every shard must serve the build this one
expects (its `govlaw.build` metadata, as records.json lists it): else the connections are made once more, then
ShardMismatchError. A shard that does not answer within SHARD_TIMEOUT_MS gives ShardUnavailableError naming it;
the connections are dropped, so that the next request connects again and the service recovers by itself.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xapian  # type: ignore[import-untyped]  # no type information published
from whoosh import query as wq
from whoosh.query import Query

from search.backend import (
    LENGTHS_FILE,
    MANIFEST_KEY,
    SHARDS_ENV,
    TABLE_FILE,
    WEIGHTING,
    XAPIAN,
    XAPIAN_DIR,
    BackendConfigError,
    ShardMismatchError,
    ShardUnavailableError,
    has_shards,
    shard_name,
    shard_path,
)
from search.schema import make_schema
from search.vector import _EMPTY_IDS, _EMPTY_WEIGHTS, TermPostings, VectorScorer, Within

BUILD_METADATA = "govlaw.build"
DOCNUMS_FILE = "docnums.npy"
# Xapian refuses terms of more than 245 bytes: a longer one is stored as its field and a hash (both sides).
TERM_LIMIT = 240
# A shard that has not answered within this long (connecting, or any one operation) is reported unavailable;
# which shards do not answer is then asked with the shorter PROBE_TIMEOUT_MS (a request fails within 2 s).
SHARD_TIMEOUT_MS = 1000
PROBE_TIMEOUT_MS = 300
# Wait before connecting once more to shards that serve another build than expected (a switch under way).
MISMATCH_RETRY_SECONDS = 0.2
# Posting lists and phrase matches kept per opened build, in bytes: more than search/vector.py keeps of the Whoosh
# index (which slices most postings from mapped files at no cost), since each one read again is a round trip to
# every shard and a copy of the list over the network.
# GOVLAW_XAPIAN_CACHE_MB sets the first (a corpus ten times the laws has posting lists ten times as long).
POSTINGS_CACHE_BYTES = 64 * 1024 * 1024
PHRASE_CACHE_BYTES = 16 * 1024 * 1024
CACHE_ENV = "GOVLAW_XAPIAN_CACHE_MB"
_NETWORK_ERRORS = (xapian.NetworkError, xapian.DatabaseError)


def xapian_term(fieldname: str, text: bytes) -> bytes:
    """The Xapian term of a field's term (its bytes as Whoosh's field gives them)."""
    term = fieldname.encode("ascii") + b":" + text
    if len(term) <= TERM_LIMIT:
        return term
    return fieldname.encode("ascii") + b":\x00" + hashlib.blake2b(text, digest_size=16).hexdigest().encode("ascii")


def shard_of(doc_id: str, shards: int) -> int:
    """The shard holding a document's records: a stable hash of its id (the same in every build and process)."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(), "big") % shards


@dataclass(frozen=True)
class RecordTable:
    """What the service needs of every docnum without asking the shards: its document and section, its field
    lengths (one byte each), and the totals, counts and builds the scores and checks need."""

    shards: int
    shard_builds: tuple[str, ...]  # shard k -> the build that wrote it (its govlaw.build metadata)
    doc_ids: tuple[str, ...]  # docnum -> doc_id ("" where no record is)
    section_ids: tuple[str, ...]  # docnum -> section anchor
    # Xapian's docnum (its docid of the shards opened as one, less one) -> the docnum above (-1: none); the
    # numbering of the build's Whoosh index, so that both backends rank the same docnums
    docnums: np.ndarray
    records: int  # the live records (Xapian's document count)
    totals: dict[str, int]  # scored field -> the sum of its lengths over the records
    length_fields: tuple[str, ...]  # the rows of `lengths`
    lengths: np.ndarray  # uint8 [len(length_fields), count]
    frequent: tuple[tuple[int, str], ...]  # (frequency, word) of the body's most frequent words

    @property
    def count(self) -> int:
        return len(self.doc_ids)

    def save(self, folder: Path) -> None:
        body = {
            "shards": self.shards,
            "shard_builds": list(self.shard_builds),
            "records": self.records,
            "totals": self.totals,
            "length_fields": list(self.length_fields),
            "frequent": [list(f) for f in self.frequent],
            "doc_ids": list(self.doc_ids),
            "section_ids": list(self.section_ids),
        }
        # Written beside and renamed into place: a build made from another holds its files as hard links.
        (folder / f".{TABLE_FILE}").write_text(json.dumps(body, ensure_ascii=False), "utf-8")
        for name, array in ((LENGTHS_FILE, self.lengths), (DOCNUMS_FILE, self.docnums)):
            with open(folder / f".{name}", "wb") as f:
                np.save(f, array)
        for name in (TABLE_FILE, LENGTHS_FILE, DOCNUMS_FILE):
            os.replace(folder / f".{name}", folder / name)

    @classmethod
    def load(cls, folder: Path) -> RecordTable:
        body = json.loads((folder / TABLE_FILE).read_text("utf-8"))
        return cls(
            shards=int(body["shards"]),
            shard_builds=tuple(body["shard_builds"]),
            doc_ids=tuple(body["doc_ids"]),
            section_ids=tuple(body["section_ids"]),
            records=int(body["records"]),
            totals={k: int(v) for k, v in body["totals"].items()},
            length_fields=tuple(body["length_fields"]),
            lengths=np.load(folder / LENGTHS_FILE),
            docnums=np.load(folder / DOCNUMS_FILE),
            frequent=tuple((int(n), w) for n, w in body["frequent"]),
        )


def _mset_docnums(mset) -> np.ndarray:
    """The Xapian docnums (docids less one) of an MSet, in its order."""
    n = mset.size()
    return np.fromiter(map(mset.get_docid, range(n)), dtype=np.int64, count=n) - 1


def _mset_weights(mset) -> np.ndarray:
    """The weights of an MSet sorted by weight (highest first): found run by run, by bisection, since they are
    few distinct values (term frequencies); a weight read per item costs ten times a docid."""
    n = mset.size()
    out = np.empty(n, dtype=np.float32)
    start = 0
    while start < n:
        w = mset.get_hit(start).weight
        lo, hi = start + 1, n  # the run ends before the first index in [lo, hi] whose weight differs
        while lo < hi:
            mid = (lo + hi) // 2
            if mset.get_hit(mid).weight == w:
                lo = mid + 1
            else:
                hi = mid
        out[start:lo] = w
        start = lo
    return out


class _Connections:
    """One thread's databases: each shard alone (to check its build) and all of them as one."""

    def __init__(self, shards: list[xapian.Database], combined: xapian.Database):
        self.shards = shards
        self.combined = combined


class XapianBackend:
    """A build's Xapian shards, opened from its folder or from shard servers (search/backend.py's interface)."""

    name = XAPIAN
    table: RecordTable
    scorer: XapianScorer

    def __init__(self, build: Path, shard_builds: Sequence[str], servers: list[tuple[str, int]] | None):
        self.build = build
        self.shard_builds = tuple(shard_builds)
        self.servers = servers
        if servers is not None and len(servers) != len(self.shard_builds):
            raise BackendConfigError(
                f"build {build.name} has {len(self.shard_builds)} shards and {len(servers)} shard servers are "
                f"configured ({SHARDS_ENV})"
            )
        self._local = threading.local()

    @classmethod
    def open(cls, build: Path, manifest: dict, servers: list[tuple[str, int]] | None = None) -> XapianBackend:
        """The build's shards, connected and each one's build checked before anything else is read (a build
        whose shards are not served yet costs its opener a few connections, not the record table)."""
        shard_builds = (manifest.get(MANIFEST_KEY) or {}).get("shard_builds")
        if not has_shards(build) or not shard_builds:
            raise FileNotFoundError(
                f"build {build.name} has no Xapian shards: build it with `--backend xapian --shards N`"
            )
        backend = cls(build, shard_builds, servers)
        backend.connections()
        backend.table = RecordTable.load(build / XAPIAN_DIR)
        if backend.table.shard_builds != backend.shard_builds:
            raise ValueError(f"build {build.name}: its manifest and {TABLE_FILE} list different shard builds")
        backend.scorer = XapianScorer(backend)
        return backend

    # --- connections ---------------------------------------------------------------------------------

    def shard_label(self, k: int) -> str:
        if self.servers is None:
            return f"{shard_name(k)} ({shard_path(self.build, k)})"
        host, port = self.servers[k]
        return f"{shard_name(k)} ({host}:{port})"

    def _open_shard(self, k: int, timeout_ms: int = SHARD_TIMEOUT_MS) -> xapian.Database:
        if self.servers is None:
            return xapian.Database(str(shard_path(self.build, k)))
        host, port = self.servers[k]
        return xapian.remote_open(host, port, timeout_ms, timeout_ms)

    def _connect(self) -> _Connections:
        shards, failed, reasons = [], [], []
        for k in range(len(self.shard_builds)):
            try:
                shards.append(self._open_shard(k))
            except _NETWORK_ERRORS as e:
                failed.append(self.shard_label(k))
                reasons.append(e.get_msg())
        if failed:
            raise ShardUnavailableError(f"shard not answering: {'; '.join(failed)} ({reasons[0]})", failed)
        wrong = []
        for k, db in enumerate(shards):
            try:
                served = db.get_metadata(BUILD_METADATA).decode("utf-8")
            except _NETWORK_ERRORS as e:
                raise ShardUnavailableError(
                    f"shard not answering: {self.shard_label(k)} ({e.get_msg()})", [self.shard_label(k)]
                ) from None
            if served != self.shard_builds[k]:
                wrong.append((k, served))
        if wrong:
            raise ShardMismatchError(
                "shards serve another build than "
                + self.build.name
                + ": "
                + "; ".join(f"{self.shard_label(k)} serves {served or 'none'}" for k, served in wrong),
                [self.shard_label(k) for k, _ in wrong],
            )
        combined = xapian.Database()
        for db in shards:
            combined.add_database(db)
        return _Connections(shards, combined)

    def connections(self) -> _Connections:
        """This thread's connections, made (and each shard's build checked) if it has none: a shard serving
        another build is asked once more after MISMATCH_RETRY_SECONDS (a switch under way), then refused."""
        found = getattr(self._local, "connections", None)
        if found is None:
            try:
                found = self._connect()
            except ShardMismatchError:
                time.sleep(MISMATCH_RETRY_SECONDS)
                found = self._connect()
            self._local.connections = found
        return found

    def _failed(self, error: Exception) -> ShardUnavailableError:
        """The error to raise after a shard failed mid-request: the thread's connections are dropped (the next
        request connects again), and the shards that do not answer now are named."""
        self._local.connections = None
        down = []
        for k in range(len(self.shard_builds)):
            try:
                self._open_shard(k, PROBE_TIMEOUT_MS).get_doccount()
            except _NETWORK_ERRORS:
                down.append(self.shard_label(k))
        reason = error.get_msg() if isinstance(error, xapian.Error) else str(error)
        named = "; ".join(down) if down else "a shard"
        return ShardUnavailableError(f"shard not answering: {named} ({reason})", down)

    def run(self, ask: Callable[[xapian.Database], object]):
        """`ask(combined database)`. A connection that fails is made again and asked once more (a shard server
        closes connections idle too long, and restarts); a shard failing again, or not answering in time, is
        reported (ShardUnavailableError), as are shards that now serve another build (ShardMismatchError)."""
        try:
            return ask(self.connections().combined)
        except xapian.NetworkTimeoutError as e:  # not asked again: the request would take too long
            raise self._failed(e) from None
        except _NETWORK_ERRORS:
            self._local.connections = None
        try:
            return ask(self.connections().combined)
        except _NETWORK_ERRORS as e:
            raise self._failed(e) from None

    # --- reading -------------------------------------------------------------------------------------

    def matched(self, query: xapian.Query, scored: bool) -> tuple[np.ndarray, np.ndarray]:
        """(docnums ascending, weights) of a Xapian query: weighted by term frequency (TfIdfWeight "nnn") when
        `scored`, else not weighted (empty weights)."""

        def ask(db: xapian.Database):
            enquire = xapian.Enquire(db)
            enquire.set_query(query)
            enquire.set_weighting_scheme(xapian.TfIdfWeight("nnn") if scored else xapian.BoolWeight())
            enquire.set_docid_order(xapian.Enquire.ASCENDING)
            mset = enquire.get_mset(0, max(db.get_doccount(), 1))
            docnums = self.table.docnums[_mset_docnums(mset)]
            if not scored:
                return np.sort(docnums), np.zeros(0, dtype=np.float32)
            weights = _mset_weights(mset)
            order = np.argsort(docnums, kind="stable")
            return docnums[order], weights[order]

        return self.run(ask)

    def term_frequency(self, term: bytes) -> int:
        return int(self.run(lambda db: db.get_termfreq(term)))

    @property
    def section_count(self) -> int:
        return self.table.count

    def section_ordinals(self, ids: Sequence[str]) -> np.ndarray:
        ordinal = {d: i for i, d in enumerate(ids)}
        return np.fromiter((ordinal.get(d, -1) for d in self.table.doc_ids), dtype=np.int32, count=self.table.count)

    def section_ids(self, docnums: Sequence[int]) -> list[str]:
        return [self.table.section_ids[n] for n in docnums]

    def doc_frequency(self, fieldname: str, word: str) -> int:
        schema = self.scorer.schema
        if fieldname not in schema:
            return 0
        return self.scorer.doc_frequency(fieldname, schema[fieldname].to_bytes(word))

    def frequent_words(self, fieldname: str, limit: int) -> list[tuple[float, str]]:
        if fieldname != "body":
            return []
        return [(float(n), w) for n, w in self.table.frequent[:limit]]

    def fallback(self, q: Query, scored: bool = True) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError(f"the Xapian backend evaluates term, phrase, And and Or queries only, not {q!r}")

    def close(self) -> None:
        self._local = threading.local()


def postings_cache_bytes() -> int:
    """The bytes of posting lists a build keeps: GOVLAW_XAPIAN_CACHE_MB, else POSTINGS_CACHE_BYTES."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if not value:
        return POSTINGS_CACHE_BYTES
    if not value.isdigit() or int(value) < 1:
        raise BackendConfigError(f"{CACHE_ENV}={value!r}: a number of megabytes, at least 1")
    return int(value) * 1024 * 1024


class XapianScorer(VectorScorer):
    """VectorScorer over a XapianBackend: a term's postings and a phrase's sections read from the shards, field
    lengths and totals from the build's record table; scores computed as for the Whoosh index."""

    def __init__(self, backend: XapianBackend):
        super().__init__(
            lambda: None,
            backend.table.count,
            WEIGHTING,
            cache_bytes=postings_cache_bytes(),
            phrase_cache_bytes=PHRASE_CACHE_BYTES,
            sidecars=False,
        )
        self.backend = backend
        self._schema = make_schema()
        table = backend.table
        self._length_rows = {name: table.lengths[i] for i, name in enumerate(table.length_fields)}
        self._zero_lengths = np.zeros(table.count, dtype=np.uint8)

    @property
    def schema(self):
        return self._schema

    def term_postings(self, fieldname: str, text: bytes, for_phrase: bool = False) -> TermPostings:
        key = (fieldname, text)
        found = self.cached_postings.get(key) or self.cached_for_phrases.get(key)
        if isinstance(found, TermPostings):
            return found
        ids, weights = self.backend.matched(xapian.Query(xapian_term(fieldname, text)), scored=True)
        found = TermPostings(ids, weights, None)
        (self.cached_for_phrases if for_phrase else self.cached_postings).put(key, found)
        return found

    def length_bytes(self, fieldname: str) -> np.ndarray:
        return self._length_rows.get(fieldname, self._zero_lengths)

    def _idf_avgfl(self, fieldname: str, text: bytes) -> tuple[float, float]:
        key = (fieldname, text)
        found = self._stats.get(key)
        if found is None:
            records = self.backend.table.records
            idf = math.log(records / (self._doc_frequency(fieldname, text) + 1)) + 1
            avgfl = self.backend.table.totals.get(fieldname, 0) / (records or 1)
            found = self._stats[key] = (idf, avgfl or 1)
        return found

    def _doc_frequency(self, fieldname: str, text: bytes) -> int:
        return self.doc_frequency(fieldname, text)

    def doc_frequency(self, fieldname: str, text: bytes) -> int:
        key = (fieldname, text)
        found = self._frequencies.get(key)
        if found is None:
            found = self._frequencies[key] = self.backend.term_frequency(xapian_term(fieldname, text))
        return found

    def supports(self, q: wq.Query) -> bool:
        if type(q) is wq.Phrase and q.slop != 1:
            return False  # Xapian's phrases are of adjacent words only
        return super().supports(q)

    def _phrase(self, q: wq.Phrase, within: Within | None = None, scored: bool = True):
        """Adjacent words in order, matched by the shards (OP_PHRASE); scored as VectorScorer scores a phrase,
        from its words' frequencies in the sections matched. Those frequencies are asked of the shards for the
        phrase's sections only (each word filtered by the phrase), unless the word's whole postings are kept:
        the postings of a phrase's common bigrams run to a million sections at ten times the laws corpus."""
        texts = self._phrase_texts(q)
        if texts is None:
            return _EMPTY_IDS, np.zeros(0)
        terms = [xapian_term(q.fieldname, t) for t in texts]
        query = xapian.Query(terms[0]) if len(terms) == 1 else xapian.Query(xapian.Query.OP_PHRASE, terms, len(terms))
        # The sections a phrase matched, kept with what phrases read (a round trip to every shard saved).
        key = (q.fieldname, b"\x00".join(texts), "phrase")
        found = self.cached_for_phrases.get(key)
        if isinstance(found, TermPostings):
            matched = found.ids
        else:
            matched, _ = self.backend.matched(query, scored=False)
            self.cached_for_phrases.put(key, TermPostings(matched, _EMPTY_WEIGHTS, None))
        sections = matched
        if within is not None and len(sections):
            sections = sections[within.mask[sections]]
        if not len(sections) or not scored:
            return sections, np.zeros(0)

        def weights_of(text: bytes) -> np.ndarray:
            found = self.cached_postings.get((q.fieldname, text))
            if not isinstance(found, TermPostings):
                word_key = (*key, text)
                found = self.cached_for_phrases.get(word_key)
                if not isinstance(found, TermPostings):
                    word = xapian.Query(xapian_term(q.fieldname, text))
                    ids, weights = self.backend.matched(xapian.Query(xapian.Query.OP_FILTER, word, query), scored=True)
                    found = TermPostings(ids, weights, None)
                    self.cached_for_phrases.put(word_key, found)
            return found.weights[np.searchsorted(found.ids, sections)]

        return sections, self._phrase_scores(q, texts, sections, weights_of)
