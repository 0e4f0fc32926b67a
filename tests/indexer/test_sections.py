from __future__ import annotations

from indexer.sections import split_sections
from search.model import Section

LAW = (
    "中华人民共和国示例法\n2021年4月29日 第十三届全国人民代表大会常务委员会第二十八次会议通过\n"
    "第一章  总则\n第一条 为了保护示例，制定本法。\n第二条 本法适用于：\n（一）甲；\n（二）乙。\n"
    "第二章 附则\n第三条 本法自公布之日起施行。\n"
)


def test_law_outline_and_paths() -> None:
    s = split_sections(LAW)
    assert [(x.anchor, x.heading, x.level) for x in s] == [
        ("s0", "", 0),
        ("s1", "第一章  总则", 2),
        ("s2", "第一条", 4),
        ("s3", "第二条", 4),
        ("s4", "第二章 附则", 2),
        ("s5", "第三条", 4),
    ]
    assert s[3].path == ("第一章  总则", "第二条")
    assert s[5].path == ("第二章 附则", "第三条")
    assert s[0] == Section("s0", "", 0, (), 0, LAW.index("第一章"))
    assert s[-1].end == len(LAW)


def test_taiwanese_articles_with_spaces_and_traditional_characters() -> None:
    text = "行政程序法\n條文\n第 一 章 總則\n第 1 條\n為使行政行為遵循公正。\n第 5-1 條\n行政行為之內容應明確。\n"
    s = split_sections(text)
    assert [(x.heading, x.level) for x in s[1:]] == [
        ("條文", 1),
        ("第 一 章 總則", 2),
        ("第 1 條", 4),
        ("第 5-1 條", 4),
    ]
    assert s[-1].path == ("條文", "第 一 章 總則", "第 5-1 條")


def test_book_part_chapter_section_article_and_article_bis() -> None:
    text = (
        "民法典\n第一编 总则\n第一分编 通则\n第一章 基本规定\n第一节 一般规定\n第一条 为了保护。\n"
        "第十七条之一 已满七十五周岁的人。\n"
    )
    s = split_sections(text)
    assert [(x.heading, x.level) for x in s[1:]] == [
        ("第一编 总则", 1),
        ("第一分编 通则", 1),
        ("第一章 基本规定", 2),
        ("第一节 一般规定", 3),
        ("第一条", 4),
        ("第十七条之一", 4),
    ]
    assert s[-1].path == ("第一编 总则", "第一分编 通则", "第一章 基本规定", "第一节 一般规定", "第十七条之一")


def test_preamble_label_does_not_swallow_chapters() -> None:
    s = split_sections("宪法\n序言\n中国是世界上历史最悠久的国家之一。\n第一章 总纲\n第一条 国家。\n")
    assert [x.path for x in s[1:]] == [("序言",), ("第一章 总纲",), ("第一章 总纲", "第一条")]


def test_cross_reference_at_a_line_start_is_not_an_article() -> None:
    text = "示例条例\n第一条 总则。\n第三十一条的决定》第一次修正\n"
    assert [x.heading for x in split_sections(text)] == ["", "第一条"]


def test_report_levels_and_heading_cut_at_first_full_stop() -> None:
    text = (
        "XX市人民政府关于2019年度法治政府建设情况的报告\n一、总体目标\n"
        "（一）依法全面履行政府职能。一是完善工作机制。\n1.推进职能优化。健全机制。\n（1）细化清单\n"
        "(二) 完善制度体系\n二、存在的不足\n"
    )
    s = split_sections(text)
    assert [(x.heading, x.level) for x in s] == [
        ("", 0),
        ("一、总体目标", 1),
        ("（一）依法全面履行政府职能", 2),
        ("1.推进职能优化", 3),
        ("（1）细化清单", 4),
        ("(二) 完善制度体系", 2),
        ("二、存在的不足", 1),
    ]
    assert s[4].path == ("一、总体目标", "（一）依法全面履行政府职能", "1.推进职能优化", "（1）细化清单")
    assert s[5].path == ("一、总体目标", "(二) 完善制度体系")


def test_numbers_and_percentages_at_a_line_start_are_not_items() -> None:
    text = "报告\n一、成效\n58.7%的事项压缩。\n2019年完成。\n3、不是下一项\n1、第一项\n2、第二项\n"
    assert [x.heading for x in split_sections(text)] == ["", "一、成效", "1、第一项", "2、第二项"]


def test_numbering_restarts_under_each_parent() -> None:
    text = "（一）甲\n1.子一\n2.子二\n（二）乙\n1.子三\n"
    s = split_sections(text)
    assert [x.heading for x in s] == ["（一）甲", "1.子一", "2.子二", "（二）乙", "1.子三"]
    assert s[-1].path == ("（二）乙", "1.子三")
    assert s[0].start == 0 and s[0].anchor == "s1"


def test_text_without_headings_is_one_preamble() -> None:
    assert split_sections("只有一段。") == (Section("s0", "", 0, (), 0, 5),)
    assert split_sections("") == (Section("s0", "", 0, (), 0, 0),)
