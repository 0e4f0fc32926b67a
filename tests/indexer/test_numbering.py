"""KeyNumbers numbers int64 keys in bulk: one number per distinct key, the same each time it comes back."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.numbering import KeyNumbers


def test_a_key_keeps_its_number_and_keys_lists_them_by_number():
    kn = KeyNumbers()
    first = kn.numbers(np.array([7, 5, 7, 0, 5], dtype=np.int64))
    assert first[0] == first[2] and first[1] == first[4]
    assert sorted(set(first.tolist())) == [0, 1, 2]
    assert first.dtype == np.int32
    second = kn.numbers(np.array([5, 2**40 + 3, 0, 9], dtype=np.int64))
    assert second[0] == first[1] and second[2] == first[3]
    assert sorted({second[1], second[3]}) == [3, 4]  # new keys of a later batch come after the earlier ones
    assert len(kn) == 5
    assert kn.keys()[first].tolist() == [7, 5, 7, 0, 5]
    assert kn.keys()[second].tolist() == [5, 2**40 + 3, 0, 9]
    assert kn.numbers(np.zeros(0, dtype=np.int64)).tolist() == []


def test_keys_that_collide_and_a_table_that_grows_many_times():
    rng = np.random.default_rng(3)
    # Keys drawn from a small range (many repeats within and across batches), and large ones.
    batches = [rng.integers(0, 3000, 500) for _ in range(8)] + [rng.integers(0, 2**62, 700) for _ in range(3)]
    kn = KeyNumbers(bits=2)
    reference: dict[int, int] = {}
    for keys in batches:
        got = kn.numbers(keys)
        for k, n in zip(keys.tolist(), got.tolist(), strict=True):
            assert reference.setdefault(k, n) == n
        assert kn.keys()[got].tolist() == keys.tolist()
    assert len(kn) == len(reference) == len(set(np.concatenate(batches).tolist()))
    assert sorted(reference.values()) == list(range(len(reference)))


def test_a_negative_key_is_refused():
    with pytest.raises(ValueError, match="not be negative"):
        KeyNumbers().numbers(np.array([3, -1], dtype=np.int64))
