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

The positions of the terms of fields with positions (the bigram fields phrases match over) go to a second file
(POSITIONS_SUFFIX), for the same terms in the same order, so that a phrase finds a word's positions in its
candidate sections by slicing instead of unpickling each posting's value: a header of HEADER_BYTES
(POSITIONS_HEADER); every position (uint32), the terms' postings' positions one after another; per posting,
where its positions start counted from its term's first (uint32); the terms' places (int64); their first
postings and their first positions (int64 each, one more than the terms). Written and checked as the first file.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import weakref
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
POSITIONS_SUFFIX = ".gvpos"
POSITIONS_MAGIC = b"GVPOS001"
POSITIONS_HEADER = np.dtype(
    [("magic", "S8"), ("segment", "S64"), ("docs", "<i8"), ("positions", "<i8"), ("postings", "<i8"), ("terms", "<i8")]
)
assert POSITIONS_HEADER.itemsize <= HEADER_BYTES
_STARTS_SUFFIX = ".starts"
_COPY_BYTES = 16 * 1024 * 1024


class _SegmentFileWriter:
    """What both writers share: a file written as `<path>.part` after HEADER_BYTES of room for its header, terms
    taken in the order of their places in the posting file, and a completion that writes the header last and
    renames the file into place, or, if it fails (a full disk), removes what was written and raises."""

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

    def _take_terms(self, places: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The terms' places and posting counts as int64, checked to follow every term taken before, and kept."""
        places = np.asarray(places, dtype=np.int64)
        counts = np.asarray(counts, dtype=np.int64)
        if places[0] <= self._last_place or np.any(places[1:] <= places[:-1]):
            raise ValueError("terms are added in the order of their places in the posting file")
        self._places.append(places)
        self._counts.append(counts)
        self._last_place = int(places[-1])
        return places, counts

    def _terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Every term's place, and its first posting (one more than the terms: the last is the total)."""
        places = np.concatenate(self._places) if self._places else np.zeros(0, dtype=np.int64)
        counts = np.concatenate(self._counts) if self._counts else np.zeros(0, dtype=np.int64)
        first = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=first[1:])
        return places, first

    def close(self, doc_count: int) -> Path:
        """Complete the file and put it in place; returns its path. If that fails, what was written is removed
        and the error raised."""
        try:
            self._complete(doc_count)
        except BaseException:
            self.cancel()
            raise
        return self.path

    def _complete(self, doc_count: int) -> None:
        raise NotImplementedError

    def _finish(self, header: np.ndarray) -> None:
        """Write the header over the room left for it, close the file and rename it into place."""
        f = self._file
        f.seek(0)
        f.write(header.tobytes())
        f.close()
        os.replace(self._part, self.path)

    def cancel(self) -> None:
        """Remove what was written (the file closed first; closing may fail on a full disk, and is not retried)."""
        _close_quietly(self._file)
        self._part.unlink(missing_ok=True)


class SidecarWriter(_SegmentFileWriter):
    """Writes a segment's posting arrays, a few terms at a time (add), in the order of their places in the
    posting file, and the positions of the terms given with theirs (PositionsWriter, the file beside it with
    POSITIONS_SUFFIX); close() completes the files, cancel() removes what was written."""

    def __init__(self, path: str | Path, segment_id: str):
        super().__init__(path, segment_id)
        self._positions: PositionsWriter | None = None

    def add(
        self,
        places: np.ndarray,
        counts: np.ndarray,
        ids: np.ndarray,
        weights: np.ndarray,
        freqs: np.ndarray | None = None,
        positions: np.ndarray | None = None,
    ) -> None:
        """Terms starting at `places` of the posting file (ascending, after every term added before), with
        `counts` postings each, whose segment-local docnums and weights are `ids` and `weights`, term by term;
        with `positions` (each posting's `freqs` positions, one posting after another) for a positional field."""
        if not len(places):
            return
        if positions is not None:
            if freqs is None:
                raise ValueError("positions come with each posting's number of them")
            if self._positions is None:
                self._positions = PositionsWriter(self.path.with_suffix(POSITIONS_SUFFIX), self.segment_id)
            self._positions.add(places, counts, freqs, positions)
        if int(np.sum(counts)) != len(ids) or len(ids) != len(weights):
            raise ValueError("the postings are not those of the terms' counts")
        self._take_terms(places, counts)
        records = np.empty(len(ids), dtype=POSTING)
        records["id"] = ids
        records["weight"] = weights
        self._file.write(records.tobytes())
        self._postings += len(ids)

    def _complete(self, doc_count: int) -> None:
        """The positions file first, then this one's term table and header."""
        if self._positions is not None:
            self._positions.close(doc_count)
        places, first = self._terms()
        self._file.write(places.astype("<i8").tobytes())
        self._file.write(first.astype("<i8").tobytes())
        header = np.zeros(1, dtype=HEADER)
        header[0] = (MAGIC, self.segment_id.encode("ascii"), doc_count, self._postings, len(places))
        self._finish(header)

    def cancel(self) -> None:
        if self._positions is not None:
            self._positions.cancel()
            self._positions.path.unlink(missing_ok=True)  # put in place before this file failed
        super().cancel()


class PositionsWriter(_SegmentFileWriter):
    """Writes the positions of a segment's positional terms (POSITIONS_SUFFIX), a few terms at a time (add), in
    the order of their places in the posting file; close() completes the file, cancel() removes what was
    written. The per-posting starts go to a file of their own until close() appends them."""

    def __init__(self, path: str | Path, segment_id: str):
        super().__init__(path, segment_id)
        self._starts_part = self.path.with_name(self.path.name + _STARTS_SUFFIX + _PART_SUFFIX)
        self._starts_file = open(self._starts_part, "wb")  # noqa: SIM115 - closed by close() or cancel()
        self._firsts: list[np.ndarray] = []
        self._positions = 0

    def add(self, places: np.ndarray, counts: np.ndarray, freqs: np.ndarray, positions: np.ndarray) -> None:
        """Terms starting at `places` of the posting file (ascending, after every term added before), with
        `counts` postings each, holding `freqs` positions each, which are `positions` (posting by posting, in
        the order of the postings)."""
        if not len(places):
            return
        freqs = np.asarray(freqs, dtype=np.int64)
        if int(np.sum(counts)) != len(freqs) or int(freqs.sum()) != len(positions):
            raise ValueError("the positions are not those of the terms' postings")
        if len(positions) and (int(np.min(positions)) < 0 or int(np.max(positions)) > np.iinfo(np.uint32).max):
            raise ValueError("a position is out of the range of uint32")
        counts = np.asarray(counts, dtype=np.int64)
        # Each posting's first position, counted from its term's first.
        first = np.zeros(len(freqs), dtype=np.int64)
        np.cumsum(freqs[:-1], out=first[1:])
        term_first = first[np.cumsum(counts) - counts]
        relative = first - np.repeat(term_first, counts)
        if len(relative) and int(relative.max()) > np.iinfo(np.uint32).max:
            raise ValueError("a term's positions in one segment are more than uint32 counts")
        self._take_terms(places, counts)
        self._file.write(np.asarray(positions, dtype="<u4").tobytes())
        self._starts_file.write(relative.astype("<u4").tobytes())
        self._firsts.append(term_first + self._positions)
        self._positions += len(positions)
        self._postings += len(freqs)

    def _complete(self, doc_count: int) -> None:
        """Append the per-posting starts and the term tables, then the header."""
        places, term_postings = self._terms()
        firsts = np.concatenate(self._firsts) if self._firsts else np.zeros(0, dtype=np.int64)
        term_positions = np.append(firsts, self._positions).astype(np.int64)
        self._starts_file.close()
        with open(self._starts_part, "rb") as starts:
            while chunk := starts.read(_COPY_BYTES):
                self._file.write(chunk)
        self._starts_part.unlink()
        self._file.write(places.astype("<i8").tobytes())
        self._file.write(term_postings.astype("<i8").tobytes())
        self._file.write(term_positions.astype("<i8").tobytes())
        header = np.zeros(1, dtype=POSITIONS_HEADER)
        header[0] = (
            POSITIONS_MAGIC,
            self.segment_id.encode("ascii"),
            doc_count,
            self._positions,
            self._postings,
            len(places),
        )
        self._finish(header)

    def cancel(self) -> None:
        _close_quietly(self._starts_file)
        self._starts_part.unlink(missing_ok=True)
        super().cancel()


def _close_quietly(f) -> None:
    """Close a file being abandoned: a failure to flush it (a full disk) is no further error."""
    with contextlib.suppress(OSError):
        f.close()


class TermPositions(NamedTuple):
    """A term's positions in a segment (mapped views): per posting, where its positions start in `positions`
    (uint32); the positions (uint32), posting after posting."""

    starts: np.ndarray
    positions: np.ndarray

    def of(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(how many positions, the positions one posting after another) of the postings numbered `at`."""
        at = np.asarray(at, dtype=np.int64)
        first = self.starts[at].astype(np.int64)
        following = np.minimum(at + 1, len(self.starts) - 1)
        end = np.where(at + 1 < len(self.starts), self.starts[following].astype(np.int64), len(self.positions))
        counts = end - first
        if not len(counts):
            return counts, np.zeros(0, dtype=np.int64)
        # Each posting's positions, gathered: a running index that jumps to the next posting's first.
        jumps = first - np.concatenate(([0], np.cumsum(counts)[:-1]))
        index = np.repeat(jumps, counts) + np.arange(int(counts.sum()), dtype=np.int64)
        return counts, self.positions[index].astype(np.int64)


class SidecarPositions(NamedTuple):
    """A segment's positions file (POSITIONS_SUFFIX), mapped (read-only views of the file)."""

    positions: np.ndarray  # uint32, every position
    starts: np.ndarray  # uint32, per posting: its first position counted from its term's first
    places: np.ndarray  # int64, per term, ascending
    term_postings: np.ndarray  # int64, per term and one past the last: its first posting
    term_positions: np.ndarray  # int64, per term and one past the last: its first position

    def find(self, place: int) -> int:
        """The number of the term whose postings start at `place` of the posting file (-1: none)."""
        return _find(self.places, place)

    def term_at(self, i: int) -> TermPositions:
        """The positions of the file's term number `i`."""
        p0, p1 = int(self.term_postings[i]), int(self.term_postings[i + 1])
        s0, s1 = int(self.term_positions[i]), int(self.term_positions[i + 1])
        return TermPositions(self.starts[p0:p1], self.positions[s0:s1])


def open_positions(path: str | Path, segment_id: str, doc_count: int) -> SidecarPositions | None:
    """The positions file at `path` if it is complete and that of the segment `segment_id` of `doc_count`
    documents; None otherwise."""
    data = _mapped(path)
    if data is None:
        return None
    header = data[: POSITIONS_HEADER.itemsize].view(POSITIONS_HEADER)[0]
    n_pos, n, t = int(header["positions"]), int(header["postings"]), int(header["terms"])
    if (
        bytes(header["magic"]) != POSITIONS_MAGIC
        or bytes(header["segment"]).decode("ascii", "replace") != segment_id
        or int(header["docs"]) != doc_count
        or min(n_pos, n, t) < 0
        or len(data) != HEADER_BYTES + 4 * n_pos + 4 * n + 8 * t + 16 * (t + 1)
    ):
        return None
    at = HEADER_BYTES
    positions = data[at : at + 4 * n_pos].view("<u4")
    at += 4 * n_pos
    starts = data[at : at + 4 * n].view("<u4")
    at += 4 * n
    places = data[at : at + 8 * t].view("<i8")
    at += 8 * t
    term_postings = data[at : at + 8 * (t + 1)].view("<i8")
    term_positions = data[at + 8 * (t + 1) :].view("<i8")
    if int(term_postings[-1]) != n or int(term_positions[-1]) != n_pos:
        return None
    return SidecarPositions(positions, starts, places, term_postings, term_positions)


# Every file mapped here and still in use (a closed build's maps leave the set with their arrays).
_MAPS: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()


def release_mapped() -> int:
    """Take every mapped file's pages out of this process (MADV_DONTNEED on a read-only file mapping): they stay
    in the OS page cache, and the next read of one maps it again at the cost of a minor fault. Returns how many
    files were released."""
    released = 0
    for mapped in list(_MAPS):
        with contextlib.suppress(ValueError):  # closed meanwhile
            mapped.madvise(mmap.MADV_DONTNEED)
            released += 1
    return released


def _mapped(path: str | Path) -> np.ndarray | None:
    """A file's bytes, mapped read-only, if it is at least HEADER_BYTES long."""
    try:
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # no file; an empty one cannot be mapped
        return None
    _MAPS.add(mapped)
    data = np.frombuffer(mapped, dtype=np.uint8)
    return data if len(data) >= HEADER_BYTES else None


class Sidecar(NamedTuple):
    """A segment's posting arrays, mapped (read-only views of the file)."""

    postings: np.ndarray  # POSTING records
    places: np.ndarray  # int64, per term, ascending
    starts: np.ndarray  # int64, per term and one past the last

    def find(self, place: int) -> int:
        """The number of the term whose postings start at `place` of the posting file (-1: none)."""
        return _find(self.places, place)

    def term_at(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(segment-local docnums ascending, weights) of the file's term number `i`."""
        found = self.postings[int(self.starts[i]) : int(self.starts[i + 1])]
        return found["id"], found["weight"]


def _find(places: np.ndarray, place: int) -> int:
    """Where `place` is in the ascending `places` (-1: not there)."""
    i = int(np.searchsorted(places, place))
    return i if i < len(places) and int(places[i]) == place else -1


def open_sidecar(path: str | Path, segment_id: str, doc_count: int) -> Sidecar | None:
    """The posting arrays at `path` if they are complete and those of the segment `segment_id` of `doc_count`
    documents; None otherwise (no file, or another segment's, or a file cut short)."""
    data = _mapped(path)
    if data is None:
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
