"""Numbers for int64 keys, given in bulk: an open-addressing hash table held in NumPy arrays.

The bulk writer numbers every bigram token of a corpus (millions per segment). A Python dict costs a Python int
and a lookup per token; here a batch of keys is looked up and inserted with a few array operations per probe
round, so the cost per token is a handful of vectorised steps instead of interpreter work.
"""

from __future__ import annotations

import numpy as np

# The most of its slots the table fills: it grows before a batch could fill more (linear probing stays short).
MAX_LOAD = 0.5
INITIAL_BITS = 16
_EMPTY = -1  # no key is negative (search.analysis.index_bigram_keys: two non-negative 32-bit units)
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key × 2^64/φ


class KeyNumbers:
    """Each distinct non-negative int64 key gets a number, 0, 1, 2 … as it is first seen (the new keys of one
    batch in an order of the table's own); `keys()` lists them by number."""

    def __init__(self, bits: int | None = None) -> None:
        self._allocate(INITIAL_BITS if bits is None else bits)
        self._count = 0
        self._new: list[np.ndarray] = []  # the keys of numbers 0, 1, 2 … in pieces

    def __len__(self) -> int:
        return self._count

    def keys(self) -> np.ndarray:
        """The keys in number order (keys()[n] is the key numbered n)."""
        if len(self._new) != 1:
            self._new = [np.concatenate(self._new) if self._new else np.zeros(0, dtype=np.int64)]
        return self._new[0]

    def numbers(self, keys: np.ndarray) -> np.ndarray:
        """The number of each key (int32), numbering the keys not seen before."""
        keys = np.asarray(keys, dtype=np.int64)
        if len(keys) and int(keys.min()) < 0:
            raise ValueError("keys must not be negative")
        # Room for every key of the batch being new: probing then always finds a free slot.
        if self._count + len(keys) > MAX_LOAD * len(self._keys):
            self._grow(self._count + len(keys))
        out = np.empty(len(keys), dtype=np.int32)
        self._number(keys, out)
        return out

    def _allocate(self, bits: int) -> None:
        self._bits = bits
        self._mask = (1 << bits) - 1
        self._keys = np.full(1 << bits, _EMPTY, dtype=np.int64)
        self._values = np.zeros(1 << bits, dtype=np.int32)

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.view(np.uint64) * _MULTIPLIER) >> np.uint64(64 - self._bits)).astype(np.int64)

    def _number(self, keys: np.ndarray, out: np.ndarray) -> None:
        table, values, mask = self._keys, self._values, self._mask
        slot = self._slots(keys)
        todo = np.arange(len(keys))  # positions of `keys` not yet numbered; `keys` and `slot` follow them
        while len(todo):
            held = table[slot]
            hit = held == keys
            out[todo[hit]] = values[slot[hit]]
            empty = held == _EMPTY
            if empty.any():
                # The distinct new keys that reach an empty slot; where several reach the same one, the smallest
                # takes it, and the others probe on (they find it taken in the next round).
                new, first = np.unique(keys[empty], return_index=True)
                taken, winner = np.unique(slot[empty][first], return_index=True)
                table[taken] = new[winner]
                values[taken] = np.arange(self._count, self._count + len(taken), dtype=np.int32)
                self._count += len(taken)
                self._new.append(new[winner])
            # A slot held by another key: probe the next one. A key that just took its slot hits it next round.
            moved = ~hit & ~empty
            slot[moved] = (slot[moved] + 1) & mask
            todo, keys, slot = todo[~hit], keys[~hit], slot[~hit]

    def _grow(self, room: int) -> None:
        """A table with `room` keys at most MAX_LOAD of its slots, holding the keys numbered so far."""
        keys = self.keys()
        bits = self._bits + 1
        while room > MAX_LOAD * (1 << bits):
            bits += 1
        self._allocate(bits)
        numbers = np.arange(len(keys), dtype=np.int32)
        slot = self._slots(keys)
        while len(keys):
            free = self._keys[slot] == _EMPTY
            taken, first = np.unique(slot[free], return_index=True)
            placed = np.flatnonzero(free)[first]
            self._keys[taken] = keys[placed]
            self._values[taken] = numbers[placed]
            rest = np.ones(len(keys), dtype=bool)
            rest[placed] = False
            keys, numbers, slot = keys[rest], numbers[rest], (slot[rest] + 1) & self._mask
