"""Matching and BM25F scoring of term and phrase queries over whole posting arrays, for one opened build.

Whoosh's matchers visit one posting at a time in Python: a query whose words occur in a hundred thousand
sections cost hundreds of milliseconds to match and score. Here a term's postings are sliced from the posting
arrays mapped beside each segment (search.sidecar), or, for a segment without them, decoded a block at a time
into NumPy arrays kept in an LRU bounded by bytes; a query is evaluated over whole arrays. The scores are
Whoosh's own, not an imitation: the same idf and average field length (asked of the searcher), the same
byte-encoded field lengths and the same formula and query semantics (a compound query of one subquery takes
that subquery's score, boost included; `Or` sums; `And` requires every part and sums); the tests compare every
score with Whoosh's matchers.

Term, Phrase (search.phrase: positions are read for the sections holding every word only), Or and And are
evaluated here; any other query is left to Whoosh by the caller (`evaluate` returns None).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np
from whoosh import query as wq
from whoosh.reading import IndexReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search import phrase
from search.docnums import distinct, distinct_inverse
from search.phrase import NotInBlocksError, Positions, PostingBlocks, posting_blocks
from search.sidecar import (
    POSITIONS_SUFFIX,
    SIDECAR_SUFFIX,
    Sidecar,
    SidecarPositions,
    open_positions,
    open_sidecar,
)
from search.whoosh_fence import (
    attached,
    bm25f_b,
    leaf_file_path,
    length_column_bytes,
    postings_place,
    read_block_postings,
    unwrap_deleted,
)

# Posting arrays decoded from blocks kept per opened build, in bytes (ids 4 + weights 4 per posting); postings
# sliced from a segment's mapped posting arrays (search.sidecar) are not kept.
POSTINGS_CACHE_BYTES = 24 * 1024 * 1024
# What phrases read, kept per opened build apart from the above: the postings of their rarest bigrams, the
# block tables of the others (about 14 bytes per block of about 128 postings).
PHRASE_CACHE_BYTES = 8 * 1024 * 1024
# Terms whose segments a build's scorer remembers (which segments hold a term, and where each keeps it):
# finding a term is a walk of Whoosh's term table in Python, twice per segment, the largest cost of a query over a
# build of many segments (fourteen at ten times the laws corpus). About 280 bytes per term there (TermPlaces),
# 9 MB when full; the table is emptied when full.
TERM_PLACES_LIMIT = 32_768
# A term's postings are looked up for the sections a query is evaluated in, rather than read whole and filtered,
# when it has at least SPARSE_MIN_POSTINGS and SPARSE_RATIO times as many as there are sections (search of a few
# hundred sections in a common word's million postings, per segment).
SPARSE_MIN_POSTINGS = 65_536
SPARSE_RATIO = 16
# Whether a build reads a segment's posting arrays (search.sidecar) where it has them (VectorScorer's default).
READ_SIDECARS = True
_UNOPENED = object()
_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)
_EMPTY_KEYS = np.zeros(0, dtype=np.int64)
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


class TermPostings(NamedTuple):
    """Every live posting of a term in a (possibly multi-segment) reader: global docnums (ascending) and weights,
    and its posting blocks (None: a segment's postings are not W3 blocks, or were read from posting arrays);
    `mapped`: every segment's postings were sliced from its posting arrays (search.sidecar), none decoded."""

    ids: np.ndarray
    weights: np.ndarray
    blocks: PostingBlocks | None
    mapped: bool = False

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.weights.nbytes + (self.blocks.nbytes if self.blocks is not None else 0)


# Per segment holding a term, one row of TermPlaces: the segment's number among the reader's segments, and the
# term's number in the segment's posting arrays and in its positions file (search.sidecar; -1 where they lack it,
# or it is not in W3 blocks, or the segment has no such file). Kept as int32 so that a remembered term costs
# 112 + 12 bytes per segment (280 at fourteen segments) rather than a tuple of Python ints per segment.
TermPlaces = np.ndarray


def term_places(reader: IndexReader, fieldname: str, text: bytes) -> TermPlaces:
    """The segments of a reader that hold a term, and where each keeps it (TermPlaces rows)."""
    rows = []
    for leaf_no, (leaf, _offset) in enumerate(reader.leaf_readers()):
        if (fieldname, text) in leaf:
            place = postings_place(leaf, fieldname, text)
            side, positions = _leaf_sidecar(leaf), _leaf_positions(leaf)
            at = side.find(place) if side is not None and place is not None else -1
            at_positions = positions.find(place) if positions is not None and place is not None else -1
            rows.append((leaf_no, at, at_positions))
    return np.asarray(rows, dtype=np.int32).reshape(-1, 3)


def read_term_postings(
    reader: IndexReader, fieldname: str, text: bytes, sidecars: bool = True, places: TermPlaces | None = None
) -> TermPostings:
    """A term's TermPostings in a reader (see TermPostings); from a segment's posting arrays where it has them
    and `sidecars`, else from its posting blocks. `places`: the term's `term_places` in the reader, if known."""
    ids_parts, weight_parts, block_parts = [], [], []
    in_blocks = True
    mapped = sidecars
    leaves = list(reader.leaf_readers())
    for leaf_no, at, _ in (term_places(reader, fieldname, text) if places is None else places).tolist():
        leaf, offset = leaves[leaf_no]
        found = _mapped_postings(leaf, at) if sidecars else None
        if found is not None:
            ids, weights, deleted = found
            # Their blocks are not read here (search.phrase reads a term's block table when it needs one).
            in_blocks = False
        else:
            mapped = False
            ids, weights, deleted, blocks = _decoded_postings(leaf, fieldname, text)
            if blocks is None:
                in_blocks = False
            else:
                block_parts.append((leaf_no, offset, *blocks))
        if deleted is not None and len(deleted):
            keep = _live_mask(leaf, deleted)[ids]
            ids, weights = ids[keep], weights[keep]
        ids_parts.append(ids + offset)
        weight_parts.append(weights)
    blocks = posting_blocks(block_parts) if in_blocks else None
    if not ids_parts:
        return TermPostings(_EMPTY_IDS, _EMPTY_WEIGHTS, blocks)
    return TermPostings(
        np.concatenate(ids_parts).astype(np.int32, copy=False),
        np.concatenate(weight_parts).astype(np.float32, copy=False),
        blocks,
        mapped,
    )


def _live_mask(leaf, deleted: np.ndarray) -> np.ndarray:
    """Per segment-local docnum: not deleted (kept with the segment reader while its deleted docnums are the
    same: a lookup per posting, where a set membership test would sort the postings)."""
    state = attached(leaf)
    found = state.get("live")
    if found is None or (found[0] is not deleted and not np.array_equal(found[0], deleted)):
        live = np.ones(leaf.doc_count_all(), dtype=bool)
        live[deleted] = False
        found = state["live"] = (deleted, live)
    return found[1]


def _decoded_postings(leaf, fieldname: str, text: bytes) -> tuple:
    """A segment's postings of a term decoded from its posting blocks: (ids, weights, deleted docnums or None,
    (block starts, block highest ids) or None when they are not W3 blocks)."""
    # The postings of a segment with deleted documents come wrapped in a filter.
    deleted, m = unwrap_deleted(leaf.postings(fieldname, text))
    deleted = np.fromiter(deleted, dtype=np.int64, count=len(deleted)) if deleted else None
    # Whoosh's codec writes every posting list in blocks (its inline limit of 1 never inlines one); any other
    # matcher is read through its public interface.
    found = read_block_postings(m)
    if found is None:
        return *_read_any_matcher(m), deleted, None
    return found.ids, found.weights, deleted, (found.block_starts, found.block_max_ids)


def _leaf_sidecar(leaf) -> Sidecar | None:
    """A segment's posting arrays (search.sidecar), opened once per segment reader; None where it has none."""
    state = attached(leaf)
    side = state.get("sidecar", _UNOPENED)
    if side is _UNOPENED:
        path = leaf_file_path(leaf, SIDECAR_SUFFIX)
        segment = leaf.segment()
        side = open_sidecar(path, segment.segment_id(), leaf.doc_count_all()) if path is not None else None
        state["deleted"] = np.array(sorted(segment.deleted_docs()), dtype=np.int64) if side is not None else None
        state["sidecar"] = side
    return side


def _leaf_positions(leaf) -> SidecarPositions | None:
    """A segment's positions file (search.sidecar), opened once per segment reader; None where it has none."""
    state = attached(leaf)
    found = state.get("positions", _UNOPENED)
    if found is _UNOPENED:
        path = leaf_file_path(leaf, POSITIONS_SUFFIX)
        found = open_positions(path, leaf.segment().segment_id(), leaf.doc_count_all()) if path else None
        state["positions"] = found
    return found


def _mapped_postings(leaf, at: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """A segment's postings of its term number `at` in its posting arrays (a TermPlaces row's second column), and
    its deleted docnums; None when the segment has no posting arrays or they lack the term (-1)."""
    side = _leaf_sidecar(leaf)
    if side is None or at < 0:
        return None
    ids, weights = side.term_at(at)
    return ids, weights, attached(leaf)["deleted"]


def _segments_asked(
    reader: IndexReader, docnums: np.ndarray, places: TermPlaces
) -> Iterator[tuple[IndexReader, int, np.ndarray, int, int]]:
    """Per segment holding a term (its `term_places` rows) and some of the sections `docnums` (ascending): the
    segment, its offset, those sections, and the term's number in its posting arrays and in its positions file."""
    leaves = list(reader.leaf_readers())
    bounds = np.searchsorted(docnums, [offset for _, offset in leaves] + [reader.doc_count_all()]).tolist()
    for k, at_postings, at_positions in places.tolist():
        leaf, offset = leaves[k]
        wanted = docnums[bounds[k] : bounds[k + 1]]
        if len(wanted):
            yield leaf, offset, wanted, at_postings, at_positions


def _held(wanted: np.ndarray, offset: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`_common` of a segment's sections `wanted` (global docnums) and its postings `ids` (local): searched as the
    posting arrays' own type, since a search of another type copies the whole array first."""
    return _common((wanted - offset).astype(ids.dtype, copy=False), ids)


def read_postings_at(reader: IndexReader, docnums: np.ndarray, places: TermPlaces) -> Evaluated | None:
    """Of the sections `docnums` (ascending), those that hold a term (its `term_places` in the reader) and its
    weights there, looked up in the segments' posting arrays; None when a segment holding the term lacks them."""
    id_parts, weight_parts = [], []
    for leaf, offset, wanted, at_postings, _ in _segments_asked(reader, docnums, places):
        found = _mapped_postings(leaf, at_postings)
        if found is None:
            return None
        ids, weights, deleted = found
        local, _, at = _held(wanted, offset, ids)
        if deleted is not None and len(deleted):
            live = _live_mask(leaf, deleted)[local]
            local, at = local[live], at[live]
        id_parts.append(local.astype(np.int32) + offset)
        weight_parts.append(weights[at])
    if not id_parts:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return np.concatenate(id_parts).astype(np.int32, copy=False), np.concatenate(weight_parts)


def read_mapped_positions(
    reader: IndexReader, fieldname: str, text: bytes, docnums: np.ndarray, places: TermPlaces | None = None
) -> Positions | None:
    """A term's Positions in those of the sections `docnums` (ascending, live) that hold it, sliced from the
    segments' posting arrays and positions files (search.sidecar); None when a segment holding the term lacks
    either. `places`: the term's `term_places` in the reader, if known."""
    held_parts, weight_parts, count_parts, position_parts = [], [], [], []
    if places is None:
        places = term_places(reader, fieldname, text)
    for leaf, offset, wanted, at_postings, at_positions in _segments_asked(reader, docnums, places):
        side, positions = _leaf_sidecar(leaf), _leaf_positions(leaf)
        if side is None or positions is None or at_postings < 0 or at_positions < 0:
            return None
        ids, weights = side.term_at(at_postings)
        term = positions.term_at(at_positions)
        _, present, at = _held(wanted, offset, ids)
        counts, found = term.of(at)
        held_parts.append(wanted[present])
        weight_parts.append(weights[at])
        count_parts.append(counts)
        position_parts.append(found)
    if not held_parts:
        return Positions(_EMPTY_IDS, _EMPTY_WEIGHTS, _EMPTY_KEYS)
    held = np.concatenate(held_parts).astype(np.int32, copy=False)
    owners = np.repeat(held.astype(np.int64), np.concatenate(count_parts))
    return Positions(
        held,
        np.concatenate(weight_parts).astype(np.float32, copy=False),
        (owners << phrase.POSITION_BITS) | np.concatenate(position_parts),
    )


def read_postings(
    reader: IndexReader, fieldname: str, text: bytes, sidecars: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Every live posting of a term in a (possibly multi-segment) reader: global docnums, ascending, and weights."""
    found = read_term_postings(reader, fieldname, text, sidecars)
    return found.ids, found.weights


def read_length_bytes(reader: IndexReader, fieldname: str) -> np.ndarray:
    """Every document's length of a field as Whoosh stores it, one byte each (decoded by _BYTE_LENGTHS)."""
    out = np.zeros(reader.doc_count_all(), dtype=np.uint8)
    for leaf, offset in reader.leaf_readers():
        n = leaf.doc_count_all()
        raw = length_column_bytes(leaf, fieldname, n)
        if raw is None:
            out[offset : offset + n] = [_length_byte(leaf, d, fieldname) for d in range(n)]
        else:
            out[offset : offset + len(raw)] = raw
    return out


def read_lengths(reader: IndexReader, fieldname: str) -> np.ndarray:
    """Every document's length of a field as Whoosh's scorer sees it (decoded from its stored byte)."""
    return _BYTE_LENGTHS[read_length_bytes(reader, fieldname)]


def _length_byte(leaf: IndexReader, docnum: int, fieldname: str) -> int:
    from whoosh.util.numeric import length_to_byte

    return length_to_byte(leaf.doc_field_length(docnum, fieldname, 0) or 0)


class BytesLRU:
    """Values (each with an `nbytes`) kept up to a total of bytes, the least recently used dropped first; a value
    larger than the whole is not kept. Safe to share between threads."""

    def __init__(self, limit: int):
        self.limit = limit
        self.nbytes = 0
        self._values: OrderedDict[tuple, TermPostings | PostingBlocks] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: tuple) -> bool:
        return key in self._values

    def values(self) -> list[TermPostings | PostingBlocks]:
        with self._lock:
            return list(self._values.values())

    def get(self, key: tuple) -> TermPostings | PostingBlocks | None:
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
            return found

    def put(self, key: tuple, value: TermPostings | PostingBlocks) -> None:
        size = value.nbytes
        with self._lock:
            if key not in self._values and size <= self.limit:
                self._values[key] = value
                self.nbytes += size
                while self.nbytes > self.limit:
                    _, old = self._values.popitem(last=False)
                    self.nbytes -= old.nbytes


class VectorScorer:
    """Postings, lengths and statistics of one opened build, and queries evaluated over them.

    `searcher` returns a searcher of the build usable by the calling thread; postings are read through it and
    then shared by every thread (reads of the same term by two threads at once may both read; one result stays).
    What phrases read (the postings of their rarest bigrams, the block tables of the others) is kept apart from
    the postings of terms, so that it never pushes those out: a phrase's matches are remembered by the caller
    (OpenIndex.sections_for), its bigrams are rarely asked for again.
    """

    def __init__(
        self,
        searcher: Callable[[], Searcher],
        doc_count: int,
        weighting: BM25F,
        cache_bytes: int = POSTINGS_CACHE_BYTES,
        phrase_cache_bytes: int = PHRASE_CACHE_BYTES,
        sidecars: bool | None = None,
    ):
        self._searcher = searcher
        self.sidecars = READ_SIDECARS if sidecars is None else sidecars
        self.doc_count = doc_count
        self._weighting = weighting
        # Keys (field, text): TermPostings; in the phrase cache also (field, text, "blocks"): PostingBlocks.
        self.cached_postings = BytesLRU(cache_bytes)
        self.cached_for_phrases = BytesLRU(phrase_cache_bytes)
        self._lengths: dict[str, np.ndarray] = {}
        self._norms: dict[tuple[str, float], np.ndarray] = {}
        self._stats: dict[tuple[str, bytes], tuple[float, float]] = {}
        self._frequencies: dict[tuple[str, bytes], int] = {}
        self._places: dict[tuple[str, bytes], TermPlaces] = {}

    # --- data --------------------------------------------------------------------------------------------

    @property
    def schema(self):
        """The build's schema (its fields' types: how a word is turned into a term, which fields are scored)."""
        return self._searcher().schema

    def postings(self, fieldname: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
        found = self.term_postings(fieldname, text)
        return found.ids, found.weights

    def term_postings(self, fieldname: str, text: bytes, for_phrase: bool = False) -> TermPostings:
        """A term's postings, from either cache, else read and kept in the postings cache (in the phrase cache
        when read for a phrase); postings sliced from posting arrays alone are not kept (reading them again
        costs about what copying them out of a cache would)."""
        key = (fieldname, text)
        found = self.cached_postings.get(key) or self.cached_for_phrases.get(key)
        if isinstance(found, TermPostings):
            return found
        reader = self._searcher().reader()
        found = read_term_postings(reader, fieldname, text, self.sidecars, self.places(reader, fieldname, text))
        if not found.mapped:
            (self.cached_for_phrases if for_phrase else self.cached_postings).put(key, found)
        return found

    def places(self, reader: IndexReader, fieldname: str, text: bytes) -> TermPlaces:
        """A term's `term_places` in the build (the same in every reader of it), remembered."""
        key = (fieldname, text)
        found = self._places.get(key)
        if found is None:
            found = term_places(reader, fieldname, text)
            if len(self._places) >= TERM_PLACES_LIMIT:
                self._places.clear()
            self._places[key] = found
        return found

    def term_blocks(self, fieldname: str, text: bytes) -> PostingBlocks | None:
        """A term's posting blocks: those of its cached postings, else read from the blocks' headers alone (kept
        in the phrase cache)."""
        found = self.cached_postings.get((fieldname, text)) or self.cached_for_phrases.get((fieldname, text))
        if isinstance(found, TermPostings) and found.blocks is not None:
            return found.blocks
        key = (fieldname, text, "blocks")
        found = self.cached_for_phrases.get(key)
        if isinstance(found, PostingBlocks):
            return found
        blocks = phrase.read_posting_blocks(self._searcher().reader(), fieldname, text)
        if blocks is not None:
            self.cached_for_phrases.put(key, blocks)
        return blocks

    def length_bytes(self, fieldname: str) -> np.ndarray:
        """Every section's length of a field as stored, a byte each (8 times less than the decoded floats)."""
        found = self._lengths.get(fieldname)
        if found is None:
            found = self._lengths[fieldname] = read_length_bytes(self._searcher().reader(), fieldname)
        return found

    def _idf_avgfl(self, fieldname: str, text: bytes) -> tuple[float, float]:
        key = (fieldname, text)
        found = self._stats.get(key)
        if found is None:
            s = self._searcher()
            found = self._stats[key] = (s.idf(fieldname, text), s.avg_field_length(fieldname) or 1)
        return found

    def _doc_frequency(self, fieldname: str, text: bytes) -> int:
        """How many sections hold a term (deleted ones too), as Whoosh's term table says."""
        key = (fieldname, text)
        found = self._frequencies.get(key)
        if found is None:
            found = self._frequencies[key] = self._searcher().doc_frequency(fieldname, text)
        return found

    # --- evaluation --------------------------------------------------------------------------------------

    def supports(self, q: wq.Query) -> bool:
        if isinstance(q, wq.Term):
            return isinstance(q.text, str)
        if type(q) is wq.Phrase:
            return (
                bool(q.words)
                and all(isinstance(w, str) for w in q.words)
                and isinstance(q.slop, int)
                and self._has_positions(q.fieldname)
            )
        if type(q) in (wq.Or, wq.And):
            return all(self.supports(s) for s in q.subqueries)
        return False

    def _has_positions(self, fieldname: str) -> bool:
        """Whether a phrase over the field can be matched (Whoosh refuses a field without positions; a field
        the schema lacks matches nothing)."""
        schema = self.schema
        if fieldname not in schema:
            return True
        fmt = schema[fieldname].format
        return bool(fmt and fmt.supports("positions"))

    def evaluate(self, q: wq.Query, within: np.ndarray | None = None) -> Evaluated | None:
        """(docnums, scores) of the sections matching `q`, as Whoosh scores them; None if not supported here.
        `within` (a boolean array over docnums): only those sections are matched and scored (a section's score
        does not depend on which others are scored, so these are the scores of the whole evaluation, selected)."""
        return self._supported(q, within, True)

    def matches(self, q: wq.Query, within: np.ndarray | None = None) -> np.ndarray | None:
        """Docnums matching `q` (sorted), or None if not supported here; nothing is scored. `within` (a boolean
        array over docnums): only those sections are matched."""
        found = self._supported(q, within, False)
        return None if found is None else found[0]

    def estimate(self, q: wq.Query) -> int | None:
        """At most how many sections match `q`, from the term table alone (a phrase: its rarest word; And: its
        rarest part; Or: its parts added up); None if not supported here."""
        if not self.supports(q):
            return None
        schema = self.schema
        if isinstance(q, wq.Term | wq.Phrase):
            if q.fieldname not in schema:
                return 0
            words = [q.text] if isinstance(q, wq.Term) else list(q.words)
            try:
                texts = [schema[q.fieldname].to_bytes(w) for w in words]
            except ValueError:
                return 0
            return min(self._doc_frequency(q.fieldname, t) for t in texts) if texts else 0
        parts = [self.estimate(s) for s in q.subqueries]
        if any(p is None for p in parts):
            return None
        known = [p for p in parts if p is not None]
        if not known:
            return 0
        return min(known) if isinstance(q, wq.And) else sum(known)

    def _supported(self, q: wq.Query, within: np.ndarray | None, scored: bool) -> Evaluated | None:
        if not self.supports(q):
            return None
        try:
            return self._eval(q, None if within is None else Within(within), scored)
        except NotInBlocksError:
            return None

    def _eval(self, q: wq.Query, within: Within | None, scored: bool) -> Evaluated:
        """(docnums, scores) of `q` within the sections `within` (None: all); without `scored` the scores are
        an empty array and only the docnums are found."""
        if isinstance(q, wq.Term):
            return self._term(q, within, scored)
        if isinstance(q, wq.Phrase):
            return self._phrase(q, within, scored)
        subs = q.subqueries
        if not subs:
            return _EMPTY_IDS, np.zeros(0)
        if len(subs) == 1:  # Whoosh ignores the boost of a compound query of one subquery
            return self._eval(subs[0], within, scored)
        parts = [self._eval(s, within, scored) for s in subs]
        if isinstance(q, wq.And):
            ids, scores = _intersect(parts, self.doc_count, scored)
        else:
            ids, scores = _union(parts, self.doc_count, scored)
        if scored and q.boost != 1.0:
            scores = scores * q.boost
        return ids, scores

    def _term(self, q: wq.Term, within: Within | None = None, scored: bool = True) -> Evaluated:
        schema = self.schema
        if q.fieldname not in schema:
            return _EMPTY_IDS, np.zeros(0)
        try:
            text = schema[q.fieldname].to_bytes(q.text)
        except ValueError:
            return _EMPTY_IDS, np.zeros(0)
        found = self._postings_within(q.fieldname, text, within) if within is not None else None
        if found is not None:
            ids, weights = found
        else:
            ids, weights = self.postings(q.fieldname, text)
            if within is not None and len(ids):
                keep = within.mask[ids]
                ids, weights = ids[keep], weights[keep]
        if not len(ids) or not scored:
            return ids, np.zeros(0)
        scores = self._scores(q.fieldname, text, ids, weights)
        if q.boost != 1.0:
            scores = scores * q.boost
        return ids, scores

    def _postings_within(self, fieldname: str, text: bytes, within: Within) -> Evaluated | None:
        """A term's (docnums, weights) in the sections `within`, looked up in the segments' posting arrays when
        it is in many more sections than those (a common word's million postings are then neither copied nor
        filtered); None otherwise, or where a segment lacks posting arrays."""
        if not self.sidecars or (fieldname, text) in self.cached_postings:
            return None
        frequency = self._doc_frequency(fieldname, text)
        if frequency < SPARSE_MIN_POSTINGS or within.count * SPARSE_RATIO > frequency:
            return None
        reader = self._searcher().reader()
        return read_postings_at(reader, within.ids, self.places(reader, fieldname, text))

    def _scores(self, fieldname: str, text: bytes, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """A term's scores in the sections `ids`, where it has the frequencies `weights`."""
        tf = weights.astype(np.float64)
        if not self.schema[fieldname].scorable:
            return tf
        idf, avgfl = self._idf_avgfl(fieldname, text)
        k1 = self._weighting.K1
        return idf * ((tf * (k1 + 1)) / (tf + self._norm(fieldname, avgfl)[self.length_bytes(fieldname)[ids]]))

    def _norm(self, fieldname: str, avgfl: float) -> np.ndarray:
        """BM25's length normalisation `k1 × (1 - b + b × fl / avgfl)` of a field per stored length byte: one
        lookup per section instead of five operations (the same operations, on the same values, so the same
        scores)."""
        key = (fieldname, avgfl)
        found = self._norms.get(key)
        if found is None:
            b = bm25f_b(self._weighting, fieldname)
            k1 = self._weighting.K1
            found = self._norms[key] = k1 * ((1 - b) + b * _BYTE_LENGTHS / avgfl)
        return found

    def _phrase(self, q: wq.Phrase, within: Within | None = None, scored: bool = True) -> Evaluated:
        """Whoosh's Phrase: the sections where the words follow each other in order, each at most `slop`
        positions after the one before; scored as the sum of its words' scores (each word once per time it
        occurs in the phrase, added up pairwise as Whoosh's tree of intersections adds them)."""
        texts = self._phrase_texts(q)
        if texts is None:
            return _EMPTY_IDS, np.zeros(0)
        searcher = self._searcher()
        # Rarest first: the rarest word's postings are the candidates, each next word is looked up in the
        # sections still possible. A phrase of adjacent words (slop 1) keeps the positions where it could start,
        # so a section holding the words apart is dropped at once; another slop is chained at the end.
        rare_first = sorted(dict.fromkeys(texts), key=lambda t: self._doc_frequency(q.fieldname, t))
        if q.slop == 1 and not scored:
            rare_first = phrase.covering(texts, rare_first)
        rarest = self.term_postings(q.fieldname, rare_first[0], for_phrase=True)
        sections = rarest.ids if within is None else rarest.ids[within.mask[rarest.ids]]
        reader = searcher.reader()
        seen: dict[bytes, phrase.Positions] = {}
        starts: np.ndarray | None = None
        for text in rare_first:
            if not len(sections):
                return _EMPTY_IDS, np.zeros(0)
            found = (
                read_mapped_positions(reader, q.fieldname, text, sections, self.places(reader, q.fieldname, text))
                if self.sidecars
                else None
            )
            if found is None:  # a segment without positions files: from the posting blocks
                blocks = rarest.blocks if text == rare_first[0] else None
                if blocks is None:  # not read with the postings (or not W3 blocks: term_blocks says so again)
                    blocks = self.term_blocks(q.fieldname, text)
                found = phrase.term_positions(reader, q.fieldname, text, blocks, sections)
            seen[text] = found
            sections = found.docnums
            if q.slop == 1:
                starts = phrase.starts_with(starts, found.keys, [i for i, t in enumerate(texts) if t == text])
                sections = phrase.sections_of(starts)
        if starts is None:
            ends = seen[texts[0]].keys
            for text in texts[1:]:
                ends = phrase.follow(ends, seen[text].keys, q.slop)
            sections = phrase.sections_of(ends)
        if not len(sections) or not scored:
            return sections, np.zeros(0)

        def weights_of(text: bytes) -> np.ndarray:
            found = seen[text]
            return found.weights[np.searchsorted(found.docnums, sections)]

        return sections, self._phrase_scores(q, texts, sections, weights_of)

    def _phrase_texts(self, q: wq.Phrase) -> list[bytes] | None:
        """The terms of a phrase's words in its field; None where it can match nothing (a field the schema lacks,
        a word the field cannot hold)."""
        if q.fieldname not in self.schema:
            return None
        field = self.schema[q.fieldname]
        try:
            return [field.to_bytes(w) for w in q.words]
        except ValueError:
            return None

    def _phrase_scores(
        self, q: wq.Phrase, texts: list[bytes], sections: np.ndarray, weights_of: Callable[[bytes], np.ndarray]
    ) -> np.ndarray:
        """A phrase's scores in the sections it matched: the sum of its words' scores (each word once per time
        it occurs in the phrase, added up pairwise as Whoosh's tree of intersections adds them); `weights_of`
        gives a word's frequencies in those sections."""
        scores = _pairwise_sum([self._scores(q.fieldname, text, sections, weights_of(text)) for text in texts])
        if q.boost != 1.0:
            scores = scores * q.boost
        return scores


class Within:
    """The sections a query is evaluated in: a boolean array over docnums, and how many they are and which
    (counted and found once per evaluation, when a common word asks)."""

    __slots__ = ("_counted", "_docnums", "mask")

    def __init__(self, mask: np.ndarray):
        self.mask = mask
        self._counted: int | None = None
        self._docnums: np.ndarray | None = None

    @property
    def count(self) -> int:
        if self._counted is None:
            self._counted = int(np.count_nonzero(self.mask))
        return self._counted

    @property
    def ids(self) -> np.ndarray:
        if self._docnums is None:
            self._docnums = np.flatnonzero(self.mask).astype(np.int32)
        return self._docnums


def _pairwise_sum(parts: list[np.ndarray]) -> np.ndarray:
    """The sum of the arrays, added up in halves as whoosh.util.make_binary_tree nests its matchers."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _pairwise_sum(parts[:half]) + _pairwise_sum(parts[half:])


def _union(parts: list[Evaluated], n: int, scored: bool = True) -> Evaluated:
    """Sections matching any part, with the sum of their scores (without `scored`: docnums only)."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _EMPTY_IDS, np.zeros(0)
    if len(parts) == 1:
        return parts[0]
    total = sum(len(p[0]) for p in parts)
    if total * 8 < n:  # small: sort the concatenation
        ids = np.concatenate([p[0] for p in parts])
        if not scored:
            return distinct(ids).astype(np.int32, copy=False), np.zeros(0)
        scores = np.concatenate([p[1] for p in parts])
        uniq, inverse = distinct_inverse(ids)
        return uniq.astype(np.int32, copy=False), np.bincount(inverse, weights=scores, minlength=len(uniq))
    hit = np.zeros(n, dtype=bool)
    for ids, _ in parts:
        hit[ids] = True
    found = np.flatnonzero(hit).astype(np.int32)
    if not scored:
        return found, np.zeros(0)
    acc = np.zeros(n)
    for ids, scores in parts:
        acc[ids] += scores
    return found, acc[found]


def _common(small: np.ndarray, large: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The docnums in both sorted unique arrays, and their places in each (`small` is looked up in `large`: the
    cheaper way round when it is the smaller)."""
    if not len(small) or not len(large):
        return _EMPTY_IDS, _EMPTY_IDS, _EMPTY_IDS
    at = np.searchsorted(large, small)
    at[at == len(large)] = 0
    found = large[at] == small
    return small[found], np.flatnonzero(found), at[found]


def _intersect(parts: list[Evaluated], n: int, scored: bool = True) -> Evaluated:
    """Sections matching every part, with the sum of their scores (without `scored`: docnums only)."""
    if any(not len(p[0]) for p in parts):
        return _EMPTY_IDS, np.zeros(0)
    parts = sorted(parts, key=lambda p: len(p[0]))
    ids, scores = parts[0]
    for other_ids, other_scores in parts[1:]:
        ids, a, b = _common(ids, other_ids)
        if scored:
            scores = scores[a] + other_scores[b]
        if not len(ids):
            break
    return ids.astype(np.int32, copy=False), scores if scored else np.zeros(0)
