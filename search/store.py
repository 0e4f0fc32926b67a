"""The document store of a build: each cleaned document's metadata and text, beside the Whoosh index.

SQLite, written once by the indexer and opened read-only by the search side; the metadata of every document
is small enough to hold in memory for facet counts and filters.

A build made by an update may have a second file beside it, DELTA_FILE: the documents added since the store was
written in full, and (table `gone`) the documents of the full store that they replace or that were removed.
The full store is then the previous build's own file, hard-linked and never changed; the reader sees the two as
one (temporary views named like the tables). merge_delta writes them into one full store again.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.fields import DATE, KEYWORD, NAMES, TABLE, with_fields
from search.model import Document, Section

STORE_FILE = "docs.sqlite"
DELTA_FILE = "docs-delta.sqlite"

_SCHEMA = """
CREATE TABLE docs (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    text TEXT NOT NULL
);
"""
_SECTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS sections (
    doc_id TEXT NOT NULL,
    section_id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (doc_id, section_id)
);
"""
# Each section again with its own text: a search result shows a few sections of each hit, and reading them
# alone costs a fraction of reading and parsing the whole document (the sections' JSON of a long law is large).
_GONE_SCHEMA = "CREATE TABLE IF NOT EXISTS gone (doc_id TEXT PRIMARY KEY);"
# The full store and its delta as one: the reader's queries name these views as they name the tables (a full
# store older than the sections table has none to add).
_VIEW = """
CREATE TEMP VIEW {table} AS
    SELECT * FROM main.{table} WHERE doc_id NOT IN (SELECT doc_id FROM delta.gone)
    UNION ALL SELECT * FROM delta.{table};
"""
_DELTA_ONLY_VIEW = "CREATE TEMP VIEW {table} AS SELECT * FROM delta.{table};"


@dataclass(frozen=True, slots=True)
@with_fields(TABLE)
class DocMeta:
    """A document without its text: what hits, facets and filters need (the fields of search/fields.py marked
    `table`, then the content hash)."""

    content_hash: str
    # The titles the text cites in 《》 (its title citations, search/model.py): what search weighs as a document's
    # standing among the others (how many cite it), without reading every text.
    cited_titles: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d: dict, shared: dict | None = None) -> DocMeta:
        """From a stored document's JSON (a missing required field is a KeyError). With `shared`, a value of the
        fields whose values documents share (names, dates, keywords), and a cited title, is the one already
        there, or is added."""
        kwargs: dict[str, Any] = {name: d.get(name) for name in _TABLE_NAMES}
        for name in _REQUIRED:
            kwargs[name] = d[name]
        for name in _NAMES:
            kwargs[name] = tuple(kwargs[name] or ())
        cited = tuple(c["value"] for c in d.get("citations") or () if c.get("kind") == "title")
        if shared is not None:
            for name in _SHARED:
                kwargs[name] = shared.setdefault(kwargs[name], kwargs[name])
            cited = tuple(shared.setdefault(t, t) for t in cited)
        return cls(**kwargs, content_hash=d.get("content_hash", ""), cited_titles=cited)


_TABLE_NAMES = tuple(f.name for f in TABLE)
_REQUIRED = tuple(f.name for f in TABLE if f.required)
_NAMES = tuple(f.name for f in TABLE if f.kind == NAMES)
_SHARED = tuple(f.name for f in TABLE if f.kind in (NAMES, DATE, KEYWORD))


class StoreWriter:
    """Writes a new store file document by document (a build never holds every text in memory)."""

    def __init__(self, path: Path, *, existing: bool = False):
        """A new store file, or with `existing` one to add to (its documents counted in `count`)."""
        self._con = sqlite3.connect(path)
        if not existing:
            self._con.executescript(_SCHEMA)
        # A store written before sections had a table of their own gets one (its documents are read as before).
        self._con.executescript(_SECTIONS_SCHEMA)
        self.count = self._con.execute("SELECT count(*) FROM docs").fetchone()[0] if existing else 0

    def add(self, doc: Document) -> None:
        meta = doc.to_dict()
        text = meta.pop("text")
        self._con.execute(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
            (doc.doc_id, doc.source, doc.content_hash, json.dumps(meta, ensure_ascii=False), text),
        )
        self._con.executemany(
            "INSERT INTO sections VALUES (?, ?, ?, ?, ?)",
            [
                (doc.doc_id, sec.anchor, n, json.dumps(sec.to_dict(), ensure_ascii=False), text[sec.start : sec.end])
                for n, sec in enumerate(doc.sections)
            ],
        )
        self.count += 1

    def append_store(self, other: Path) -> None:
        """Add every document of another store file (a part written by a worker of a parallel build)."""
        self._con.commit()
        self._con.execute("ATTACH DATABASE ? AS part", (str(other),))
        try:
            self.count += self._con.execute("INSERT INTO docs SELECT * FROM part.docs").rowcount
            self._con.execute("INSERT INTO sections SELECT * FROM part.sections")
            self._con.commit()
        finally:
            self._con.execute("DETACH DATABASE part")

    def delete(self, doc_ids: Iterable[str]) -> None:
        rows = [(d,) for d in doc_ids]
        self._con.executemany("DELETE FROM docs WHERE doc_id = ?", rows)
        self._con.executemany("DELETE FROM sections WHERE doc_id = ?", rows)

    def supersede(self, doc_ids: Iterable[str]) -> None:
        """Of a delta store: the documents of the full store beside it that no longer count (gone), and their
        rows here too (a document changed twice since the full store was written)."""
        doc_ids = list(doc_ids)
        self._con.executescript(_GONE_SCHEMA)
        self._con.executemany("INSERT OR IGNORE INTO gone VALUES (?)", [(d,) for d in doc_ids])
        self.delete(doc_ids)

    def close(self, commit: bool = True) -> None:
        if commit:
            self._con.commit()
        self._con.close()

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        """Committed when the block ends normally, rolled back when it raises."""
        self.close(commit=kind is None)


def delta_share(path: Path) -> float:
    """The documents of the delta beside the store `path` (added, and gone from the full store) over those of the
    full store; 0 without a delta."""
    delta = path.with_name(DELTA_FILE)
    if not delta.exists():
        return 0.0
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        con.execute("ATTACH DATABASE ? AS delta", (f"file:{delta}?mode=ro",))
        (full,) = con.execute("SELECT count(*) FROM main.docs").fetchone()
        (added,) = con.execute("SELECT count(*) FROM delta.docs").fetchone()
        (gone,) = con.execute("SELECT count(*) FROM delta.gone").fetchone()
    finally:
        con.close()
    return (added + gone) / max(full, 1)


def merge_delta(path: Path, out: Path) -> int:
    """Write the store of `path` and its delta (DELTA_FILE beside it) into one full store file `out`; returns its
    number of documents."""
    shutil.copyfile(path, out)
    con = sqlite3.connect(out)
    try:
        con.execute("ATTACH DATABASE ? AS delta", (str(path.with_name(DELTA_FILE)),))
        con.executescript(_SECTIONS_SCHEMA)
        for table in ("docs", "sections"):
            con.execute(f"DELETE FROM main.{table} WHERE doc_id IN (SELECT doc_id FROM delta.gone)")
            con.execute(f"INSERT INTO main.{table} SELECT * FROM delta.{table}")
        con.commit()
        return con.execute("SELECT count(*) FROM main.docs").fetchone()[0]
    finally:
        con.close()


def write_store(path: Path, docs: Iterable[Document]) -> int:
    """Write a new store file; returns the number of documents."""
    with StoreWriter(path) as writer:
        for doc in docs:
            writer.add(doc)
    return writer.count


class DocStore:
    """Read-only access to a build's documents."""

    def __init__(self, path: Path):
        self.path = path
        # check_same_thread=False: the store is only read, and a web worker may serve from several threads.
        self._con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._has_sections = (
            self._con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sections'").fetchone()
            is not None
        )
        delta = path.with_name(DELTA_FILE)
        if delta.exists():
            self._con.execute("ATTACH DATABASE ? AS delta", (f"file:{delta}?mode=ro&immutable=1",))
            self._con.execute(_VIEW.format(table="docs"))
            self._con.execute((_VIEW if self._has_sections else _DELTA_ONLY_VIEW).format(table="sections"))
            self._has_sections = True

    def close(self) -> None:
        self._con.close()

    def metas(self) -> Iterator[DocMeta]:
        """Every document's DocMeta, by source; a name, date or keyword many documents hold is one object."""
        shared: dict = {}
        # Its sections, nine tenths of a document's stored JSON, are no part of a DocMeta: SQLite drops them
        # before Python parses the rest (reading every document's metadata then takes a sixth of the time).
        for (meta,) in self._con.execute("SELECT json_remove(meta, '$.sections') FROM docs ORDER BY source"):
            yield DocMeta.from_dict(json.loads(meta), shared)

    def get(self, doc_id: str) -> Document | None:
        row = self._con.execute("SELECT meta, text FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        meta = json.loads(row[0])
        meta["text"] = row[1]
        return Document.from_dict(meta)

    def sections(self, doc_id: str, section_ids: Sequence[str]) -> list[tuple[Section, str]] | None:
        """Some sections of a document with their texts, in the order asked, without reading the whole document
        (a search result shows a few sections of each hit); unknown ids are left out. With no ids (or none known)
        the first section is given, or the whole text as one section if the document has none."""
        con = self._con
        rows = []
        if section_ids and self._has_sections:
            marks = ",".join("?" * len(section_ids))
            found = {
                r[0]: r[1:]
                for r in con.execute(
                    f"SELECT section_id, section, text FROM sections WHERE doc_id = ? AND section_id IN ({marks})",
                    (doc_id, *section_ids),
                )
            }
            rows = [found[i] for i in dict.fromkeys(section_ids) if i in found]
        if not rows and self._has_sections:
            rows = con.execute("SELECT section, text FROM sections WHERE doc_id = ? AND ord = 0", (doc_id,)).fetchall()
        if rows:
            return [(Section.from_dict(json.loads(section)), text) for section, text in rows]
        # A document without sections, or a store (or a document) from before the sections table: from the whole
        # document.
        row = con.execute("SELECT meta, text FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        sections, text = json.loads(row[0]).get("sections") or [], row[1]
        by_id = {d["id"]: d for d in sections}
        chosen = [by_id[i] for i in dict.fromkeys(section_ids) if i in by_id] or sections[:1]
        if not chosen:
            return [(Section(anchor="s0", heading="", level=0, path=(), start=0, end=len(text)), text)]
        return [(section, text[section.start : section.end]) for section in map(Section.from_dict, chosen)]

    def headings(self, doc_id: str) -> list[tuple[str, str]]:
        """(section id, heading) of every section of a document, in order (empty for an unknown document)."""
        if self._has_sections:
            rows = self._con.execute("SELECT section FROM sections WHERE doc_id = ? ORDER BY ord", (doc_id,))
            found = [json.loads(section) for (section,) in rows]
        else:
            found = []
        if not found:
            row = self._con.execute("SELECT meta FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
            found = json.loads(row[0]).get("sections") or [] if row else []
        return [(d["id"], d["heading"]) for d in found]

    def extra_values(self, key: str) -> list[tuple[str, Any]]:
        """(source, value) of every document whose `extra` (page or operator metadata kept as is) has `key`."""
        path = "$.extra." + json.dumps(key)
        rows = self._con.execute(
            "SELECT source, json_extract(meta, ?) FROM docs WHERE json_extract(meta, ?) IS NOT NULL", (path, path)
        )
        return [(source, value) for source, value in rows]

    def count(self) -> int:
        return self._con.execute("SELECT count(*) FROM docs").fetchone()[0]
