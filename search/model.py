"""The document shape shared by the indexer (which produces it) and the search side (which serves it).

A cleaned `Document` is what a source file becomes; each of its `Section`s becomes one index record.
Both are plain frozen data so they cross process boundaries (the indexer's worker pool) and JSON.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

# Values of Document.status, in the order the search page lists them.
STATUSES = ("current", "amended", "superseded", "repealed", "draft", "trial")

# Values of Document.level (效力级别), highest first.
LEVELS = ("宪法", "法律", "行政法规", "监察法规", "司法解释", "部门规章", "地方性法规", "地方政府规章",
          "规范性文件", "工作文件", "案例")


@dataclass(frozen=True, slots=True)
class Section:
    """One node of a document's outline: `start`/`end` are character offsets into Document.text."""

    anchor: str                 # unique within the document, its URL's fragment: "s0", "s1", ... ("id" in JSON)
    heading: str                # the heading line as written ("", for the preamble before the first heading)
    level: int                  # 0 preamble, 1 编/一、, 2 章/（一）, 3 节/1., 4 条/（1）
    path: tuple[str, ...]       # headings from the outermost down to this one
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.anchor, "heading": self.heading, "level": self.level, "path": list(self.path),
                "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(anchor=data["id"], heading=data["heading"], level=data["level"], path=tuple(data["path"]),
                   start=data["start"], end=data["end"])


@dataclass(frozen=True, slots=True)
class Citation:
    """A reference the text makes to another document: a 《title》 or a 文号 (canonical form)."""

    kind: str                   # "title" or "doc_number"
    value: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}


@dataclass(frozen=True, slots=True)
class Document:
    """A cleaned document with its metadata; `text` is in the document's own script, as stored and shown."""

    doc_id: str
    source: str                             # "<source folder name>/<path inside it>"
    text: str
    title: str
    issuer: tuple[str, ...] = ()
    doc_number: str | None = None           # canonical: 郑政文〔2017〕60号
    doc_number_raw: str | None = None       # as written
    year: int | None = None                 # the year the document is about
    date: str | None = None                 # ISO date of signing or publication
    doc_type: str | None = None             # 报告, 实施方案, 通知, 条例 ...
    level: str | None = None                # 效力级别, one of LEVELS
    region: str | None = None               # 河南省郑州市, XX市 ...
    status: str | None = None               # one of STATUSES
    valid_from: str | None = None
    superseded_by: str | None = None        # source of the newer version, where known
    sections: tuple[Section, ...] = ()
    citations: tuple[Citation, ...] = ()
    content_hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict)   # page metadata kept from cleaning (发布时间 ...)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["issuer"] = list(self.issuer)
        out["sections"] = [s.to_dict() for s in self.sections]
        out["citations"] = [c.to_dict() for c in self.citations]
        out["extra"] = dict(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["issuer"] = tuple(data.get("issuer") or ())
        kwargs["sections"] = tuple(Section.from_dict(s) for s in data.get("sections") or ())
        kwargs["citations"] = tuple(Citation(**c) for c in data.get("citations") or ())
        kwargs["extra"] = dict(data.get("extra") or {})
        return cls(**kwargs)

    def section_text(self, section: Section) -> str:
        return self.text[section.start:section.end]

