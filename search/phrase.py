"""Phrase matching over a build's cached postings, with positions read only for the sections that can match.

Whoosh matches a phrase by walking the postings of all its words together, one posting at a time in Python, and
comparing positions wherever all the words meet: its cost grows with the postings of the commonest word. Here the
sections holding the rarest word (its cached posting array) are the candidates, and every other word, rarest
first, is looked up in the candidates left: its posting blocks are known by their highest docnums (a table read
once from the blocks' headers), and only the blocks holding a candidate are read, through search.whoosh_fence.
Almost every section holding all the words holds the phrase itself (98.7 % over the laws corpus), so this reads
about what the answer needs. The positions are then chained as
Whoosh's SpanNear2 chains them (in order, each word 1..slop positions after the one before), so the sections
matched are Whoosh's own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

import numpy as np
from whoosh.reading import IndexReader

from search.whoosh_fence import block_positions, read_block_table, unwrap_deleted

POSITION_BITS = 32  # a key is docnum << 32 | position
_POSITION_MASK = (1 << POSITION_BITS) - 1
_NO_IDS = np.zeros(0, dtype=np.int32)
_NO_WEIGHTS = np.zeros(0, dtype=np.float32)
_NO_KEYS = np.zeros(0, dtype=np.int64)


class NotInBlocksError(LookupError):
    """A word's postings are not all W3 posting blocks: its positions cannot be found by block."""


class PostingBlocks(NamedTuple):
    """The posting blocks of a term in a (possibly multi-segment) reader: each block's highest global docnum
    (ascending over the reader), its segment (the reader's leaf number) and its place in that segment's posting
    file."""

    max_ids: np.ndarray
    leaves: np.ndarray
    starts: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.max_ids.nbytes + self.leaves.nbytes + self.starts.nbytes


class Positions(NamedTuple):
    """A word in the candidate sections that hold it: their docnums (ascending), its weights there, and keys
    (docnum << 32 | position) of its positions, ascending."""

    docnums: np.ndarray
    weights: np.ndarray
    keys: np.ndarray


def posting_blocks(parts: Sequence[tuple[int, int, np.ndarray, np.ndarray]]) -> PostingBlocks:
    """PostingBlocks from (leaf number, docnum offset, block starts, segment-local highest ids) per segment."""
    if not parts:
        return PostingBlocks(_NO_IDS, np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.int64))
    return PostingBlocks(
        np.concatenate([max_ids + offset for _, offset, _, max_ids in parts]).astype(np.int32),
        np.concatenate([np.full(len(starts), leaf_no, dtype=np.int16) for leaf_no, _, starts, _ in parts]),
        np.concatenate([starts for _, _, starts, _ in parts]),
    )


def read_posting_blocks(reader: IndexReader, fieldname: str, text: bytes) -> PostingBlocks | None:
    """A term's PostingBlocks, from the blocks' headers; None when some segment's postings are not W3 blocks."""
    parts = []
    for leaf_no, (leaf, offset) in enumerate(reader.leaf_readers()):
        if (fieldname, text) not in leaf:
            continue
        table = read_block_table(unwrap_deleted(leaf.postings(fieldname, text))[1])
        if table is None:
            return None
        parts.append((leaf_no, offset, *table))
    return posting_blocks(parts)


def term_positions(
    reader: IndexReader, fieldname: str, text: bytes, blocks: PostingBlocks | None, docnums: np.ndarray
) -> Positions:
    """A term's Positions in those of the sections `docnums` (ascending, live) that hold it."""
    if blocks is None:
        raise NotInBlocksError(fieldname, text)
    # The block that would hold each section (none past the last block).
    block = np.searchsorted(blocks.max_ids, docnums)
    inside = block < len(blocks.max_ids)
    docnums, block = docnums[inside], block[inside]
    if not len(docnums):
        return Positions(_NO_IDS, _NO_WEIGHTS, _NO_KEYS)
    firsts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    lasts = np.r_[firsts[1:], len(docnums)]
    leaves = list(reader.leaf_readers())
    matchers: dict[int, tuple[object, int]] = {}
    present_parts, weight_parts = [], []
    counts: list[int] = []
    flat: list[int] = []
    for lo, hi in zip(firsts.tolist(), lasts.tolist(), strict=True):
        b = block[lo]
        leaf_no = int(blocks.leaves[b])
        if leaf_no not in matchers:
            leaf, offset = leaves[leaf_no]
            matchers[leaf_no] = (unwrap_deleted(leaf.postings(fieldname, text))[1], offset)
        m, offset = matchers[leaf_no]
        present, weights, positions = block_positions(
            m, int(blocks.starts[b]), docnums[lo:hi].astype(np.int64) - offset
        )
        present_parts.append(present)
        weight_parts.append(weights)
        for found in positions:
            counts.append(len(found))
            flat.extend(found)
    held = docnums[np.concatenate(present_parts)]
    owners = np.repeat(held.astype(np.int64), counts)
    return Positions(
        held.astype(np.int32, copy=False),
        np.concatenate(weight_parts),
        (owners << POSITION_BITS) | np.asarray(flat, dtype=np.int64),
    )


def follow(ends: np.ndarray, keys: np.ndarray, slop: int) -> np.ndarray:
    """Of the next word's position keys, those 1..slop positions after an end of a chain (`ends`, ascending) in
    the same section: the ends of the chains one word longer."""
    if not len(ends):
        return _NO_KEYS
    at = np.searchsorted(ends, keys) - 1  # the last end before each key
    prev = ends[np.maximum(at, 0)]
    ok = (at >= 0) & (keys - prev <= slop) & ((prev >> POSITION_BITS) == (keys >> POSITION_BITS))
    return keys[ok]


def starts_with(starts: np.ndarray | None, keys: np.ndarray, places: list[int]) -> np.ndarray:
    """Where a phrase of adjacent words may start (keys, ascending): of `starts` (None: anywhere), those where a
    word with position keys `keys` (ascending, unique) stands at each of its `places` in the phrase (0: first)."""
    offsets = keys & _POSITION_MASK
    for place in places:
        found = keys[offsets >= place] - place
        starts = found if starts is None else starts[np.isin(starts, found, assume_unique=True)]
    assert starts is not None, "a word of the phrase has a place in it"
    return starts


_PAIR_RE = re.compile(
    r"^(?:([0-9a-z]+) ([0-9a-z]+)|([0-9a-z]+)([^0-9a-z])|([^0-9a-z])([0-9a-z]+)|([^0-9a-z])([^0-9a-z]))$"
)


def _pair(bigram: str) -> tuple[str, str] | None:
    """The two units of a bigram term (人民: 人, 民; "20 17": 20, 17; 2017年: 2017, 年), None for another term."""
    m = _PAIR_RE.match(bigram)
    if m is None:
        return None
    a, b = [g for g in m.groups() if g is not None]
    return a, b


def covering(words: list[bytes], by_rarity: list[bytes]) -> list[bytes]:
    """Of a phrase's bigrams (`words`, in order; `by_rarity`: each once, rarest first), the rarest ones that
    together cover every character of the phrase, rarest first: enough to find where it stands. A bigram field
    holds each pair of adjacent units at consecutive positions, so where 人民 stands at the phrase's place 0 and
    政府 at place 2, 民政 stands at place 1: 中华人民共和国 is found with 5 of its 6 bigrams' positions, a long
    title with about half of them. (For phrases of adjacent bigrams only; matching, not scoring, which counts
    every word.)"""
    pairs = [_pair(w.decode("utf-8")) for w in words]
    if any(a is None or b is None or a[1] != b[0] for a, b in pairwise(pairs)):
        return by_rarity  # not the overlapping pairs of one run of characters: every word is needed
    covered = [False] * (len(words) + 1)
    out = []
    for word in by_rarity:
        places = [i for i, w in enumerate(words) if w == word]
        if any(not (covered[i] and covered[i + 1]) for i in places):
            out.append(word)
            for i in places:
                covered[i] = covered[i + 1] = True
        if all(covered):
            break
    return out


def sections_of(keys: np.ndarray) -> np.ndarray:
    """The docnums of ascending keys, once each."""
    docs = (keys >> POSITION_BITS).astype(np.int32)
    return docs[np.r_[True, docs[1:] != docs[:-1]]] if len(docs) else docs
