"""Government web pages in layouts of sites other than the shared corpus's: the 信息公开 table as <ul>/<li>,
as <div>s and as a row of labels over a row of values; bodies found by their paragraph text, not by a class."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from indexer import webpage
from indexer.loaders import LoadError, load_file
from indexer.pipeline import SourceFile, build_document
from search.docview import panel_lines

PAGES = Path(__file__).parent / "pages"


def _document(tmp_path, name):
    shutil.copy(PAGES / name, tmp_path / name)
    doc = build_document(SourceFile(path=tmp_path / name, root=tmp_path, source=f"pages/{name}"))
    assert not hasattr(doc, "stage"), doc
    return doc


def test_list_layout_county_page(tmp_path):
    doc = _document(tmp_path, "county_ul.html")
    assert (doc.title, doc.issuer, doc.doc_number_raw, doc.date, doc.status) == (
        "关于做好2023年春季农业生产工作的通知",
        ("某某县农业农村局",),
        "某农〔2023〕3号",
        "2023-02-15",
        "current",
    )
    assert doc.text == (
        "各乡（镇）人民政府，县直有关单位：\n"
        "为切实抓好今年春季农业生产，确保粮食稳产增产，现就有关事项通知如下。\n"
        "一、抓好春播备耕。各乡镇要组织农户及时整地备耕，落实种子、化肥、农药等农资供应。\n"
        "二、强化技术指导。组织农技人员深入田间地头，开展春管技术培训和指导服务。\n"
        "某某县农业农村局\n"
        "2023年2月15日"
    )
    assert doc.extra["page_fields"] == [
        ["索引号", "11410221MB0000000A/2023-00012"],
        ["发布机构", "某某县农业农村局"],
        ["成文日期", "2023年02月15日"],
        ["文号", "某农〔2023〕3号"],
        ["主题分类", "农业、林业、水利"],
        ["有效性", "有效"],
        ["标题", "关于做好2023年春季农业生产工作的通知"],
    ]
    assert doc.extra["attachments"] == ["春季农业生产技术指导意见.docx"]


def test_table_fields_and_attachments_are_shown_in_the_document_view(tmp_path):
    lines = {(line.label, line.value) for line in panel_lines(_document(tmp_path, "county_ul.html"))}
    assert ("索引号", "11410221MB0000000A/2023-00012") in lines
    assert ("主题分类", "农业、林业、水利") in lines
    assert ("有效性", "有效") in lines
    assert ("附件", "春季农业生产技术指导意见.docx") in lines


def test_div_layout_without_meta_tags_or_classes(tmp_path):
    doc = _document(tmp_path, "city_divs.html")
    assert (doc.title, doc.issuer, doc.doc_number_raw, doc.date, doc.status) == (
        "某某市人民政府办公室关于废止部分规范性文件的决定",
        ("某某市人民政府办公室",),
        "某政办〔2021〕14号",
        "2021-06-30",
        "repealed",
    )
    assert doc.text == (
        "各县（市、区）人民政府，市政府各部门：\n"
        "为维护法制统一，根据清理工作安排，市政府办公室对现行规范性文件进行了全面清理。\n"
        "经研究，决定废止《某某市城市道路挖掘管理办法》等十二件规范性文件，自本决定印发之日起停止执行。\n"
        "各地、各部门要做好废止文件的衔接工作，确保相关工作平稳有序。"
    )
    assert doc.extra["page_fields"][-1] == ["公文种类", "决定"]


def test_labels_over_values_in_a_layout_table(tmp_path):
    doc = _document(tmp_path, "dept_columns.html")
    assert (doc.title, doc.issuer, doc.doc_number_raw, doc.date, doc.status) == (
        "某某省生态环境厅关于印发《生态环境执法监测工作规程》的通知",
        ("某某省生态环境厅",),
        "某环发〔2022〕19号",
        "2022-09-06",
        "current",
    )
    assert doc.extra["page_fields"][4:] == [
        ["主题分类", "环境监测、保护与治理"],
        ["发布日期", "2022年9月8日"],
        ["公开方式", "主动公开"],
        ["时效", "有效"],
    ]
    for furniture in ("无障碍", "繁體", "打印", "关闭", "网站标识码", "公网安备", "索引号"):
        assert furniture not in doc.text


@pytest.mark.parametrize(
    ("html", "fields"),
    [
        # an empty value never takes the next label
        (
            (
                "<table><tr><td>索 引 号</td><td>A-1</td><td>文号</td><td></td></tr>"
                "<tr><td>成文日期</td><td>2020-01-02</td><td>发文机关</td><td>某局</td></tr></table>"
            ),
            (("索引号", "A-1"), ("文号", ""), ("成文日期", "2020-01-02"), ("发文机关", "某局")),
        ),
        # labels spaced with ideographic spaces, several pairs in one cell, 无 for none
        (
            (
                "<table><tr><td>发文机关：某市人民政府　　文\u3000\u3000号：无</td></tr>"
                "<tr><td>成文日期：2019年5月6日</td></tr></table>"
            ),
            (("发文机关", "某市人民政府"), ("文号", ""), ("成文日期", "2019年5月6日")),
        ),
        # <dl> pairs
        (
            "<dl><dt>发布机构</dt><dd>某厅</dd><dt>发布日期</dt><dd>2018-03-04</dd><dt>有效性</dt><dd>废止</dd></dl>",
            (("发布机构", "某厅"), ("发布日期", "2018-03-04"), ("有效性", "废止")),
        ),
    ],
)
def test_table_layouts(html, fields):
    root = BeautifulSoup(f"<html><body>{html}<p>正文。</p></body></html>", "lxml").body
    assert webpage.table_fields(webpage.find_table(root)) == fields


@pytest.mark.parametrize(
    ("title", "meta", "expected"),
    [
        ("关于印发实施方案的通知_政策法规_某某市人民政府", {}, "关于印发实施方案的通知"),
        (
            "某某省人民政府 政策文件 关于印发实施方案的通知",
            {"SiteName": "某某省人民政府", "ColumnName": "政策文件"},
            "关于印发实施方案的通知",
        ),
        ("政策解读 - 某某省生态环境厅", {"SiteName": "某某省生态环境厅", "ColumnName": "政策解读"}, "政策解读"),
        ("关于印发实施方案的通知", {}, "关于印发实施方案的通知"),
    ],
)
def test_site_suffix_is_cut_from_the_title(title, meta, expected):
    assert webpage.cut_site_suffix(title, meta) == expected


def test_search_results_page_is_no_document(tmp_path):
    page = (
        "<html><head><title>智能检索</title></head><body><div>已为您找到约 1200 条相关结果</div>"
        + "".join(
            f"<div><a href='/a{i}.html'>关于第{i}项工作的通知</a><p>发布时间：2024-01-0{i}</p></div>"
            for i in range(1, 9)
        )
        + "</body></html>"
    )
    path = tmp_path / "search.html"
    path.write_text(page, encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert (info.value.stage, info.value.reason) == ("empty", "a site search's result list, not a document page")


def test_banner_and_toggles_leave_the_text_even_when_the_whole_page_is_read(tmp_path):
    path = tmp_path / "a.html"
    path.write_text(
        "<html><body><div>欢迎访问某某市人民政府门户网站！无障碍 | 繁體 | RSS</div>"
        "<p>为加强管理，制定本办法。</p><div>【字体：大 中 小】【打印本页】【关闭窗口】</div></body></html>",
        encoding="utf-8",
    )
    assert load_file(path).text == "为加强管理，制定本办法。"


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # a short form in the table gives way to the title's full name; 有效性 sets the status
        (
            {"title": "江西省人民政府办公厅关于促进托育服务发展的实施意见", "issuer": "省政府办公厅", "status": "失效"},
            (("江西省人民政府办公厅",), None, "repealed"),
        ),
        # a 文号 in brackets at the end of the title is the page's own; the title opens with its issuer
        (
            {"article_title": "国家金融监督管理总局浙江监管局行政处罚信息公开表（浙金罚决字〔2024〕52号）"},
            (("国家金融监督管理总局浙江监管局",), "浙金罚决字〔2024〕52号", None),
        ),
    ],
)
def test_page_statements_in_metadata(page, expected):
    from indexer.metadata import extract_metadata

    meta = extract_metadata("一、总体要求\n为促进发展，制定本意见。", page=page)
    assert (meta.issuer, meta.doc_number_raw, meta.status) == expected


def test_the_table_date_comes_before_dates_in_the_text():
    from indexer.metadata import extract_metadata

    text = "各单位：\n现将有关事项通知如下。\n某某局\n2020年3月1日"
    assert extract_metadata(text).date == "2020-03-01"
    assert extract_metadata(text, page={"written": "2020-02-27"}).date == "2020-02-27"
    assert extract_metadata("没有日期的正文。", page={"published": "2021年5月6日"}).date == "2021-05-06"
