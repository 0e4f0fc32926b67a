"""A Whoosh segment writer that collects postings in arrays and writes them in bulk.

Whoosh's own writer turns every token into a Token object, every posting into a pickled tuple in a sorted run on
disk, and writes each posting through several Python calls: most of a build's time. This writer keeps, per
field, one term id per token in an array; at commit it sorts them with NumPy, groups them into postings and
writes Whoosh's W3 posting blocks and term table directly, in the same format (tests compare every term's
postings with the ones Whoosh's writer makes), and the same postings as arrays beside them (search.sidecar).
Stored fields, columns and field lengths still go through Whoosh's per-document writer.

The text fields analysed by search.analysis (word fields with frequencies, bigram fields with frequencies or
positions) are tokenised by its list functions; every other field with postings of presence or frequency only
(ID, KEYWORD, NUMERIC, BOOLEAN) goes through the field's own `index`. A schema with any other kind of indexed
field is refused when the writer is made.
"""

from __future__ import annotations

from array import array
from itertools import chain, pairwise

import numpy as np
from whoosh import formats
from whoosh.analysis import IDTokenizer
from whoosh.fields import ID
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length

from indexer.numbering import KeyNumbers
from indexer.postings import _length_bytes, _write_terms
from search.analysis import (
    BigramTokenizer,
    WordTokenizer,
    bigram_key_text,
    forget_index_terms,
    index_bigram_keys,
    index_segments,
    word_terms,
)
from search.sidecar import SIDECAR_SUFFIX, SidecarWriter
from search.whoosh_fence import BulkWriterBase, check_w3_codec

# Tokens sorted at a time while writing a field.
PASS_TOKENS = 1 << 20
# Metadata values whose terms are remembered (per field and value) before the memory is cleared.
FIELD_TERMS_CACHE_SIZE = 100_000
# Words whose term ids a word field remembers before the memory is cleared.
WORD_IDS_CACHE_SIZE = 200_000
# Bigram keys a bigram field gathers before numbering them at once (KeyNumbers).
GRAM_BATCH_KEYS = 1 << 18


class _TermIds(dict):
    """Term -> id, a new id for each new term (so `map(ids.__getitem__, terms)` numbers a token list)."""

    def __missing__(self, key: object) -> int:
        n = self[key] = len(self)
        return n


class _WordIds(dict):
    """Word -> the term ids of its index-mode terms (a word field's tokens are numbered a word at a time)."""

    def __init__(self, ids: _TermIds):
        super().__init__()
        self.term_ids = ids

    def __missing__(self, word: str) -> tuple[int, ...]:
        found = self[word] = tuple(map(self.term_ids.__getitem__, word_terms(word)))
        return found


class _FieldPostings:
    """One field's tokens: a term id per token, and for each record its document number and token count."""

    def __init__(self, kind: str, positional: bool, fixed_size: int | None, boost: float):
        self.kind = kind  # "words", "grams", "id" (str terms) or "generic" (bytes terms)
        self.positional = positional
        self.fixed_size = fixed_size  # the format's fixed value size (0: no values, None: values of any size)
        self.boost = boost
        self.ids = _TermIds()
        self.word_ids = _WordIds(self.ids)
        self.tokens = array("i")
        self.docs = array("i")
        self.counts = array("i")
        # A bigram field's tokens are keys (search.analysis.index_bigram_keys), numbered a batch at a time.
        self.key_numbers = KeyNumbers() if kind == "grams" else None
        self.runs = _TermIds()
        self.pending: list[np.ndarray] = []
        self.pending_keys = 0

    def held(self) -> int:
        """Tokens added so far."""
        return len(self.tokens) + self.pending_keys

    def add_grams(self, docnum: int, text: str) -> int:
        """add() of index_bigrams(text), as keys numbered in bulk."""
        keys = index_bigram_keys(text, self.runs)
        n = len(keys)
        if n:
            self.pending.append(keys)
            self.pending_keys += n
            self.docs.append(docnum)
            self.counts.append(n)
            if self.pending_keys >= GRAM_BATCH_KEYS:
                self._number_pending()
        return n

    def _number_pending(self) -> None:
        if self.pending and self.key_numbers is not None:
            self.tokens.frombytes(self.key_numbers.numbers(np.concatenate(self.pending)).tobytes())
        self.pending = []
        self.pending_keys = 0

    def add_words(self, docnum: int, words: list[str]) -> int:
        """add() of the terms of segmented words (search.analysis.word_terms), numbered once per word."""
        word_ids = self.word_ids
        if len(word_ids) >= WORD_IDS_CACHE_SIZE:
            word_ids.clear()
        before = len(self.tokens)
        self.tokens.extend(chain.from_iterable(map(word_ids.__getitem__, words)))
        n = len(self.tokens) - before
        if n:
            self.docs.append(docnum)
            self.counts.append(n)
        return n

    def forget_words(self) -> None:
        """Drop the remembered words' term ids (adding is over), freeing their memory."""
        self.word_ids = _WordIds(self.ids)

    def take_terms(self) -> list:
        """The terms in id order; the postings forget them (and the words), freeing their memory."""
        if self.key_numbers is not None:
            self._number_pending()
            run_texts = list(self.runs)
            terms = [bigram_key_text(k, run_texts) for k in self.key_numbers.keys().tolist()]
            self.key_numbers = KeyNumbers()
            self.runs = _TermIds()
            return terms
        terms = list(self.ids)
        self.ids = _TermIds()
        self.word_ids = _WordIds(self.ids)
        return terms

    def add(self, docnum: int, terms) -> int:
        before = len(self.tokens)
        self.tokens.extend(map(self.ids.__getitem__, terms))
        n = len(self.tokens) - before
        if n:
            self.docs.append(docnum)
            self.counts.append(n)
        return n


def _field_kind(field) -> str:
    fmt = type(field.format)
    analyzer = getattr(field, "analyzer", None)
    if type(analyzer) is WordTokenizer and fmt is formats.Frequency:
        return "words"
    if type(analyzer) is BigramTokenizer and fmt in (formats.Frequency, formats.Positions):
        return "grams"
    if type(field) is ID and type(analyzer) is IDTokenizer and fmt is formats.Existence:
        return "id"
    if fmt in (formats.Existence, formats.Frequency):
        return "generic"
    raise TypeError(f"the bulk segment writer cannot write a field of format {fmt.__name__}")


class BulkSegmentWriter(BulkWriterBase):
    """A SegmentWriter for new documents only (no deletions, no merges) whose postings are written in bulk."""

    def __init__(self, ix, **kwargs) -> None:
        # Checked before the base class makes its temporary files.
        check_w3_codec(kwargs.get("codec"))
        self._bulk_fields: dict[str, _FieldPostings] = {}
        self._bulk_lengths: dict[str, array] = {}
        for name, field in ix.schema.items():
            if not field.indexed:
                continue
            if field.vector or field.separate_spelling():
                raise TypeError(f"field {name}: the bulk segment writer writes no vectors or spelling words")
            kind = _field_kind(field)
            self._bulk_fields[name] = _FieldPostings(
                kind, type(field.format) is formats.Positions, field.format.fixed_value_size(), field.format.field_boost
            )
            if field.scorable:
                self._bulk_lengths[name] = array("i")
        super().__init__(ix, **kwargs)
        fps = self._bulk_fields
        # Per field: the field, its postings and their kind (None and "" for none), whether it is scorable.
        self._plans = {
            name: (field, fps.get(name), fps[name].kind if name in fps else "", field.scorable)
            for name, field in self.schema.items()
        }
        self._doc_lengths: dict[str, int] = {}
        self._terms_cache: dict[tuple[str, object], list] = {}

    def add_document(self, **fields) -> None:
        self.check_open()
        if any(name.startswith("_") for name in fields):
            raise ValueError("the bulk segment writer takes no boosts or custom stored values")
        perdocwriter = self.perdocwriter
        plans = self._plans
        docnum = self.docnum
        fieldnames = sorted(fields)
        self.check_fields(self.schema, fieldnames)
        lengths = self._doc_lengths
        lengths.clear()
        stored = {}
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field, postings, kind, scorable = plans[fieldname]
                if postings is not None:
                    if kind == "words":
                        length = postings.add_words(docnum, index_segments(value))
                    elif kind == "grams":
                        length = postings.add_grams(docnum, value)
                    elif kind == "id" and type(value) is str:
                        length = postings.add(docnum, (value,))  # an ID field's one term is its value
                    else:
                        length = postings.add(docnum, self._field_terms(fieldname, field, kind, value))
                    if scorable:
                        lengths[fieldname] = length
                if field.stored:
                    stored[fieldname] = value
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        # `stored` is what Whoosh's add_field calls leave for finish_doc (which pickles it as the document's
        # stored fields); field lengths are kept in arrays and written as columns at the end
        # (_write_length_columns).
        self.finish_document(stored)
        for name, column in self._bulk_lengths.items():
            column.append(lengths.get(name, 0))

    def _field_terms(self, fieldname: str, field, kind: str, value) -> list:
        """A field's terms of `value` through the field's own `index` (ID: str terms; others: bytes terms, each
        repeated by its frequency), remembered per value: records of one document repeat their metadata."""
        try:
            return self._terms_cache[fieldname, value]
        except KeyError:
            pass
        except TypeError:  # an unhashable value (a list of keywords)
            return _index_terms(field, kind, value)
        if len(self._terms_cache) >= FIELD_TERMS_CACHE_SIZE:
            self._terms_cache.clear()
        terms = self._terms_cache[fieldname, value] = _index_terms(field, kind, value)
        return terms

    def _write_length_columns(self) -> None:
        """Each scorable field's length column and total, as Whoosh's per-document writer leaves them: a column
        for a field some document has a length in (created in the order of those first documents), one byte per
        document up to the last such document."""
        firsts = []
        for name, column in self._bulk_lengths.items():
            lengths = np.frombuffer(column, dtype=np.int32)
            nonzero = np.flatnonzero(lengths)
            if len(nonzero):
                firsts.append((int(nonzero[0]), name, lengths[: int(nonzero[-1]) + 1]))
        for _, name, lengths in sorted(firsts):
            self.write_length_column(
                name,
                _length_bytes(lengths.astype(np.int64)).astype(np.uint8).tobytes(),
                len(lengths),
                int(lengths.sum(dtype=np.int64)),
            )

    def held_tokens(self) -> int:
        """The tokens of every field added so far (one term id each, held until the segment is written)."""
        return sum(postings.held() for postings in self._bulk_fields.values())

    def delete_document(self, docnum, delete=True) -> None:
        raise NotImplementedError("the bulk segment writer only adds documents")

    def write_bulk_segment(self) -> None:
        # What only adding needed goes before the sorting arrays are made (a build's peak memory is here).
        self._terms_cache.clear()
        for postings in self._bulk_fields.values():
            postings.forget_words()
        forget_index_terms()
        self._write_length_columns()
        self.perdocwriter.close()
        target = self.postings_target()
        # A segment in a folder gets its posting arrays beside it (search.sidecar).
        path = self.segment_file(SIDECAR_SUFFIX)
        sidecar = SidecarWriter(path, self.newsegment.segment_id()) if path is not None else None
        try:
            fieldid = 0
            for name in sorted(self._bulk_fields):
                postings = self._bulk_fields[name]
                if not postings.held():
                    continue
                self.number_field(name, fieldid)
                lengths = self._bulk_lengths.get(name)
                _write_field(
                    target.postfile,
                    target.tindex,
                    pack_ushort(fieldid),
                    postings,
                    _stored_lengths(lengths) if lengths is not None else None,
                    target.block_limit,
                    target.compression,
                    sidecar,
                )
                fieldid += 1
                del self._bulk_fields[name]
            self.fieldwriter.close()
        except BaseException:
            if sidecar is not None:
                sidecar.cancel()
            raise
        if sidecar is not None:
            sidecar.close(self.docnum)


def _index_terms(field, kind: str, value) -> list:
    if kind == "id":
        return [b.decode("utf-8") for b, _, _, _ in field.index(value)]
    terms = []
    for tbytes, freq, _, _ in field.index(value):
        terms += [tbytes] * freq
    return terms


def _stored_lengths(lengths: array) -> np.ndarray:
    """Each document's field length as a reader gives it back (stored as one byte, so approximate); 0 for none."""
    decoded = np.array([byte_to_length(b) if b else 0 for b in range(256)], dtype=np.int64)
    return decoded[_length_bytes(np.frombuffer(lengths, dtype=np.int32))]


def _write_field(
    postfile,
    tindex,
    fieldkey: bytes,
    fp: _FieldPostings,
    doc_lengths: np.ndarray | None,
    block_limit: int,
    compression: int,
    sidecar: SidecarWriter | None,
) -> None:
    """Sort one field's tokens into postings and write its posting blocks, term table rows and posting arrays
    (search.sidecar).

    Terms are written in byte order, a range of them at a time (about PASS_TOKENS tokens), so that the arrays
    sorted at once stay small next to the field's token array."""
    keys = fp.take_terms()
    btexts = [k.encode("utf-8") for k in keys] if fp.kind != "generic" else keys
    del keys
    by_text = sorted(range(len(btexts)), key=btexts.__getitem__)
    texts = [btexts[i] for i in by_text]
    del btexts
    rank = np.empty(len(texts), dtype=np.int32)
    rank[np.array(by_text, dtype=np.int64)] = np.arange(len(texts), dtype=np.int32)
    del by_text
    # Each token's term id becomes its term's rank in place, a pass at a time: a copy of the field's tokens
    # would be the largest array of the segment's write.
    r = np.frombuffer(fp.tokens, dtype=np.int32)
    fp.tokens = array("i")  # its memory goes with `r`
    for start in range(0, len(r), PASS_TOKENS):
        r[start : start + PASS_TOKENS] = rank[r[start : start + PASS_TOKENS]]
    del rank
    counts = np.frombuffer(fp.counts, dtype=np.int32).astype(np.int64)
    record_starts = np.cumsum(counts) - counts
    record_docs = np.frombuffer(fp.docs, dtype=np.int32)
    per_term = np.cumsum(np.bincount(r, minlength=len(texts)))
    cuts = np.searchsorted(per_term, np.arange(PASS_TOKENS, per_term[-1], PASS_TOKENS), side="left") + 1
    bounds = np.unique(np.concatenate(([0], cuts, [len(texts)]))).tolist()
    offset = postfile.tell()
    for lo, hi in pairwise(bounds):
        # Stable: the tokens of a term keep document order, and within a record their position order.
        idx = np.flatnonzero((r >= lo) & (r < hi))
        idx = idx[np.argsort(r[idx], kind="stable")]
        record = np.searchsorted(record_starts, idx, side="right") - 1
        positions = (idx - record_starts[record]).astype(np.int32) if fp.positional else None
        offset = _write_terms(
            postfile,
            tindex,
            fieldkey,
            texts[lo:hi],
            r[idx] - lo,
            record_docs[record],
            positions,
            offset,
            fp.fixed_size,
            fp.boost,
            doc_lengths,
            block_limit,
            compression,
            sidecar,
        )
