"""Versions: documents with the same title are versions of one another; the newest is the current one.

Derived when a build is opened (pure, over the document table and the day), so full and incremental builds agree. A
status given by the operator or stated in the text wins; only documents without one get current/superseded here.
Then the repeals the documents state are applied (search/repeals.py), over any status of a document in force.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from search import analysis
from search.repeals import apply_repeals
from search.store import DocMeta
from search.validity import today


def version_key(meta: DocMeta) -> str:
    # Same title in the same region; spacing and script do not make another document.
    return analysis.normalize("".join(meta.title.split())) + "|" + (meta.region or "")


def link_versions(
    metas: Iterable[DocMeta], day: dt.date | None = None
) -> tuple[dict[str, DocMeta], dict[str, tuple[str, ...]]]:
    """The document table with statuses filled in and the repeals in force on `day` (default: today, see
    search/validity.today) applied, and each versioned document's versions, newest first."""
    groups: dict[str, list[DocMeta]] = defaultdict(list)
    docs: dict[str, DocMeta] = {}
    for m in metas:
        docs[m.doc_id] = m
        groups[version_key(m)].append(m)
    versions: dict[str, tuple[str, ...]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda m: (m.date or "", m.source), reverse=True)
        ids = tuple(m.doc_id for m in members)
        newest_date = members[0].date
        for m in members:
            versions[m.doc_id] = ids
            if m.status is None:
                # Byte-identical copies in two folders share the newest date: both are current.
                status = "current" if m.date == newest_date else "superseded"
                superseded_by = None if status == "current" else members[0].source
                docs[m.doc_id] = replace(m, status=status, superseded_by=m.superseded_by or superseded_by)
    return apply_repeals(docs, day or today()), versions
