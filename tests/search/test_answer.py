"""Article citations answered over a real index of fixture laws: the article first, as a direct answer, in the
JSON and on the page; older versions, missing articles, scopes and the document view's own search."""

from __future__ import annotations

import pytest

from search.docview import document_view
from search.engine import run_search
from search.index import IndexHolder
from search.params import params_from
from web.app import create_app

CRIMINAL = "fixtures/criminal/刑法.md"
THEFT_INTERPRETATION = "fixtures/criminal/最高人民法院关于审理盗窃案件具体应用法律若干问题的解释.md"
FAMILY = "fixtures/civil/婚姻家庭编.md"
FOOD_2015 = "fixtures/food/食品安全法(2015-04-24).md"
FOOD_2021 = "fixtures/food/食品安全法(2021-04-29).md"


@pytest.fixture(scope="module")
def index(fixture_index):
    opened = IndexHolder(fixture_index).get()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def client(fixture_index):
    return create_app({"INDEX": str(fixture_index), "TESTING": True}).test_client()


def search(index, q: str):
    return run_search(index, params_from({"q": q}))


def _doc_id(index, source: str) -> str:
    return next(d for d, m in index.docs.items() if m.source == source)


@pytest.mark.parametrize(
    "q",
    [
        "刑法264条",
        "刑法第二百六十四条",
        "《中华人民共和国刑法》第264条",
        "刑法 第 264 条",
        "title:刑法 264条",
        "刑法第２６４条",
        "刑法 264",
        "刑法264",
    ],
)
def test_a_cited_article_comes_first_with_its_law_then_what_cites_it(index, q):
    result = search(index, q)
    assert [(h.source, h.section) for h in result.hits] == [
        (CRIMINAL, "第二编 分则 › 第五章 侵犯财产罪 › 第二百六十四条"),
        (THEFT_INTERPRETATION, "第一条"),
    ]
    answer = result.answer
    assert (answer.title, answer.reference, answer.article, answer.source) == (
        "中华人民共和国刑法",
        "第二百六十四条",
        "第二百六十四条",
        CRIMINAL,
    )
    assert answer.url == f"/doc/{answer.doc_id}#{answer.section_id}"
    assert answer.lines[0].html.startswith("第二百六十四条 盗窃公私财物，数额较大的")
    assert result.query.notes == (f"“{q.removeprefix('title:')}” → 《中华人民共和国刑法》第二百六十四条",)


def test_an_inserted_article_and_its_paragraphs(index):
    answer = search(index, "刑法第120条之一").answer
    assert answer.article == "第一百二十条之一"
    assert [line.html for line in answer.lines] == [
        "第一百二十条之一 资助恐怖活动组织、实施恐怖活动的个人的，处五年以下有期徒刑。",
        "为恐怖活动组织招募、运送人员的，依照前款的规定处罚。",
        "单位犯前两款罪的，对单位判处罚金。",
    ]
    assert not any(line.marked for line in answer.lines)


def test_a_cited_paragraph_is_marked_in_the_book_of_the_code_that_holds_the_article(index):
    result = search(index, "民法典第1087条第2款")
    answer = result.answer
    assert (answer.source, answer.reference, answer.paragraph) == (FAMILY, "第一千零八十七条第二款", 2)
    assert [line.marked for line in answer.lines] == [False, True]
    assert result.hits[0].source == FAMILY


def test_a_paragraph_that_does_not_exist_is_said(index):
    result = search(index, "民法典第1087条第5款")
    assert result.answer.source == FAMILY
    assert "第一千零八十七条只有二款，没有第五款" in result.query.notes


def test_an_article_that_does_not_exist_brings_the_law_alone_and_says_so(index):
    result = search(index, "刑法第999条")
    assert result.answer is None
    assert [h.source for h in result.hits] == [CRIMINAL]
    assert result.query.notes == ("“刑法第999条”：《中华人民共和国刑法》没有第九百九十九条（共4条）",)


def test_the_version_in_force_unless_a_year_names_another(index):
    current = search(index, "食品安全法第2条").answer
    assert (current.source, current.status, current.note) == (FOOD_2021, "current", None)
    assert [v.title for v in current.other_versions] == ["中华人民共和国食品安全法"]
    older = search(index, "食品安全法(2015)第2条").answer
    assert (older.source, older.status) == (FOOD_2015, "superseded")
    assert older.note == "此为2015-04-24版本（已修改），现行版本：中华人民共和国食品安全法（2021-04-29）"
    assert older.other_versions[0].url == f"/doc/{current.doc_id}#{current.section_id}"


def test_several_citations_answer_in_order(index):
    result = search(index, "刑法264条 民法典第一千零八十七条")
    assert [a.reference for a in result.answers] == ["第二百六十四条", "第一千零八十七条"]
    assert result.answer == result.answers[0]
    assert [h.source for h in result.hits[:2]] == [CRIMINAL, FAMILY]


def test_two_articles_of_one_law(index):
    result = search(index, "刑法第264条、第266条")
    assert [a.article for a in result.answers] == ["第二百六十四条", "第二百六十六条"]
    assert [s.section.split(" › ")[-1] for s in result.hits[0].sections[:2]] == ["第二百六十四条", "第二百六十六条"]


def test_a_quoted_citation_stays_an_exact_phrase(index):
    result = search(index, '"刑法第二百六十四条"')
    assert result.answer is None
    assert [h.source for h in result.hits] == [THEFT_INTERPRETATION]


def test_a_name_that_is_no_law_of_the_index_is_searched_as_text(index):
    result = search(index, "某某条例第3条")
    assert result.answer is None
    assert result.query.notes == (
        "“某某条例第3条”：索引中没有名为“某某条例”的法律法规，按文字检索",
        "没有同时包含全部检索词的文件，以下按匹配的检索词多少和权重排序",
    )


def test_a_bare_number_is_an_article_only_of_a_law_that_has_it(index):
    # 刑法 has no article 999 and 某某规定 is no law: both numbers stay words of the query, without a note.
    relaxed = "没有同时包含全部检索词的文件，以下按匹配的检索词多少和权重排序"
    for q in ("刑法 999", "某某规定 3"):
        result = search(index, q)
        assert (result.answer, result.query.notes) == (None, (relaxed,)), q


def test_a_title_query_still_brings_the_law_not_an_article(index):
    result = search(index, "刑法")
    assert result.answer is None
    assert result.hits[0].source == CRIMINAL


def test_the_document_view_finds_an_article_number_typed_alone(index):
    doc_id = _doc_id(index, CRIMINAL)
    view = document_view(index, doc_id, "264条")
    assert view.target is not None and view.target_note == "第二百六十四条"
    assert document_view(index, doc_id, "264").target == view.target
    assert next(s for s in view.sections if s.anchor == view.target).heading == "第二百六十四条"
    missing = document_view(index, doc_id, "第999条")
    assert (missing.target, missing.target_note) == (
        None,
        "“第999条”：《中华人民共和国刑法》没有第九百九十九条（共4条）",
    )


def test_the_api_and_the_page_show_the_answer(client, index):
    data = client.get("/api/search", query_string={"q": "刑法264条"}).get_json()
    assert data["answer"]["reference"] == "第二百六十四条"
    assert data["answers"][0] == data["answer"]
    assert data["hits"][0]["source"] == CRIMINAL
    assert client.get("/api/search", query_string={"q": "放管服"}).get_json()["answer"] is None
    html = client.get("/", query_string={"q": "民法典第1087条第2款"}).get_data(as_text=True)
    assert 'class="panel answer"' in html
    assert '<p class="cited"><mark>对夫或者妻在家庭土地承包经营中享有的权益等，应当依法予以保护。</mark></p>' in html
    assert "“民法典第1087条第2款” → 《中华人民共和国民法典》第一千零八十七条第二款" in html


def test_the_document_page_marks_the_article_found_by_its_own_search(client, index):
    doc_id = _doc_id(index, CRIMINAL)
    html = client.get(f"/doc/{doc_id}", query_string={"q": "264条"}).get_data(as_text=True)
    view = document_view(index, doc_id, "264条")
    assert f'<section id="{view.target}" class="sec lvl4 target">' in html
    assert f'找到 <a href="#{view.target}">第二百六十四条 ↓</a>' in html
    assert 'class="doc-find"' in html


@pytest.mark.parametrize(
    "q",
    [
        "审理盗窃案件解释第一条",
        "《最高人民法院关于审理盗窃案件具体应用法律若干问题的解释》第1条",
        "盗窃案件具体应用法律若干问题的解释 第1条",
        "盗窃司法解释第一条",
    ],
)
def test_an_interpretation_cited_by_its_full_or_abbreviated_title(index, q):
    answer = search(index, q).answer
    assert (answer.source, answer.article) == (THEFT_INTERPRETATION, "第一条")


def test_an_abbreviation_matching_no_title_is_no_citation(index):
    assert search(index, "盗窃刑事解释第1条").answer is None


def test_a_citation_beside_words_found_only_in_other_documents(index):
    # 法治政府 occurs in the seeds, not in 刑法: the cited law is listed with its article, no section scores
    # (this query was a 500 before).
    result = search(index, "法治政府 刑法 第一百二十条")
    assert [h.source for h in result.hits] == [CRIMINAL]
    assert result.answer is not None and result.answer.article == "第一百二十条"


def test_an_abbreviated_name_means_the_titles_holding_it_in_the_fewest_pieces():
    from types import SimpleNamespace

    from search.answer import abbreviated_law_documents

    # Titles as the document table holds them: normalised (half-width brackets).
    titles = [
        "最高人民法院关于适用《中华人民共和国合同法》若干问题的解释(二)",
        "最高人民法院关于审理建设工程施工合同纠纷案件适用法律问题的解释(二)",
        "最高人民法院关于审理劳动争议案件适用法律问题的解释(一)",
    ]
    index = SimpleNamespace(table=SimpleNamespace(titles=titles), memo=lambda _key, compute: compute())
    # 合同法 whole in the first; 合同, 法 apart in the second, which also spells it.
    assert abbreviated_law_documents(index, "合同法解释（二）") == [0]
    assert abbreviated_law_documents(index, "建设工程解释（二）") == [1]
    assert abbreviated_law_documents(index, "劳动争议解释（一）") == [2]
    assert abbreviated_law_documents(index, "劳动争议解释（二）") == []
