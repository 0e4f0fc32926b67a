"""Validity periods: the date arithmetic of a stated term, extensions by later documents, and what has lapsed.

A document states its own period (有效期5年, 有效期至…, 试行2年): the indexer stores its last day as
`valid_until` (indexer/validity.py reads the text). Whether it has lapsed depends on the day a question is asked,
not on the day of the build, so "expired" is never stored: it is decided here, at query time, from the
`valid_until` of the served build, the extensions of later documents (`extends`) and today's date (GOVLAW_TODAY,
for tests and for looking ahead, else the server's local date).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from search import analysis
from search.docno import canonical_doc_number
from search.store import DocMeta

TODAY_ENV = "GOVLAW_TODAY"
# Statuses that a lapsed period turns into "expired"; a repealed, superseded or draft document stays what it is.
LAPSING_STATUSES = (None, "current", "trial", "amended")
EXPIRED = "expired"
# The 有效期 facet: its values in the order the page lists them, their labels, and the horizons (days from today).
SOON_DAYS = 90
YEAR_DAYS = 365
VALIDITY_FACET = "validity"
VALIDITY_LABEL = "有效期"
VALIDITY_VALUES = ("expired", "soon", "year", "later", "none")
VALIDITY_LABELS = {
    "expired": "已过有效期",
    "soon": "90天内到期",
    "year": "一年内到期",
    "later": "一年后到期",
    "none": "未载明有效期",
}
_EXTENSION_RE = re.compile(
    r"^(?P<target>.+?)\s*延长(?:至\s*(?P<date>\d{4}-\d\d-\d\d)|\s*(?P<n>\d+)\s*(?P<unit>年|个月))$"
)
_SPACES = str.maketrans("", "", " \u3000\t\n")


class TodayError(ValueError):
    """GOVLAW_TODAY is set to something that is not a date."""


def today() -> dt.date:
    """The day questions are answered for: GOVLAW_TODAY (YYYY-MM-DD) where set, else the local date."""
    raw = os.environ.get(TODAY_ENV, "").strip()
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise TodayError(f"{TODAY_ENV} must be a date as YYYY-MM-DD, got {raw[:40]!r}") from None


def add_term(start: dt.date, years: int = 0, months: int = 0) -> dt.date:
    """The last day of a term of `years` and `months` starting on `start`: the day before its anniversary.

    A term from 29 February ends on 28 February (the anniversary of a day a year lacks is 1 March): 2020-02-29
    plus one year is 2021-02-28; 2020-03-01 plus four years is 2024-02-29.
    """
    total = start.month - 1 + months + 12 * years
    year, month = start.year + total // 12, total % 12 + 1
    try:
        anniversary = dt.date(year, month, start.day)
    except ValueError:  # 29-31 in a shorter month: the term runs to that month's end
        anniversary = dt.date(year + month // 12, month % 12 + 1, 1)
    return anniversary - dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Extension:
    """One `extends` value: a document named by 《title》 or 文号, and its new last day or added term."""

    target: str
    until: str | None = None  # ISO date
    years: int = 0
    months: int = 0

    def text(self) -> str:
        """As stored in `extends`."""
        if self.until:
            return f"{self.target} 延长至 {self.until}"
        return f"{self.target} 延长 {self.years}年" if self.years else f"{self.target} 延长 {self.months}个月"


def parse_extension(value: str) -> Extension | None:
    """An `extends` value read back ("《某办法》 延长至 2025-12-31", "某政〔2019〕5号 延长 2年"); None if malformed."""
    m = _EXTENSION_RE.match(value.strip())
    if not m:
        return None
    if m.group("date"):
        return Extension(m.group("target"), until=m.group("date"))
    n = int(m.group("n"))
    return Extension(m.group("target"), years=n) if m.group("unit") == "年" else Extension(m.group("target"), months=n)


def _title_key(title: str) -> str:
    return analysis.normalize(title.translate(_SPACES)).removeprefix("中华人民共和国")


def _number_key(number: str) -> str:
    return analysis.normalize(canonical_doc_number(number) or number)


@dataclass(frozen=True, slots=True)
class Lapse:
    """A document's period as the search sees it: its last day after extensions, and the documents extending it."""

    valid_until: str
    stated: str  # the document's own valid_until
    extended_by: tuple[str, ...] = ()  # doc ids, in the order applied


def resolve(docs: Mapping[str, DocMeta]) -> dict[str, Lapse]:
    """The period of every document that states one, extended by later documents that name it (by 文号, or by
    title among documents with no such number). An extension counts only from a document dated on or after the one
    it extends; of several, the latest last day wins."""
    by_number: dict[str, list[str]] = {}
    by_title: dict[str, list[str]] = {}
    for doc_id, meta in docs.items():
        if meta.doc_number:
            by_number.setdefault(_number_key(meta.doc_number), []).append(doc_id)
        by_title.setdefault(_title_key(meta.title), []).append(doc_id)
    out = {d: Lapse(m.valid_until, m.valid_until) for d, m in docs.items() if m.valid_until}
    for doc_id in sorted(docs, key=lambda d: (docs[d].date or "", d)):
        meta = docs[doc_id]
        for value in meta.extends:
            ext = parse_extension(value)
            if ext is None:
                continue
            target = ext.target.strip()
            if target.startswith("《"):
                found = by_title.get(_title_key(target.strip("《》")), [])
            else:
                found = by_number.get(_number_key(target), [])
            for t in found:
                target_date = docs[t].date
                if t == doc_id or (target_date and meta.date and meta.date < target_date):
                    continue
                before = out.get(t)
                if ext.until:
                    new = ext.until
                elif before is not None:
                    new = add_term(
                        dt.date.fromisoformat(before.valid_until) + dt.timedelta(days=1), ext.years, ext.months
                    ).isoformat()
                else:
                    continue  # a term added to a period the document never stated
                if before is None:
                    out[t] = Lapse(new, "", (doc_id,))
                elif new > before.valid_until:
                    out[t] = Lapse(new, before.stated, (*before.extended_by, doc_id))
    return out


def status_on(status: str | None, valid_until: str | None, day: dt.date) -> str | None:
    """The status shown on `day`: "expired" after the last day of a period, for a document still in force."""
    if valid_until and status in LAPSING_STATUSES and valid_until < day.isoformat():
        return EXPIRED
    return status


def bucket(status: str | None, valid_until: str | None, day: dt.date) -> str:
    """The document's value of the 有效期 facet on `day` (one of VALIDITY_VALUES)."""
    if not valid_until:
        return "none"
    if status == EXPIRED or valid_until < day.isoformat():
        return "expired"
    if valid_until <= (day + dt.timedelta(days=SOON_DAYS)).isoformat():
        return "soon"
    if valid_until <= (day + dt.timedelta(days=YEAR_DAYS)).isoformat():
        return "year"
    return "later"
