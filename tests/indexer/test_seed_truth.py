"""The five seed documents, field by field, as a reader of them would fill the form in."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from indexer.clean import clean_text
from indexer.metadata import extract_metadata
from indexer.sections import split_sections
from search.model import Citation

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

TRUTH = {
    "000_82c2db1a300160f2.txt": {
        "title": "鄭州市人民政府關于2022年度法治政府建設情況的報告",
        "issuer": ("鄭州市人民政府",),
        "doc_number": "鄭政文〔2023〕37号",
        "doc_number_raw": "鄭政文〔2023〕37號",
        "year": 2022,
        "date": "2023-02-28",
        "doc_type": "报告",
        "level": "工作文件",
        "region": "河南省郑州市",
        "status": None,
        "citations": [
            Citation("title", "鄭州市法治政府建設實施方案(2021—2025年)"),
            Citation("title", "中華人民共和國家庭教育促進法"),
            Citation("title", "鄭州市軌道交通條例"),
        ],
        "sections": 13,
        "headings": ["", "一、2022年法治政府建設主要舉措和成效", "(一)切實履行第一責任人職責"],
    },
    "001_8388e48a1664613c.txt": {
        "title": "XX市人民政府关于2019年度法治政府建设情况的报告",
        "issuer": ("XX市人民政府",),
        "doc_number": None,
        "doc_number_raw": None,
        "year": 2019,
        "date": "2020-01-10",
        "doc_type": "报告",
        "level": "工作文件",
        "region": "XX市",
        "status": None,
        "citations": [
            Citation("title", "法治政府建设实施纲要(2015—2020 年)"),
            Citation("title", "重大行政决策程序暂行条例"),
        ],
        "sections": 17,
        "headings": ["", "一、2019 年度法治政府建设情况", "(一)依法全面履行政府职能"],
    },
    "002_a6eb94dc626ef6bf.txt": {
        "title": "中共鼓楼区委 鼓楼区人民政府关于2023年法治政府建设工作情况的报告",
        "issuer": ("中共鼓楼区委", "鼓楼区人民政府"),
        "doc_number": None,
        "doc_number_raw": None,
        "year": 2023,
        "date": "2024-02-29",
        "doc_type": "报告",
        "level": "工作文件",
        "region": "河南省开封市鼓楼区",
        "status": None,
        "citations": [
            Citation("title", "河南省过错责任追究办法"),
            Citation("title", "重大行政决策程序暂行条例"),
            Citation("title", "2023年度鼓楼区人民政府领导干部学法计划"),
        ],
        "sections": 21,
        "headings": [
            "",
            "一、党政主要负责人履行推进法治建设第一责任职责情况",
            "二、主要举措和成效",
            "(一)持续推进政府职能转变",
        ],
    },
    "003_68910bc0cfdf6076.txt": {
        "title": "澗西區法治政府建設實施方案(2022-2025年)(征求意見稿)",
        "issuer": (),
        "doc_number": None,
        "doc_number_raw": None,
        "year": 2022,
        "date": None,
        "doc_type": "实施方案",
        "level": "工作文件",
        "region": "河南省洛阳市涧西区",
        "status": "draft",
        "citations": [
            Citation("doc_number", "中發〔2021〕33号"),
            Citation("doc_number", "豫發〔2021〕31号"),
            Citation("doc_number", "洛發〔2022〕5号"),
            Citation("title", "法治政府建設實施綱要(2021-2025年)"),
            Citation("title", "政府督查工作條例"),
        ],
        "sections": 39,
        "headings": [
            "",
            "附件:《澗西區法治政府建設實施方案(2022-2025年)》(征求意見稿)",
            "一、總體目標",
            "二、主要舉措",
            "(一)健全政府機構職能體系",
        ],
    },
    "004_bcf532dea3b7f34c.txt": {
        "title": "郑州市人民政府关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知",
        "issuer": ("郑州市人民政府",),
        "doc_number": "郑政文〔2017〕60号",
        "doc_number_raw": "郑政文〔2017〕60号",
        "year": 2017,
        "date": "2017-03-23",
        "doc_type": "通知",
        "level": "规范性文件",
        "region": "河南省郑州市",
        "status": None,
        "citations": [
            Citation("doc_number", "中发〔2015〕36号"),
            Citation("doc_number", "豫发〔2016〕31号"),
            Citation("doc_number", "郑政〔2016〕37号"),
            Citation("doc_number", "中办发〔2015〕58号"),
            Citation("title", "河南省行政执法证件管理办法"),
        ],
        "sections": 45,
        "headings": ["", "一、依法全面履行政府职能", "（一）规范行政权力运行", "（二）深化行政审批制度改革"],
    },
}


def _seed(name: str):
    cleaned = clean_text((SEEDS / name).read_text(encoding="utf-8"), "text")
    return cleaned.text, extract_metadata(cleaned.text, filename=name, page_meta=cleaned.page_meta)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_seed_metadata(name: str) -> None:
    _, meta = _seed(name)
    want = TRUTH[name]
    got = {
        k: getattr(meta, k)
        for k in (
            "title",
            "issuer",
            "doc_number",
            "doc_number_raw",
            "year",
            "date",
            "doc_type",
            "level",
            "region",
            "status",
        )
    }
    assert got == {k: v for k, v in want.items() if k in got}
    for citation in want["citations"]:
        assert citation in meta.citations


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_seed_never_cites_itself(name: str) -> None:
    _, meta = _seed(name)
    assert Citation("title", meta.title) not in meta.citations
    if meta.doc_number:
        assert Citation("doc_number", meta.doc_number) not in meta.citations


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_seed_sections(name: str) -> None:
    text, _ = _seed(name)
    sections = split_sections(text)
    want = TRUTH[name]
    assert len(sections) == want["sections"]
    assert [s.heading for s in sections[: len(want["headings"])]] == want["headings"]
    assert sections[0].start == 0 and sections[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(sections))
    assert [s.anchor for s in sections] == [f"s{i}" for i in range(len(sections))]


def test_seed_003_numbered_items_nest_under_their_group() -> None:
    text, _ = _seed("003_68910bc0cfdf6076.txt")
    by_heading = {s.heading: s for s in split_sections(text)}
    item = next(s for h, s in by_heading.items() if h.startswith("5."))
    assert item.level == 3
    assert item.path[1:] == ("二、主要舉措", "(二)健全依法行政制度體系", item.heading)
