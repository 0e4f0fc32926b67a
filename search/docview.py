"""The document view: a document's metadata, outline and text, with a query's terms marked."""
from __future__ import annotations

from dataclasses import dataclass

from search import highlight
from search.index import OpenIndex
from search.model import Document
from search.plan import plan_query
from search.query import QueryError, parse_query
from search.results import STATUS_LABELS

MAX_MARK_QUERY = 200


@dataclass(frozen=True, slots=True)
class SectionView:
    id: str
    heading: str
    level: int
    paragraphs: tuple[str, ...]     # escaped HTML, only <mark> added


@dataclass(frozen=True, slots=True)
class DocumentView:
    doc: Document
    status_label: str | None
    q: str
    sections: tuple[SectionView, ...]
    toc: tuple[SectionView, ...]    # the sections that have a heading


def _terms(q: str) -> tuple[str, ...]:
    if not q or len(q) > MAX_MARK_QUERY:
        return ()
    try:
        return plan_query(parse_query(q)).highlight
    except QueryError:
        return ()


def document_view(index: OpenIndex, doc_id: str, q: str = "") -> DocumentView | None:
    doc = index.store.get(doc_id)
    if doc is None:
        return None
    terms = _terms(q)
    views = []
    for s in doc.sections:
        lines = [line for line in doc.section_text(s).split("\n") if line.strip()]
        views.append(SectionView(id=s.id, heading=s.heading, level=s.level,
                                 paragraphs=tuple(highlight.mark_text(line, terms) for line in lines)))
    return DocumentView(doc=doc, status_label=STATUS_LABELS.get(doc.status or ""), q=q, sections=tuple(views),
                        toc=tuple(v for v in views if v.heading))
