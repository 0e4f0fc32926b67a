import numpy as np
import pytest

from search.docnums import distinct, distinct_inverse


def test_distinct_of_sorted_runs():
    runs = np.array([2, 5, 9, 1, 5, 7, 9, 0, 9], dtype=np.int32)
    out = distinct(runs)
    assert out.tolist() == [0, 1, 2, 5, 7, 9]
    assert out.dtype == np.int32


def test_distinct_inverse_places_each_value():
    values = np.array([9, 2, 9, 4, 2, 2], dtype=np.int32)
    uniq, inverse = distinct_inverse(values)
    assert uniq.tolist() == [2, 4, 9]
    assert inverse.tolist() == [2, 0, 2, 1, 0, 0]
    # Sums per value in the order given, as the callers use it.
    assert np.bincount(inverse, weights=[1.0, 0.5, 2.0, 3.0, 0.25, 0.125]).tolist() == [0.875, 3.0, 3.0]


@pytest.mark.parametrize("size", [0, 1, 2, 1000])
def test_same_as_numpy_unique(size):
    rng = np.random.default_rng(size)
    values = rng.integers(0, max(size // 3, 1), size).astype(np.int32)
    assert distinct(values).tolist() == np.unique(values).tolist()
    uniq, inverse = distinct_inverse(values)
    want_uniq, want_inverse = np.unique(values, return_inverse=True)
    assert uniq.tolist() == want_uniq.tolist()
    assert inverse.tolist() == want_inverse.tolist()
