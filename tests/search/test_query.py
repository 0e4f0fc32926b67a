import pytest

from search.query import QueryError, parse_query


def texts(parsed):
    return [[(t.text, t.phrase, t.field) for t in g] for g in parsed.groups]


def test_words_are_and_groups():
    assert texts(parse_query("放管服 法治政府")) == [[("放管服", False, None)], [("法治政府", False, None)]]


def test_quoted_phrases_in_ascii_and_chinese_quotes():
    assert texts(parse_query('"一网通办" “证照分离” 改革')) == [
        [("一网通办", True, None)],
        [("证照分离", True, None)],
        [("改革", False, None)],
    ]


def test_unclosed_quote_runs_to_the_end():
    assert texts(parse_query('"一网 通办')) == [[("一网 通办", True, None)]]


def test_or_and_exclusion():
    parsed = parse_query("行政复议 OR 行政诉讼 -征求意见稿")
    assert texts(parsed) == [[("行政复议", False, None), ("行政诉讼", False, None)]]
    assert [t.text for t in parsed.excluded] == ["征求意见稿"]


def test_field_scopes_including_chinese_names():
    parsed = parse_query('title:食品安全法 发文机关:郑州市 标题:"实施方案"')
    assert texts(parsed) == [
        [("食品安全法", False, "title")],
        [("郑州市", False, "issuer")],
        [("实施方案", True, "title")],
    ]


def test_document_number_in_any_spelling_is_one_term():
    for q in ("郑政文[2017]60号", "郑政文〔2017〕60号", "郑政文2017 60号", "法释 〔2023〕 6 号"):
        parsed = parse_query(q)
        assert len(parsed.groups) == 1
        assert parsed.groups[0][0].docno is not None, q


def test_docno_scope_must_be_a_document_number():
    with pytest.raises(QueryError):
        parse_query("docno:放管服")


def test_engine_syntax_is_just_text():
    parsed = parse_query("title:* a* [2017 TO 2020] (法治)")
    # Wildcards, ranges and groups are plain words; a scope with nothing searchable after it is reported.
    assert texts(parsed) == [
        [("a*", False, None)],
        [("[2017", False, None)],
        [("TO", False, None)],
        [("2020]", False, None)],
        [("(法治)", False, None)],
    ]
    assert parsed.ignored == ("title:*",)


def test_punctuation_only_is_ignored_and_reported():
    parsed = parse_query("，。 ！！")
    assert parsed.empty
    assert parsed.ignored == ("，。", "！！")
