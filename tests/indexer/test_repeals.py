"""The documents a text says it repeals (indexer/repeals.py), read from its …同时废止 clause."""

from __future__ import annotations

import pytest

from indexer.metadata import extract_metadata
from indexer.opmeta import normalise_operator_fields
from indexer.repeals import read_repeals
from search.analysis import normalize

CLAUSES = [
    (
        "本条例自2024年5月1日起施行。2007年3月31日国务院公布的《人体器官移植条例》同时废止。",
        ("《人体器官移植条例》",),
    ),
    (
        (
            "本解释自2023年9月1日起施行。《最高人民法院关于审理环境侵权责任纠纷案件适用法律若干问题的解释》"
            "（法释〔2015〕12号）同时废止；之前发布的司法解释与本解释不一致的，以本解释为准。"
        ),
        ("《最高人民法院关于审理环境侵权责任纠纷案件适用法律若干问题的解释》",),
    ),
    (
        "本办法自发布之日起施行，《某市甲办法》、《某市乙规定》和《某市丙细则》同时废止。",
        ("《某市甲办法》", "《某市乙规定》", "《某市丙细则》"),
    ),
    ("本条例自2020年1月1日起施行，《某市养犬规定》一并废止。", ("《某市养犬规定》",)),
    ("本条例自2020年1月1日起施行，《某市养犬规定》同时予以废止。", ("《某市养犬规定》",)),
    # Titles with 〈〉 inside, as the Court cites them.
    (
        "《关于适用〈中华人民共和国民事诉讼法〉若干问题的意见》同时废止。",
        ("《关于适用〈中华人民共和国民事诉讼法〉若干问题的意见》",),
    ),
    # An article or part of a document is not the document.
    ("《某市养犬规定》第五条同时废止。", ()),
    ("《某市养犬规定》（2010年）第五条、第六条同时废止。", ()),
    ("《某市养犬规定》中的有关罚款的规定同时废止。", ()),
    # No 同时废止 clause, or none naming a title.
    ("依照《某市养犬规定》的规定予以废止。", ()),
    ("本办法施行前发布的规定与本办法不一致的，同时废止。", ()),
    ("本条例自2020年1月1日起施行。", ()),
    # The same title twice is named once.
    ("《某市甲办法》同时废止。……《某市甲办法》同时废止。", ("《某市甲办法》",)),
]


@pytest.mark.parametrize(("clause", "expected"), CLAUSES)
def test_a_clause_names_the_documents_it_repeals(clause, expected):
    assert read_repeals(normalize(clause)) == expected


def test_its_own_title_is_not_a_repeal():
    # An amended law keeps its first version's clause, which may name the law itself.
    text = normalize("本法自2007年6月1日起施行，《中华人民共和国企业破产法》同时废止。")
    assert read_repeals(text, "中华人民共和国企业破产法") == ()
    assert read_repeals(text, "企业破产法") == ()
    assert read_repeals(text, "中华人民共和国公司法") == ("《中华人民共和国企业破产法》",)


def test_the_metadata_of_a_document_lists_its_repeals():
    m = extract_metadata(
        "人体器官捐献和移植条例\n（2023年12月4日中华人民共和国国务院令第767号公布）\n"
        "第一条 为了规范人体器官捐献和移植，制定本条例。\n"
        "第五十一条 本条例自2024年5月1日起施行。《人体器官移植条例》同时废止。\n"
    )
    assert (m.title, m.repeals) == ("人体器官捐献和移植条例", ("《人体器官移植条例》",))


def test_an_operator_names_the_documents_a_file_repeals():
    assert normalise_operator_fields({"title": "乙条例", "同时废止": "《甲条例》；丙办法"})["repeals"] == [
        "《甲条例》",
        "《丙办法》",
    ]
    assert normalise_operator_fields({"title": "乙条例", "repeals": ["甲条例", " "]})["repeals"] == ["《甲条例》"]


def test_a_line_without_full_stops_is_read_in_one_pass():
    # A million characters without a sentence's end before the words: the clause is their last MAX_CLAUSE
    # characters (a pattern scanning forward from every character took minutes on such a line).
    text = "字" * 1_000_000 + "《甲条例》同时废止" + "同时废止" * 100_000
    assert read_repeals(text) == ("《甲条例》",)
