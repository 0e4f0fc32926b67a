"""Topics of several words over real laws (a build of thirteen files). Typed with a statute's term of five to
seven characters: the document about the topic first, not the decision amending a score of interpretations that
quotes the term item after item, nor a province's regulation before the national law it carries out. Named by a
chapter or a section: the document with that chapter before one that names the words in articles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from indexer.build import build_index
from search.engine import run_search
from search.index import IndexHolder
from search.params import params_from
from tests.conftest import INDEX_OPTIONS, copy_laws

pytestmark = pytest.mark.corpus

INTERPRETATION = "司法解释/最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释(2020-12-29).md"
PROPERTY = "民法典/物权编.md"
CIVIL_AMENDMENTS = (
    "司法解释/最高人民法院关于修改《最高人民法院关于在民事审判工作中适用〈工会法〉若干问题的解释》"
    "等二十七件民事类司法解释的决定.md"
)
VARIETIES = "行政法规/植物新品种保护条例(2014-07-29).md"
SEEDS = "经济法/种子法(2021-12-24).md"
IP_AMENDMENTS = (
    "司法解释/最高人民法院关于修改《最高人民法院关于审理侵犯专利权纠纷案件应用法律若干问题的解释（二）》"
    "等十八件知识产权类司法解释的决定.md"
)
DOMESTIC_VIOLENCE = "社会法/反家庭暴力法(2015-12-27).md"
PROTECTION_ORDERS = "司法解释/最高人民法院关于办理人身安全保护令案件适用法律若干问题的规定(2022-07-14).md"
PROVINCE = "DLC/山东地方法规/地方性法规/山东/山东省反家庭暴力条例(2018-11-30).md"
BILLS = "民法商法/票据法(2004-08-28).md"
BILL_DISPUTES = "司法解释/最高人民法院关于审理票据纠纷案件若干问题的规定(2020-12-29).md"
UNEMPLOYMENT = "行政法规/失业保险条例(1999-01-22).md"
SOCIAL_INSURANCE = "社会法/社会保险法(2018-12-29).md"
FILES = (
    BILLS,
    BILL_DISPUTES,
    UNEMPLOYMENT,
    SOCIAL_INSURANCE,
    INTERPRETATION,
    PROPERTY,
    CIVIL_AMENDMENTS,
    VARIETIES,
    SEEDS,
    IP_AMENDMENTS,
    DOMESTIC_VIOLENCE,
    PROTECTION_ORDERS,
    PROVINCE,
)


@pytest.fixture(scope="module")
def laws(tmp_path_factory):
    src = copy_laws(FILES, tmp_path_factory.mktemp("topics") / "laws")
    root = tmp_path_factory.mktemp("topics-index")
    assert build_index([src], root, **INDEX_OPTIONS).errors == []
    opened = IndexHolder(root).get()
    yield opened
    opened.close()


def _first(index, q: str, n: int) -> list[str]:
    return [h.source.removeprefix("laws/") for h in run_search(index, params_from({"q": q})).hits[:n]]


def test_a_topic_with_a_long_term_brings_the_document_about_it_first(laws):
    # Searched as typed, each amending decision came first (its items quote the term again and again), and the
    # province's regulation before the national law and the interpretation on protection orders.
    assert _first(laws, "建筑物 区分所有权", 3) == [INTERPRETATION, PROPERTY, CIVIL_AMENDMENTS]
    assert _first(laws, "植物新品种 保护", 3) == [VARIETIES, SEEDS, IP_AMENDMENTS]
    assert _first(laws, "人身安全保护令 申请", 3) == [DOMESTIC_VIOLENCE, PROTECTION_ORDERS, PROVINCE]


def test_a_topic_named_by_a_chapter_or_a_section_brings_that_document_first(laws):
    from search.engine import _add_heading_topic, _named_in_headings
    from search.plan import plan_query
    from search.query import parse_query

    ordinal = {laws.docs[d].source.removeprefix("laws/"): o for o, d in enumerate(laws.table.ids)}

    def naming(text: str) -> list[str]:
        has = _named_in_headings(laws, text)
        return sorted(path for path, o in ordinal.items() if has[o])

    # 票据法's 第六节 追索权 (the provisions on 票据 disputes name 追索权 in articles only); 票据 in both titles.
    assert naming("追索权") == [BILLS]
    assert naming("票据") == [BILL_DISPUTES, BILLS]
    # 失业保险条例's 第三章 失业保险待遇; 社会保险法's 第五章 失业保险.
    assert naming("待遇") == [UNEMPLOYMENT]
    assert naming("失业保险") == [SOCIAL_INSURANCE, UNEMPLOYMENT]
    # A document naming every word is multiplied by 1 + HEADING_TOPIC_WEIGHT; one naming 失业保险 alone by its
    # share of the words' rarity: log(1 + 13/3) of log(1 + 13/3) + log(1 + 13/2).
    scores = np.ones(len(laws.table.ids))
    _add_heading_topic(laws, scores, list(plan_query(parse_query("失业保险 待遇")).groups))
    share = math.log(1 + 13 / 3) / (math.log(1 + 13 / 3) + math.log(1 + 13 / 2))
    assert scores[ordinal[UNEMPLOYMENT]] == pytest.approx(1.5)
    assert scores[ordinal[SOCIAL_INSURANCE]] == pytest.approx(1 + 0.5 * share)
    assert scores[ordinal[BILLS]] == 1.0
