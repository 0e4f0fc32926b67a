"""Unit tests of indexer.postings helpers: each must give exactly the bytes and state Whoosh's own code gives."""
from __future__ import annotations

import io

from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.structfile import StructFile

from indexer.postings import _add_rows


class _KeepOpen(io.BytesIO):
    def close(self):
        pass


def _table(rows: list[list[tuple[bytes, bytes]]], bulk: bool) -> tuple[str, bytes]:
    f = _KeepOpen()
    tindex = OrderedHashWriter(StructFile(f))
    for chunk in rows:
        if bulk:
            _add_rows(tindex, [k for k, _ in chunk], [v for _, v in chunk])
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
    _add_rows(tindex, [b"b"], [b"x"])
    for bad in ([b"a"], [b"c", b"c"], [b"d", b"c"]):
        try:
            _add_rows(tindex, bad, [b"x"] * len(bad))
        except ValueError:
            pass
        else:
            raise AssertionError(bad)
