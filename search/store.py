"""The document store of a build: each cleaned document's metadata and text, beside the Whoosh index.

SQLite, written once by the indexer and opened read-only by the search side; the metadata of every document
is small enough to hold in memory for facet counts and filters.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from search.model import Document, Section

STORE_FILE = "docs.sqlite"

_SCHEMA = """
CREATE TABLE docs (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    text TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class DocMeta:
    """A document without its text: what hits, facets and filters need."""

    doc_id: str
    source: str
    title: str
    issuer: tuple[str, ...]
    doc_number: str | None
    year: int | None
    date: str | None
    doc_type: str | None
    level: str | None
    region: str | None
    status: str | None
    superseded_by: str | None
    content_hash: str

    @classmethod
    def from_dict(cls, d: dict) -> DocMeta:
        return cls(doc_id=d["doc_id"], source=d["source"], title=d["title"], issuer=tuple(d.get("issuer") or ()),
                   doc_number=d.get("doc_number"), year=d.get("year"), date=d.get("date"),
                   doc_type=d.get("doc_type"), level=d.get("level"), region=d.get("region"),
                   status=d.get("status"), superseded_by=d.get("superseded_by"),
                   content_hash=d.get("content_hash", ""))


class StoreWriter:
    """Writes a new store file document by document (a build never holds every text in memory)."""

    def __init__(self, path: Path):
        self._con = sqlite3.connect(path)
        self._con.execute(_SCHEMA)
        self.count = 0

    def add(self, doc: Document) -> None:
        meta = doc.to_dict()
        text = meta.pop("text")
        self._con.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
                          (doc.doc_id, doc.source, doc.content_hash, json.dumps(meta, ensure_ascii=False), text))
        self.count += 1

    def close(self, commit: bool = True) -> None:
        if commit:
            self._con.commit()
        self._con.close()


def write_store(path: Path, docs: Iterable[Document]) -> int:
    """Write a new store file; returns the number of documents."""
    writer = StoreWriter(path)
    try:
        for doc in docs:
            writer.add(doc)
    except BaseException:
        writer.close(commit=False)
        raise
    writer.close()
    return writer.count


class DocStore:
    """Read-only access to a build's documents."""

    def __init__(self, path: Path):
        self.path = path
        # check_same_thread=False: the store is only read, and a web worker may serve from several threads.
        self._con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)

    def close(self) -> None:
        self._con.close()

    def metas(self) -> Iterator[DocMeta]:
        for (meta,) in self._con.execute("SELECT meta FROM docs ORDER BY source"):
            yield DocMeta.from_dict(json.loads(meta))

    def get(self, doc_id: str) -> Document | None:
        row = self._con.execute("SELECT meta, text FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        meta = json.loads(row[0])
        meta["text"] = row[1]
        return Document.from_dict(meta)

    def sections(self, doc_id: str, section_ids: Iterable[str]) -> list[tuple[Section, str]] | None:
        """Some sections of a document with their texts, in the order asked, without building the whole
        Document (a search result shows a few sections of each of its hits); unknown ids are left out. With no
        ids (or none known) the first section is given, or the whole text as one section if there are none."""
        row = self._con.execute("SELECT meta, text FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        sections, text = json.loads(row[0]).get("sections") or [], row[1]
        by_id = {s["id"]: i for i, s in enumerate(sections)}
        chosen = [sections[by_id[i]] for i in section_ids if i in by_id] or sections[:1]
        if not chosen:
            return [(Section(id="s0", heading="", level=0, path=(), start=0, end=len(text)), text)]
        out = []
        for d in chosen:
            section = Section.from_dict(d)
            out.append((section, text[section.start:section.end]))
        return out

    def count(self) -> int:
        return self._con.execute("SELECT count(*) FROM docs").fetchone()[0]
