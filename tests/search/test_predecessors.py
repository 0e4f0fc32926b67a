"""Citations of the statutes the 民法典 repealed (search/predecessors.py): the Code's article that carries the rule,
never the Code's article of the same number; in the search (direct answer, notes) and in the citation checker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from search import predecessors
from search.answer import read_citations
from search.checker import check_text
from search.citation import cn_int
from search.engine import run_search
from search.index import IndexHolder
from search.params import params_from
from tests.conftest import require_corpus
from web.app import create_app

FAMILY = "fixtures/civil/婚姻家庭编.md"
TORT = "fixtures/civil/侵权责任编.md"
DATA_FILE = Path(predecessors.__file__).with_name("data") / predecessors.PREDECESSORS_FILE


@pytest.fixture(scope="module")
def index(fixture_index):
    opened = IndexHolder(fixture_index).get()
    yield opened
    opened.close()


def test_read_table_rows_and_a_dropped_article():
    table = predecessors.read_table(
        "# 婚姻法\n婚姻法\t32\t1079\t感情确已破裂\n合同法\t52\t153,154\t强制性规定\n继承法\t37\t-\t-\n"
    )
    assert table == {
        ("婚姻法", 32): predecessors.Moved("婚姻法", 32, (1079,)),
        ("合同法", 52): predecessors.Moved("合同法", 52, (153, 154)),
        ("继承法", 37): predecessors.Moved("继承法", 37, ()),
    }


@pytest.mark.parametrize("line", ["婚姻法\t32\t1079", "劳动法\t32\t1079\tx", "婚姻法\t三十二\t1079\tx"])
def test_read_table_names_a_bad_line(line):
    with pytest.raises(ValueError, match="line 1"):
        predecessors.read_table(line + "\n")


@pytest.mark.parametrize(
    ("name", "law"),
    [
        ("婚姻法", "婚姻法"),
        ("《中华人民共和国合同法》", "合同法"),
        ("中华人民共和国侵权责任法", "侵权责任法"),
        ("劳动合同法", None),
        ("民法典", None),
        (None, None),
    ],
)
def test_repealed_law_reads_the_name_as_typed(name, law):
    assert predecessors.repealed_law(name) == law


@pytest.mark.parametrize(
    ("q", "source", "article", "old"),
    [
        ("婚姻法第三十六条", FAMILY, "第一千零八十四条", "《婚姻法》第三十六条"),
        ("《中华人民共和国婚姻法》第36条", FAMILY, "第一千零八十四条", "《婚姻法》第三十六条"),
        ("婚姻法 36", FAMILY, "第一千零八十四条", "《婚姻法》第三十六条"),
        ("侵权责任法第78条", TORT, "第一千二百四十五条", "《侵权责任法》第七十八条"),
        ("侵权责任法第八十条", TORT, "第一千二百四十七条", "《侵权责任法》第八十条"),
    ],
)
def test_an_article_of_a_repealed_statute_answers_with_the_codes_article(index, q, source, article, old):
    result = run_search(index, params_from({"q": q}))
    assert (result.answer.source, result.answer.article) == (source, article)
    assert result.hits[0].source == source
    assert result.hits[0].section.endswith(article)
    law, heading = old[1:].split("》")
    assert result.answer.note == f"原{old}的规定（该法已于2021年1月1日废止）"
    assert result.query.notes[0] == f"“{q}”：《{law}》已于2021年1月1日废止，其{heading}的规定现见《民法典》{article}"


def test_the_api_and_the_page_say_which_article_the_answer_stands_for(fixture_index):
    client = create_app({"INDEX": str(fixture_index), "TESTING": True}).test_client()
    data = client.get("/api/search", query_string={"q": "婚姻法第三十六条"}).get_json()
    assert (data["answer"]["article"], data["answer"]["note"]) == (
        "第一千零八十四条",
        "原《婚姻法》第三十六条的规定（该法已于2021年1月1日废止）",
    )
    html = client.get("/", query_string={"q": "婚姻法第三十六条"}).get_data(as_text=True)
    assert '<p class="version-note">原《婚姻法》第三十六条的规定（该法已于2021年1月1日废止）</p>' in html
    assert "其第三十六条的规定现见《民法典》第一千零八十四条" in html


def test_the_same_number_of_the_code_is_not_the_answer(index):
    # 婚姻法 has 51 articles: no row of the table, no answer; never the Code's article of that number.
    reading = read_citations(index, "婚姻法第1084条")
    assert reading.answers == ()
    assert reading.notes == (
        "“婚姻法第1084条”：《婚姻法》已于2021年1月1日废止，条文对照表中没有其第一千零八十四条，按文字检索",
    )


def test_the_checker_calls_the_citation_repealed_and_gives_the_codes_article(index):
    text = "依照《中华人民共和国婚姻法》第三十六条和《侵权责任法》的规定。"
    report = check_text(index, text, day="2026-01-01")
    assert [(c.text, c.status) for c in report.citations] == [
        ("《中华人民共和国婚姻法》第三十六条", "repealed"),
        ("《侵权责任法》", "repealed"),
    ]
    article, whole = report.citations
    assert article.note == "《婚姻法》已于2021年1月1日废止；其第三十六条的规定现见《民法典》第一千零八十四条"
    assert (article.current.article, article.current.text.startswith("第一千零八十四条 父母与子女间的关系")) == (
        "第一千零八十四条",
        True,
    )
    assert whole.note == "《侵权责任法》已于2021年1月1日废止，其规定现见《民法典》"


# --- search/data/predecessors.tsv against the Code's text ----------------------------------------------------


def _code_articles() -> dict[int, str]:
    out: dict[int, str] = {}
    for path in sorted((require_corpus() / "laws" / "民法典").glob("*.md")):
        current = None
        for line in path.read_text("utf-8").splitlines():
            m = re.match(r"第([零一二三四五六七八九十百千]+)条[\s\u3000]", line)
            if m:
                current = cn_int(m.group(1))
                out[current] = line
            elif line.startswith("#"):
                current = None
            elif current is not None:
                out[current] += line
    return {n: re.sub(r"\s+", "", text) for n, text in out.items()}


def test_the_shipped_table_covers_every_repealed_statute():
    table = predecessors.read_table(DATA_FILE.read_text("utf-8"))
    assert {law for law, _ in table} == predecessors.PREDECESSORS
    assert len(table) > 1000


@pytest.mark.corpus
def test_every_shipped_row_names_articles_of_the_code_holding_its_phrase():
    """The Code's articles exist, and the first holds the row's phrase: wording the old article shared with it."""
    code = _code_articles()
    wrong = []
    for number, line in enumerate(DATA_FILE.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        _, _, new, phrase = line.split("\t")
        if new == "-":
            if phrase != "-":
                wrong.append((number, "a dropped article has no phrase"))
            continue
        targets = [int(n) for n in new.split(",")]
        if any(n not in code for n in targets):
            wrong.append((number, "no such article of the Code"))
        elif len(phrase) < 6 or phrase not in code[targets[0]]:
            wrong.append((number, f"phrase not in 第{targets[0]}条"))
    assert wrong == []
