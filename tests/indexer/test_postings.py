"""Unit tests of indexer.postings helpers: each must give exactly the bytes and state Whoosh's own code gives."""

from __future__ import annotations

import io
import pickle
import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.structfile import StructFile

from indexer.postings import (
    _add_rows,
    _block_pickles,
    _bulk_hash_tables,
    _byte_rows,
    _concat,
    _floats,
    _ints,
    _position_values,
    _put,
    _utf8,
    write_hash_tables,
)


class _KeepOpen(io.BytesIO):
    def close(self):
        pass


def _table(rows: list[list[tuple[bytes, bytes]]], bulk: bool) -> tuple[str, bytes]:
    f = _KeepOpen()
    tindex = OrderedHashWriter(StructFile(f))
    for chunk in rows:
        if bulk:
            _add_rows(tindex, [k for k, _ in chunk], np.array([list(v) for _, v in chunk], dtype=np.uint8))
        else:
            for k, v in chunk:
                tindex.add(k, v)
    typecode = tindex.index.typecode
    tindex.close()
    return typecode, f.getvalue()


def test_add_rows_matches_add():
    # Enough rows that the key positions pass 65535 (the position index widens its type) mid-chunk.
    keys = [b"\x00\x01" + str(i).encode() for i in range(3000)]
    keys.sort()
    pairs = [(k, bytes(range(35))) for k in keys]
    chunks = [pairs[:1], pairs[1:1000], pairs[1000:1001], pairs[1001:]]
    assert _table(chunks, True) == _table(chunks, False)
    assert _table(chunks, True)[0] == "i"


def test_add_rows_rejects_unordered_keys():
    f = _KeepOpen()
    tindex = OrderedHashWriter(StructFile(f))
    _add_rows(tindex, [b"b"], np.zeros((1, 1), dtype=np.uint8))
    for bad in ([b"a"], [b"c", b"c"], [b"d", b"c"]):
        try:
            _add_rows(tindex, bad, np.zeros((len(bad), 1), dtype=np.uint8))
        except ValueError:
            pass
        else:
            raise AssertionError(bad)


EDGE_INTS = [0, 1, 127, 128, 255, 256, 257, 65535, 65536, 65537, 2**24, 2**31 - 1, -1, -255, -256, -65536, -(2**31)]
EDGE_FLOATS = [0.0, -0.0, 1.0, 0.5, 1e-300, 3.4028234663852886e38, float("inf"), -float("inf"), 2.0**70]


def _strings(flat: np.ndarray, bounds: np.ndarray) -> list[bytes]:
    return [flat[a:e].tobytes() for a, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]


def test_ints_and_floats_match_pickle():
    ints = np.array(EDGE_INTS, dtype=np.int64)
    assert _strings(*_concat(len(ints), [_ints(ints)])) == [pickle.dumps(x, 2)[2:-1] for x in EDGE_INTS]
    floats = np.array(EDGE_FLOATS)
    assert _strings(*_concat(len(floats), [_floats(floats)])) == [pickle.dumps(x, 2)[2:-1] for x in EDGE_FLOATS]


def test_put_matches_pickle():
    # A list (memo 0) of i one-item tuples (memo 1..i): the last tuple's put comes before APPEND(S) and STOP.
    for i in [1, 2, 254, 255, 256, 257, 300, 70000]:
        body = pickle.dumps([(k,) for k in range(i)], 2)
        want = body[body.rindex(b"\x85") + 1 : -2]
        assert _concat(1, [_put(np.array([i]))])[0].tobytes() == want, i


def test_utf8_matches_latin1_text():
    data = [bytes(range(256)), b"", b"abc", b"\x80\xff\x00"]
    flat = np.frombuffer(b"".join(data), dtype=np.uint8)
    bounds = np.cumsum([0] + [len(d) for d in data])
    assert _strings(*_utf8(flat, bounds)) == [d.decode("latin-1").encode("utf-8") for d in data]


def _position_value(deltas: list[int]) -> bytes:
    return struct.pack("!I", len(deltas)) + pickle.dumps(deltas, 2)


positions_lists = st.lists(
    st.one_of(st.integers(0, 300), st.sampled_from([x for x in EDGE_INTS if x >= 0])), min_size=1, max_size=12
)


def _one_position_rows() -> tuple[np.ndarray, np.ndarray]:
    """The text of the Positions value of one delta, for deltas 0..255."""
    return _byte_rows(
        [(b"\x00\x00\x00\x01" + pickle.dumps([d], 2)).decode("latin-1").encode("utf-8") for d in range(256)]
    )


def _position_strings(deltas: np.ndarray, starts: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each posting's Positions value (its token count as !I, then its position deltas as `dumps(list, 2)`), as
    the UTF-8 text a protocol-2 pickle of the value holds; one array and the offsets of the postings (the two
    parts of _position_values joined)."""
    text, text_at, code = _position_values(deltas, starts, freqs)
    one_rows, one_len = _one_position_rows()
    c = np.maximum(code, 0)
    return _concat(
        len(code), [("table", one_rows, c, np.where(code >= 0, one_len[c], 0)), ("packed", text, np.diff(text_at))]
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(positions_lists, min_size=1, max_size=30), st.integers(0, 2))
def test_position_strings_match_pickle(postings, long_one):
    if long_one:
        # Lists longer than pickle's batch of 1000 appends.
        postings = [*postings, list(range(999 + long_one)), list(range(2000 + long_one))]
    freqs = np.array([len(p) for p in postings], dtype=np.int64)
    starts = np.cumsum(freqs) - freqs
    deltas = np.array([d for p in postings for d in p], dtype=np.int64)
    want = [_position_value(p).decode("latin-1").encode("utf-8") for p in postings]
    assert _strings(*_position_strings(deltas, starts, freqs)) == want


blocks = st.lists(st.tuples(st.integers(1, 140), st.sampled_from(["ones", "same", "mixed"])), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(blocks, st.sampled_from([None, "coded", 0, 4]), st.randoms(use_true_random=False))
def test_block_pickles_match_pickle(shape, fixed_size, rnd):
    """Blocks as _write_terms pickles them: (delta ids, weights, values), memo numbers past 255 included."""
    sizes = [size for size, _ in shape]
    npost = sum(sizes)
    ids = np.array([rnd.choice([*EDGE_INTS[:12], rnd.randrange(300)]) for _ in range(npost)], dtype=np.int64)
    freqs = []
    for size, kind in shape:
        f = 1 if kind == "ones" else rnd.choice([2, 3, 200, 70000])
        freqs += [f] * size if kind != "mixed" else [f] + [rnd.choice([1, 2, 5, 128, 65536]) for _ in range(size - 1)]
    freqs = np.array(freqs, dtype=np.int64)
    w32 = freqs.astype(np.float32)
    bs = np.cumsum(sizes) - sizes
    be = bs + sizes
    bmin = np.minimum.reduceat(w32, bs)
    bmax = np.maximum.reduceat(w32, bs)
    pos_lists = [
        [rnd.choice([0, 1, 127, 128, 200, 255, 256, 300, 70000]) for _ in range(rnd.randrange(1, 4))]
        for _ in range(npost)
    ]
    values = None
    if fixed_size in (None, "coded"):
        plen = np.array([len(p) for p in pos_lists], dtype=np.int64)
        encode = _position_strings if fixed_size is None else _position_values
        values = encode(np.array([d for p in pos_lists for d in p], dtype=np.int64), np.cumsum(plen) - plen, plen)
        fixed_size = None
    elif fixed_size:
        values = _utf8(*_concat(npost, [(freqs.astype(">u4").view(np.uint8).reshape(-1, 4), 4)]))
    got = _strings(*_block_pickles(bs, be, ids, w32, bmin, bmax, fixed_size, values))
    want = []
    w = w32.tolist()
    for s, e, low, high in zip(bs.tolist(), be.tolist(), bmin.tolist(), bmax.tolist(), strict=True):
        wv = (None if high == 1.0 else w[s]) if low == high else tuple(w[s:e])
        if fixed_size is None:
            vv = tuple(_position_value(p) for p in pos_lists[s:e])
        elif fixed_size:
            vv = freqs[s:e].astype(">u4").tobytes()
        else:
            vv = None
        want.append(pickle.dumps((tuple(ids[s:e].tolist()), wv, vv), 2))
    assert got == want


def _hash_tables(buckets: list[list[tuple[int, int]]], bulk: bool) -> tuple[bytes, list]:
    f = _KeepOpen()
    tindex = OrderedHashWriter(StructFile(f))
    tindex.buckets = [list(b) for b in buckets]
    if bulk:
        write_hash_tables(tindex)
    else:
        tindex._write_hashes()
    return f.getvalue(), tindex.directory


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 255), st.integers(0, 40), st.integers(0, 2**32 - 1)), max_size=400),
    st.randoms(use_true_random=False),
)
def test_write_hash_tables_matches_whoosh(entries, rnd):
    """Hash tables with collisions: slots taken by earlier entries of the bucket, probes wrapping to slot 0."""
    buckets = [[] for _ in range(256)]
    for b, slot, drawn in entries:
        h = drawn
        if rnd.random() < 0.7:
            # A hash whose home slot (once the bucket is filled) is likely a small or a last one.
            h = ((slot << 8) | b) if slot % 2 else (((2**24 - 1 - slot) << 8) | b)
        buckets[b].append((h, rnd.randrange(1, 2**40)))
    assert _hash_tables(buckets, True) == _hash_tables(buckets, False)


def test_bulk_hash_tables_close_matches_whoosh():
    """Tables of keys added by _add_rows (in chunks), or also by add() (the buckets then read back)."""
    keys = sorted(str(i).encode() * 3 for i in range(5000))
    rows = np.tile(np.arange(35, dtype=np.uint8), (len(keys), 1))
    for extra in (False, True):
        files = []
        for bulk in (True, False):
            f = _KeepOpen()
            tindex = OrderedHashWriter(StructFile(f))
            if bulk:
                _bulk_hash_tables(tindex)
            _add_rows(tindex, keys[:1700], rows[:1700])
            _add_rows(tindex, keys[1700:], rows[1700:])
            if extra:
                tindex.add(b"\xff", b"value")
            tindex.close()
            files.append(f.getvalue())
        assert files[0] == files[1]


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 30),
    st.lists(st.sampled_from(["rows", "one_row", "whole", "table", "packed"]), min_size=1, max_size=6),
    st.randoms(use_true_random=False),
)
def test_concat_matches_joined_pieces(n, kinds, rnd):
    pieces, want = [], [b""] * n
    for kind in kinds:
        w = rnd.randrange(0, 6)
        if kind == "packed":
            parts = [bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 8))) for _ in range(n)]
            pieces.append(
                (
                    "packed",
                    np.frombuffer(b"".join(parts), dtype=np.uint8),
                    np.array([len(x) for x in parts], dtype=np.int64),
                )
            )
        else:
            nrows = {"rows": n, "whole": n, "one_row": 1, "table": rnd.randrange(1, 5)}[kind]
            rows = np.array([[rnd.randrange(256) for _ in range(w)] for _ in range(nrows)], dtype=np.uint8)
            rows = rows.reshape(nrows, w)
            used = np.array([rnd.randrange(w + 1) for _ in range(n)], dtype=np.int64)
            if kind == "table":
                codes = np.array([rnd.randrange(nrows) for _ in range(n)], dtype=np.int64)
                pieces.append(("table", rows, codes, used))
                parts = [rows[c, :u].tobytes() for c, u in zip(codes, used, strict=True)]
            elif kind == "whole":
                pieces.append((rows, w))
                parts = [r.tobytes() for r in rows]
            else:
                pieces.append((rows, used))
                parts = [rows[i if nrows > 1 else 0, :u].tobytes() for i, u in enumerate(used)]
        want = [a + b for a, b in zip(want, parts, strict=True)]
    assert _strings(*_concat(n, pieces)) == want
