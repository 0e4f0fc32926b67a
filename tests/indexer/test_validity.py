"""Validity periods read from the text: the closing clauses normative documents use, in both scripts."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer.metadata import extract_metadata
from indexer.validity import read_period
from search.analysis import normalize
from search.validity import add_term

# (clause, the document's date, valid_from, valid_until, extends)
CLAUSES = [
    # 有效期N年, counted from the day it takes effect: the last day is the day before the anniversary.
    ("本办法自2021年3月1日起施行，有效期5年。", "2021-01-20", "2021-03-01", "2026-02-28", ()),
    ("本辦法自2021年3月1日起施行，有效期5年。", "2021-01-20", "2021-03-01", "2026-02-28", ()),
    ("本规定自2019年7月1日起施行，有效期为五年。", None, "2019-07-01", "2024-06-30", ()),
    ("本規定自2019年7月1日起施行，有效期為五年。", None, "2019-07-01", "2024-06-30", ()),
    ("本意见自印发之日起施行，有效期3年。", "2022-05-16", "2022-05-16", "2025-05-15", ()),
    ("本意見自印發之日起施行，有效期3年。", "2022-05-16", "2022-05-16", "2025-05-15", ()),
    ("本通知自发布之日起实施，有效期两年。", "2023-11-30", "2023-11-30", "2025-11-29", ()),
    ("本细则自２０２０年１月１日起施行，有效期５年。", None, "2020-01-01", "2024-12-31", ()),
    ("本实施办法有效期5年，自2018年10月1日起施行。", None, "2018-10-01", "2023-09-30", ()),
    ("本方案自印发之日起实施，有效期一年。", "2024-03-15", "2024-03-15", "2025-03-14", ()),
    ("本办法自二〇二一年六月一日起施行，有效期五年。", None, "2021-06-01", "2026-05-31", ()),
    ("本措施自2022年1月1日起施行，有效期18个月。", None, "2022-01-01", "2023-06-30", ()),
    # Leap days.
    ("本办法自2020年2月29日起施行，有效期1年。", None, "2020-02-29", "2021-02-28", ()),
    ("本辦法自2020年2月29日起施行，有效期4年。", None, "2020-02-29", "2024-02-28", ()),
    ("本规定自2020年3月1日起施行，有效期4年。", None, "2020-03-01", "2024-02-29", ()),
    ("本规定自2023年3月1日起施行，有效期1年。", None, "2023-03-01", "2024-02-29", ()),
    # 有效期至 a date, or to the end of a year.
    ("本通知自印发之日起施行，有效期至2025年12月31日。", "2021-01-20", "2021-01-20", "2025-12-31", ()),
    ("本通知自印發之日起施行，有效期至2025年12月31日。", "2021-01-20", "2021-01-20", "2025-12-31", ()),
    ("本政策措施有效期至2024年底。", "2023-02-01", None, "2024-12-31", ()),
    ("本辦法有效期截至二〇二七年十二月三十一日。", None, None, "2027-12-31", ()),
    ("本办法自2021年1月1日起施行，至2025年12月31日止。", None, "2021-01-01", "2025-12-31", ()),
    ("本规定有效期自2022年1月1日至2026年12月31日。", None, None, "2026-12-31", ()),
    ("本文件自2023年7月1日起施行，有效期限至2028年6月30日。", None, "2023-07-01", "2028-06-30", ()),
    # 试行 and 暂行 with a term.
    ("本办法自2021年1月1日起试行，试行期两年。", None, "2021-01-01", "2022-12-31", ()),
    ("本辦法自2021年1月1日起試行，試行期兩年。", None, "2021-01-01", "2022-12-31", ()),
    ("本规定自印发之日起试行，试行期为1年。", "2024-02-29", "2024-02-29", "2025-02-28", ()),
    ("本暂行办法自2020年10月1日起施行，有效期2年。", None, "2020-10-01", "2022-09-30", ()),
    ("本暫行規定自2019年5月1日起施行，有效期3年。", None, "2019-05-01", "2022-04-30", ()),
    ("本细则自2022年9月1日起暂行2年。", None, "2022-09-01", "2024-08-31", ()),
    # Taking effect without a stated period.
    ("本办法自2021年3月1日起施行。", None, "2021-03-01", None, ()),
    ("本條例自2008年1月1日起施行。", None, "2008-01-01", None, ()),
    # Periods of something else than the document.
    ("许可证有效期为5年。", None, None, None, ()),
    ("許可證有效期為5年，有效期屆滿需要延續的，應當在屆滿三十日前提出申請。", None, None, None, ()),
    ("申请人取得的资格证书有效期为三年。", "2020-01-01", None, None, ()),
    ("《某省某某管理办法》自2015年1月1日起施行，有效期5年。", None, None, None, ()),
    # Extensions of other documents' periods.
    (
        "《某市某某管理办法》（某政〔2019〕5号）有效期延长至2025年12月31日。",
        "2024-01-01",
        None,
        None,
        ("某政〔2019〕5号 延长至 2025-12-31",),
    ),
    (
        "將《某市某某管理辦法》的有效期延長至2025年12月31日。",
        "2024-01-01",
        None,
        None,
        ("《某市某某管理辦法》 延长至 2025-12-31",),
    ),
    ("某政办〔2020〕12号文件有效期延长2年。", "2022-06-01", None, None, ("某政办〔2020〕12号 延长 2年",)),
]


@pytest.mark.parametrize(("clause", "date", "valid_from", "valid_until", "extends"), CLAUSES)
def test_a_clause_gives_its_period(clause, date, valid_from, valid_until, extends):
    period = read_period(clause, normalize(clause), date)
    assert (period.valid_from, period.valid_until, period.extends) == (valid_from, valid_until, extends)


def test_the_set_has_at_least_thirty_clauses_in_both_scripts():
    stated = [c for c in CLAUSES if c[3] or c[4]]
    traditional = [c for c in CLAUSES if any(ch in c[0] for ch in "辦規現條證為屆續請應個時見發試兩暫將長")]
    assert len(CLAUSES) >= 30 and len(stated) >= 30 and len(traditional) >= 10


@pytest.mark.parametrize(
    ("start", "years", "months", "last"),
    [
        ("2020-02-29", 1, 0, "2021-02-28"),
        ("2020-02-29", 4, 0, "2024-02-28"),
        ("2020-03-01", 4, 0, "2024-02-29"),
        ("2021-01-31", 0, 1, "2021-02-28"),
        ("2021-08-31", 0, 6, "2022-02-28"),
        ("2021-12-15", 0, 1, "2022-01-14"),
        ("2021-01-01", 5, 0, "2025-12-31"),
    ],
)
def test_a_term_ends_the_day_before_its_anniversary(start, years, months, last):
    assert add_term(dt.date.fromisoformat(start), years, months).isoformat() == last


def test_the_closing_clause_of_a_whole_document_is_read_into_its_metadata():
    text = (
        "某市人民政府关于印发某市规范性文件管理办法的通知\n"
        "某政〔2021〕8号\n"
        "各县（市、区）人民政府：\n"
        "现将《某市规范性文件管理办法》印发给你们，请认真贯彻执行。\n"
        "第一条 为了规范行政机关规范性文件管理，制定本办法。\n"
        "第二十条 行政许可证件有效期为3年。\n"
        "第二十一条 本办法自2021年3月1日起施行，有效期5年。\n"
        "某市人民政府\n"
        "2021年1月20日\n"
    )
    m = extract_metadata(text)
    assert (m.date, m.valid_from, m.valid_until, m.extends) == ("2021-01-20", "2021-03-01", "2026-02-28", ())


@pytest.mark.parametrize(
    ("front", "valid_from", "valid_until"),
    [
        ("date: 2022-05-16\n", "2022-05-16", "2025-05-15"),
        ("date: 2022-05-16\nvalid_from: 2022-07-01\n", "2022-07-01", "2025-06-30"),
        ("date: 2022-05-16\n有效期至: 2030年1月1日\n", "2022-05-16", "2030-01-01"),
    ],
)
def test_an_operator_date_or_start_is_what_a_term_counts_from(tmp_path, front, valid_from, valid_until):
    from indexer.pipeline import SourceFile, build_document

    path = tmp_path / "src" / "a.txt"
    path.parent.mkdir()
    path.write_text(f"---\n{front}---\n某市某某工作意见\n\n本意见自印发之日起施行，有效期3年。\n", "utf-8")
    doc = build_document(SourceFile(path=path, root=path.parent, source="src/a.txt"))
    assert not isinstance(doc, Exception), doc
    assert (doc.valid_from, doc.valid_until) == (valid_from, valid_until)
