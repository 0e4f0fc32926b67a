"""Whoosh W3 posting blocks and term table rows written from sorted NumPy arrays (used by indexer.segment).

A term's postings are pickled into blocks exactly as Whoosh's W3 posting writer pickles them, so Whoosh's reader
reads them unchanged; tests/indexer/test_segment.py compares them with Whoosh's own output byte for byte. The
pickles (protocol 2) are assembled from NumPy byte arrays, opcode by opcode as pickle.dumps writes them
(tests/indexer/test_postings.py compares them with pickle.dumps).
"""

from __future__ import annotations

import pickle
from array import array
from dataclasses import dataclass
from functools import lru_cache
from hashlib import md5
from itertools import chain

import numpy as np
from isal import isal_zlib
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.filedb.filetables import md5_hash
from whoosh.util.numeric import length_to_byte

from search.sidecar import SidecarWriter
from search.whoosh_fence import TERM_INFO_FORMAT, attached, write_hash_tables_with

# Whoosh compresses every block; a zlib stream costs tens of microseconds to start and makes a small block
# larger, so blocks whose pickle is shorter than this are written uncompressed (the reader reads the block's
# compression flag).
COMPRESS_MIN_BYTES = 256
# The blocks' compressor: ISA-L's deflate writes a zlib stream (Whoosh's reader inflates it with zlib) about three
# times as fast as zlib's level 1 with the same ratio (laws corpus: a build 30.9–33.3 → 27.3–27.7 s, its index 892 →
# 902 MB). The level is ISA-L's (0–3), and it is also what each block's header records (Whoosh only asks if it is 0).
compress_block = isal_zlib.compress
# Postings encoded at a time (the byte arrays of a chunk take tens of bytes per posting, and per token for
# positions).
CHUNK_POSTINGS = 1 << 16

# W3TermInfo's row (TERM_INFO_FORMAT, !BfIBBfII, checked by search.whoosh_fence) and the posting file offset (!q)
# and length (!i) of a term's postings.
TERM_ROW = np.dtype(
    [
        ("inlined", "u1"),
        ("weight", ">f4"),
        ("df", ">u4"),
        ("minlength", "u1"),
        ("maxlength", "u1"),
        ("maxweight", ">f4"),
        ("minid", ">u4"),
        ("maxid", ">u4"),
        ("offset", ">i8"),
        ("length", ">i4"),
    ]
)
assert TERM_INFO_FORMAT == "!BfIBBfII" and TERM_ROW.itemsize == 35
NO_LENGTH = np.iinfo(np.int64).max  # no posting of the block or term has a field length
# A hash table slot of HashWriter (!Iq): the key's hash and its entry's position, (0, 0) when empty.
HASH_SLOT = np.dtype([("hash", ">u4"), ("pos", ">i8")])
assert HASH_SLOT.itemsize == 12


@dataclass(frozen=True, slots=True)
class _Postings:
    """Tokens of some terms grouped into postings (a term in a document; in term, then document order) and the
    postings into blocks. Arrays are per posting unless named for tokens, terms or blocks."""

    n_tokens: int
    starts: np.ndarray  # the posting's first token
    freqs: np.ndarray  # its number of tokens
    docs: np.ndarray  # its document number
    deltas: np.ndarray | None  # per token: its position, less the one before it in its posting (None: no positions)
    tstarts: np.ndarray  # per term: its first posting
    tends: np.ndarray  # per term: past its last posting
    tblocks: np.ndarray  # per term: its first block; then the number of blocks
    bstarts: np.ndarray  # per block: its first posting
    bends: np.ndarray  # per block: past its last posting
    delta_ids: np.ndarray  # the document number, less the one before it in its block
    positions: np.ndarray | None  # per token: its position (None: no positions)


@dataclass(frozen=True, slots=True)
class _Statistics:
    """Weights and field lengths of postings (_Postings), and their minimum and maximum per block and term."""

    weights32: np.ndarray  # per posting
    bmaxw: np.ndarray  # per block from here on
    bminw32: np.ndarray
    bmaxw32: np.ndarray
    minbytes: np.ndarray
    maxbytes: np.ndarray
    tweight: np.ndarray  # per term from here on
    tmaxw: np.ndarray
    tminbytes: np.ndarray
    tmaxbytes: np.ndarray


def _write_terms(
    postfile,
    tindex,
    fieldkey: bytes,
    texts: list[bytes],
    r: np.ndarray,
    docs: np.ndarray,
    positions: np.ndarray | None,
    offset: int,
    fixed_size: int | None,
    boost: float,
    doc_lengths: np.ndarray | None,
    block_limit: int,
    compression: int,
    sidecar: SidecarWriter | None = None,
) -> int:
    """Write the postings of terms `texts` (their tokens sorted by term; `r` indexes `texts`) of a field whose
    format has values of `fixed_size` and gives `boost`, and their arrays to `sidecar` if given; returns the
    posting file's new offset."""
    _bulk_hash_tables(tindex)
    p = _group_postings(r, docs, positions, block_limit)
    stats = _statistics(p, boost, doc_lengths)
    # A few terms' postings at a time (CHUNK_POSTINGS); every block, term and table row of a chunk is encoded at
    # once in NumPy byte arrays, the postings written with one write.
    t0 = 0
    while t0 < len(p.tstarts):
        t1 = max(t0 + 1, int(np.searchsorted(p.tstarts, p.tstarts[t0] + CHUNK_POSTINGS)))
        offset = _write_chunk(
            postfile,
            tindex,
            [fieldkey + text for text in texts[t0:t1]],
            p,
            stats,
            t0,
            t1,
            offset,
            fixed_size,
            compression,
            sidecar,
        )
        t0 = t1
    return offset


def _group_postings(r: np.ndarray, docs: np.ndarray, positions: np.ndarray | None, block_limit: int) -> _Postings:
    """The postings of tokens sorted by term `r` (then document `docs`, then position), in blocks of at most
    `block_limit` postings."""
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
    bstarts, bends, delta_ids = _split_blocks(tstarts, tends, pdocs, block_limit)
    tblocks = np.append(np.searchsorted(bstarts, tstarts), len(bstarts))
    return _Postings(n, starts, freqs, pdocs, deltas, tstarts, tends, tblocks, bstarts, bends, delta_ids, positions)


def _split_blocks(
    tstarts: np.ndarray, tends: np.ndarray, pdocs: np.ndarray, block_limit: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blocks of at most `block_limit` postings, each term's first block at its first posting: their first and
    past-last postings, and the postings' ids, delta-coded from 0 in each block."""
    npost = len(pdocs)
    within = np.arange(npost, dtype=np.int32) - np.repeat(tstarts.astype(np.int32), tends - tstarts)
    bfirst = within % block_limit == 0
    del within
    bstarts = np.flatnonzero(bfirst)
    bends = np.append(bstarts[1:], npost)
    delta_ids = pdocs.copy()
    delta_ids[1:] -= pdocs[:-1]
    delta_ids[bfirst] = pdocs[bfirst]
    return bstarts, bends, delta_ids


def _statistics(p: _Postings, boost: float, doc_lengths: np.ndarray | None) -> _Statistics:
    """Weights and the block and term statistics Whoosh writes: total weight, highest weight, shortest and
    longest field length."""
    bstarts, tstarts, tblocks = p.bstarts, p.tstarts, p.tblocks[:-1]
    # A posting's weight is its frequency times the field boost (as Whoosh's formats give it); Whoosh keeps
    # weights as float32 in a block and as given in the block's and the term's maximum.
    weights32 = (p.freqs * boost).astype(np.float32)
    bmaxw = np.maximum.reduceat(p.freqs, bstarts) * boost
    if doc_lengths is not None:
        plen = doc_lengths[p.docs]
        bmaxlen = np.maximum.reduceat(plen, bstarts)
        bminlen = np.minimum.reduceat(np.where(plen > 0, plen, NO_LENGTH), bstarts)
        del plen
    else:
        bmaxlen = np.zeros(len(bstarts), dtype=np.int64)
        bminlen = np.full(len(bstarts), NO_LENGTH, dtype=np.int64)
    return _Statistics(
        weights32=weights32,
        bmaxw=bmaxw,
        bminw32=np.minimum.reduceat(weights32, bstarts),
        bmaxw32=np.maximum.reduceat(weights32, bstarts),
        minbytes=_length_bytes(bminlen),
        maxbytes=_length_bytes(bmaxlen),
        tweight=np.add.reduceat(weights32.astype(np.float64), tstarts),
        tmaxw=np.maximum.reduceat(bmaxw, tblocks),
        tminbytes=_length_bytes(np.minimum.reduceat(bminlen, tblocks)),
        tmaxbytes=_length_bytes(np.maximum.reduceat(bmaxlen, tblocks)),
    )


def _write_chunk(
    postfile,
    tindex,
    keys: list[bytes],
    p: _Postings,
    stats: _Statistics,
    t0: int,
    t1: int,
    offset: int,
    fixed_size: int | None,
    compression: int,
    sidecar: SidecarWriter | None,
) -> int:
    """Write the posting blocks of terms t0..t1 at `offset` of the posting file and add their term table rows
    under `keys` (and their arrays to `sidecar`); returns the posting file's new offset."""
    p0, p1 = int(p.tstarts[t0]), int(p.tends[t1 - 1])
    b0, b1 = int(p.tblocks[t0]), int(p.tblocks[t1])
    bs, be = p.bstarts[b0:b1] - p0, p.bends[b0:b1] - p0  # the chunk's blocks, as posting numbers within it
    data, data_starts = _block_pickles(
        bs,
        be,
        p.delta_ids[p0:p1],
        stats.weights32[p0:p1],
        stats.bminw32[b0:b1],
        stats.bmaxw32[b0:b1],
        fixed_size,
        _chunk_values(p, p0, p1, fixed_size),
    )
    data, dlen, comp = _compress_blocks(data, data_starts, compression)
    # The block's info: (postings, last id, highest weight, compression, min and max length bytes).
    info, info_starts = _concat(
        b1 - b0,
        [
            _const(b"\x80\x02("),
            _ints(be - bs),
            _ints(p.docs[p.bends[b0:b1] - 1]),
            _numbers(stats.bmaxw[b0:b1]),
            _ints(comp),
            _ints(stats.minbytes[b0:b1]),
            _ints(stats.maxbytes[b0:b1]),
            _const(b"tq\x00."),
        ],
    )
    tb = p.tblocks[t0 : t1 + 1] - b0
    chunk, chunk_starts = _term_blocks(tb, info, np.diff(info_starts), data, dlen)
    postfile.write(chunk.tobytes())
    term_at = chunk_starts[tb]
    places = offset + term_at[:-1]
    _add_rows(tindex, keys, _term_rows(p, stats, t0, t1, places, np.diff(term_at)))
    if sidecar is not None:
        positions = None
        if p.positions is not None:
            s0 = int(p.starts[p0])
            s1 = int(p.starts[p1]) if p1 < len(p.starts) else p.n_tokens
            positions = p.positions[s0:s1]
        counts = p.tends[t0:t1] - p.tstarts[t0:t1]
        sidecar.add(places, counts, p.docs[p0:p1], stats.weights32[p0:p1], p.freqs[p0:p1], positions)
    return offset + int(term_at[-1])


def _chunk_values(p: _Postings, p0: int, p1: int, fixed_size: int | None) -> tuple[np.ndarray, ...] | None:
    """The values of postings p0..p1 as _block_pickles takes them: Positions values (values of any size), the
    frequencies as !I (fixed size values) or None (no values)."""
    if fixed_size is None:
        if p.deltas is None:
            raise ValueError("values of any size are Positions: the tokens need positions")
        s0 = int(p.starts[p0])
        s1 = int(p.starts[p1]) if p1 < len(p.starts) else p.n_tokens
        return _position_values(p.deltas[s0:s1], p.starts[p0:p1] - s0, p.freqs[p0:p1])
    if fixed_size:
        return _utf8(*_concat(p1 - p0, [_be_uint32(p.freqs[p0:p1])]))
    return None


def _compress_blocks(
    data: np.ndarray, data_starts: np.ndarray, compression: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blocks (one array, offsets) compressed one by one (Whoosh's output), the short ones not at all: their
    bytes (one array), lengths and compression levels (0: none)."""
    dlen = np.diff(data_starts)
    comp = np.zeros(len(dlen), dtype=np.int64)
    big = np.flatnonzero(dlen >= COMPRESS_MIN_BYTES) if compression else np.zeros(0, dtype=np.int64)
    if not len(big):
        return data, dlen, comp
    view = data.data
    packed = [
        compress_block(view[a:e], compression)
        for a, e in zip(data_starts[big].tolist(), data_starts[big + 1].tolist(), strict=True)
    ]
    comp[big] = compression
    plain = comp == 0
    kept = data[np.repeat(plain, dlen)]
    dlen[big] = [len(c) for c in packed]
    data, _ = _concat(
        len(dlen),
        [
            ("packed", kept, np.where(plain, dlen, 0)),
            ("packed", np.frombuffer(b"".join(packed), dtype=np.uint8), np.where(plain, 0, dlen)),
        ],
    )
    return data, dlen, comp


def _term_blocks(
    tb: np.ndarray, info: np.ndarray, ilen: np.ndarray, data: np.ndarray, dlen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The posting file's bytes of terms whose blocks start at `tb` (and the last ends before tb[-1]), and the
    blocks' offsets: a term's blocks after the magic, a block its size (negative for a term's last block), info
    and data."""
    nb = len(ilen)
    last = np.zeros(nb, dtype=bool)
    last[tb[1:] - 1] = True
    first_len = np.zeros(nb, dtype=np.int64)
    first_len[tb[:-1]] = len(WHOOSH3_HEADER_MAGIC)
    size = np.where(last, -1, 1) * (ilen + dlen)
    return _concat(
        nb,
        [
            (np.frombuffer(WHOOSH3_HEADER_MAGIC, dtype=np.uint8)[None, :], first_len),
            (size.astype(">i4").view(np.uint8).reshape(-1, 4), 4),
            ("packed", info, ilen),
            ("packed", data, dlen),
        ],
    )


def _term_rows(
    p: _Postings, stats: _Statistics, t0: int, t1: int, offsets: np.ndarray, lengths: np.ndarray
) -> np.ndarray:
    """W3TermInfo.to_bytes of terms t0..t1, whose postings are in the posting file at `offsets`, as byte rows."""
    rows = np.zeros(t1 - t0, dtype=TERM_ROW)
    rows["weight"] = stats.tweight[t0:t1]
    rows["df"] = p.tends[t0:t1] - p.tstarts[t0:t1]
    rows["minlength"] = stats.tminbytes[t0:t1]
    rows["maxlength"] = stats.tmaxbytes[t0:t1]
    rows["maxweight"] = stats.tmaxw[t0:t1]
    rows["minid"] = p.docs[p.tstarts[t0:t1]]
    rows["maxid"] = p.docs[p.tends[t0:t1] - 1]
    rows["offset"] = offsets
    rows["length"] = lengths
    return rows.view(np.uint8).reshape(t1 - t0, -1)


def _add_rows(tindex, keys: list[bytes], values: np.ndarray) -> None:
    """Add keys (increasing) and their values (the rows of a 2-D uint8 array) to an OrderedHashWriter: the
    bytes and state its add() leaves."""
    if tindex.hashfn is not md5_hash:
        for key, value in zip(keys, values, strict=True):
            tindex.add(key, value.tobytes())
        return
    if keys[0] <= tindex.lastkey or not all(map(bytes.__lt__, keys, keys[1:])):
        raise ValueError("Keys must increase")
    n, width = values.shape
    key_lens = np.fromiter(map(len, keys), dtype=np.int64, count=n)
    # HashWriter.add: the key's and the value's length (!ii), the key, the value.
    lengths = np.empty((n, 2), dtype=">i4")
    lengths[:, 0] = key_lens
    lengths[:, 1] = width
    entries, entry_starts = _concat(
        n,
        [
            (lengths.view(np.uint8), 8),
            ("packed", np.frombuffer(b"".join(keys), dtype=np.uint8), key_lens),
            (values, width),
        ],
    )
    dbfile = tindex.dbfile
    places = (dbfile.tell() + entry_starts[:-1]).tolist()
    dbfile.write(entries.tobytes())
    # md5_hash: the digest's last four bytes as a big-endian number.
    digests = b"".join([md5(key, usedforsecurity=False).digest() for key in keys])
    hashes = np.frombuffer(digests, dtype=">u4")[3::4].astype(np.int64)
    at = np.array(places, dtype=np.int64)
    # Each bucket's entries in key order, appended a bucket at a time.
    order = np.argsort(hashes & 255, kind="stable")
    bucket_at = np.searchsorted(hashes[order] & 255, np.arange(257)).tolist()
    hl, pl = hashes[order].tolist(), at[order].tolist()
    buckets = tindex.buckets
    for b in range(256):
        a, e = bucket_at[b], bucket_at[b + 1]
        if a < e:
            buckets[b].extend(zip(hl[a:e], pl[a:e], strict=True))
    # Kept for write_hash_tables (which uses them while every entry of the buckets came from here).
    added = attached(tindex).setdefault("bulk_entries", [])
    added.append((hashes, at))
    _extend_index(tindex.index, places)
    tindex.lastkey = keys[-1]


def _bulk_hash_tables(tindex) -> None:
    """Have the hash writer's close() write its hash tables with write_hash_tables (unless its class writes
    them its own way)."""
    write_hash_tables_with(tindex, write_hash_tables)


def write_hash_tables(tindex) -> None:
    """HashWriter's hash tables in bulk: the 256 hash tables (2 slots per entry of a bucket, an entry at the
    first free slot from (hash >> 8) % slots on, in the order the bucket's entries were added) in one write,
    and their places in the directory."""
    buckets = tindex.buckets
    sizes = np.fromiter(map(len, buckets), dtype=np.int64, count=len(buckets))
    numslots = 2 * sizes
    table_at = np.zeros(len(buckets) + 1, dtype=np.int64)
    np.cumsum(numslots, out=table_at[1:])
    pos0 = tindex.dbfile.tell()
    tindex.directory.extend(zip((pos0 + HASH_SLOT.itemsize * table_at[:-1]).tolist(), numslots.tolist(), strict=True))
    n = int(sizes.sum())
    table = np.zeros(int(table_at[-1]), dtype=HASH_SLOT)
    if n:
        added = attached(tindex).get("bulk_entries", [])
        if sum(len(h) for h, _ in added) == n:
            # Every entry came from _add_rows: its hashes and places, in each bucket's order.
            hashes = np.concatenate([h for h, _ in added])
            order = np.argsort(hashes & 255, kind="stable")
            hashes = hashes[order]
            places = np.concatenate([p for _, p in added])[order]
        else:
            pairs = np.fromiter(chain.from_iterable(chain.from_iterable(buckets)), dtype=np.int64, count=2 * n)
            hashes, places = pairs[0::2], pairs[1::2]
        bucket = np.repeat(np.arange(len(buckets)), sizes)
        rank = np.arange(n) - np.repeat(table_at[:-1] // 2, sizes)  # an entry's number within its bucket
        # The entries of every bucket placed one rank at a time (each bucket's tables filled in its order).
        order = np.lexsort((bucket, rank))
        base = table_at[bucket[order]]
        width = numslots[bucket[order]]
        slot = base + (hashes[order] >> 8) % width
        rank_at = np.searchsorted(rank[order], np.arange(int(sizes.max()) + 1))
        taken = np.zeros(len(table), dtype=bool)
        for a, e in zip(rank_at[:-1].tolist(), rank_at[1:].tolist(), strict=True):
            s = slot[a:e]
            busy = np.flatnonzero(taken[s])
            while len(busy):
                b = base[a:e][busy]
                s[busy] = b + (s[busy] - b + 1) % width[a:e][busy]
                busy = busy[taken[s[busy]]]
            taken[s] = True
        table["hash"][slot] = hashes[order]
        table["pos"][slot] = places[order]
    tindex.dbfile.write(table.tobytes())


def _extend_index(index, places: list[int]) -> None:
    """GrowableArray.extend of increasing numbers (in one call unless the array's type must widen)."""
    a = index.array
    if isinstance(a, array):
        try:
            array(a.typecode, places[-1:])  # the largest fits, so all do
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


# Pickle (protocol 2) fragments built as NumPy byte rows. A "piece" of n byte strings is either (rows, lengths),
# string i taking rows[i, :lengths[i]] (rows may be one row for all; lengths a number when every string takes a
# whole row), ("table", rows, codes, lengths), string i taking rows[codes[i], :lengths[i]], ("at", data, starts,
# lengths), string i taking lengths[i] bytes of data from starts[i] on, or ("packed", data, lengths), string i
# taking the next lengths[i] bytes of data.


def _concat(n: int, pieces: list) -> tuple[np.ndarray, np.ndarray]:
    """The n byte strings made of the pieces in turn, as one uint8 array and the n + 1 offsets of the strings."""
    lens = np.empty((n, len(pieces)), dtype=np.int64)
    for k, piece in enumerate(pieces):
        lens[:, k] = piece[-1]
    bounds = np.empty(n + 1, dtype=np.int64)
    bounds[0] = 0
    np.cumsum(lens.sum(axis=1), out=bounds[1:])
    out = np.empty(int(bounds[-1]), dtype=np.uint8)
    packed = [k for k, piece in enumerate(pieces) if len(piece) == 3]
    rowed = [k for k, piece in enumerate(pieces) if len(piece) != 3]
    if rowed:
        # The row pieces' bytes in output order: runs of one flat array of their rows, gathered by index.
        src_at = np.empty((n, len(rowed)), dtype=np.int64)
        sources = []
        base = 0
        for c, k in enumerate(rowed):
            piece = pieces[k]
            rows = piece[1] if len(piece) == 4 else piece[0]
            if isinstance(piece[0], str) and piece[0] == "at":
                src_at[:, c] = piece[2]
                src_at[:, c] += base
                sources.append(rows)
                base += rows.size
                continue
            w = rows.shape[1]
            if len(piece) == 4:
                np.multiply(piece[2], w, out=src_at[:, c])
                src_at[:, c] += base
            elif rows.shape[0] == 1 or w == 0:
                src_at[:, c] = base
            else:
                src_at[:, c] = np.arange(base, base + n * w, w)
            sources.append(rows.reshape(-1))
            base += rows.size
        run_len = lens[:, rowed].reshape(-1)
        m = int(run_len.sum())
        itype = np.int32 if max(base, m) < 2**31 else np.int64
        run_at = src_at.reshape(-1)  # where each run starts in the sources, less its place in the output
        run_at -= np.cumsum(run_len) - run_len
        idx = np.repeat(run_at.astype(itype), run_len)
        idx += np.arange(m, dtype=itype)
        src = np.concatenate(sources) if len(sources) > 1 else sources[0]
        if not packed:
            np.take(src, idx, out=out)
            return out, bounds
        row_bytes = src[idx]
        del idx
    # Which piece each output byte comes from: a row piece (0) or a packed piece (1, 2, ...).
    kinds = np.zeros(len(pieces), dtype=np.uint8)
    kinds[packed] = np.arange(1, len(packed) + 1)
    source = np.repeat(np.broadcast_to(kinds, lens.shape).reshape(-1), lens.reshape(-1))
    if rowed:
        out[source == 0] = row_bytes
    for kind, k in enumerate(packed, 1):
        out[source == kind] = pieces[k][1]
    return out, bounds


def _const(b: bytes) -> tuple:
    return np.frombuffer(b, dtype=np.uint8)[None, :], len(b)


def _ints(x: np.ndarray) -> tuple:
    """Pickled ints (of int32 range) as pickle writes them: BININT1 below 256, BININT2 below 65536, else BININT."""
    x = np.asarray(x, dtype=np.int64)
    if len(x) and (x.min() < -(2**31) or x.max() >= 2**31):
        raise OverflowError("an int outside int32 range")
    rows = np.empty((len(x), 5), dtype=np.uint8)
    rows[:, 1:] = x.astype("<i4").view(np.uint8).reshape(-1, 4)
    byte = (x >= 0) & (x < 256)
    short = (x >= 256) & (x < 65536)
    rows[:, 0] = np.where(byte, ord("K"), np.where(short, ord("M"), ord("J")))
    return rows, np.where(byte, 2, np.where(short, 3, 5))


def _floats(x: np.ndarray) -> tuple:
    """Pickled floats: BINFLOAT, a big-endian double."""
    rows = np.empty((len(x), 9), dtype=np.uint8)
    rows[:, 0] = ord("G")
    rows[:, 1:] = np.asarray(x, dtype=np.float64).astype(">f8").view(np.uint8).reshape(-1, 4 * 2)
    return rows, 9


def _numbers(x: np.ndarray) -> tuple:
    """Pickled numbers of an array as its tolist() gives them (floats or ints)."""
    return _floats(x) if x.dtype.kind == "f" else _ints(x)


def _put(i: np.ndarray) -> tuple:
    """Memo puts: BINPUT for memo numbers below 256, else LONG_BINPUT."""
    i = np.asarray(i, dtype=np.int64)
    rows = np.empty((len(i), 5), dtype=np.uint8)
    rows[:, 1:] = i.astype("<u4").view(np.uint8).reshape(-1, 4)
    small = i < 256
    rows[:, 0] = np.where(small, ord("q"), ord("r"))
    return rows, np.where(small, 2, 5)


def _tuple_end(size: np.ndarray) -> np.ndarray:
    """The opcode ending a tuple of `size` items: TUPLE1..TUPLE3, else TUPLE (after a MARK before the items)."""
    return np.array([ord("t"), 0x85, 0x86, 0x87], dtype=np.uint8)[np.where(size <= 3, size, 0)]


def _be_uint32(x: np.ndarray) -> tuple:
    return np.asarray(x).astype(">u4").view(np.uint8).reshape(-1, 4), 4


def _utf8(data: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Byte strings (one array, offsets) read as Latin-1 and encoded in UTF-8: how protocol 2 pickles bytes,
    as the str of `_codecs.encode(str, "latin1")`."""
    high = data >= 0x80
    shift = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum(high, out=shift[1:])
    if not shift[-1]:
        return data, starts
    at = np.arange(len(data)) + shift[:-1]
    out = np.empty(len(data) + int(shift[-1]), dtype=np.uint8)
    out[at] = np.where(high, 0xC0 | (data >> 6), data)
    out[at[high] + 1] = 0x80 | (data[high] & 0x3F)
    return out, starts + shift[starts]


def _position_values(deltas: np.ndarray, starts: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each posting's Positions value (its token count as !I, then its position deltas as `dumps(list, 2)`), as
    the UTF-8 text a protocol-2 pickle of the value holds, in two parts: a posting of one delta below 256 as that
    delta (_block_pickles takes its text from a table), the others' (code -1) text as one array and the
    offsets of all postings."""
    freqs = np.asarray(freqs)
    starts = np.asarray(starts)
    npost = len(freqs)
    d0 = deltas[starts]
    one = (freqs == 1) & (d0 >= 0) & (d0 < 256)
    code = np.where(one, d0, -1)
    rest = np.flatnonzero(~one)
    text_at = np.zeros(npost + 1, dtype=np.int64)
    if not len(rest):
        return np.zeros(0, dtype=np.uint8), text_at, code
    rf = freqs[rest]
    rstarts = np.cumsum(rf) - rf
    tokens = np.repeat(starts[rest] - rstarts, rf) + np.arange(int(rf.sum()))
    text, rest_at = _position_texts(deltas[tokens], rstarts, rf)
    lens = np.zeros(npost, dtype=np.int64)
    lens[rest] = np.diff(rest_at)
    np.cumsum(lens, out=text_at[1:])
    return text, text_at, code


def _position_texts(deltas: np.ndarray, starts: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Positions values' text of postings with any deltas, each token's text made of pieces."""
    ntok = len(deltas)
    npost = len(freqs)
    posting = np.repeat(np.arange(npost), freqs)
    k = np.arange(ntok) - np.asarray(starts)[posting]  # a token's number within its posting
    f = np.asarray(freqs)[posting]
    first = k == 0
    # Before a posting's first delta: the count, PROTO 2, EMPTY_LIST, BINPUT 0 and, for several items, MARK;
    # pickle appends at most 1000 items at a time (APPENDS, then MARK again). After the last: APPEND (one item)
    # or APPENDS, then STOP.
    counts, counts_at = _utf8(np.asarray(freqs, dtype=">u4").view(np.uint8), np.arange(0, 4 * npost + 1, 4))
    hcode = np.where(first, np.where(f > 1, 1, 2), np.where(k % 1000 == 0, 3, 0))
    tcode = np.where(k == f - 1, np.where(f > 1, 1, 2), 0)
    # Deltas below 256 (BININT1) from a table of their text; others pickled and encoded.
    small = (deltas >= 0) & (deltas < 256)
    large = np.flatnonzero(~small)
    big, big_at = _utf8(*_concat(len(large), [_ints(deltas[large])]))
    big_start = np.zeros(ntok, dtype=np.int64)
    big_len = np.zeros(ntok, dtype=np.int64)
    big_start[large] = big_at[:-1]
    big_len[large] = np.diff(big_at)
    small_rows, small_len, head_rows, head_len, tail_rows, tail_len = _position_tables()
    code = np.where(small, deltas, 0)
    data, bounds = _concat(
        ntok,
        [
            ("at", counts, counts_at[:-1][posting], np.where(first, np.diff(counts_at)[posting], 0)),
            ("table", head_rows, hcode, head_len[hcode]),
            ("table", small_rows, code, np.where(small, small_len[code], 0)),
            ("at", big, big_start, big_len),
            ("table", tail_rows, tcode, tail_len[tcode]),
        ],
    )
    return data, np.append(bounds[starts], bounds[-1])


@lru_cache(maxsize=1)
def _position_tables() -> tuple[np.ndarray, ...]:
    """UTF-8 text (see _utf8) of BININT1 0..255, of what comes before a Positions delta (nothing, a list's start
    for several items or one, the next batch's MARK) and after it (nothing, APPENDS or APPEND and STOP)."""
    small = [pickle.dumps(i, 2)[2:-1] for i in range(256)]
    head = [b"", b"\x80\x02]q\x00(", b"\x80\x02]q\x00", b"e("]
    tail = [b"", b"e.", b"a."]
    return tuple(
        x for strings in (small, head, tail) for x in _byte_rows([b.decode("latin-1").encode("utf-8") for b in strings])
    )


def _pickle_put(i: int) -> bytes:
    return b"q" + bytes([i]) if i < 256 else b"r" + i.to_bytes(4, "little")


def _byte_rows(strings: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    rows = np.zeros((len(strings), max(map(len, strings))), dtype=np.uint8)
    for i, b in enumerate(strings):
        rows[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
    return rows, np.array([len(b) for b in strings], dtype=np.int64)


@lru_cache(maxsize=8)
def _item_tables(limit: int) -> tuple[np.ndarray, ...]:
    """The pickle bytes around the Positions values of a block's tuple (see _block_pickles), for blocks of up to
    `limit` postings whose tuple's first memo number is m + 1 (m 0 or 1), as byte rows and their lengths: before
    posting j's string length (row 2m + (j > 0)), and after its string (row (2m + last) * limit + j, `last` 1
    for the block's last posting: then the block's end too). Then the bytes before and of a value of one delta
    d (see _position_values) as posting j's string: row (2m + (j > 0)) * 256 + d."""
    prefix, suffix, one = [], [], []
    values = [(b"\x00\x00\x00\x01" + pickle.dumps([d], 2)).decode("latin-1").encode("utf-8") for d in range(256)]
    for memo in (1, 2):
        heads = [b"c_codecs\nencode\n" + _pickle_put(memo) + b"X", b"h" + bytes([memo]) + b"X"]
        prefix += heads
        one += [h + len(v).to_bytes(4, "little") + v for h in heads for v in values]
        after = [
            _pickle_put(memo + 1)
            + b"X\x06\x00\x00\x00latin1"
            + _pickle_put(memo + 2)
            + b"\x86"
            + _pickle_put(memo + 3)
            + b"R"
            + _pickle_put(memo + 4)
        ]
        after += [
            _pickle_put(memo + 3 * j + 2)
            + b"h"
            + bytes([memo + 2])
            + b"\x86"
            + _pickle_put(memo + 3 * j + 3)
            + b"R"
            + _pickle_put(memo + 3 * j + 4)
            for j in range(1, limit)
        ]
        suffix += after
        # The last posting's (j = size - 1) and the block's end.
        suffix += [
            a
            + (b"\x85\x86\x87"[j : j + 1] if j < 3 else b"t")
            + _pickle_put(memo + 3 * j + 5)
            + b"\x87"
            + _pickle_put(memo + 3 * j + 6)
            + b"."
            for j, a in enumerate(after)
        ]
    return (*_byte_rows(prefix), *_byte_rows(suffix), *_byte_rows(one))


def _block_pickles(
    bs: np.ndarray,
    be: np.ndarray,
    delta_ids: np.ndarray,
    weights32: np.ndarray,
    bminw32: np.ndarray,
    bmaxw32: np.ndarray,
    fixed_size: int | None,
    values: tuple[np.ndarray, ...] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each block's `dumps((ids, weights, values), 2)` (ids delta-coded from 0, weights None when all are 1.0, a
    float when all are equal, else a tuple; values None, one bytes of the !I frequencies, or a tuple of the
    postings' Positions values), as one array and its offsets. Blocks [bs, be) are posting numbers; values as
    the UTF-8 strings of the postings' values (see _utf8) for fixed_size None or non-zero; for fixed_size None
    also as _position_values gives them."""
    nb = len(bs)
    size = be - bs
    npost = len(delta_ids)
    many = size > 3
    ids, ids_at = _concat(npost, [_ints(delta_ids)])
    wkind = np.where(bminw32 == bmaxw32, np.where(bmaxw32 == 1.0, 0, 1), 2)  # None, one float, a tuple
    wtuple = wkind == 2
    wrows = np.empty((nb, 3), dtype=np.uint8)
    wrows[:, 0] = np.where(wtuple, _tuple_end(size), ord("N"))
    wrows[:, 1:] = (ord("q"), 1)
    j = np.arange(npost) - np.repeat(bs, size)  # a posting's number within its block
    in_w = np.repeat(wtuple, size) | (np.repeat(wkind == 1, size) & (j == 0))  # weights pickled
    end_ids = np.empty((nb, 3), dtype=np.uint8)
    end_ids[:, 0] = _tuple_end(size)
    end_ids[:, 1:] = (ord("q"), 0)
    pieces = [
        (np.frombuffer(b"\x80\x02(", dtype=np.uint8)[None, :], 2 + many),
        ("packed", ids, ids_at[be] - ids_at[bs]),
        (end_ids, 3),
        (np.frombuffer(b"(", dtype=np.uint8)[None, :], (wtuple & many).astype(np.int64)),
        ("packed", _floats(weights32[in_w])[0].reshape(-1), np.where(wtuple, 9 * size, np.where(wkind == 1, 9, 0))),
        (wrows, np.where(wtuple, 3, np.where(wkind == 0, 1, 0))),
    ]
    memo = 1 + wtuple  # memo numbers used so far: the ids tuple, the weights tuple
    if fixed_size == 0:
        pieces.append(_const(b"N"))
    elif values is None:
        raise ValueError("the postings' values are needed unless fixed_size is 0")
    elif fixed_size:
        # One bytes object: _codecs.encode(str, "latin1") with GLOBAL, the str, "latin1", the args and the
        # result each memoised.
        text, text_at = values
        text_len = text_at[be] - text_at[bs]
        head = np.empty((nb, 23), dtype=np.uint8)
        head[:, :18] = np.frombuffer(b"c_codecs\nencode\nq\x00", dtype=np.uint8)
        head[:, 17] = memo
        head[:, 18] = ord("X")
        head[:, 19:] = text_len.astype("<u4").view(np.uint8).reshape(-1, 4)
        tail = np.empty((nb, 21), dtype=np.uint8)
        tail[:] = np.frombuffer(b"q\x00X\x06\x00\x00\x00latin1q\x00\x86q\x00Rq\x00", dtype=np.uint8)
        for col, add in ((1, 1), (14, 2), (17, 3), (20, 4)):
            tail[:, col] = memo + add
        pieces += [(head, 23), ("packed", text, text_len), (tail, 21)]
        memo = memo + 5
    else:
        # A tuple of bytes objects: the first as above; later ones get GLOBAL and "latin1" from the memo (BINGET)
        # and memoise their str, args and result. Strings of postings: a block's first carries the block's
        # pickle up to the tuple's MARK, each its item, a block's last the block's end.
        text, text_at = values[:2]
        pieces.append((np.frombuffer(b"(", dtype=np.uint8)[None, :], many.astype(np.int64)))
        head, head_at = _concat(nb, pieces)
        limit = int(size.max())
        prefix, prefix_len, suffix, suffix_len, one, one_len = _item_tables(limit)
        m = np.repeat(memo - 1, size)
        later = (j > 0).astype(np.int64)
        pcode = 2 * m + later
        last = j == np.repeat(size, size) - 1
        scode = (2 * m + last) * limit + j
        # A value given by its code (see _position_values) comes with its string length from a table.
        code = values[2] if len(values) == 3 else np.full(npost, -1)
        coded = code >= 0
        ocode = 256 * pcode + np.maximum(code, 0)
        text_len = np.diff(text_at)
        data, data_at = _concat(
            npost,
            [
                ("packed", head, np.where(later, 0, np.repeat(np.diff(head_at), size))),
                ("table", one, ocode, np.where(coded, one_len[ocode], 0)),
                ("table", prefix, pcode, np.where(coded, 0, prefix_len[pcode])),
                (text_len.astype("<u4").view(np.uint8).reshape(-1, 4), np.where(coded, 0, 4)),
                ("packed", text, text_len),
                ("table", suffix, scode, suffix_len[scode]),
            ],
        )
        return data, data_at[np.append(bs, npost)]
    pieces += [_const(b"\x87"), _put(np.broadcast_to(memo, (nb,))), _const(b".")]
    return _concat(nb, pieces)
