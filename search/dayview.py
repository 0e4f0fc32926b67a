"""What a served build looks like on one day: each document's status and period after extensions, and the two
facets that change with the date (status, where a period lapsed, and 有效期).

Computed once per build and day (kept with the build's other derived arrays, `OpenIndex.memo`), so a server
running past midnight answers for the new day without a new build, and a build made yesterday lists as expired
what lapsed today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from search.index import OpenIndex
from search.validity import VALIDITY_FACET, VALIDITY_VALUES, Lapse, bucket, resolve, status_on, today

# The facets whose values depend on the day.
DAY_FACETS = ("status", VALIDITY_FACET)


@dataclass(frozen=True, slots=True)
class DayView:
    day: dt.date
    status: tuple[str | None, ...]  # ordinal -> status on the day
    valid_until: tuple[str | None, ...]  # ordinal -> last day of its period after extensions
    validity: tuple[str, ...]  # ordinal -> value of the 有效期 facet
    facet_names: dict[str, tuple[str, ...]]
    facet_pairs: dict[str, tuple[np.ndarray, np.ndarray]]


def lapses(index: OpenIndex) -> dict[str, Lapse]:
    """Every stated period of the build, with the extensions of later documents applied (once per build)."""
    return index.memo("validity-lapses", lambda: resolve(index.docs))


def _pairs(values: tuple[str | None, ...], order: tuple[str, ...] = ()) -> tuple[tuple[str, ...], tuple]:
    names = {v: i for i, v in enumerate(order)}
    ords, vals = [], []
    for o, v in enumerate(values):
        if v:
            ords.append(o)
            vals.append(names.setdefault(v, len(names)))
    return tuple(names), (np.asarray(ords, dtype=np.int32), np.asarray(vals, dtype=np.int32))


def _compute(index: OpenIndex, day: dt.date) -> DayView:
    found = lapses(index)
    ids = index.table.ids
    until = tuple(found[d].valid_until if d in found else None for d in ids)
    status = tuple(status_on(index.docs[d].status, u, day) for d, u in zip(ids, until, strict=True))
    validity = tuple(bucket(s, u, day) for s, u in zip(status, until, strict=True))
    status_names, status_pairs = _pairs(status)
    validity_names, validity_pairs = _pairs(validity, VALIDITY_VALUES)
    return DayView(
        day=day,
        status=status,
        valid_until=until,
        validity=validity,
        facet_names={"status": status_names, VALIDITY_FACET: validity_names},
        facet_pairs={"status": status_pairs, VALIDITY_FACET: validity_pairs},
    )


def day_view(index: OpenIndex, day: dt.date | None = None) -> DayView:
    """The build on `day` (default: today, see search/validity.today)."""
    day = day or today()
    return index.memo(("validity-day", day.isoformat()), lambda: _compute(index, day))
