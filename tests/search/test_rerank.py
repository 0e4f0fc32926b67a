"""The model that orders a question's first documents: its features, its order, and where it applies."""

from __future__ import annotations

import json

import numpy as np
import pytest

from search import rerank
from search.engine import run_search
from search.index import IndexHolder
from search.params import params_from
from search.store import DocMeta


@pytest.fixture(scope="module")
def index(fixture_index):
    opened = IndexHolder(fixture_index).get()
    yield opened
    opened.close()


def ordinal(index, source: str) -> int:
    return next(i for i, d in enumerate(index.table.ids) if index.docs[d].source == source)


def test_a_stored_documents_title_citations_are_kept_in_its_table_entry():
    meta = DocMeta.from_dict(
        {
            "doc_id": "d1",
            "source": "laws/d1.md",
            "title": "某条例",
            "citations": [
                {"kind": "title", "value": "中华人民共和国食品安全法"},
                {"kind": "doc_number", "value": "国务院令第721号"},
                {"kind": "title", "value": "食品安全标准"},
            ],
        },
        {},
    )
    assert meta.cited_titles == ("中华人民共和国食品安全法", "食品安全标准")
    assert DocMeta.from_dict({"doc_id": "d2", "source": "laws/d2.md", "title": "某法"}).cited_titles == ()


def test_cited_by_counts_the_other_titles_citing_a_document(index):
    # 食品安全法 (both versions) is cited by its implementing regulation and by 河南省's rule; the regulation by
    # a county's notice. Every other document of the fixture index is cited by none.
    counts = np.rint(np.expm1(rerank.cited_by(index))).astype(int)
    cited = {index.docs[index.table.ids[o]].source: int(counts[o]) for o in np.flatnonzero(counts)}
    assert cited == {
        "fixtures/food/食品安全法(2015-04-24).md": 2,
        "fixtures/food/食品安全法(2021-04-29).md": 2,
        "fixtures/food/食品安全法实施条例(2019-10-11).md": 1,
    }


def _three_documents(index, monkeypatch, out_of_force: tuple[int, ...] = ()) -> np.ndarray:
    """Ordinals 0, 1, 2 found in that order (scores 9, 6, 3; floor 1) and put in order by a model that weighs
    only coverage (0.2, 0.9, 0.5); `out_of_force` of them marked so. Returns the scores."""
    weights = np.zeros(len(rerank.FEATURES))
    weights[rerank.FEATURES.index("coverage")] = 1.0
    monkeypatch.setattr(rerank, "weights", lambda: weights)
    n = len(index.table.ids)
    scores = np.zeros(n)
    scores[[0, 1, 2]] = [9.0, 6.0, 3.0]
    coverage = np.zeros(n)
    coverage[[0, 1, 2]] = [0.2, 0.9, 0.5]
    late = np.zeros(n, dtype=bool)
    late[list(out_of_force)] = True
    rerank.rerank(index, np.asarray([0, 1, 2]), scores, rerank.Evidence(np.ones(n), np.ones(n), coverage), 1.0, late)
    return scores


def test_the_model_orders_the_first_documents_and_keeps_them_above_the_rest(index, monkeypatch):
    scores = _three_documents(index, monkeypatch)
    # 1, then 2, then 0: the first keeps the top score, each next one a third of the span to the floor lower.
    assert scores[[1, 2, 0]].round(4).tolist() == [9.0, 6.3333, 3.6667]


def test_equal_model_values_keep_the_order_found(index, monkeypatch):
    monkeypatch.setattr(rerank, "weights", lambda: np.zeros(len(rerank.FEATURES)))
    n = len(index.table.ids)
    scores = np.zeros(n)
    scores[[5, 3, 4]] = [5.0, 4.0, 3.0]
    rerank.rerank(index, np.asarray([5, 3, 4]), scores, rerank.Evidence(np.ones(n), np.ones(n), np.zeros(n)), 0.0)
    assert scores[[5, 3, 4]].round(4).tolist() == [5.0, 3.3333, 1.6667]


def test_documents_out_of_force_follow_those_in_force_whatever_the_model_says(index, monkeypatch):
    scores = _three_documents(index, monkeypatch, out_of_force=(1,))
    # 1 holds most of the words but is out of force: 2, 0, then 1.
    assert scores[[2, 0, 1]].round(4).tolist() == [9.0, 6.3333, 3.6667]


def test_a_question_brings_the_current_version_before_the_superseded_one(index):
    # The 2015 version holds 加工 (从事食品生产和加工), the 2021 one does not: by its words the old text led.
    hits = run_search(index, params_from({"q": "从事食品加工要遵守什么吗"})).hits
    assert [(h.source, h.status) for h in hits[:3]] == [
        ("fixtures/food/食品安全法(2021-04-29).md", "current"),
        ("fixtures/food/食品安全法实施条例(2019-10-11).md", None),
        ("fixtures/notice/cites.txt", None),
    ]
    # Four more documents in force (three seeds, the local regulation) in the model's order; the old version last.
    assert len(hits) == 8
    assert (hits[-1].source, hits[-1].status) == ("fixtures/food/食品安全法(2015-04-24).md", "superseded")


def test_features_of_the_first_documents(index):
    law = ordinal(index, "fixtures/food/食品安全法(2021-04-29).md")
    rule = ordinal(index, "fixtures/food/河南省食品小作坊小经营店和小摊点管理条例(2016-11-29).md")
    n = len(index.table.ids)
    scores = np.zeros(n)
    scores[[rule, law]] = [8.0, 4.0]
    breadth, topic, coverage = np.ones(n), np.ones(n), np.zeros(n)
    breadth[law], topic[law], coverage[[rule, law]] = 1.5, 2.0, [0.5, 1.0]
    rows = rerank.features(index, np.asarray([rule, law]), scores, rerank.Evidence(breadth, topic, coverage))
    named = [dict(zip(rerank.FEATURES, (round(float(v), 4) for v in row), strict=True)) for row in rows]
    assert named == [
        {
            "score": 1.0,
            "rank": 0.0,
            "breadth": 1.0,
            "title_topic": 1.0,
            "cited_by": 0.0,
            "coverage": 0.5,
            "statute": 0.0,
            "interpretation": 0.0,
            "local": 1.0,
            "case": 0.0,
        },
        {
            "score": 0.5,
            "rank": 0.6931,
            "breadth": 1.5,
            "title_topic": 2.0,
            "cited_by": 1.0986,
            "coverage": 1.0,
            "statute": 1.0,
            "interpretation": 0.0,
            "local": 0.0,
            "case": 0.0,
        },
    ]


def test_questions_naming_no_place_are_reordered_and_others_are_not(index, monkeypatch):
    seen = []

    def capture(ranked, rows, late):
        seen.append(([index.docs[index.table.ids[o]].source for o in ranked], rows.shape, late.tolist()))

    monkeypatch.setattr(rerank, "capture", capture)
    run_search(index, params_from({"q": "不交物业费物业能停水停电吗"}))
    assert seen == [
        (
            ["fixtures/property/物业管理条例(2018-03-19).md", "fixtures/property/温州市物业管理条例(2017-04-06).md"],
            (2, len(rerank.FEATURES)),
            [False, False],
        )
    ]
    seen.clear()
    run_search(index, params_from({"q": "温州不交物业费物业能停水停电吗"}))  # names a place: its rules asked for
    run_search(index, params_from({"q": "食品安全法"}))  # a title, not a question
    run_search(index, params_from({"q": '"食品生产经营"'}))  # a phrase
    assert seen == []


def test_the_shipped_model_was_fitted_on_these_features():
    assert rerank.weights().shape == (len(rerank.FEATURES),)


def test_a_model_fitted_on_other_features_is_refused():
    other = {"features": ["score", "rank"], "weights": [1.0, -0.5]}
    with pytest.raises(ValueError, match="fitted on \\('score', 'rank'\\)"):
        rerank.read_model(json.dumps(other))
    good = {"features": list(rerank.FEATURES), "weights": [0.5] * len(rerank.FEATURES)}
    assert rerank.read_model(json.dumps(good)).tolist() == [0.5] * len(rerank.FEATURES)
