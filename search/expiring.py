"""What lapses next, and what has lapsed but is still cited by documents in force: the /expiring page's data.

Built from the served build on one day (search/dayview.py), so the lists move with the date without a new build.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from search.dayview import day_view, lapses
from search.docview import DocLink, doc_link, relations_for
from search.fields import STATUS_LABELS
from search.index import OpenIndex
from search.validity import EXPIRED

# Statuses of a document that still applies (a citing document in force).
IN_FORCE = (None, "current", "trial", "amended")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Lapsing:
    """A document with a stated period: its last day (after extensions) and who cites it while in force."""

    doc: DocLink
    issuer: tuple[str, ...]
    valid_until: str
    stated: str  # its own valid_until ("" when only an extension gave it one)
    days: int  # days from the day asked to the last day (negative once lapsed)
    extended_by: tuple[DocLink, ...]
    cited_by: tuple[DocLink, ...]  # documents in force on the day that cite it

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.doc.to_dict(),
            "issuer": list(self.issuer),
            "valid_until": self.valid_until,
            "stated_valid_until": self.stated or None,
            "days": self.days,
            "extended_by": [d.to_dict() for d in self.extended_by],
            "cited_by": [d.to_dict() for d in self.cited_by],
        }


@dataclass(frozen=True, slots=True)
class Expiring:
    day: str
    upcoming: tuple[Lapsing, ...]  # in force, soonest last day first
    lapsed_cited: tuple[Lapsing, ...]  # expired and cited by documents in force, most recently lapsed first
    upcoming_total: int
    lapsed_cited_total: int
    limit: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "limit": self.limit,
            "upcoming_total": self.upcoming_total,
            "lapsed_cited_total": self.lapsed_cited_total,
            "upcoming": [e.to_dict() for e in self.upcoming],
            "lapsed_cited": [e.to_dict() for e in self.lapsed_cited],
        }


def expiring(index: OpenIndex, limit: int = DEFAULT_LIMIT, day: dt.date | None = None) -> Expiring:
    """The documents whose period ends next, and the lapsed ones still cited by documents in force."""
    view = day_view(index, day)
    found = lapses(index)
    relations = relations_for(index)
    status = dict(zip(index.table.ids, view.status, strict=True))

    def link(doc_id: str) -> DocLink:
        return doc_link_on(index, doc_id, status[doc_id])

    def entry(doc_id: str, citing: tuple[str, ...]) -> Lapsing:
        lapse = found[doc_id]
        return Lapsing(
            doc=link(doc_id),
            issuer=index.docs[doc_id].issuer,
            valid_until=lapse.valid_until,
            stated=lapse.stated,
            days=(dt.date.fromisoformat(lapse.valid_until) - view.day).days,
            extended_by=tuple(link(d) for d in lapse.extended_by),
            cited_by=tuple(link(d) for d in citing),
        )

    today = view.day.isoformat()
    upcoming = sorted(
        (d for d, lapse in found.items() if lapse.valid_until >= today and status[d] in IN_FORCE),
        key=lambda d: (found[d].valid_until, index.docs[d].title),
    )
    cited: list[tuple[str, tuple[str, ...]]] = []
    for d in found:
        if status[d] != EXPIRED:
            continue
        citing = tuple(c for c in relations.cited_by.get(d, ()) if status.get(c) in IN_FORCE)
        if citing:
            cited.append((d, citing))
    cited.sort(key=lambda dc: (found[dc[0]].valid_until, index.docs[dc[0]].title), reverse=True)

    def citing_in_force(doc_id: str) -> tuple[str, ...]:
        return tuple(c for c in relations.cited_by.get(doc_id, ()) if status.get(c) in IN_FORCE)

    return Expiring(
        day=today,
        upcoming=tuple(entry(d, citing_in_force(d)) for d in upcoming[:limit]),
        lapsed_cited=tuple(entry(d, citing) for d, citing in cited[:limit]),
        upcoming_total=len(upcoming),
        lapsed_cited_total=len(cited),
        limit=limit,
    )


def doc_link_on(index: OpenIndex, doc_id: str, status: str | None) -> DocLink:
    """A link to a document showing its status on the day asked."""
    return replace(doc_link(index.docs[doc_id]), status=status, status_label=STATUS_LABELS.get(status or ""))
