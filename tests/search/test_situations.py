"""Everyday situations matched to the provisions that answer them (search/situations.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from search import situations
from search.situations import Matcher, Situation

SITUATIONS = [
    Situation("司法解释/预付式消费.md", "第九条", "健身房办的年卡还没用完老板就跑路了钱能要回来吗"),
    Situation("司法解释/预付式消费.md", "第十一条", "美容院办了卡不想做了店家说卡不退怎么办"),
    Situation("消费者权益保护法.md", "第二十七条", "超市保安怀疑我偷东西要翻我的包怎么办"),
    Situation("民法典/合同编.md", "第七百零三条", "房东不退押金怎么办"),
    Situation("民法典/侵权责任编.md", "第一千二百四十五条", "邻居家的狗把我咬了医药费谁出"),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(SITUATIONS)


def test_the_closest_situation_comes_first(matcher):
    found = matcher.similar("瑜伽馆办了卡，店家说卡不退")
    assert [s.situation.article for s in found] == ["第十一条"]
    assert 0.2 < found[0].similarity < 1.0


def test_a_situation_matches_itself_fully(matcher):
    found = matcher.similar(SITUATIONS[2].text)
    assert found[0].situation == SITUATIONS[2]
    assert found[0].similarity == pytest.approx(1.0)


def test_traditional_script_and_full_width_match_the_same(matcher):
    assert [s.situation for s in matcher.similar("鄰居的狗咬了我，醫藥費誰出？")] == [SITUATIONS[4]]


def test_question_words_alone_match_nothing(matcher):
    # 怎么办 is in three of five situations: it weighs too little to reach the minimum on its own.
    assert matcher.similar("怎么办") == []
    assert matcher.similar("") == []


def test_by_path_keeps_the_closest_situation_of_each_document(monkeypatch, matcher):
    monkeypatch.setattr(situations, "matcher", lambda: matcher)
    near = situations.by_path("办的卡老板跑路了不给退钱")
    assert list(near) == ["司法解释/预付式消费.md"]
    assert near["司法解释/预付式消费.md"] == matcher.similar("办的卡老板跑路了不给退钱")[0]
    assert near["司法解释/预付式消费.md"].situation.article == "第九条"


def test_parse_reads_lines_and_names_a_bad_one():
    text = "# comment\n\n民法典/合同编.md\t第七百零三条\t房东不退押金\n"
    assert situations.parse(text) == [Situation("民法典/合同编.md", "第七百零三条", "房东不退押金")]
    with pytest.raises(ValueError, match="line 2: expected path, article and situation"):
        situations.parse("民法典/合同编.md\t第七百零三条\t房东不退押金\n民法典/合同编.md\t房东不退押金\n")


def test_a_situation_shows_the_article_that_answers_it_first(fixture_index, monkeypatch):
    """On the fixture index, 狗咬了人谁赔 brings the tort book at its article on animals, then the interpretation
    (whose text names 饲养动物 and 赔偿); a situation of the book's article on dangerous dogs, near the question,
    shows that article first instead, and the explanation names the situation."""
    from search.engine import run_search
    from search.index import IndexHolder
    from search.params import params_from

    index = IndexHolder(fixture_index).get()

    def top(q: str) -> list[str]:
        return [h.source for h in run_search(index, params_from({"q": q})).hits[:2]]

    interpretation = (
        "fixtures/interpretation/最高人民法院关于修改《关于审理饲养动物损害赔偿案件的规定》等二件司法解释的决定.md"
    )
    try:
        monkeypatch.setattr(situations, "matcher", lambda: Matcher([]))
        assert top("狗咬了人谁赔") == ["fixtures/civil/侵权责任编.md", interpretation]
        assert run_search(index, params_from({"q": "狗咬了人谁赔"})).hits[0].section.endswith("第一千二百四十五条")
        tort = Situation("civil/侵权责任编.md", "第一千二百四十七条", "邻居养的大狼狗咬了人谁来赔")
        monkeypatch.setattr(situations, "matcher", lambda: Matcher([tort, *SITUATIONS]))
        assert top("狗咬了人谁赔") == ["fixtures/civil/侵权责任编.md", interpretation]
        # The hit shows the situation's article first, and the explanation names the situation.
        result = run_search(index, params_from({"q": "狗咬了人谁赔"}))
        assert result.hits[0].section.endswith("第一千二百四十七条")
        assert "相近情形“邻居养的大狼狗咬了人谁来赔” → 中华人民共和国民法典 第一千二百四十七条" in result.query.notes
    finally:
        index.close()


@pytest.mark.parametrize(
    ("q", "described"),
    [
        ("单位不给交公积金怎么办", True),  # a question
        ("单位不给缴住房公积金", True),  # everyday words (不给缴 … 公积金) the corpus does not hold as typed
        ("公积金", True),  # one word typed alone
        ("缴存住房公积金的权利", False),  # a run of 居住证暂行条例's words, read as everyday words for 公积金
        ("缴存 住房公积金", False),  # words of a statute, found together
    ],
)
def test_which_queries_describe_a_problem(fixture_index, q, described):
    from search import engine, questions
    from search.index import IndexHolder
    from search.query import parse_query

    index = IndexHolder(fixture_index).get()
    try:
        typed = parse_query(q)
        asks = questions.is_question(q) or questions.is_everyday_phrase(typed)
        parsed = questions.relax(typed) if asks else typed
        assert engine._describes_a_problem(index, typed, parsed) is described
    finally:
        index.close()


# --- search/data/situations.tsv against the corpus it was written from ----------------------------------------

CORPUS_LAWS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "laws"
DATA_FILE = Path(situations.__file__).with_name("data") / situations.SITUATIONS_FILE
STATUTE_NAME = re.compile(r"法》|《|》")


@pytest.fixture(scope="module")
def shipped() -> list[Situation]:
    return situations.parse(DATA_FILE.read_text("utf-8"))


@pytest.fixture(scope="module")
def corpus_rows() -> dict[str, dict]:
    if not (CORPUS_LAWS / "metadata.jsonl").is_file():
        pytest.skip("../shared/corpus is absent")
    rows = (json.loads(line) for line in (CORPUS_LAWS / "metadata.jsonl").read_text("utf-8").splitlines())
    return {row["path"]: row for row in rows}


def test_shipped_situations_are_distinct_and_name_no_statute(shipped):
    texts = [s.text for s in shipped]
    assert len(texts) > 1000
    assert len(set(texts)) == len(texts)
    assert [t for t in texts if STATUTE_NAME.search(t) or not 6 <= len(t) <= 50] == []


@pytest.mark.corpus
def test_shipped_situations_name_articles_of_documents_in_force(shipped, corpus_rows):
    """Every situation's document is in the corpus and in force, and its article is one of that document's."""
    wrong = []
    texts: dict[str, str] = {}
    for s in shipped:
        row = corpus_rows.get(s.path)
        if row is None or row["expired"]:
            wrong.append((s.path, "absent or expired"))
            continue
        if s.path not in texts:
            texts[s.path] = (CORPUS_LAWS / s.path).read_text("utf-8")
        if not re.search(rf"(?m)^\s*{s.article}(?:\s|　)", texts[s.path]):
            wrong.append((s.path, s.article))
    assert wrong == []


# A law the question's words barely reach (野生动物保护法 says 野生动物 and 损失, not 野猪) and one they reach
# well (种子法: 损失 three times and 赔偿), in an index written here.
WILDLIFE_DOCS = {
    "野生动物保护法.md": "# 中华人民共和国野生动物保护法\n\n2022年12月30日修订\n\n<!-- INFO END -->\n\n"
    "第十九条 因保护本法规定保护的野生动物，造成人员伤亡、农作物或者其他财产损失的，由当地人民政府给予补偿。\n",
    "种子法.md": "# 中华人民共和国种子法\n\n2021年12月24日修正\n\n<!-- INFO END -->\n\n"
    "第四十五条 种子使用者因种子质量问题遭受损失的，可以向出售种子的经营者要求赔偿。赔偿额包括购种价款、"
    "可得利益损失和其他损失。\n",
    "侵权责任编.md": "# 中华人民共和国民法典\n\n2020年5月28日通过\n\n<!-- INFO END -->\n\n"
    "第一千一百八十四条 侵害他人财产的，财产损失按照损失发生时的市场价格或者其他合理方式计算。\n",
}


@pytest.fixture(scope="module")
def wildlife_index(tmp_path_factory):
    from indexer.build import build_index
    from search.index import IndexHolder

    src = tmp_path_factory.mktemp("wildlife") / "laws"
    src.mkdir()
    for name, text in WILDLIFE_DOCS.items():
        (src / name).write_text(text, "utf-8")
    root = tmp_path_factory.mktemp("wildlife-index")
    assert build_index([src], root, workers=1, progress=False).errors == []
    index = IndexHolder(root).get()
    yield index
    index.close()


def test_a_situation_lifts_a_document_the_words_barely_reach(wildlife_index, monkeypatch):
    """The lift alone (no multiplication) brings the situation's document before one the words reach better."""
    from search.engine import run_search
    from search.params import params_from

    q = "山上的野猪老下来拱我家花生地，这损失谁来赔"

    def order() -> list[str]:
        return [h.source for h in run_search(wildlife_index, params_from({"q": q})).hits]

    monkeypatch.setattr(situations, "matcher", lambda: Matcher([]))
    assert order() == ["laws/种子法.md", "laws/侵权责任编.md", "laws/野生动物保护法.md"]
    boar = Situation("野生动物保护法.md", "第十九条", "野猪跑下山把我家玉米地拱了，损失能找政府补偿吗")
    monkeypatch.setattr(situations, "matcher", lambda: Matcher([boar]))
    monkeypatch.setattr(situations, "SITUATION_WEIGHT", 0.0)
    monkeypatch.setattr(situations, "SITUATION_LIFT", 0.0)
    assert order() == ["laws/种子法.md", "laws/侵权责任编.md", "laws/野生动物保护法.md"]
    monkeypatch.setattr(situations, "SITUATION_LIFT", 10.0)
    assert order() == ["laws/野生动物保护法.md", "laws/种子法.md", "laws/侵权责任编.md"]


def test_words_no_document_holds_are_answered_by_the_situations_near_them(wildlife_index, monkeypatch):
    from search.engine import NO_WORD_HELD_NOTE, run_search
    from search.params import params_from

    monkeypatch.setattr(situations, "matcher", lambda: Matcher([]))
    empty = run_search(wildlife_index, params_from({"q": "野猪毁田"}))
    assert (empty.total, empty.query.advice) == (0, ("检查错别字，或换用文件标题中的说法",))
    boar = Situation("野生动物保护法.md", "第十九条", "野猪把庄稼拱了能找政府补偿吗")
    monkeypatch.setattr(situations, "matcher", lambda: Matcher([boar]))
    result = run_search(wildlife_index, params_from({"q": "野猪毁田"}))
    assert [(h.source, h.section) for h in result.hits] == [("laws/野生动物保护法.md", "第十九条")]
    assert result.query.notes == (
        NO_WORD_HELD_NOTE,
        "相近情形“野猪把庄稼拱了能找政府补偿吗” → 中华人民共和国野生动物保护法 第十九条",
    )
    # A situation less near than SITUATION_ALONE_MIN (a word or two shared by chance) answers nothing.
    similarity = situations.matcher().similar("野猪毁田")[0].similarity
    monkeypatch.setattr(situations, "SITUATION_ALONE_MIN", similarity + 0.01)
    assert run_search(wildlife_index, params_from({"q": "野猪毁田"})).total == 0


def test_a_near_situation_brings_its_document_though_the_words_found_others(wildlife_index, monkeypatch):
    """Words found elsewhere (赔 in 种子法) do not keep out the document a near situation names and they miss."""
    from search.engine import run_search
    from search.params import params_from

    q = "野猪把庄稼拱了谁来赔"
    monkeypatch.setattr(situations, "matcher", lambda: Matcher([]))
    assert [h.source for h in run_search(wildlife_index, params_from({"q": q})).hits] == ["laws/种子法.md"]
    boar = Situation("野生动物保护法.md", "第十九条", "野猪把庄稼拱了能找政府补偿吗")
    monkeypatch.setattr(situations, "matcher", lambda: Matcher([boar]))
    result = run_search(wildlife_index, params_from({"q": q}))
    assert [(h.source, h.section) for h in result.hits][:1] == [("laws/野生动物保护法.md", "第十九条")]
    assert [h.source for h in result.hits] == ["laws/野生动物保护法.md", "laws/种子法.md"]
    # Less near than SITUATION_JOIN_MIN, it lifts only the documents the words found.
    similarity = situations.matcher().similar(q)[0].similarity
    monkeypatch.setattr(situations, "SITUATION_JOIN_MIN", similarity + 0.01)
    assert [h.source for h in run_search(wildlife_index, params_from({"q": q})).hits] == ["laws/种子法.md"]
