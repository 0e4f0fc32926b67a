"""Article citations in every spelling: the law as typed, the articles, 款 and 项, and version notes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search import analysis
from search.citation import ArticleRef, article_key, cn_int, cn_numeral, find_citations

# query -> [(law as typed, ((number, 之N, 款, 项), ...), version)]
SPELLINGS = {
    "刑法264条": [("刑法", ((264, 0, None, None),), None)],
    "刑法第264条": [("刑法", ((264, 0, None, None),), None)],
    "刑法第二百六十四条": [("刑法", ((264, 0, None, None),), None)],
    "刑法 第264条": [("刑法", ((264, 0, None, None),), None)],
    "刑法　第 264 条": [("刑法", ((264, 0, None, None),), None)],
    "《刑法》第264条": [("刑法", ((264, 0, None, None),), None)],
    "《中华人民共和国刑法》第二百六十四条": [("中华人民共和国刑法", ((264, 0, None, None),), None)],
    "刑法第２６４条": [("刑法", ((264, 0, None, None),), None)],
    "刑法二百六十四条": [("刑法", ((264, 0, None, None),), None)],
    "著作权法第10条": [("著作权法", ((10, 0, None, None),), None)],
    "劳动法44条": [("劳动法", ((44, 0, None, None),), None)],
    "民法典第一千零八十七条": [("民法典", ((1087, 0, None, None),), None)],
    "民法典第1087条第2款": [("民法典", ((1087, 0, 2, None),), None)],
    "民法典第一千零八十七条第二款": [("民法典", ((1087, 0, 2, None),), None)],
    "劳动合同法第三十九条第（二）项": [("劳动合同法", ((39, 0, None, 2),), None)],
    "劳动合同法第39条第1款第2项": [("劳动合同法", ((39, 0, 1, 2),), None)],
    "刑法第120条之一": [("刑法", ((120, 1, None, None),), None)],
    "刑法第一百二十条之一": [("刑法", ((120, 1, None, None),), None)],
    "刑法第264条、第266条": [("刑法", ((264, 0, None, None), (266, 0, None, None)), None)],
    "刑法第264条和266条": [("刑法", ((264, 0, None, None), (266, 0, None, None)), None)],
    "刑法264条 民法典1165条": [("刑法", ((264, 0, None, None),), None), ("民法典", ((1165, 0, None, None),), None)],
    "個人信息保護法第十三條": [("个人信息保护法", ((13, 0, None, None),), None)],
    "公司法(2018年修正)第16条": [("公司法", ((16, 0, None, None),), "2018")],
    "公司法（2018）第十六条": [("公司法", ((16, 0, None, None),), "2018")],
    "2018年公司法第十六条": [("公司法", ((16, 0, None, None),), "2018")],
    "title:刑法 264条": [("刑法", ((264, 0, None, None),), None)],
    "264条": [(None, ((264, 0, None, None),), None)],
    "第三条": [(None, ((3, 0, None, None),), None)],
    # A number with neither 第 nor 条, after a name or typed alone: read as an article, kept only where the name is
    # a law that has it (search.answer).
    "刑法 264": [("刑法", ((264, 0, None, None),), None)],
    "刑法264": [("刑法", ((264, 0, None, None),), None)],
    "民法典 1087，劳动法 44": [("民法典", ((1087, 0, None, None),), None), ("劳动法", ((44, 0, None, None),), None)],
    "264": [(None, ((264, 0, None, None),), None)],
    # A book of a code named apart from the code, or with the code in 《》: the two names as one.
    "民法典 婚姻家庭编 第1062条": [("民法典婚姻家庭编", ((1062, 0, None, None),), None)],
    "《民法典》婚姻家庭编第1062条": [("民法典婚姻家庭编", ((1062, 0, None, None),), None)],
    "民法典 继承编 1123": [("民法典继承编", ((1123, 0, None, None),), None)],
    # A law named inside a name, in 〈〉 as official texts write it or in 《》 again: one name, with 《》 inside.
    "《广东省实施〈消防法〉办法》第5条": [("广东省实施《消防法》办法", ((5, 0, None, None),), None)],
    "《广东省实施《消防法》办法》第5条": [("广东省实施《消防法》办法", ((5, 0, None, None),), None)],
    "广东省实施〈消防法〉办法第五条": [("广东省实施《消防法》办法", ((5, 0, None, None),), None)],
    "广东省实施《消防法》办法 5": [("广东省实施《消防法》办法", ((5, 0, None, None),), None)],
    "《最高人民法院关于适用〈人民陪审员法〉若干问题的解释》第8条": [
        ("最高人民法院关于适用《人民陪审员法》若干问题的解释", ((8, 0, None, None),), None)
    ],
}
# A title of more than sixty characters, cited in 《》.
LONG_TITLE = (
    "最高人民法院、最高人民检察院关于办理利用互联网、移动通讯终端、声讯台制作、复制、出版、贩卖、传播淫秽电子信息刑事案件"
    "具体应用法律若干问题的解释(二)"
)
SPELLINGS[f"《{LONG_TITLE}》第4条"] = [(LONG_TITLE, ((4, 0, None, None),), None)]
# Not citations: 条 in a word, numbers that are no article.
NOT_CITATIONS = (
    "劳动合同 条例",
    "食品安全法实施条例",
    "三条件",
    "2023条款",
    "第一千万条",
    "行政复议 条文",
    # years, numbers of documents, sums, numbers inside words
    "公司法 2018",
    "国发 2019 12号",
    "个人所得税 12%",
    "罚款 5000元",
    "5G基站",
    "264 刑法",
    "刑法 264.5",
)


def _read(q: str) -> list[tuple]:
    return [
        (c.law, tuple((a.number, a.sub, a.paragraph, a.item) for a in c.articles), c.version)
        for c in find_citations(analysis.normalize(q))
    ]


@pytest.mark.parametrize("query", list(SPELLINGS))
def test_every_spelling_reads_as_the_same_citation(query):
    assert _read(query) == SPELLINGS[query]


@pytest.mark.parametrize("query", NOT_CITATIONS)
def test_words_with_tiao_are_not_citations(query):
    assert _read(query) == []


def test_a_name_run_yields_its_tails_longest_first():
    (cite,) = find_citations(analysis.normalize("查询刑法第264条"))
    assert list(cite.names()) == ["刑法"]
    (cite,) = find_citations(analysis.normalize("我想看刑法的第264条"))
    assert list(cite.names()) == ["我想看刑法", "想看刑法", "看刑法", "刑法"]


@pytest.mark.parametrize(
    "n,text",
    [
        (1, "一"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (101, "一百零一"),
        (110, "一百一十"),
        (264, "二百六十四"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1087, "一千零八十七"),
        (1260, "一千二百六十"),
    ],
)
def test_numbers_are_written_as_statutes_write_them(n, text):
    assert cn_numeral(n) == text
    assert cn_int(text) == n


@given(st.integers(min_value=0, max_value=9999))
def test_numerals_read_back(n):
    assert cn_int(cn_numeral(n)) == n


def test_readings_of_other_numerals():
    assert cn_int("两百") == 200
    assert cn_int("264") == 264
    assert cn_int("二六四") is None
    assert cn_int("第") is None


def test_article_headings_and_labels():
    assert article_key("第二百六十四条") == (264, 0)
    assert article_key("第一百二十条之一") == (120, 1)
    assert article_key("第 12 条") == (12, 0)
    assert article_key("第二章 总则") is None
    assert ArticleRef(1087, 0, 2).label == "第一千零八十七条第二款"
    assert ArticleRef(39, 0, None, 2).label == "第三十九条第（二）项"
    assert ArticleRef(120, 1).heading == "第一百二十条之一"


def test_a_book_of_a_code_is_cited_by_the_code():
    (cite,) = find_citations(analysis.normalize("民法典继承编第一千一百二十七条"))
    assert list(cite.names())[-1] == "民法典"
