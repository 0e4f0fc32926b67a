"""Whoosh W3 posting blocks and term table rows written from sorted NumPy arrays (used by indexer.segment).

A term's postings are pickled into blocks exactly as Whoosh's W3 posting writer pickles them, so Whoosh's reader
reads them unchanged; tests/indexer/test_segment.py compares them with Whoosh's own output byte for byte.
"""
from __future__ import annotations

import zlib
from array import array
from hashlib import md5
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import _lengths, md5_hash
from whoosh.system import pack_int, pack_long, pack_uint
from whoosh.util.numeric import length_to_byte

# Whoosh compresses every block; a zlib stream costs tens of microseconds to start and makes a small block
# larger, so blocks whose pickle is shorter than this are written uncompressed (the reader reads the block's
# compression flag).
COMPRESS_MIN_BYTES = 256
# Postings turned into Python objects at a time.
CHUNK_POSTINGS = 1 << 16

pack_terminfo = W3TermInfo._struct.pack
pack_lengths = _lengths.pack
NO_LENGTH = np.iinfo(np.int64).max     # no posting of the block or term has a field length


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
        keys, rows = [], []
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
            keys.append(fieldkey + texts[t])
            rows.append(row)
        _add_rows(tindex, keys, rows)
        t0 = t1
    return offset


def _add_rows(tindex, keys: list[bytes], values: list[bytes]) -> None:
    """Add keys (increasing) and their values to an OrderedHashWriter, the bytes and state its add() leaves."""
    if tindex.hashfn is not md5_hash:
        for key, value in zip(keys, values):
            tindex.add(key, value)
        return
    if keys[0] <= tindex.lastkey or not all(map(bytes.__lt__, keys, keys[1:])):
        raise ValueError("Keys must increase")
    dbfile = tindex.dbfile
    pos = dbfile.tell()
    parts = []
    places = []
    buckets = tindex.buckets
    for key, value in zip(keys, values):
        parts += (pack_lengths(len(key), len(value)), key, value)
        # md5_hash: the digest's last four bytes as a big-endian number.
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")
        buckets[h & 255].append((h, pos))
        places.append(pos)
        pos += 8 + len(key) + len(value)
    dbfile.write(b"".join(parts))
    _extend_index(tindex.index, places)
    tindex.lastkey = keys[-1]


def _extend_index(index, places: list[int]) -> None:
    """GrowableArray.extend of increasing numbers (in one call unless the array's type must widen)."""
    a = index.array
    if isinstance(a, array):
        try:
            array(a.typecode, places[-1:])    # the largest fits, so all do
        except OverflowError:
            index.extend(places)
        else:
            a.extend(places)
    else:
        index.extend(places)


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
