from __future__ import annotations

import pytest

from indexer.metadata import Metadata, extract_metadata, parse_date
from search.model import Citation

STATE_COUNCIL = (
    "中华人民共和国进出口关税条例\n2003年11月23日 中华人民共和国国务院令第392号公布\n"
    "2011年1月8日 《国务院关于废止和修改部分行政法规的决定》第一次修订\n2017年3月1日 施行\n"
    "第一章 总则\n第一条 为了贯彻对外开放政策，依据《中华人民共和国海关法》，制定本条例。\n"
)


def test_state_council_regulation() -> None:
    m = extract_metadata(STATE_COUNCIL)
    assert m == Metadata(
        title="中华人民共和国进出口关税条例",
        issuer=("国务院",),
        doc_number="中华人民共和国国务院令第392号",
        doc_number_raw="中华人民共和国国务院令第392号",
        year=2011,
        date="2011-01-08",
        doc_type="条例",
        level="行政法规",
        region=None,
        status=None,
        valid_from=None,
        valid_until=None,
        extends=(),
        repeals=(),
        citations=(
            Citation("title", "国务院关于废止和修改部分行政法规的决定"),
            Citation("title", "中华人民共和国海关法"),
        ),
    )


def test_national_law_by_the_npc_standing_committee() -> None:
    m = extract_metadata(
        "中华人民共和国食品安全法\n2009年2月28日 第十一届全国人民代表大会常务委员会第七次会议通过\n"
        "2021年4月29日 第十三届全国人民代表大会常务委员会第二十八次会议"
        "《关于修改〈中华人民共和国道路交通安全法〉等八部法律的决定》第二次修正\n"
        "第一章 总则\n第一条 为了保证食品安全，制定本法。\n"
    )
    assert (m.title, m.issuer, m.date, m.doc_type, m.level, m.region) == (
        "中华人民共和国食品安全法",
        ("全国人民代表大会常务委员会",),
        "2021-04-29",
        "法",
        "法律",
        None,
    )
    assert Citation("title", "中华人民共和国道路交通安全法") in m.citations


def test_local_regulation_gets_its_region() -> None:
    m = extract_metadata(
        "洛阳市旅游条例\n2009年8月20日 洛阳市第十三届人民代表大会常务委员会第五次会议通过\n"
        "2009年9月25日 河南省第十一届人民代表大会常务委员会第十一次会议批准\n第一条 为了发展旅游业。\n"
    )
    assert (m.issuer, m.date, m.level, m.region) == (
        ("洛阳市人民代表大会常务委员会",),
        "2009-09-25",
        "地方性法规",
        "河南省洛阳市",
    )


def test_judicial_interpretation_with_its_number() -> None:
    m = extract_metadata(
        "最高人民法院关于审理买卖合同纠纷案件适用法律问题的解释\n"
        "2012年3月31日 最高人民法院审判委员会第1545次会议通过\n2020年12月29日 法释〔2020〕17号公布\n"
        "第一条 当事人之间没有书面合同。\n"
    )
    assert (m.issuer, m.doc_number, m.date, m.doc_type, m.level) == (
        ("最高人民法院",),
        "法释〔2020〕17号",
        "2020-12-29",
        "解释",
        "司法解释",
    )


def test_department_rule_by_ministry_meeting() -> None:
    m = extract_metadata(
        "企业职工带薪年休假实施办法\n2008年7月17日 经人力资源和社会保障部第6次部务会议通过\n"
        "第一条 为了实施《职工带薪年休假条例》，制定本实施办法。\n"
    )
    assert (m.issuer, m.level, m.doc_type) == (("人力资源和社会保障部",), "部门规章", "办法")


def test_taiwanese_abolished_law() -> None:
    m = extract_metadata(
        "稽勳委員會組織條例\n法規性質：法律\n法規類別：廢止法規＞總統府\n最新異動日期：1997-05-07\n"
        "廢止註記：廢\n沿革\n1.中華民國三十六年制定公布\n條文\n第 1 條\n本條例依法制定之。\n"
    )
    assert (m.title, m.date, m.doc_type, m.level, m.status) == (
        "稽勳委員會組織條例",
        "1997-05-07",
        "条例",
        "法律",
        "repealed",
    )


def test_header_number_signature_and_joined_title() -> None:
    text = (
        "郑州市人民政府文件\n郑政文〔2017〕60号\n郑州市人民政府\n"
        "关于印发郑州市 2017 年推进依法行政建设 法治政府工作要点的通知\n"
        "各县（市、区）人民政府：\n现将《郑州市 2017 年工作要点》印发给你们。\n2017 年 3 月 23 日\n"
        "根据（中发〔2015〕36 号）要求。\n郑州市人民政府办公厅\n2017年3月27日印发\n"
    )
    m = extract_metadata(text)
    assert (m.title, m.issuer, m.doc_number, m.date, m.year, m.doc_type, m.level, m.region) == (
        "郑州市人民政府关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知",
        ("郑州市人民政府",),
        "郑政文〔2017〕60号",
        "2017-03-23",
        2017,
        "通知",
        "规范性文件",
        "河南省郑州市",
    )
    assert m.citations == (Citation("title", "郑州市 2017 年工作要点"), Citation("doc_number", "中发〔2015〕36号"))


def test_draft_plan_title_year_and_status() -> None:
    m = extract_metadata(
        "起草了《方案》，现征集意见。\n附件:《涧西区法治政府建设实施方案(2022-2025年)》(征求意见稿)\n"
        "涧西区法治政府建设实施方案(2022-2025年)(征求意见稿)\n一、总体目标\n"
    )
    assert (m.title, m.year, m.doc_type, m.status, m.region) == (
        "涧西区法治政府建设实施方案(2022-2025年)(征求意见稿)",
        2022,
        "实施方案",
        "draft",
        "河南省洛阳市涧西区",
    )


def test_trial_status_and_filename_fallbacks() -> None:
    m = extract_metadata(
        "某某事项管理办法（试行）\n第一条 为了规范。\n", filename="某某事项管理办法（试行）(2019-05-01).md"
    )
    assert (m.title, m.status, m.date) == ("某某事项管理办法（试行）", "trial", "2019-05-01")
    assert extract_metadata("", filename="空白文件(2020-01-02).md").title == "空白文件"


def test_ambiguous_district_resolved_by_the_text() -> None:
    m = extract_metadata("鼓楼区人民政府关于2023年工作的报告\n依据《河南省过错责任追究办法》。\n")
    assert m.region == "河南省开封市鼓楼区"
    m = extract_metadata("鼓楼区人民政府关于2023年工作的报告\n南京市鼓楼区。\n")
    assert m.region == "江苏省南京市鼓楼区"


def test_traditional_region_and_page_published_date() -> None:
    m = extract_metadata("鄭州市人民政府關於2022年度工作的報告\n正文。\n", page_meta={"published": "2023-03-01 00:00"})
    assert (m.region, m.date, m.year, m.doc_type) == ("河南省郑州市", "2023-03-01", 2022, "报告")


def test_nested_titles_are_cited_both_ways() -> None:
    m = extract_metadata("报告\n根据《中共中央关于印发〈法治政府建设实施纲要〉的通知》。\n")
    assert m.citations == (
        Citation("title", "中共中央关于印发〈法治政府建设实施纲要〉的通知"),
        Citation("title", "法治政府建设实施纲要"),
    )


@pytest.mark.parametrize(
    "s, iso",
    [
        ("2023年2月28日", "2023-02-28"),
        ("2017 年 3 月 23 日", "2017-03-23"),
        ("2023-02-28", "2023-02-28"),
        ("二〇二三年二月二十八日", "2023-02-28"),
        ("２０２３年２月２８日", "2023-02-28"),
        ("发布时间:2024-02-29 00:00", "2024-02-29"),
        ("没有日期", None),
        ("2023年13月1日", None),
    ],
)
def test_parse_date(s: str, iso: str | None) -> None:
    assert parse_date(s) == iso


def test_law_date_is_the_latest_event_even_inside_one_history_line():
    text = (
        "上海市市民体育健身条例\n"
        "2000年12月15日 上海市第十一届人民代表大会常务委员会第二十四次会议通过\n"
        "2012年4月19日 上海市第十三届人民代表大会常务委员会第三十三次会议修订根据2017年11月23日上海市第十四届"
        "人民代表大会常务委员会第四十一次会议《关于修改本市部分地方性法规的决定》第二次修正\n"
        "第一条 为了促进市民体育健身活动，制定本条例。\n"
    )
    assert extract_metadata(text).date == "2017-11-23"


def test_law_date_skips_the_date_of_entry_into_force():
    text = (
        "某省某某条例\n"
        "2019年5月31日 某省第十三届人民代表大会常务委员会第十一次会议通过 自2019年10月1日起施行\n"
        "第一条 为了规范管理，制定本条例。\n"
    )
    assert extract_metadata(text).date == "2019-05-31"
