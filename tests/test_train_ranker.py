"""Fitting the question ranker (tools/train_ranker.py) on judged cases: its pairs, its weights, its successes."""

from __future__ import annotations

import numpy as np
import pytest

from search import rerank
from tools.train_ranker import Case, fit, successes

F = len(rerank.FEATURES)
COVERAGE = rerank.FEATURES.index("coverage")


def case(answer_at: int, n: int = 6) -> Case:
    """Documents in the order found; only the answer holds every word (coverage 1.0, the others 0.2)."""
    rows = np.zeros((n, F))
    rows[:, rerank.FEATURES.index("score")] = np.linspace(1.0, 0.5, n)
    rows[:, COVERAGE] = 0.2
    rows[answer_at, COVERAGE] = 1.0
    accepted = np.zeros(n, dtype=bool)
    accepted[answer_at] = True
    return Case("set1", rows, accepted, np.zeros(n, dtype=bool))


def test_the_fitted_weights_put_the_answers_first():
    cases = [case(k % 3 + 3) for k in range(12)]
    w, pairs = fit(cases)
    assert pairs == 12 * 5  # each answer against the five documents that are not one
    assert w[COVERAGE] > 0
    assert successes(cases, None) == 0  # found at places 4 to 6
    assert successes(cases, w) == 12


def test_a_case_without_documents_counts_as_a_miss():
    empty = Case("set2", np.zeros((0, F)), np.zeros(0, dtype=bool), np.zeros(0, dtype=bool))
    assert successes([empty, case(0)], None) == 1


def test_cases_with_no_answer_among_their_documents_cannot_be_fitted():
    none = Case("set1", np.zeros((4, F)), np.zeros(4, dtype=bool), np.zeros(4, dtype=bool))
    with pytest.raises(SystemExit, match="no question of these sets"):
        fit([none])


def test_documents_out_of_force_follow_the_others_and_make_no_pairs_with_them():
    c = case(4)
    late = np.zeros(6, dtype=bool)
    late[[0, 1]] = True
    c = Case(c.set_name, c.rows, c.accepted, late)
    _, pairs = fit([c])
    assert pairs == 3  # the answer against the three others in force, not against the two out of force
    # In the order found the answer is fifth; with 0 and 1 after the rest, third.
    assert successes([c], None) == 0
    assert successes([c], np.zeros(F)) == 1
