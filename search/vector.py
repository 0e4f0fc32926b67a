"""Matching and BM25F scoring of plain term queries over whole posting arrays, for one opened build.

Whoosh's matchers visit one posting at a time in Python: a query whose words occur in a hundred thousand
sections cost hundreds of milliseconds to match and score. Here a term's postings are read once per build (a
block at a time, into NumPy arrays, kept in an LRU bounded by bytes) and a query is evaluated over whole
arrays. The scores are Whoosh's own, not an imitation: the same idf and average field length (asked of the
searcher), the same byte-encoded field lengths and the same formula and query semantics (a compound query of
one subquery takes that subquery's score, boost included; `Or` sums; `And` requires every part and sums); the
tests compare every score with Whoosh's matchers.

Only Term, Or and And are evaluated here; any other query (phrases need positions) is left to Whoosh by the
caller (`evaluate` returns None).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from whoosh import query as wq
from whoosh.reading import IndexReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search.whoosh_fence import bm25f_b, length_column_bytes, read_block_postings, unwrap_deleted

# Posting arrays kept per opened build, in bytes (ids 4 + weights 4 per posting).
POSTINGS_CACHE_BYTES = 24 * 1024 * 1024
_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)
# byte -> field length, as Whoosh decodes the lengths it stores in one byte per document and field.
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)

Evaluated = tuple[np.ndarray, np.ndarray]  # (sorted unique docnums int32, scores float64)


def _read_any_matcher(m) -> tuple[np.ndarray, np.ndarray]:
    """All (ids, weights) of a leaf matcher, by its public interface."""
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)


def read_postings(reader: IndexReader, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Every live posting of a term in a (possibly multi-segment) reader: global docnums, ascending, and weights."""
    ids_parts, weight_parts = [], []
    for leaf, offset in reader.leaf_readers():
        if (fieldname, text) not in leaf:
            continue
        # The postings of a segment with deleted documents come wrapped in a filter.
        deleted, m = unwrap_deleted(leaf.postings(fieldname, text))
        # Whoosh's codec writes every posting list in blocks (its inline limit of 1 never inlines one); any other
        # matcher is read through its public interface.
        found = read_block_postings(m)
        ids, weights = found if found is not None else _read_any_matcher(m)
        if deleted:
            keep = ~np.isin(ids, np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
            ids, weights = ids[keep], weights[keep]
        ids_parts.append(ids + offset)
        weight_parts.append(weights)
    if not ids_parts:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return (
        np.concatenate(ids_parts).astype(np.int32, copy=False),
        np.concatenate(weight_parts).astype(np.float32, copy=False),
    )


def read_lengths(reader: IndexReader, fieldname: str) -> np.ndarray:
    """Every document's length of a field as Whoosh's scorer sees it (decoded from its stored byte)."""
    out = np.zeros(reader.doc_count_all(), dtype=np.uint8)
    for leaf, offset in reader.leaf_readers():
        n = leaf.doc_count_all()
        raw = length_column_bytes(leaf, fieldname, n)
        if raw is None:
            out[offset : offset + n] = [_length_byte(leaf, d, fieldname) for d in range(n)]
        else:
            out[offset : offset + len(raw)] = raw
    return _BYTE_LENGTHS[out]


def _length_byte(leaf: IndexReader, docnum: int, fieldname: str) -> int:
    from whoosh.util.numeric import length_to_byte

    return length_to_byte(leaf.doc_field_length(docnum, fieldname, 0) or 0)


class VectorScorer:
    """Postings, lengths and statistics of one opened build, and queries evaluated over them.

    `searcher` returns a searcher of the build usable by the calling thread; postings are read through it and
    then shared by every thread (reads of the same term by two threads at once may both read; one result stays).
    """

    def __init__(
        self,
        searcher: Callable[[], Searcher],
        doc_count: int,
        weighting: BM25F,
        cache_bytes: int = POSTINGS_CACHE_BYTES,
    ):
        self._searcher = searcher
        self.doc_count = doc_count
        self._weighting = weighting
        self._cache_bytes = cache_bytes
        self._cached_bytes = 0
        self._postings: OrderedDict[tuple[str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lengths: dict[str, np.ndarray] = {}
        self._stats: dict[tuple[str, bytes], tuple[float, float]] = {}
        self._lock = threading.Lock()

    # --- data --------------------------------------------------------------------------------------------

    def postings(self, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
        key = (fieldname, text)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        found = read_postings(self._searcher().reader(), fieldname, text)
        size = found[0].nbytes + found[1].nbytes
        with self._lock:
            if key not in self._postings and size <= self._cache_bytes:
                self._postings[key] = found
                self._cached_bytes += size
                while self._cached_bytes > self._cache_bytes:
                    _, (i, w) = self._postings.popitem(last=False)
                    self._cached_bytes -= i.nbytes + w.nbytes
        return found

    def lengths(self, fieldname: str) -> np.ndarray:
        found = self._lengths.get(fieldname)
        if found is None:
            found = self._lengths[fieldname] = read_lengths(self._searcher().reader(), fieldname)
        return found

    def _idf_avgfl(self, fieldname: str, text: bytes) -> tuple[float, float]:
        key = (fieldname, text)
        found = self._stats.get(key)
        if found is None:
            s = self._searcher()
            found = self._stats[key] = (s.idf(fieldname, text), s.avg_field_length(fieldname) or 1)
        return found

    # --- evaluation --------------------------------------------------------------------------------------

    def supports(self, q: wq.Query) -> bool:
        if isinstance(q, wq.Term):
            return isinstance(q.text, str)
        if type(q) in (wq.Or, wq.And):
            return all(self.supports(s) for s in q.subqueries)
        return False

    def evaluate(self, q: wq.Query) -> Evaluated | None:
        """(docnums, scores) of the sections matching `q`, as Whoosh scores them; None if not supported here."""
        if not self.supports(q):
            return None
        return self._eval(q)

    def matches(self, q: wq.Query) -> np.ndarray | None:
        """Docnums matching `q` (sorted), or None if not supported here."""
        found = self.evaluate(q)
        return None if found is None else found[0]

    def _eval(self, q: wq.Query) -> Evaluated:
        if isinstance(q, wq.Term):
            return self._term(q)
        subs = q.subqueries
        if not subs:
            return _EMPTY_IDS, np.zeros(0)
        if len(subs) == 1:  # Whoosh ignores the boost of a compound query of one subquery
            return self._eval(subs[0])
        parts = [self._eval(s) for s in subs]
        if isinstance(q, wq.And):
            ids, scores = _intersect(parts, self.doc_count)
        else:
            ids, scores = _union(parts, self.doc_count)
        if q.boost != 1.0:
            scores = scores * q.boost
        return ids, scores

    def _term(self, q: wq.Term) -> Evaluated:
        searcher = self._searcher()
        schema = searcher.schema
        if q.fieldname not in schema:
            return _EMPTY_IDS, np.zeros(0)
        field = schema[q.fieldname]
        try:
            text = field.to_bytes(q.text)
        except ValueError:
            return _EMPTY_IDS, np.zeros(0)
        ids, weights = self.postings(q.fieldname, text)
        if not len(ids):
            return ids, np.zeros(0)
        tf = weights.astype(np.float64)
        if field.scorable:
            idf, avgfl = self._idf_avgfl(q.fieldname, text)
            b = bm25f_b(self._weighting, q.fieldname)
            k1 = self._weighting.K1
            fl = self.lengths(q.fieldname)[ids]
            scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))
        else:
            scores = tf
        if q.boost != 1.0:
            scores = scores * q.boost
        return ids, scores


def _union(parts: list[Evaluated], n: int) -> Evaluated:
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _EMPTY_IDS, np.zeros(0)
    if len(parts) == 1:
        return parts[0]
    total = sum(len(p[0]) for p in parts)
    if total * 8 < n:  # small: sort the concatenation
        ids = np.concatenate([p[0] for p in parts])
        scores = np.concatenate([p[1] for p in parts])
        uniq, inverse = np.unique(ids, return_inverse=True)
        return uniq.astype(np.int32, copy=False), np.bincount(inverse, weights=scores, minlength=len(uniq))
    acc = np.zeros(n)
    hit = np.zeros(n, dtype=bool)
    for ids, scores in parts:
        acc[ids] += scores
        hit[ids] = True
    ids = np.flatnonzero(hit).astype(np.int32)
    return ids, acc[ids]


def _intersect(parts: list[Evaluated], n: int) -> Evaluated:
    if any(not len(p[0]) for p in parts):
        return _EMPTY_IDS, np.zeros(0)
    parts = sorted(parts, key=lambda p: len(p[0]))
    ids, scores = parts[0]
    for other_ids, other_scores in parts[1:]:
        common, a, b = np.intersect1d(ids, other_ids, assume_unique=True, return_indices=True)
        ids, scores = common, scores[a] + other_scores[b]
        if not len(ids):
            break
    return ids.astype(np.int32, copy=False), scores
