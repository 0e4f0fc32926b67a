"""Periods in force: from the text's or the operator's entry into force to the next version's."""

from __future__ import annotations

import pytest

from indexer.metadata import effective_date, extract_metadata
from search.inforce import Period, periods, start_of
from search.store import DocMeta


def meta(doc_id: str, date: str | None, valid_from: str | None = None, status: str | None = None, **kw) -> DocMeta:
    return DocMeta.from_dict(
        {"doc_id": doc_id, "source": f"laws/{doc_id}.md", "title": "某法", "date": date, "valid_from": valid_from}
        | {"status": status}
        | kw
    )


def test_effective_date_is_the_texts_own_clause():
    norm = "第二百六十六条 本法自2024年7月1日起施行。\n本法施行前已登记设立的公司……"
    assert effective_date(norm, "2023-12-29") == "2024-07-01"
    assert effective_date("本规定自二〇二一年三月一日起实施。", None) == "2021-03-01"
    assert effective_date("施行日期: 2020-05-15\n第一条 ……", "2020-05-14") == "2020-05-15"


def test_an_amended_texts_first_clause_is_no_date_of_the_version():
    # 公司法 2018 keeps the clause of its 2005 revision; its own entry into force is not in the text.
    assert effective_date("第二百一十八条 本法自2006年1月1日起施行。", "2018-10-26") is None
    # Another law's date in a transitional article is not this text's.
    assert effective_date("《中华人民共和国合同法》自1999年10月1日起施行。", "2020-05-28") is None


def test_extract_metadata_reads_valid_from():
    text = (
        "中华人民共和国测试法\n\n2023年12月29日第十四届全国人民代表大会常务委员会第七次会议通过\n\n"
        "第一条 为了测试，制定本法。\n第二条 本法自2024年7月1日起施行。\n"
    )
    m = extract_metadata(text, filename="测试法(2023-12-29).md")
    assert (m.date, m.valid_from) == ("2023-12-29", "2024-07-01")


def test_start_of_prefers_valid_from_unless_before_the_date():
    assert start_of(meta("a", "2023-12-29", "2024-07-01")) == "2024-07-01"
    assert start_of(meta("a", "2019-07-26", "2004-10-01")) == "2019-07-26"
    assert start_of(meta("a", None, "2004-10-01")) == "2004-10-01"
    assert start_of(meta("a", None)) is None


def test_a_version_ends_when_the_next_enters_into_force():
    docs = {
        "old": meta("old", "2018-10-26", "2018-10-26", "superseded"),
        "new": meta("new", "2023-12-29", "2024-07-01", "current"),
        "draft": meta("draft", "2023-01-01", None, "draft"),
        "gone": meta("gone", "2001-01-01", None, "repealed"),
        "plain": meta("plain", "2015-03-01"),
        "undated": meta("undated", None, None, "superseded"),
        "later": meta("later", "2020-01-01", None, "current", superseded_by=None),
    }
    versions = {
        "old": ("new", "old"),
        "new": ("new", "old"),
        "undated": ("later", "undated"),
        "later": ("later", "undated"),
    }
    got = periods(docs, versions)
    assert got == {
        "old": Period("2018-10-26", "2024-07-01"),
        "new": Period("2024-07-01", None),
        "draft": Period("2023-01-01", None, known=False),
        "gone": Period("2001-01-01", None, known=False),
        "plain": Period("2015-03-01", None),
        "undated": Period(None, "2020-01-01"),
        "later": Period("2020-01-01", None),
    }
    assert [d for d in ("old", "new") if got[d].covers("2024-06-30")] == ["old"]
    assert [d for d in ("old", "new") if got[d].covers("2024-07-01")] == ["new"]
    assert not got["old"].covers("2018-10-25") and not got["draft"].covers("2024-01-01")
    assert got["undated"].covers("1990-01-01") and not got["undated"].covers("2020-01-01")


def test_operator_successor_ends_a_period_and_copies_do_not_end_each_other():
    docs = {
        "a": meta("a", "2010-01-01", None, "superseded", superseded_by="laws/b.md"),
        "b": meta("b", "2016-05-01", None, "current", title="另一名称"),
        "c1": meta("c1", "2011-10-29", "2012-01-01"),
        "c2": meta("c2", "2011-10-29", "2012-01-01"),
        # A copy whose status the version linking derived as superseded (it has no date of its own).
        "d1": meta("d1", "2022-03-01", "2022-03-15", "current"),
        "d2": meta("d2", None, "2022-03-15", "superseded"),
        # Two books of one code: one states the entry into force of both.
        "b1": meta("b1", "2020-05-28", None, "current"),
        "b2": meta("b2", "2020-05-28", "2021-01-01", "current"),
    }
    pairs = (("c1", "c2"), ("d1", "d2"), ("b1", "b2"))
    got = periods(docs, {d: pair for pair in pairs for d in pair})
    assert got["a"] == Period("2010-01-01", "2016-05-01")
    assert got["c1"] == got["c2"] == Period("2012-01-01", None)
    assert got["d1"] == got["d2"] == Period("2022-03-15", None)
    assert got["b1"] == got["b2"] == Period("2021-01-01", None)


@pytest.mark.parametrize("day", ["2024-7-1", "20240701", "2024-02-30", "2024", "yesterday"])
def test_bad_days_are_refused(day):
    from search.params import ParamError, params_from

    with pytest.raises(ParamError, match="as_of"):
        params_from({"as_of": day})
