"""Suggestions as you type: document titles and 文号 that contain what was typed.

Pure functions over the in-memory document table: `suggestion_table` normalises every title and number once
(per build), `suggest` answers one prefix against that table.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from search import analysis
from search.docno import canonical_doc_number
from search.results import DOC_URL
from search.store import DocMeta

MAX_SUGGESTIONS = 8
MIN_QUERY_CHARS = 1
MAX_QUERY_CHARS = 60
# Where the typed text appears decides the order: a title or number that starts with it comes first.
RANK_PREFIX, RANK_INSIDE = 0, 1
KIND_ORDER = {"doc_number": 0, "title": 1}
# Spaces are dropped and every bracket is one kind, so 郑政文[2017 finds 郑政文〔2017〕60号.
_FOLD = str.maketrans("[【〔〖［", "(((((", " \u3000\t\n") | str.maketrans("]】〕〗］", ")))))")


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str  # the title or 文号 as the document writes it
    kind: str  # "title" or "doc_number"
    url: str  # the document view

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "kind": self.kind, "url": self.url}


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str  # normalised, without spaces
    label: str
    kind: str
    doc_id: str
    date: str


def _key(text: str) -> str:
    return analysis.normalize(text).translate(_FOLD)


def suggestion_table(docs: Mapping[str, DocMeta]) -> tuple[_Entry, ...]:
    """Every title and 文号 of the index, normalised for matching."""
    entries = []
    for doc_id, meta in docs.items():
        if meta.title:
            entries.append(_Entry(_key(meta.title), meta.title, "title", doc_id, meta.date or ""))
        if meta.doc_number:
            entries.append(_Entry(_key(meta.doc_number), meta.doc_number, "doc_number", doc_id, meta.date or ""))
    return tuple(entries)


def suggest(table: tuple[_Entry, ...], q: str, limit: int = MAX_SUGGESTIONS) -> tuple[Suggestion, ...]:
    """Up to `limit` titles and numbers containing `q`: prefix matches first, then shorter, then newer."""
    q = q.strip()[:MAX_QUERY_CHARS]
    needle = _key(q)
    if len(needle) < MIN_QUERY_CHARS:
        return ()
    # A number typed in another spelling (郑政文[2017]60号) is looked up in its canonical form too.
    canonical = canonical_doc_number(q)
    needles = {needle} | ({_key(canonical)} if canonical else set())
    found = []
    for e in table:
        positions = [e.key.find(n) for n in needles if n in e.key]
        if not positions:
            continue
        rank = RANK_PREFIX if min(positions) == 0 else RANK_INSIDE
        # Newest first within a rank (negated character codes invert the ISO date's order); undated last.
        newest = (not e.date, tuple(-ord(c) for c in e.date))
        found.append(((rank, KIND_ORDER[e.kind], len(e.key), newest, e.label), e))
    found.sort(key=lambda pair: pair[0])
    out: list[Suggestion] = []
    seen: set[tuple[str, str]] = set()
    for _, e in found:
        if (e.kind, e.label) in seen:
            continue
        seen.add((e.kind, e.label))
        out.append(Suggestion(label=e.label, kind=e.kind, url=DOC_URL.format(doc_id=e.doc_id)))
        if len(out) == limit:
            break
    return tuple(out)


_tables: dict[str, tuple[_Entry, ...]] = {}
_tables_lock = threading.Lock()
TABLES_KEPT = 2


def table_for(build_id: str, docs: Mapping[str, DocMeta]) -> tuple[_Entry, ...]:
    """The suggestion table of a build, computed on first use and kept while the build is served."""
    table = _tables.get(build_id)
    if table is None:
        with _tables_lock:
            table = _tables.get(build_id)
            if table is None:
                table = suggestion_table(docs)
                while len(_tables) >= TABLES_KEPT:
                    _tables.pop(next(iter(_tables)))
                _tables[build_id] = table
    return table
