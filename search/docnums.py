"""Sets of section docnums as NumPy arrays: distinct values and their places, found by sorting.

NumPy 2's `np.unique` finds distinct values by hashing, then sorts them: over the concatenated posting arrays a
query unites (sorted runs, a hundred thousand docnums and more at ten times the laws corpus) that costs five to
twenty times a stable sort, which merges the runs it is given. The same sets, found here by sorting.
"""

from __future__ import annotations

import numpy as np

__all__ = ["distinct", "distinct_inverse"]


def _firsts(ordered: np.ndarray) -> np.ndarray:
    """Per value of a sorted array: whether it is the first of its equals."""
    first = np.empty(len(ordered), dtype=bool)
    if len(ordered):
        first[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def distinct(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)`: its distinct values, ascending."""
    ordered = np.sort(values, kind="stable")
    return ordered[_firsts(ordered)]


def distinct_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)`: the distinct values, ascending, and per value its place among
    them (so `np.bincount(inverse, weights)` sums per distinct value in the order of `values`)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = _firsts(ordered)
    inverse = np.empty(len(values), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse
