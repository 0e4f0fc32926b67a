from __future__ import annotations

import pytest

from search.docno import DOCNO_RE, DocNumber, canonical_doc_number, chinese_to_int, doc_number_keys, find_doc_numbers


@pytest.mark.parametrize(
    "spelling, canonical",
    [
        ("郑政文〔2017〕60号", "郑政文〔2017〕60号"),
        ("鄭政文〔2023〕37號", "鄭政文〔2023〕37号"),
        ("中发〔2021〕33号", "中发〔2021〕33号"),
        ("豫发〔2016〕31号", "豫发〔2016〕31号"),
        ("法释〔2023〕7号", "法释〔2023〕7号"),
        ("国办发〔2019〕5号", "国办发〔2019〕5号"),
        ("郑政文[2017]60号", "郑政文〔2017〕60号"),
        ("郑政文【2017】60号", "郑政文〔2017〕60号"),
        ("郑政文（2017）60号", "郑政文〔2017〕60号"),
        ("郑政文(2017)60号", "郑政文〔2017〕60号"),
        ("郑政文［2017］60号", "郑政文〔2017〕60号"),
        ("郑政文〖2017〗60号", "郑政文〔2017〕60号"),
        ("郑政文〔２０１７〕６０号", "郑政文〔2017〕60号"),
        ("郑 政 文 〔 2017 〕 60 号", "郑政文〔2017〕60号"),
        ("中发〔2015〕36 号", "中发〔2015〕36号"),
        ("郑政文〔2017〕60", "郑政文〔2017〕60号"),
        ("郑政文〔2017〕060号", "郑政文〔2017〕60号"),
        ("郑政文2017 60号", "郑政文〔2017〕60号"),
        ("郑政文 2017-60", "郑政文〔2017〕60号"),
        ("国务院令第663号", "国务院令第663号"),
        ("国务院令663号", "国务院令第663号"),
        ("国务院令第663", "国务院令第663号"),
        ("国务院令 第 663 號", "国务院令第663号"),
        ("公安部令第159号", "公安部令第159号"),
        ("国家安全部令第2号", "国家安全部令第2号"),
        ("主席令第十二号", "主席令第12号"),
        ("北京市人民政府第14号令", "北京市人民政府令第14号"),
        ("中华人民共和国国务院令第392号", "中华人民共和国国务院令第392号"),
    ],
)
def test_canonical_spellings(spelling: str, canonical: str) -> None:
    assert canonical_doc_number(spelling) == canonical


@pytest.mark.parametrize(
    "not_a_number",
    [
        "",
        "实施方案(2021-2025年)",
        "责令10日内改正",
        "2017年3月23日",
        "(2019)京01民终123号",
        "郑州市人民政府",
    ],
)
def test_not_document_numbers(not_a_number: str) -> None:
    assert canonical_doc_number(not_a_number) is None


def test_find_in_running_text_trims_the_sentence_off_the_prefix() -> None:
    text = "根据（中发〔2021〕33号）精神，印发了郑政文〔2017〕60号文件。1996年10月3日 中华人民共和国交通部令第8号发布"
    assert find_doc_numbers(text) == [
        DocNumber("中发〔2021〕33号", "中发〔2021〕33号", 3, 14),
        DocNumber("郑政文〔2017〕60号", "郑政文〔2017〕60号", 21, 33),
        DocNumber("中华人民共和国交通部令第8号", "中华人民共和国交通部令第8号", 47, 61),
    ]


def test_a_number_does_not_reach_across_lines() -> None:
    assert [d.canonical for d in find_doc_numbers("郑州市人民政府文件\n郑政文〔2017〕60号")] == ["郑政文〔2017〕60号"]


def test_date_glued_to_an_order_is_not_its_issuer() -> None:
    assert [d.canonical for d in find_doc_numbers("1996年10月3日中华人民共和国交通部令第8号发布")] == [
        "中华人民共和国交通部令第8号"
    ]


def test_keys_match_query_spellings_to_the_canonical_number() -> None:
    assert doc_number_keys("郑政文2017 60号") == {"郑政文〔2017〕60号"}
    assert doc_number_keys("鄭政文[2023]37號 报告") == {"鄭政文〔2023〕37号"}
    assert doc_number_keys("中华人民共和国国务院令第392号") == {"中华人民共和国国务院令第392号", "国务院令第392号"}
    assert doc_number_keys("法治政府") == set()


def test_docno_re_is_compiled_and_finds_a_number() -> None:
    assert DOCNO_RE.search("见国办发〔2019〕5号文") is not None


@pytest.mark.parametrize(
    "s, n", [("十二", 12), ("一百二十三", 123), ("十", 10), ("二〇二三", 2023), ("两千", 2000), ("abc", None)]
)
def test_chinese_to_int(s: str, n: int | None) -> None:
    assert chinese_to_int(s) == n
