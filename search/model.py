"""The document shape shared by the indexer (which produces it) and the search side (which serves it).

A cleaned `Document` is what a source file becomes; each of its `Section`s becomes one index record.
Both are plain frozen data so they cross process boundaries (the indexer's worker pool) and JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from search.fields import FIELDS, LEVELS, NAMES, STATUSES, with_fields

__all__ = ["ATTACHMENTS_KEY", "LEVELS", "PAGE_FIELDS_KEY", "STATUSES", "Citation", "Document", "Section"]
# Keys of Document.extra a web page fills: its 信息公开 table as [label, value] pairs in page order, and the
# link texts of its attached files.
PAGE_FIELDS_KEY = "page_fields"
ATTACHMENTS_KEY = "attachments"
_NAMES = tuple(f.name for f in FIELDS if f.kind == NAMES)  # tuples here, lists in JSON


@dataclass(frozen=True, slots=True)
class Section:
    """One node of a document's outline: `start`/`end` are character offsets into Document.text."""

    anchor: str  # unique within the document, its URL's fragment: "s0", "s1", ... ("id" in JSON)
    heading: str  # the heading line as written ("", for the preamble before the first heading)
    level: int  # 0 preamble, 1 编/一、, 2 章/（一）, 3 节/1., 4 条/（1）
    path: tuple[str, ...]  # headings from the outermost down to this one
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.anchor,
            "heading": self.heading,
            "level": self.level,
            "path": list(self.path),
            "start": self.start,
            "end": self.end,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(
            anchor=data["id"],
            heading=data["heading"],
            level=data["level"],
            path=tuple(data["path"]),
            start=data["start"],
            end=data["end"],
        )


@dataclass(frozen=True, slots=True)
class Citation:
    """A reference the text makes to another document: a 《title》 or a 文号 (canonical form)."""

    kind: str  # "title" or "doc_number"
    value: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}


@dataclass(frozen=True, slots=True)
@with_fields(FIELDS, place={"text": "source"}, defaults=True)
class Document:
    """A cleaned document: every field of search/fields.py, in its order, with `text` after `source`.

    `text` is in the document's own script, as stored and shown.
    """

    text: str
    sections: tuple[Section, ...] = ()
    citations: tuple[Citation, ...] = ()
    content_hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # page metadata kept from cleaning (发布时间 ...)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in _NAMES:
            out[name] = list(out[name])
        out["sections"] = [s.to_dict() for s in self.sections]
        out["citations"] = [c.to_dict() for c in self.citations]
        out["extra"] = dict(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        for name in _NAMES:
            kwargs[name] = tuple(data.get(name) or ())
        kwargs["sections"] = tuple(Section.from_dict(s) for s in data.get("sections") or ())
        kwargs["citations"] = tuple(Citation(**c) for c in data.get("citations") or ())
        kwargs["extra"] = dict(data.get("extra") or {})
        return cls(**kwargs)

    def section_text(self, section: Section) -> str:
        return self.text[section.start : section.end]
