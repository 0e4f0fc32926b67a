"""When each document was in force: the period from its entry into force to the entry into force of the version
that replaced it, computed when a build is first asked for a date (pure, over the document table).

A period starts on the document's `valid_from` (an operator's, or the text's own 本法自…起施行) or, without one,
on its `date` (an amendment by decision takes effect when promulgated). It ends the day the next version of the
same law (search/versions.py) or the document its operator names as `superseded_by` enters into force. A repealed
or replaced document whose end the index does not know, and a draft, are in force on no day: the search as of a
date never offers what may no longer have been law then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from search.index import OpenIndex
from search.store import DocMeta

# Statuses of a document that is no longer in force (or never was), whatever its versions say.
ENDED_STATUSES = ("repealed", "superseded", "amended")
NEVER_STATUSES = ("draft",)
# Day numbers (YYYYMMDD as an integer) standing for "since always" and "still in force".
ALWAYS = 0
FOREVER = 99_999_999


@dataclass(frozen=True, slots=True)
class Period:
    """The days a document is in force: from `start` (None: since before anything the index knows) to the day
    before `end` (None: still in force). `known` is False for a document no longer in force whose end the index
    does not know, or a draft: in force on no day."""

    start: str | None
    end: str | None
    known: bool = True

    def covers(self, day: str) -> bool:
        """In force on `day` (YYYY-MM-DD)."""
        if not self.known:
            return False
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    def to_dict(self) -> dict[str, str | bool | None]:
        return {"from": self.start, "until": self.end, "known": self.known}


def start_of(meta: DocMeta) -> str | None:
    """The first day in force: `valid_from` unless it is before the version's own date (an amended text that
    keeps its first enactment's clause), else the date."""
    if meta.valid_from and (meta.date is None or meta.valid_from >= meta.date):
        return meta.valid_from
    return meta.date


def periods(docs: Mapping[str, DocMeta], versions: Mapping[str, tuple[str, ...]]) -> dict[str, Period]:
    """Every document's period in force."""
    by_source = {m.source: m.doc_id for m in docs.values()}
    starts = {d: start_of(m) for d, m in docs.items()}
    # Which version is later goes by the version's date: documents of one title and date are copies, or parts
    # of one code (the books of the Civil Code), even where one of them states its entry into force and
    # another does not.
    order = {d: m.date or starts[d] for d, m in docs.items()}
    # The parts of one version enter into force together, on the day one of them states (the Civil Code's
    # clause is in its last book only).
    for doc_id in list(starts):
        same = [v for v in versions.get(doc_id, ()) if order[v] == order[doc_id] and starts[v]]
        if same and order[doc_id] is not None:
            starts[doc_id] = max(starts[v] or "" for v in same) or None
    out: dict[str, Period] = {}
    for doc_id, meta in docs.items():
        start = starts[doc_id]
        if meta.status in NEVER_STATUSES:
            out[doc_id] = Period(start, None, known=False)
            continue
        # The next version: the earliest to enter into force after this one (copies of one version, entering
        # into force the same day, do not end each other).
        own_order = order[doc_id]
        later = [
            s
            for v in versions.get(doc_id, ())
            if v != doc_id
            and (s := starts[v])
            and (start is None or s > start)
            and (own_order is None or (order[v] or "") > own_order)
        ]
        successor = by_source.get(meta.superseded_by or "")
        if successor and successor != doc_id and (s := starts[successor]) and (start is None or s > start):
            later.append(s)
        # A copy of this version (entering into force the same day) still in force: this one is too (the
        # statuses of versions are derived from their dates, which copies may not share).
        copy_in_force = any(
            (starts[v] == start or order[v] == order[doc_id]) and docs[v].status not in ENDED_STATUSES + NEVER_STATUSES
            for v in versions.get(doc_id, ())
            if v != doc_id
        )
        if later:
            out[doc_id] = Period(start, min(later))
        elif meta.status in ENDED_STATUSES and not copy_in_force:
            out[doc_id] = Period(start, None, known=False)
        else:
            out[doc_id] = Period(start, None)
    return out


def day_number(day: str | None, default: int) -> int:
    return int(day.replace("-", "")) if day else default


@dataclass(frozen=True, slots=True)
class PeriodTable:
    """The periods of a build over document ordinals: the first day in force and the first day no longer in
    force, as YYYYMMDD integers, so that a date filter is two comparisons over whole arrays."""

    by_doc: dict[str, Period]
    starts: np.ndarray
    ends: np.ndarray

    def mask(self, day: str) -> np.ndarray:
        """Documents in force on `day` (YYYY-MM-DD), a boolean array over ordinals."""
        n = day_number(day, ALWAYS)
        return (self.starts <= n) & (n < self.ends)


def period_table(index: OpenIndex) -> PeriodTable:
    """The periods of the build's documents (computed once per build, on first use)."""

    def compute() -> PeriodTable:
        by_doc = periods(index.docs, index.versions)
        ids = index.table.ids
        starts = np.asarray([day_number(by_doc[d].start, ALWAYS) for d in ids], dtype=np.int64)
        ends = np.asarray(
            [day_number(by_doc[d].end, FOREVER) if by_doc[d].known else ALWAYS for d in ids], dtype=np.int64
        )
        return PeriodTable(by_doc=by_doc, starts=starts, ends=ends)

    return index.memo("periods", compute)


def in_force_version(index: OpenIndex, doc_id: str, day: str) -> str | None:
    """Of a document's versions (itself included), the one in force on `day`, if any."""
    table = period_table(index)
    for v in index.versions.get(doc_id, (doc_id,)):
        if table.by_doc[v].covers(day):
            return v
    return None
