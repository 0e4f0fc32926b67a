"""A Whoosh segment writer that collects postings in arrays and writes them in bulk.

Whoosh's own writer turns every token into a Token object, every posting into a pickled tuple in a sorted run on
disk, and writes each posting through several Python calls: most of a build's time. This writer keeps, per
field, one term id per token in an array; at commit it sorts them with NumPy, groups them into postings and
writes Whoosh's W3 posting blocks and term table directly, in the same format (tests compare every term's
postings with the ones Whoosh's writer makes). Stored fields, columns and field lengths still go through Whoosh's
per-document writer.

The text fields analysed by search.analysis (word fields with frequencies, bigram fields with frequencies or
positions) are tokenised by its list functions; every other field with postings of presence or frequency only
(ID, KEYWORD, NUMERIC, BOOLEAN) goes through the field's own `index`. A schema with any other kind of indexed
field is refused when the writer is made.
"""
from __future__ import annotations

import zlib
from array import array
from pickle import dumps

import numpy as np
from whoosh import formats
from whoosh.analysis import IDTokenizer
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.fields import ID as IDField
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search.analysis import BigramTokenizer, WordTokenizer, index_bigrams, index_words

# Whoosh compresses every block; a zlib stream costs tens of microseconds to start and makes a small block
# larger, so blocks whose pickle is shorter than this are written uncompressed (the reader reads the block's
# compression flag).
COMPRESS_MIN_BYTES = 256
# Tokens sorted at a time while writing a field, and postings turned into Python objects at a time.
PASS_TOKENS = 1 << 20
CHUNK_POSTINGS = 1 << 16


pack_terminfo = W3TermInfo._struct.pack
NO_LENGTH = np.iinfo(np.int64).max     # no posting of the block or term has a field length


class _TermIds(dict):
    """Term -> id, a new id for each new term (so `map(ids.__getitem__, terms)` numbers a token list)."""

    def __missing__(self, key):
        n = self[key] = len(self)
        return n


class _FieldPostings:
    """One field's tokens: a term id per token, and for each record its document number and token count."""

    def __init__(self, kind: str, positional: bool, fixed_size: int | None, boost: float):
        self.kind = kind                # "words", "grams", "id" (str terms) or "generic" (bytes terms)
        self.positional = positional
        self.fixed_size = fixed_size    # the format's fixed value size (0: no values, None: values of any size)
        self.boost = boost
        self.ids = _TermIds()
        self.tokens = array("i")
        self.docs = array("i")
        self.counts = array("i")

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
    if type(field) is IDField and type(analyzer) is IDTokenizer and fmt is formats.Existence:
        return "id"
    if fmt in (formats.Existence, formats.Frequency):
        return "generic"
    raise TypeError(f"the bulk segment writer cannot write a field of format {fmt.__name__}")


class BulkSegmentWriter(SegmentWriter):
    """A SegmentWriter for new documents only (no deletions, no merges) whose postings are written in bulk."""

    def __init__(self, ix, **kwargs):
        # Checked before the base class makes its temporary files.
        if not isinstance(kwargs.get("codec") or default_codec(), W3Codec):
            raise TypeError("the bulk segment writer writes Whoosh's W3 codec only")
        self._fields: dict[str, _FieldPostings] = {}
        self._lengths: dict[str, array] = {}
        for name, field in ix.schema.items():
            if not field.indexed:
                continue
            if field.vector or field.separate_spelling():
                raise TypeError(f"field {name}: the bulk segment writer writes no vectors or spelling words")
            kind = _field_kind(field)
            self._fields[name] = _FieldPostings(kind, type(field.format) is formats.Positions,
                                                field.format.fixed_value_size(), field.format.field_boost)
            if field.scorable:
                self._lengths[name] = array("i")
        super().__init__(ix, **kwargs)

    def add_document(self, **fields):
        self._check_state()
        if any(name.startswith("_") for name in fields):
            raise ValueError("the bulk segment writer takes no boosts or custom stored values")
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        fieldnames = sorted(fields)
        self._check_fields(schema, fieldnames)
        lengths: dict[str, int] = {}
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    postings = self._fields[fieldname]
                    if postings.kind == "words":
                        length = postings.add(docnum, index_words(value))
                    elif postings.kind == "grams":
                        length = postings.add(docnum, index_bigrams(value))
                    elif postings.kind == "id" and type(value) is str:
                        length = postings.add(docnum, (value,))    # an ID field's one term is its value
                    elif postings.kind == "id":
                        length = postings.add(docnum, [b.decode("utf-8") for b, _, _, _ in field.index(value)])
                    else:
                        terms = []
                        for tbytes, freq, _, _ in field.index(value):
                            terms += [tbytes] * freq
                        length = postings.add(docnum, terms)
                    if not field.scorable:
                        length = 0
                    lengths[fieldname] = length
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        for name, column in self._lengths.items():
            column.append(lengths.get(name, 0))
        self._added = True
        self.docnum += 1

    def delete_document(self, docnum, delete=True):
        raise NotImplementedError("the bulk segment writer only adds documents")

    def _flush_segment(self):
        self.perdocwriter.close()
        fw = self.fieldwriter
        fieldid = 0
        for name in sorted(self._fields):
            postings = self._fields[name]
            if not postings.tokens:
                continue
            fw._fieldmap[name] = fieldid
            lengths = self._lengths.get(name)
            _write_field(fw._postfile, fw._tindex, pack_ushort(fieldid), postings,
                         _stored_lengths(lengths) if lengths is not None else None,
                         self.codec._blocklimit, self.codec._compression)
            fieldid += 1
            self._fields[name] = None
        fw.close()


def _stored_lengths(lengths: array) -> np.ndarray:
    """Each document's field length as a reader gives it back (stored as one byte, so approximate); 0 for none."""
    decoded = np.array([byte_to_length(b) if b else 0 for b in range(256)], dtype=np.int64)
    return decoded[_length_bytes(np.frombuffer(lengths, dtype=np.int32))]


def _write_field(postfile, tindex, fieldkey: bytes, fp: _FieldPostings, doc_lengths: np.ndarray | None,
                 block_limit: int, compression: int) -> None:
    """Sort one field's tokens into postings and write its posting blocks and term table rows.

    Terms are written in byte order, a range of them at a time (about PASS_TOKENS tokens), so that the arrays
    sorted at once stay small next to the field's token array."""
    keys = list(fp.ids)
    fp.ids = None
    btexts = [k.encode("utf-8") for k in keys] if fp.kind != "generic" else keys
    del keys
    by_text = sorted(range(len(btexts)), key=btexts.__getitem__)
    texts = [btexts[i] for i in by_text]
    del btexts
    rank = np.empty(len(texts), dtype=np.int32)
    rank[np.array(by_text, dtype=np.int64)] = np.arange(len(texts), dtype=np.int32)
    del by_text
    r = rank[np.frombuffer(fp.tokens, dtype=np.int32)]
    fp.tokens = None
    del rank
    counts = np.frombuffer(fp.counts, dtype=np.int32).astype(np.int64)
    record_starts = np.cumsum(counts) - counts
    record_docs = np.frombuffer(fp.docs, dtype=np.int32)
    per_term = np.cumsum(np.bincount(r, minlength=len(texts)))
    cuts = np.searchsorted(per_term, np.arange(PASS_TOKENS, per_term[-1], PASS_TOKENS), side="left") + 1
    bounds = np.unique(np.concatenate(([0], cuts, [len(texts)]))).tolist()
    offset = postfile.tell()
    for lo, hi in zip(bounds, bounds[1:]):
        # Stable: the tokens of a term keep document order, and within a record their position order.
        idx = np.flatnonzero((r >= lo) & (r < hi))
        idx = idx[np.argsort(r[idx], kind="stable")]
        record = np.searchsorted(record_starts, idx, side="right") - 1
        positions = (idx - record_starts[record]).astype(np.int32) if fp.positional else None
        offset = _write_terms(postfile, tindex, fieldkey, texts[lo:hi], r[idx] - lo, record_docs[record],
                              positions, offset, fp, doc_lengths, block_limit, compression)


def _write_terms(postfile, tindex, fieldkey: bytes, texts: list[bytes], r: np.ndarray, docs: np.ndarray,
                 positions: np.ndarray | None, offset: int, fp: _FieldPostings, doc_lengths: np.ndarray | None,
                 block_limit: int, compression: int) -> int:
    """Write the postings of terms `texts` (their tokens sorted by term; `r` indexes `texts`); returns the
    posting file's new offset."""
    n = len(r)
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(r[1:], r[:-1], out=first[1:])
    first[1:] |= docs[1:] != docs[:-1]
    starts = np.flatnonzero(first).astype(np.int32)
    del first
    freqs = np.diff(np.append(starts, n)).astype(np.int32)
    terms, pdocs = r[starts], docs[starts]
    deltas = None
    if positions is not None:
        deltas = positions.copy()
        deltas[1:] -= positions[:-1]
        deltas[starts] = positions[starts]

    npost = len(starts)
    tfirst = np.empty(npost, dtype=bool)
    tfirst[0] = True
    np.not_equal(terms[1:], terms[:-1], out=tfirst[1:])
    tstarts = np.flatnonzero(tfirst)
    tends = np.append(tstarts[1:], npost)
    del tfirst, terms
    # Blocks of at most `block_limit` postings, each term's first block at its first posting; ids in a block
    # are delta-coded from 0.
    within = np.arange(npost, dtype=np.int32) - np.repeat(tstarts.astype(np.int32), tends - tstarts)
    bfirst = within % block_limit == 0
    del within
    bstarts = np.flatnonzero(bfirst)
    bends = np.append(bstarts[1:], npost)
    delta_ids = pdocs.copy()
    delta_ids[1:] -= pdocs[:-1]
    delta_ids[bfirst] = pdocs[bfirst]
    del bfirst

    # A posting's weight is its frequency times the field boost (as Whoosh's formats give it); Whoosh keeps
    # weights as float32 in a block and as given in the block's and the term's maximum.
    weights32 = (freqs * fp.boost).astype(np.float32)
    bmaxw = np.maximum.reduceat(freqs, bstarts) * fp.boost
    bminw32 = np.minimum.reduceat(weights32, bstarts)
    bmaxw32 = np.maximum.reduceat(weights32, bstarts)
    if doc_lengths is not None:
        plen = doc_lengths[pdocs]
        bmaxlen = np.maximum.reduceat(plen, bstarts)
        bminlen = np.minimum.reduceat(np.where(plen > 0, plen, NO_LENGTH), bstarts)
        del plen
    else:
        bmaxlen = np.zeros(len(bstarts), dtype=np.int64)
        bminlen = np.full(len(bstarts), NO_LENGTH, dtype=np.int64)
    # Per term: total weight, highest weight, shortest and longest field length (Whoosh's term statistics).
    tblocks = np.searchsorted(bstarts, tstarts)
    tweight = np.add.reduceat(weights32.astype(np.float64), tstarts)
    tmaxw = np.maximum.reduceat(bmaxw, tblocks)
    tmaxbytes = _length_bytes(np.maximum.reduceat(bmaxlen, tblocks))
    tminbytes = _length_bytes(np.minimum.reduceat(bminlen, tblocks))
    tblocks = np.append(tblocks, len(bstarts))
    freq_bytes = freqs.astype(">u4").tobytes() if fp.fixed_size else None
    minbytes = _length_bytes(bminlen).tolist()
    maxbytes = _length_bytes(bmaxlen).tolist()

    fixed_size = fp.fixed_size
    # Python lists of a few terms' postings at a time (lists of the whole field would take gigabytes).
    t0 = 0
    while t0 < len(tstarts):
        t1 = max(t0 + 1, int(np.searchsorted(tstarts, tstarts[t0] + CHUNK_POSTINGS)))
        p0, p1 = int(tstarts[t0]), int(tends[t1 - 1])
        b0 = int(tblocks[t0])
        ids_l = pdocs[p0:p1].tolist()
        deltas_l = delta_ids[p0:p1].tolist()
        w32_l = weights32[p0:p1].tolist()
        values = None
        if fixed_size is None:
            s0 = int(starts[p0])
            s1 = int(starts[p1]) if p1 < npost else n
            values = _position_values(deltas[s0:s1].tolist(), (starts[p0:p1] - s0).tolist(), freqs[p0:p1].tolist())
        blocks = zip(bstarts[b0:tblocks[t1]].tolist(), bends[b0:tblocks[t1]].tolist(),
                     bmaxw[b0:tblocks[t1]].tolist(), bminw32[b0:tblocks[t1]].tolist(),
                     bmaxw32[b0:tblocks[t1]].tolist(), minbytes[b0:tblocks[t1]], maxbytes[b0:tblocks[t1]])
        term_rows = zip(range(t0, t1), tstarts[t0:t1].tolist(), tends[t0:t1].tolist(),
                        (tblocks[t0 + 1:t1 + 1] - tblocks[t0:t1]).tolist(), tweight[t0:t1].tolist(),
                        tmaxw[t0:t1].tolist(), tminbytes[t0:t1].tolist(), tmaxbytes[t0:t1].tolist())
        for t, a, e, nblocks, weight, maxweight, minlength, maxlength in term_rows:
            out = [WHOOSH3_HEADER_MAGIC]
            for _ in range(nblocks):
                s, f, maxw, low, high, minb, maxb = next(blocks)
                if low == high:
                    wv = None if high == 1.0 else w32_l[s - p0]
                else:
                    wv = tuple(w32_l[s - p0:f - p0])
                if fixed_size is None:
                    vv = tuple(values[s - p0:f - p0])
                elif fixed_size == 0:
                    vv = None
                else:
                    vv = freq_bytes[4 * s:4 * f]
                data = dumps((tuple(deltas_l[s - p0:f - p0]), wv, vv), 2)
                comp = compression if len(data) >= COMPRESS_MIN_BYTES else 0
                if comp:
                    data = zlib.compress(data, comp)
                info = dumps((f - s, ids_l[f - 1 - p0], maxw, comp, minb, maxb), 2)
                size = len(info) + len(data)
                out += [pack_int(-size if f == e else size), info, data]
            chunk = b"".join(out)
            postfile.write(chunk)
            # W3TermInfo.to_bytes of a term whose postings are in the posting file.
            row = pack_terminfo(0, weight, e - a, minlength, maxlength, maxweight, ids_l[a - p0],
                                ids_l[e - 1 - p0]) + pack_long(offset) + pack_int(len(chunk))
            offset += len(chunk)
            tindex.add(fieldkey + texts[t], row)
        t0 = t1
    return offset


def _length_bytes(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's one-byte encoding of field lengths (NO_LENGTH as 0, as Whoosh writes a missing minimum)."""
    values, inverse = np.unique(lengths, return_inverse=True)
    table = np.array([0 if v == NO_LENGTH else length_to_byte(v) for v in values.tolist()], dtype=np.int64)
    return table[inverse.reshape(-1)]


def _position_values(deltas: list[int], starts: list[int], freqs: list[int]) -> list[bytes]:
    """Each posting's Positions value: its token count, then its position deltas pickled (Whoosh's encoding)."""
    one = pack_uint(1)
    pickled: dict[int, bytes] = {}
    out = []
    for s, f in zip(starts, freqs):
        if f == 1:
            d = deltas[s]
            p = pickled.get(d)
            if p is None:
                p = pickled[d] = dumps([d], 2)
            # A new bytes object per posting: a block pickles its values, and repeated objects would be memoised.
            out.append(one + p)
        else:
            out.append(pack_uint(f) + dumps(deltas[s:s + f], 2))
    return out
