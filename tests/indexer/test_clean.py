"""Tests for indexer.clean: each step on real lines from the seeds, then whole seeds through clean_text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from indexer.clean import (
    Cleaned,
    clean_text,
    collapse_blank_lines,
    fix_lost_characters,
    fix_stray_list_digits,
    join_broken_lines,
    looks_like_pdf,
    normalize_newlines,
    normalize_whitespace,
    remove_page_numbers,
    remove_pinyin_artifacts,
    remove_web_furniture,
    strip_markdown,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

PINYIN = r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+ ?[)）]"
PINYIN_LEFT = re.compile(r"[\u4e00-\u9fff]" + PINYIN)
PARENTHETICAL = re.compile(r"[(（][^()（）\n]*[)）]")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def cleaned_seed(prefix: str) -> Cleaned:
    return clean_text(seed(prefix))


def other_parentheticals(text: str) -> int:
    # Pinyin can sit inside a real parenthetical (`(27課時(shí))`), so it goes first.
    return len(PARENTHETICAL.findall(re.sub(r"(?<=[\u4e00-\u9fff])(?:" + PINYIN + ")+", "", text)))


# --- newlines and whitespace ------------------------------------------------------------------


def test_normalize_newlines_crlf_cr_and_bom():
    assert normalize_newlines("\ufeff一、总则\r\n第一条\r第二条\u2028第三条") == "一、总则\n第一条\n第二条\n第三条"


def test_normalize_whitespace_ideographic_space_and_zero_width():
    raw = "\u3000\u3000第一条\u3000为了保护个人信息权益\u200b，制定本法。\u3000\n\u200b\n"
    assert normalize_whitespace(raw) == "第一条 为了保护个人信息权益，制定本法。\n\n"


def test_normalize_whitespace_nbsp_runs_collapse():
    raw = (
        "主办: 开封市鼓楼区人民政府\xa0\xa0\xa0\xa0\xa0\xa0"
        "地址:河南省开封市鼓楼区中山路中段92号\xa0\xa0\xa0\xa0\xa0\xa0"
    )
    assert normalize_whitespace(raw) == "主办: 开封市鼓楼区人民政府 地址:河南省开封市鼓楼区中山路中段92号"


def test_normalize_whitespace_keeps_full_width_punctuation():
    raw = "各县（市、区）人民政府，市人民政府各部门：《纲要》〔2017〕"
    assert normalize_whitespace(raw) == raw


def test_normalize_whitespace_tabs_and_leading_indent():
    assert normalize_whitespace("  2019 年,我市\t各级行政机关  ") == "2019 年,我市 各级行政机关"


# --- the lost-character `?` -------------------------------------------------------------------


def test_lost_character_after_list_number():
    assert fix_lost_characters("1.?推进政府机构职能优化协同高效。") == "1.推进政府机构职能优化协同高效。"
    assert fix_lost_characters("10.?提高突發事件依法處置能力。") == "10.提高突發事件依法處置能力。"


def test_lost_character_lines_removed():
    assert fix_lost_characters("附件:《澗西區法治政府建設實施方案》\n?\n?\n澗西區法治政府建設實施方案") == (
        "附件:《澗西區法治政府建設實施方案》\n\n\n澗西區法治政府建設實施方案"
    )


def test_lost_copyright_sign():
    assert fix_lost_characters("Copyright ? 2015-2025 洛陽市澗西區人民政府 版權所有") == (
        "Copyright © 2015-2025 洛陽市澗西區人民政府 版權所有"
    )


def test_real_question_marks_stay():
    text = "是否符合法定程序?如何整改？\n第1.5项?不是列表"
    assert fix_lost_characters(text) == text


# --- pinyin artifacts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("關(guān)於", "關於"),
        ("社會(huì )主義", "社會主義"),
        ("議事協(xié)調機構", "議事協調機構"),
        ("鄭州市人民政府關(guān)于2022年度", "鄭州市人民政府關于2022年度"),
        ("創(chuàng )新治理模式", "創新治理模式"),
        ("關（guān）於", "關於"),
        ("會(huì)(huì)議", "會議"),
    ],
)
def test_remove_pinyin_artifacts(raw, expected):
    assert remove_pinyin_artifacts(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "(一)切實履行第一責任人職責",
        "（一）规范行政权力运行",
        "《鄭州市法治政府建設實施方案(2021—2025年)》",
        "《洛陽市法治政府建設實施方案(2022-2025年)》",
        "區縣(市)綜合性政務服務大廳",
        "《鄭州市應急救援總指揮部工作規則(試行)》",
        "實施方案(2022-2025年)(征求意見稿)",
        "“鄭好辦”APP上線",
        "政府和社会资本合作(PPP)项目",
        "备案(ICP)信息",
        "立案案件辦結1257件(含結轉案件)",
        "附表(ii)所列",
        "见图(a)",
        "人民调解(mediation)制度",
    ],
)
def test_real_parentheticals_stay(text):
    assert remove_pinyin_artifacts(text) == text


def test_pinyin_gone_from_seed_000_and_003_and_nothing_else_lost():
    for prefix in ("000", "003"):
        raw = seed(prefix)
        assert PINYIN_LEFT.search(raw)
        text = clean_text(raw).text
        assert PINYIN_LEFT.search(text) is None
        assert other_parentheticals(text) == other_parentheticals(raw)
    assert other_parentheticals(seed("000")) == 29
    assert other_parentheticals(seed("003")) == 30


# --- page numbers and stray digits ------------------------------------------------------------


def test_remove_page_numbers():
    raw = "行政执法\n- 3 -\n工作\n— 12 —\n第 3 页\n3/12\n第 4 页，共 12 页\n正文"
    assert remove_page_numbers(raw) == "行政执法\n\n工作\n\n\n\n\n正文"


def test_number_next_to_form_feed_dropped():
    assert remove_page_numbers("对违法或者不当的行政执\n7\f法行为") == "对违法或者不当的行政执\n\n法行为"
    assert remove_page_numbers("行政执\f8\n法行为") == "行政执\n\n法行为"


def test_numbers_in_text_stay():
    text = "共清理证明事项 81 项\n2019\n第 3 条"
    assert remove_page_numbers(text) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("一、9 2019 年度法治政府建设情况", "一、2019 年度法治政府建设情况"),
        ("三、0 2020 年工作计划", "三、2020 年工作计划"),
        (
            "X XX 市人民政府关于 9 2019 年度法治政府建设情况的报告",
            "X XX 市人民政府关于 2019 年度法治政府建设情况的报告",
        ),
        ("共组织 3 期共计 3010 人次", "共组织 3 期共计 3010 人次"),
        ("二、2022年法治政府建設", "二、2022年法治政府建設"),
    ],
)
def test_fix_stray_list_digits(raw, expected):
    assert fix_stray_list_digits(raw) == expected


# --- web furniture ----------------------------------------------------------------------------

FOOTER_002 = (
    "(五)进一步健全行政执法工作机制。持续深化行政执法体制改革。\n"
    "\n"
    "\n"
    "主办: 开封市鼓楼区人民政府 地址:河南省开封市鼓楼区中山路中段92号\n"
    "电话:0371-27889256\n"
    "办公时间:(冬季):上午8∶30至12∶00,下午14∶30至18∶00\n"
    "(夏季):上午8∶30至12∶00,下午15∶00至18∶30(节假日除外) 网站标识码:4107810002\n"
    "豫公网安备 41020502000008号 豫ICP备19020428号\n"
    "Produced By CMS 网站群内容管理系统 publishdate:2024-04-10 15:58:39"
)


def test_web_footer_removed_and_kept_as_meta():
    text, meta = remove_web_furniture(FOOTER_002)
    assert text == "(五)进一步健全行政执法工作机制。持续深化行政执法体制改革。\n\n"
    assert meta == {
        "site_owner": "开封市鼓楼区人民政府",
        "site_id": "4107810002",
        "icp": "豫ICP备19020428号",
        "police_record": "豫公网安备 41020502000008号",
        "publishdate": "2024-04-10 15:58:39",
    }


def test_web_header_removed_and_kept_as_meta():
    raw = (
        "政府信息公开\n中共鼓楼区委 鼓楼区人民政府 关于2023年法治政府建设工作情况的报告\n"
        "发布时间:2024-02-29 00:00 浏览次数:\n\n2023年,鼓楼区坚持"
    )
    assert remove_web_furniture(raw) == (
        "中共鼓楼区委 鼓楼区人民政府 关于2023年法治政府建设工作情况的报告\n\n2023年,鼓楼区坚持",
        {"published": "2024-02-29 00:00"},
    )


def test_breadcrumb_and_source_fields():
    raw = (
        "当前位置：首页 > 政务公开 > 法治政府建设\n"
        "发布日期：2023-03-01 来源：市司法局 字号：大 中 小 【打印】【关闭】\n关于印发的通知"
    )
    assert remove_web_furniture(raw) == ("关于印发的通知", {"published": "2023-03-01", "source": "市司法局"})


def test_traditional_footer_with_copyright_owner():
    raw = (
        "積極營造人人參與的法治政府建設濃厚氛圍。\n"
        "Copyright © 2015-2025 洛陽市澗西區人民政府 版權所有\n"
        "網站標識碼:4103050003\n"
        "網站聯系電話:0379-64823389 地址:洛陽市澗西區西苑路12號"
    )
    assert remove_web_furniture(raw) == (
        "積極營造人人參與的法治政府建設濃厚氛圍。",
        {"site_id": "4103050003", "site_owner": "洛陽市澗西區人民政府"},
    )


def test_official_notice_imprint_is_content():
    raw = (
        "本通知中所列工作将作为2017年度全市依法行政考核主要内容。\n\n主办：市政府法制办\n\n督办：市政府办公厅七处\n\n"
        "抄送：市委各部门，郑州警备区。\n\n市人大常委会办公厅，市政协办公厅，市法院，市检察院。\n\n"
        "郑州市人民政府办公厅\n\n2017年3月27日印发\n"
    )
    assert remove_web_furniture(raw) == (raw, {})


def test_sentences_mentioning_furniture_words_stay():
    raw = (
        "加强ICP备案管理，规范网站标识。\n扫描二维码即可在线办理。\n本办法自发布之日起施行。\n"
        "郵寄地址:澗西區湖北路街道安徽路53號;聯繫電話:64823279。\n手机\n政府信息公开"
    )
    assert remove_web_furniture(raw) == (raw, {})


def test_navigation_line_needs_a_title_after_it():
    assert remove_web_furniture("政府信息公开\n政务公开\n关于印发的通知") == ("关于印发的通知", {})
    assert remove_web_furniture("政府信息公开") == ("政府信息公开", {})


# --- markdown ---------------------------------------------------------------------------------


def test_strip_markdown_law():
    raw = (
        "# 中华人民共和国个人信息保护法\n\n2021年8月20日 第十三届全国人民代表大会常务委员会第三十次会议通过\n\n"
        "<!-- INFO END -->\n\n## 第一章 总 则\n\n第一条 为了保护个人信息权益，制定本法。\n\n"
        "#### 第一节 犯罪和刑事责任\n"
    )
    assert strip_markdown(raw) == (
        "中华人民共和国个人信息保护法\n\n2021年8月20日 第十三届全国人民代表大会常务委员会第三十次会议通过\n\n"
        "\n\n第一章 总 则\n\n第一条 为了保护个人信息权益，制定本法。\n\n第一节 犯罪和刑事责任\n"
    )


def test_strip_markdown_table():
    raw = "<!-- TABLE -->\n| 刑法条文 |罪名 |\n|-----|-----|\n| 第152条第2款 |走私废物罪 |\n<!-- TABLE END -->"
    assert strip_markdown(raw) == "\n刑法条文 罪名\n\n第152条第2款 走私废物罪\n"


def test_clean_markdown_with_odd_spaces():
    raw = (
        "# 中华人民共和国行政复议法\n\n"
        "2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议第二次修正\u3000\n\n"
        "<!-- INFO END -->\n\n\u200b\n\n## 第一章\u3000总则\n\n第四十九条 本条例自２０07年9月１日起施行。\n"
    )
    assert clean_text(raw, "markdown").text == (
        "中华人民共和国行政复议法\n2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议第二次修正\n"
        "第一章 总则\n第四十九条 本条例自２０07年9月１日起施行。"
    )


def test_traditional_markdown_keeps_script_and_lines():
    raw = "# 稽勳委員會組織條例\n\n## 條文\n\n第 1 條\n稽勳委員會隸屬於國民政府，掌理勳績之審核事項。\n"
    assert (
        clean_text(raw, "markdown").text
        == "稽勳委員會組織條例\n條文\n第 1 條\n稽勳委員會隸屬於國民政府，掌理勳績之審核事項。"
    )


# --- PDF line joining -------------------------------------------------------------------------


def test_join_single_break_inside_paragraph():
    raw = "现将《郑州市 2017 年推进依法行政建设法治政府工作要点》\n印发给你们，请认真贯彻执行。"
    assert (
        join_broken_lines(raw) == "现将《郑州市 2017 年推进依法行政建设法治政府工作要点》印发给你们，请认真贯彻执行。"
    )


def test_join_across_page_break():
    raw = " 有效保障企业群众办事“找得到、查得准、办得成”。探索构\n\n 建分类快审机制,推行联合勘踏测绘验收工作机制。"
    assert (
        join_broken_lines(raw)
        == "有效保障企业群众办事“找得到、查得准、办得成”。探索构建分类快审机制,推行联合勘踏测绘验收工作机制。"
    )


def test_short_line_before_blank_line_is_a_paragraph_of_its_own():
    raw = "全面清理证明事项。探索构\n\n建分类快审机制。"
    assert join_broken_lines(raw) == raw


def test_join_keeps_heading_title_and_signature_lines():
    raw = (
        "郑州市人民政府文件\n\n郑政文〔2017〕60号\n\n郑州市人民政府\n\n"
        "关于印发郑州市 2017 年推进依法行政建设 法治政府工作要点的通知\n\n"
        "各县（市、区）人民政府，市人民政府各部门，各有关单位：\n\n"
        "（一）规范行政权力运行\n\n切实转变政府职能，依法全面履行职责\n\n（二）深化行政审批制度改革\n\n"
        "郑州市人民政府\n2017 年 3 月 23 日"
    )
    assert join_broken_lines(raw) == raw


def test_join_does_not_run_into_next_heading():
    raw = "全市按标准完成调整,推进法治政府建设各项工作\n\n二、工作存在的不足\n\n(一)加强法治政府建设\n\n1.推进"
    assert join_broken_lines(raw) == raw


def test_join_heading_marker_paragraph_cut_mid_sentence():
    raw = (
        "(三)推进行政决策科学化、民主化、法治化。一是建立健全机制。制定并公布《XX 市人民政府\n\n"
        " 2019 年度重大行政决策事项目录》。"
    )
    assert join_broken_lines(raw) == (
        "(三)推进行政决策科学化、民主化、法治化。一是建立健全机制。"
        "制定并公布《XX 市人民政府2019 年度重大行政决策事项目录》。"
    )


def test_join_latin_words_with_a_space():
    assert join_broken_lines("Produced By\nCMS 网站群") == "Produced By CMS 网站群"


def test_join_short_line_not_continued_across_blank_line():
    assert (
        join_broken_lines("主办：市政府法制办\n\n督办：市政府办公厅七处")
        == "主办：市政府法制办\n\n督办：市政府办公厅七处"
    )


def test_looks_like_pdf_on_seeds():
    assert [looks_like_pdf(seed(p)) for p in ("000", "001", "002", "003", "004")] == [False, True, False, False, True]


def test_clean_pdf_format_joins_single_line_breaks():
    raw = (
        "第一条 为了规范行政执法行为，保护公民、法人和其他组织的合法\n权益，制定本办法。\n第二条 本办法适用于本市。\n"
        "- 1 -\f"
    )
    assert (
        clean_text(raw, "pdf").text
        == "第一条 为了规范行政执法行为，保护公民、法人和其他组织的合法权益，制定本办法。\n第二条 本办法适用于本市。"
    )


def test_text_with_one_paragraph_per_line_is_not_joined():
    raw = (
        "鄭政文〔2023〕37號\n省人民政府:\n2022年,在省委、省政府的正確領導下,法治政府建設取得積極成效\n"
        "一、2022年法治政府建設主要舉措和成效"
    )
    assert clean_text(raw).text == raw


def test_collapse_blank_lines():
    assert collapse_blank_lines("\n\n一、总则\n\n\n第一条 \n\n") == "一、总则\n第一条"


def test_unknown_format_rejected():
    with pytest.raises(ValueError, match="unknown format 'rtf'"):
        clean_text("x", "rtf")


# --- whole seeds ------------------------------------------------------------------------------

FURNITURE = (
    "網站標識碼",
    "网站标识码",
    "ICP备",
    "ICP備",
    "公网安备",
    "扫描二维码",
    "掃描二維碼",
    "Produced By CMS",
    "publishdate",
    "发布时间",
    "浏览次数",
    "Copyright",
    "版權所有",
)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_has_no_furniture_no_blank_lines_no_odd_spaces(prefix):
    text = cleaned_seed(prefix).text
    assert [f for f in FURNITURE if f in text] == []
    assert "\n\n" not in text
    assert re.search(r"[\xa0\u3000\u200b\f\r]|  | \n|\n ", text) is None
    assert not text.startswith("政府信息公开")


def test_mojibake_question_marks_are_left_alone():
    # `?` inside these runs stands for a lost `。現` / `區`; nothing here can tell which, so they stay.
    assert re.findall(r".\?.", cleaned_seed("000").text) == ["報?,"]
    assert re.findall(r".\?.", cleaned_seed("003").text) == ["入?y"]
    assert [re.findall(r"\?", cleaned_seed(p).text) for p in ("001", "002", "004")] == [[], [], []]


def test_seed_000_lines():
    lines = cleaned_seed("000").text.split("\n")
    assert lines[:4] == [
        "鄭政文〔2023〕37號《鄭州市人民政府關于2022年度法治政府建設情況的報告》",
        "鄭州市人民政府關于2022年度法治政府建設情況的報告",
        "鄭政文〔2023〕37號",
        "省人民政府:",
    ]
    assert lines[-3:] == ["特此報告。", "鄭州市人民政府", "2023年2月28日"]
    assert len(lines) == 32
    assert cleaned_seed("000").page_meta == {}


def test_seed_001_lines_and_joins():
    text = cleaned_seed("001").text
    lines = text.split("\n")
    assert lines[:2] == [
        "XX市人民政府对于2020年度法治政府建设情况报告",
        "X XX 市人民政府关于 2019 年度法治政府建设情况的报告",
    ]
    assert lines[3] == "一、2019 年度法治政府建设情况"
    assert "三、2020 年工作计划" in lines
    assert lines[-1] == "XX 市人民政府 2020 年 1 月 10 日"
    assert len(lines) == 22
    assert "二是切实发挥依法行政考评对法治政府建设的推动作用。" in text
    assert "探索构建分类快审机制" in text
    assert "二是加强人民调解工作。" in text
    assert "制定并公布《XX 市人民政府2019 年度重大行政决策事项目录》" in text
    assert "深入推进社会信用体系建设,激活各类沉淀数据" in text


def test_seed_002_meta_and_lines():
    cleaned = cleaned_seed("002")
    assert cleaned.page_meta == {
        "published": "2024-02-29 00:00",
        "site_id": "4107810002",
        "site_owner": "开封市鼓楼区人民政府",
        "publishdate": "2024-04-10 15:58:39",
        "icp": "豫ICP备19020428号",
        "police_record": "豫公网安备 41020502000008号",
    }
    lines = cleaned.text.split("\n")
    assert lines[0] == "中共鼓楼区委 鼓楼区人民政府 关于2023年法治政府建设工作情况的报告"
    assert lines[1] == (
        "2023年,鼓楼区坚持以习近平新时代中国特色社会主义思想为指导,深入落实市委、市政府关于法治建设的决策部署,"
        "高质量完成法治政府建设各项任务,为全面建设社会主义现代化鼓楼提供坚强法治保障。现将有关情况报告如下:"
    )
    assert lines[-1] == (
        "(五)进一步健全行政执法工作机制。"
        "持续深化行政执法体制改革,不断提升基层执法规范化水平,持续推动服务型行政执法建设。"
    )
    assert len(lines) == 27


def test_seed_003_lines_and_meta():
    cleaned = cleaned_seed("003")
    lines = cleaned.text.split("\n")
    assert lines[3:6] == [
        "附件:《澗西區法治政府建設實施方案(2022-2025年)》(征求意見稿)",
        "澗西區法治政府建設實施方案(2022-2025年)(征求意見稿)",
        (
            "法治政府建設是全面依法治國的重點任務和主體工程,是推進國家治理體系和治理能力現代化的重要支撐。"
            "為在新發展階段深入推進依法行政,全面建設法治政府,根據《中共中央、國務院關于印發〈法治政府建設實施綱要"
            "(2021-2025年)〉的通知》(中發〔2021〕33號)、《中共河南省委、河南省人民政府關于印發〈河南省法治政府建設實施方案"
            "(2021-2025年)〉〈法治河南(法治政府)建設考核方案〉的通知》(豫發〔2021〕31號)和《中共洛陽市委、洛陽市人民政府"
            "關于印發〈洛陽市法治政府建設實施方案(2022-2025年)〉的通知》(洛發〔2022〕5號)等文件精神,結合我區法治政府建設"
            "工作實際,制定如下實施方案。"
        ),
    ]
    assert lines[0] == (
        "為深入貫徹落實《法治政府建設實施綱要(2021-2025年)》《河南省法治政府建設實施方案(2021-2025年)》"
        "和《洛陽市法治政府建設實施方案(2022-2025年)》,切實提升我區治理能力現代化,區司法局起草了"
        "《澗西區法治政府建設實施方案(2022-2025年)》(征求意見稿),現面向社會公開征集意見。歡迎社會各界提供寶貴意見建議。"
    )
    assert lines[9:11] == [
        "(一)健全政府機構職能體系",
        (
            "1.推進政府機構職能優化協同高效。健全政府部門職責爭議解決機制,建立分工明確、運轉協調的協作機制。"
            "完善權責清單公開、動態管理、考核評估機制。將權責清單制度落實情況納入黨委政府督查督導、法治政府建設考核范圍。"
            "構建簡約高效的基層管理體制,實行扁平化和網格化管理。推進編制資源向一線傾斜,鼓勵、支持從上往下調劑使用行政和事業編制。"
        ),
    ]
    assert lines[-2] == "(四)加強輿論宣傳"
    assert len(lines) == 48
    assert cleaned.page_meta == {"site_id": "4103050003", "site_owner": "洛陽市澗西區人民政府"}


def test_seed_004_lines_and_joins():
    cleaned = cleaned_seed("004")
    lines = cleaned.text.split("\n")
    assert lines[:8] == [
        "郑州市人民政府文件",
        "郑政文〔2017〕60号",
        "郑州市人民政府",
        "关于印发郑州市 2017 年推进依法行政建设 法治政府工作要点的通知",
        "各县（市、区）人民政府，市人民政府各部门，各有关单位：",
        "现将《郑州市 2017 年推进依法行政建设法治政府工作要点》印发给你们，请认真贯彻执行。",
        "2017 年 3 月 23 日",
        "郑州市 2017 年推进依法行政建设法治政府 工作要点",
    ]
    assert lines[-6:] == [
        "主办：市政府法制办",
        "督办：市政府办公厅七处",
        "抄送：市委各部门，郑州警备区。",
        "市人大常委会办公厅，市政协办公厅，市法院，市检察院。",
        "郑州市人民政府办公厅",
        "2017年3月27日印发",
    ]
    assert len(lines) == 93
    assert cleaned.page_meta == {}
    text = cleaned.text
    for joined in (
        "县（市、区）政府常务会议学法次数全年不少于4次",
        "优化内部连接机制和工作流程，主动与政务服务网对接",
        "并将清理结果向社会公布。",
        "明确决策主体、事项范围、法定程序、法律责任，把公众参与",
        "对违法或者不当的行政执法行为",
        "及时研究办理人大代表提出的意见建议",
        "提升行政复议效果。",
        "各成员单位在法治政府建设领导小组统一领导下",
        "综合协调、督促指导、政策研究和情况交流工作",
    ):
        assert joined in text


# --- properties -------------------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        "(guān)",
        "(huì )",
        "（一）",
        "(一)",
        "一、",
        "1.",
        "1.?",
        "?",
        "？",
        "\n",
        "\n\n",
        "\r\n",
        "\f",
        " ",
        "\u3000",
        "\xa0",
        "\u200b",
        "\ufeff",
        "- 3 -",
        "第 3 页",
        "9 2019 年",
        "2017 年 3 月 23 日",
        "郑政文〔2017〕60号",
        "网站标识码:4107810002",
        "豫ICP备19020428号",
        "主办: 开封市",
        "地址:",
        "发布时间:2024-02-29 00:00 浏览次数:",
        "政府信息公开",
        "扫描二维码 关注我们",
        "Copyright ?",
        "# ",
        "## ",
        "<!-- INFO END -->",
        "|",
        "|---|",
        "，",
        "。",
        "：",
        "、",
        "《",
        "》",
        "〔",
        "〕",
        "第一条",
        "第 1 條",
        "附件",
        "报告",
        "通知",
        "関",
        "關於",
        "关于",
        "郑州市人民政府",
        "法治政府建设",
        "建設實施方案",
        "推进依法行政建设法治政府工作要点",
        "2019",
        "a",
        "b c",
        "#",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.one_of(TOKENS, st.text(alphabet="关于依法行政關於會議協調，。、（）()?1 \n", max_size=8)), max_size=60
    ).map("".join),
)


def cjk_chars(text: str) -> list[str]:
    return CJK.findall(text)


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.sampled_from(["text", "markdown", "html", "docx", "pdf"]))
@example("# -0-", "markdown")  # a page number under a heading mark
def test_clean_never_raises_is_idempotent_and_keeps_script(raw, fmt):
    once = clean_text(raw, fmt)
    assert isinstance(once.text, str)
    assert clean_text(once.text).text == once.text
    # Markdown and PDF output is not Markdown or PDF text any more: a heading "# #" leaves a line "#" that a
    # second Markdown pass would read as a heading mark, so those two are only re-cleaned as plain text.
    if fmt in ("text", "html", "docx"):
        assert clean_text(once.text, fmt).text == once.text
    # Characters are only ever removed, never replaced: no script conversion, no reordering.
    assert is_subsequence(cjk_chars(once.text), cjk_chars(raw))


def test_clean_pdf_text_layer_with_wrapped_lines_and_page_breaks():
    # pypdf output: one printed line per line, indents as U+3000, pages joined by form feeds.
    raw = (
        "郑州市人民政府文件\n郑政文〔2017〕60号\n郑州市人民政府\n关于印发郑州市 2017 年推进依法行政建设\n"
        "法治政府工作要点的通知\n"
        "各县（市、区）人民政府，市人民政府各部门，各有关单位：\n"
        "\u3000\u3000现将《郑州市 2017 年推进依法行政建设法治政府工作要点》\n印发给你们，请认真贯彻执行。\n"
        "郑州市人民政府\n2017 年 3 月 23 日\n- 1 -\f（八）健全重大行政决策机制\n"
        "\u3000\u3000完善依法决策机制，明确决策主体、事项范围、法定程序、\n法律责任，把公众参与、专家论证、风险评估、合法性审查、集\n"
        "体讨论决定确定为重大行政决策法定程序。\n坚持和完善政府常务会议学法制度，县（市、区）政府常务\n- 2 -\n"
        "\f会议学法次数全年不少于4次。\n"
    )
    assert clean_text(raw, "pdf").text == (
        "郑州市人民政府文件\n"
        "郑政文〔2017〕60号\n"
        "郑州市人民政府关于印发郑州市 2017 年推进依法行政建设法治政府工作要点的通知\n"
        "各县（市、区）人民政府，市人民政府各部门，各有关单位：\n"
        "现将《郑州市 2017 年推进依法行政建设法治政府工作要点》印发给你们，请认真贯彻执行。\n"
        "郑州市人民政府\n"
        "2017 年 3 月 23 日\n"
        "（八）健全重大行政决策机制\n"
        "完善依法决策机制，明确决策主体、事项范围、法定程序、法律责任，把公众参与、专家论证、风险评估、合法性审查、"
        "集体讨论决定确定为重大行政决策法定程序。\n"
        "坚持和完善政府常务会议学法制度，县（市、区）政府常务会议学法次数全年不少于4次。"
    )
