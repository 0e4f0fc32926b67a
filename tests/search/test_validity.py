"""Extensions by later documents, and the status and 有效期 bucket of a period on a given day."""

from __future__ import annotations

import datetime as dt

import pytest

from search.store import DocMeta
from search.validity import Lapse, TodayError, bucket, parse_extension, resolve, status_on, today


def _meta(doc_id: str, *, date: str, number: str | None = None, title: str = "", until=None, extends=()) -> DocMeta:
    return DocMeta(
        doc_id=doc_id,
        source=f"s/{doc_id}.txt",
        title=title or f"某市{doc_id}办法",
        issuer=(),
        doc_number=number,
        year=int(date[:4]),
        date=date,
        doc_type=None,
        level=None,
        region=None,
        status=None,
        valid_from=None,
        valid_until=until,
        extends=tuple(extends),
        repeals=(),
        superseded_by=None,
        content_hash="",
    )


def test_extensions_by_number_by_title_and_by_a_term():
    docs = {
        "a": _meta("a", date="2019-06-01", number="某政〔2019〕5号", until="2024-06-30"),
        "b": _meta("b", date="2020-01-01", title="某市乙办法", until="2023-12-31"),
        "c": _meta("c", date="2021-03-01", number="某政〔2021〕1号", until="2024-02-29"),
        "x": _meta(
            "x",
            date="2024-05-01",
            extends=(
                "某政〔2019〕5号 延长至 2026-12-31",
                "《某市乙办法》 延长至 2025-12-31",
                "某政〔2021〕1号 延长 1年",
            ),
        ),
        # An earlier document cannot extend a later one; a shorter extension never shortens a period.
        "old": _meta("old", date="2018-01-01", extends=("某政〔2021〕1号 延长至 2030-01-01",)),
        "short": _meta("short", date="2024-06-01", extends=("某政〔2019〕5号 延长至 2025-01-01",)),
    }
    assert resolve(docs) == {
        "a": Lapse("2026-12-31", "2024-06-30", ("x",)),
        "b": Lapse("2025-12-31", "2023-12-31", ("x",)),
        "c": Lapse("2025-02-28", "2024-02-29", ("x",)),
    }


def test_a_malformed_extension_is_ignored():
    assert parse_extension("某政〔2019〕5号 延长") is None
    assert parse_extension("某政〔2019〕5号 延长 3个月").months == 3


@pytest.mark.parametrize(
    ("status", "until", "day", "shown", "value"),
    [
        ("current", "2024-12-31", "2024-12-31", "current", "soon"),
        ("current", "2024-12-31", "2025-01-01", "expired", "expired"),
        (None, "2024-12-31", "2025-01-01", "expired", "expired"),
        ("trial", "2024-12-31", "2025-01-01", "expired", "expired"),
        ("repealed", "2024-12-31", "2025-01-01", "repealed", "expired"),
        ("draft", "2024-12-31", "2025-01-01", "draft", "expired"),
        (None, "2025-03-31", "2025-01-01", None, "soon"),
        (None, "2025-04-01", "2025-01-01", None, "soon"),
        (None, "2025-04-02", "2025-01-01", None, "year"),
        (None, "2026-01-01", "2025-01-01", None, "year"),
        (None, "2026-01-02", "2025-01-01", None, "later"),
        ("current", None, "2025-01-01", "current", "none"),
    ],
)
def test_status_and_bucket_on_a_day(status, until, day, shown, value):
    on = dt.date.fromisoformat(day)
    assert status_on(status, until, on) == shown
    assert bucket(shown, until, on) == value


def test_today_is_injectable(monkeypatch):
    monkeypatch.setenv("GOVLAW_TODAY", "2030-02-28")
    assert today() == dt.date(2030, 2, 28)
    monkeypatch.setenv("GOVLAW_TODAY", "2030-02-30")
    with pytest.raises(TodayError, match="GOVLAW_TODAY must be a date as YYYY-MM-DD, got '2030-02-30'"):
        today()
