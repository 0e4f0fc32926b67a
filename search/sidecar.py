"""Posting arrays beside a segment, memory-mapped: every term's docnums and weights, found by where its postings
start in the segment's posting file.

Whoosh's W3 posting blocks are pickles, a Python object per posting once loaded: reading the postings of a
common term costs more than scoring them, and a worker can only keep so many of them decoded. The bulk segment
writer (indexer.segment) also writes each term's postings here as plain arrays, in the order it writes the
terms; a reader slices the mapped file (its pages are the OS page cache's, shared by every worker) and keeps no
per-term object. A segment without such a file (written by Whoosh's own writer, or by an earlier build) is read
from its posting blocks, as before.

Layout (little-endian): a header of HEADER_BYTES (HEADER, then zeros); the postings, one POSTING record (docnum
int32, weight float32) each, the terms' postings one after another; the terms' places in the posting file
(int64, ascending); the terms' first postings (int64, one more than the terms: the last is the total). The
header is written last and the file renamed into place, so that a file with a valid header is a complete one.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

# The file's name is the segment's file name with this suffix: Whoosh then deletes it with its segment.
SIDECAR_SUFFIX = ".gvpost"
MAGIC = b"GVPOST01"
HEADER = np.dtype([("magic", "S8"), ("segment", "S64"), ("docs", "<i8"), ("postings", "<i8"), ("terms", "<i8")])
HEADER_BYTES = 128
POSTING = np.dtype([("id", "<i4"), ("weight", "<f4")])
assert HEADER.itemsize <= HEADER_BYTES and POSTING.itemsize == 8
_PART_SUFFIX = ".part"


class SidecarWriter:
    """Writes a segment's posting arrays, a few terms at a time (add), in the order of their places in the
    posting file; close() completes the file, cancel() removes what was written."""

    def __init__(self, path: str | Path, segment_id: str):
        self.path = Path(path)
        self.segment_id = segment_id
        self._part = self.path.with_name(self.path.name + _PART_SUFFIX)
        self._file = open(self._part, "wb")  # noqa: SIM115 - closed by close() or cancel()
        self._file.write(bytes(HEADER_BYTES))
        self._places: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._postings = 0
        self._last_place = -1

    def add(self, places: np.ndarray, counts: np.ndarray, ids: np.ndarray, weights: np.ndarray) -> None:
        """Terms starting at `places` of the posting file (ascending, after every term added before), with
        `counts` postings each, whose segment-local docnums and weights are `ids` and `weights`, term by term."""
        if not len(places):
            return
        places = np.asarray(places, dtype=np.int64)
        counts = np.asarray(counts, dtype=np.int64)
        if places[0] <= self._last_place or np.any(places[1:] <= places[:-1]):
            raise ValueError("terms are added in the order of their places in the posting file")
        if int(counts.sum()) != len(ids) or len(ids) != len(weights):
            raise ValueError("the postings are not those of the terms' counts")
        records = np.empty(len(ids), dtype=POSTING)
        records["id"] = ids
        records["weight"] = weights
        self._file.write(records.tobytes())
        self._places.append(places)
        self._counts.append(counts)
        self._postings += len(ids)
        self._last_place = int(places[-1])

    def close(self, doc_count: int) -> Path:
        """Write the term table and the header, and put the file in place; returns its path."""
        places = np.concatenate(self._places) if self._places else np.zeros(0, dtype=np.int64)
        counts = np.concatenate(self._counts) if self._counts else np.zeros(0, dtype=np.int64)
        starts = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        f = self._file
        f.write(places.astype("<i8").tobytes())
        f.write(starts.astype("<i8").tobytes())
        header = np.zeros(1, dtype=HEADER)
        header[0] = (MAGIC, self.segment_id.encode("ascii"), doc_count, self._postings, len(places))
        f.seek(0)
        f.write(header.tobytes())
        f.close()
        os.replace(self._part, self.path)
        return self.path

    def cancel(self) -> None:
        self._file.close()
        self._part.unlink(missing_ok=True)


class Sidecar(NamedTuple):
    """A segment's posting arrays, mapped (read-only views of the file)."""

    postings: np.ndarray  # POSTING records
    places: np.ndarray  # int64, per term, ascending
    starts: np.ndarray  # int64, per term and one past the last

    def term(self, place: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(segment-local docnums ascending, weights) of the term whose postings start at `place` of the posting
        file; None if the file has no such term."""
        i = int(np.searchsorted(self.places, place))
        if i == len(self.places) or int(self.places[i]) != place:
            return None
        found = self.postings[int(self.starts[i]) : int(self.starts[i + 1])]
        return found["id"], found["weight"]


def open_sidecar(path: str | Path, segment_id: str, doc_count: int) -> Sidecar | None:
    """The posting arrays at `path` if they are complete and those of the segment `segment_id` of `doc_count`
    documents; None otherwise (no file, or another segment's, or a file cut short)."""
    try:
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # no file; an empty one cannot be mapped
        return None
    data = np.frombuffer(mapped, dtype=np.uint8)
    if len(data) < HEADER_BYTES:
        return None
    header = data[: HEADER.itemsize].view(HEADER)[0]
    n, t = int(header["postings"]), int(header["terms"])
    if (
        bytes(header["magic"]) != MAGIC
        or bytes(header["segment"]).decode("ascii", "replace") != segment_id
        or int(header["docs"]) != doc_count
        or n < 0
        or t < 0
        or len(data) != HEADER_BYTES + n * POSTING.itemsize + (2 * t + 1) * 8
    ):
        return None
    at = HEADER_BYTES + n * POSTING.itemsize
    postings = data[HEADER_BYTES:at].view(POSTING)
    places = data[at : at + 8 * t].view("<i8")
    starts = data[at + 8 * t :].view("<i8")
    if int(starts[-1]) != n:
        return None
    return Sidecar(postings, places, starts)
