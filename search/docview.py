"""The document view: a document's metadata, outline and text with a query's terms marked, its other versions,
the documents it cites and the documents citing it.

Versions are the ones the index links when a build is opened (`OpenIndex.versions`, see search/versions.py), so
the view and the statuses the search shows agree. Citations are resolved against the whole document table; the
reverse map ("cited by") is computed once per build, on first use, by `relations_for`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from search import analysis, highlight
from search.answer import read_citations
from search.dayview import day_view, lapses
from search.docno import canonical_doc_number
from search.fields import BY_NAME, LABELLED, NAMES_SHOWN_JOINED_BY, PANEL, TEXT_LINES
from search.index import OpenIndex
from search.inforce import Period, in_force_version, period_table
from search.model import ATTACHMENTS_KEY, PAGE_FIELDS_KEY, Citation, Document
from search.plan import plan_query
from search.query import QueryError, parse_query
from search.results import DOC_URL, STATUS_LABELS
from search.store import DocMeta

MAX_MARK_QUERY = 200
# A cited title matches a document's title with or without these prefixes.
TITLE_PREFIXES = ("中华人民共和国",)
# When a citation names several documents (versions of one title), link the one in force, then the newest.
STATUS_PREFERENCE = {"current": 0, None: 1, "trial": 1, "amended": 2, "superseded": 3, "draft": 4, "repealed": 5}
MAX_CITED_BY = 200
RELATIONS_KEPT = 2
_SPACES = str.maketrans("", "", " \u3000\t\n")


@dataclass(frozen=True, slots=True)
class PanelLine:
    """One line of the document view's metadata panel; an empty `value` leaves the line blank."""

    name: str
    label: str
    value: str
    style: str  # "text", "time" (a <time>) or "path" (small print), see search/fields.py


@dataclass(frozen=True, slots=True)
class SectionView:
    anchor: str  # the section's id in the page, and its URL's fragment
    heading: str
    level: int
    paragraphs: tuple[str, ...]  # escaped HTML, only <mark> added


@dataclass(frozen=True, slots=True)
class DocLink:
    """Another document of the index, as a list entry links to it."""

    doc_id: str  # "id" in the JSON
    title: str
    doc_number: str | None
    date: str | None
    status: str | None
    status_label: str | None
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.doc_id,
            "title": self.title,
            "doc_number": self.doc_number,
            "date": self.date,
            "status": self.status,
            "status_label": self.status_label,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class CitedRef:
    """One reference of the text: a 《title》 or a 文号, and the document of the index it names, if any."""

    kind: str  # "title" or "doc_number"
    value: str
    doc: DocLink | None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "doc": self.doc.to_dict() if self.doc else None}


@dataclass(frozen=True, slots=True)
class Relations:
    """Lookup tables of one build: titles and numbers to documents, versions, and the reverse citation map."""

    by_title: Mapping[str, tuple[str, ...]]  # title_key -> doc ids, preferred first
    by_number: Mapping[str, tuple[str, ...]]  # normalised 文号 -> doc ids, preferred first
    cited_by: Mapping[str, tuple[str, ...]]  # doc id -> ids of documents citing it, newest first


@dataclass(frozen=True, slots=True)
class DocumentView:
    doc: Document
    status_label: str | None
    panel: tuple[PanelLine, ...]  # the metadata panel, line by line
    q: str
    sections: tuple[SectionView, ...]
    toc: tuple[SectionView, ...]  # the sections that have a heading
    versions: tuple[DocLink, ...]  # documents with the same normalised title, this one included, newest first
    cites: tuple[CitedRef, ...]
    cited_by: tuple[DocLink, ...]  # the newest MAX_CITED_BY of them
    cited_by_total: int
    url: str
    target: str | None = None  # the section an article number of `q` names (264条 typed in this document)
    target_note: str | None = None  # what `q` cited here: 第二百六十四条, or that this document has no such article
    periods: Mapping[str, Period] | None = None  # of this document and each version: when it was in force
    as_of: str | None = None  # a day asked about (YYYY-MM-DD)
    in_force_on_day: str | None = None  # the version (this document or another) in force on `as_of`, if any
    extended_by: tuple[DocLink, ...] = ()  # later documents extending its period (valid_until is theirs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of /api/doc/<id>: the document as stored, the labels of its labelled values ("status_label"),
        and its relations."""
        out = self.doc.to_dict()
        out.update({name: f.label_of(getattr(self.doc, f.name)) for name, f in LABELLED.items()})
        out.update(
            url=self.url,
            versions=[v.to_dict() for v in self.versions],
            cites=[c.to_dict() for c in self.cites],
            cited_by=[c.to_dict() for c in self.cited_by],
            cited_by_total=self.cited_by_total,
            target=self.target,
            target_note=self.target_note,
            periods={d: p.to_dict() for d, p in (self.periods or {}).items()},
            as_of=self.as_of,
            in_force_on_day=self.in_force_on_day,
            extended_by=[d.to_dict() for d in self.extended_by],
        )
        return out


def title_key(title: str) -> str:
    """A cited or stored title for matching: normalised, without spaces or a leading 中华人民共和国."""
    key = analysis.normalize(title).translate(_SPACES)
    for prefix in TITLE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
    return key


def number_key(number: str) -> str:
    return analysis.normalize(canonical_doc_number(number) or number).translate(_SPACES)


def _newest_first(ids: Iterable[str], docs: Mapping[str, DocMeta]) -> tuple[str, ...]:
    ids = sorted(ids, key=lambda d: docs[d].doc_id)
    ids.sort(key=lambda d: docs[d].date or "", reverse=True)
    return tuple(ids)


def _preferred_first(ids: Iterable[str], docs: Mapping[str, DocMeta]) -> tuple[str, ...]:
    return tuple(sorted(_newest_first(ids, docs), key=lambda d: STATUS_PREFERENCE.get(docs[d].status, 1)))


def resolve(relations: Relations, citation: Citation) -> tuple[str, ...]:
    """The documents a citation names, preferred first (empty when none of them is in the index)."""
    if citation.kind == "doc_number":
        return relations.by_number.get(number_key(citation.value), ())
    return relations.by_title.get(title_key(citation.value), ())


def build_relations(docs: Mapping[str, DocMeta], citations: Mapping[str, Sequence[Citation]]) -> Relations:
    """All lookup tables of a build from its document table and each document's citations."""
    by_title: dict[str, list[str]] = {}
    by_number: dict[str, list[str]] = {}
    for doc_id, meta in docs.items():
        if meta.title:
            by_title.setdefault(title_key(meta.title), []).append(doc_id)
        if meta.doc_number:
            by_number.setdefault(number_key(meta.doc_number), []).append(doc_id)
    partial = Relations(
        by_title={k: _preferred_first(v, docs) for k, v in by_title.items()},
        by_number={k: _preferred_first(v, docs) for k, v in by_number.items()},
        cited_by={},
    )
    cited_by: dict[str, set[str]] = {}
    for citing, cited in citations.items():
        for c in cited:
            for target in resolve(partial, c):
                if target != citing:
                    cited_by.setdefault(target, set()).add(citing)
    return Relations(
        by_title=partial.by_title,
        by_number=partial.by_number,
        cited_by={k: _newest_first(v, docs) for k, v in cited_by.items()},
    )


_relations: dict[str, Relations] = {}
_relations_lock = threading.Lock()


def relations_for(index: OpenIndex) -> Relations:
    """The relations of the served build, computed on first use (one pass over the store) and kept."""
    found = _relations.get(index.build_id)
    if found is None:
        with _relations_lock:
            found = _relations.get(index.build_id)
            if found is None:
                citations = {}
                for doc_id in index.docs:
                    doc = index.store.get(doc_id)
                    citations[doc_id] = doc.citations if doc is not None else ()
                found = build_relations(index.docs, citations)
                while len(_relations) >= RELATIONS_KEPT:
                    _relations.pop(next(iter(_relations)))
                _relations[index.build_id] = found
    return found


def doc_link(meta: DocMeta) -> DocLink:
    return DocLink(
        doc_id=meta.doc_id,
        title=meta.title,
        doc_number=meta.doc_number,
        date=meta.date,
        status=meta.status,
        status_label=STATUS_LABELS.get(meta.status or ""),
        url=DOC_URL.format(doc_id=meta.doc_id),
    )


def _terms(q: str) -> tuple[str, ...]:
    if not q or len(q) > MAX_MARK_QUERY:
        return ()
    try:
        return plan_query(parse_query(q)).highlight
    except QueryError:
        return ()


def document_relations(
    docs: Mapping[str, DocMeta], relations: Relations, doc: Document, versions: Sequence[str] = ()
) -> tuple[tuple[DocLink, ...], tuple[CitedRef, ...], tuple[DocLink, ...]]:
    """A document's versions (ids newest first, as the index links them), its citations (linked where the index
    has them) and the documents citing it."""
    cites = []
    seen: set[tuple[str, str]] = set()
    for c in doc.citations:
        if (c.kind, c.value) in seen:
            continue
        seen.add((c.kind, c.value))
        targets = [t for t in resolve(relations, c) if t != doc.doc_id]
        cites.append(CitedRef(kind=c.kind, value=c.value, doc=doc_link(docs[targets[0]]) if targets else None))
    cited_by = relations.cited_by.get(doc.doc_id, ())[:MAX_CITED_BY]
    return (
        tuple(doc_link(docs[v]) for v in versions) if len(versions) > 1 else (),
        tuple(cites),
        tuple(doc_link(docs[d]) for d in cited_by),
    )


def _target(index: OpenIndex, doc_id: str, q: str) -> tuple[str | None, str | None]:
    """The article `q` cites in this document (an article number alone, or this law's name with one), and a line
    saying what was found."""
    if not q or len(q) > MAX_MARK_QUERY:
        return None, None
    reading = read_citations(index, q, scope=[index.table.ordinal[doc_id]])
    for answer in reading.answers:
        if answer.doc_id == doc_id:
            return answer.section_id, answer.reference
    for note in reading.notes:
        if "没有" in note and index.docs[doc_id].title in note:
            return None, note
    return None, None


def document_view(
    index: OpenIndex, doc_id: str, q: str = "", as_of: str | None = None, day: dt.date | None = None
) -> DocumentView | None:
    """The view of one document, with its status and period as on `day` (default: today); `as_of` (YYYY-MM-DD)
    asks which of its versions was in force that day."""
    doc = index.store.get(doc_id)
    if doc is None:
        return None
    on_day = day_view(index, day)
    ordinal = index.table.ordinal[doc_id]
    doc = replace(doc, status=on_day.status[ordinal], valid_until=on_day.valid_until[ordinal])
    lapse = lapses(index).get(doc_id)
    terms = _terms(q)
    target, target_note = _target(index, doc_id, q)
    views = []
    for s in doc.sections:
        lines = [line for line in doc.section_text(s).split("\n") if line.strip()]
        views.append(
            SectionView(
                anchor=s.anchor,
                heading=s.heading,
                level=s.level,
                paragraphs=tuple(highlight.mark_text(line, terms) for line in lines),
            )
        )
    relations = relations_for(index)
    versions, cites, cited_by = document_relations(index.docs, relations, doc, index.versions.get(doc.doc_id, ()))
    by_doc = period_table(index).by_doc
    return DocumentView(
        doc=doc,
        status_label=STATUS_LABELS.get(doc.status or ""),
        panel=panel_lines(doc),
        q=q,
        sections=tuple(views),
        toc=tuple(v for v in views if v.heading),
        versions=versions,
        cites=cites,
        cited_by=cited_by,
        cited_by_total=len(relations.cited_by.get(doc.doc_id, ())),
        url=DOC_URL.format(doc_id=doc.doc_id),
        target=target,
        target_note=target_note,
        periods={d: by_doc[d] for d in index.versions.get(doc.doc_id, (doc.doc_id,))},
        as_of=as_of,
        in_force_on_day=in_force_version(index, doc.doc_id, as_of) if as_of else None,
        extended_by=tuple(doc_link(index.docs[d]) for d in lapse.extended_by) if lapse else (),
    )


def panel_lines(doc: Document) -> tuple[PanelLine, ...]:
    """The metadata panel: one line per field search/fields.py marks `panel`, in its order (a field empty here
    shows its `panel_fallback` instead: the year of a document without a date)."""
    out = []
    for f in PANEL:
        value = f.shown(getattr(doc, f.name))
        if not value and f.panel_fallback:
            fallback = BY_NAME[f.panel_fallback]
            value = fallback.shown(getattr(doc, fallback.name))
            if value:
                out.append(PanelLine(fallback.name, fallback.label, value, "text"))
                continue
        out.append(PanelLine(f.name, f.label, value, f.panel or "text"))
    # A web page's 信息公开 table, every field as the page labels it, and its attachments.
    for label, value in doc.extra.get(PAGE_FIELDS_KEY) or ():
        if value:
            out.append(PanelLine(f"page:{label}", label, str(value), "text"))
    attachments = doc.extra.get(ATTACHMENTS_KEY) or ()
    if attachments:
        out.append(PanelLine("attachments", "附件", NAMES_SHOWN_JOINED_BY.join(map(str, attachments)), "text"))
    return tuple(out)


def document_text(doc: Document) -> str:
    """The plain-text download: the title, one line per known metadata field, a blank line, the text."""
    lines = [doc.title, ""]
    for f in TEXT_LINES:
        value = f.shown(getattr(doc, f.name))
        if value:
            lines.append(f"{f.label}：{value}")
    return "\n".join(lines) + "\n\n" + doc.text.rstrip("\n") + "\n"
