"""Topics typed with a statute's term of five to seven characters, over real laws (a build of nine files): the
document about the topic first, not the decision amending a score of interpretations that quotes the term item
after item, nor a province's regulation before the national law it carries out."""

from __future__ import annotations

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
FILES = (
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
