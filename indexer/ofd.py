"""Text of an OFD document (GB/T 33190, the Chinese fixed-layout format of official documents).

An OFD file is a zip: `OFD.xml` names each document's root (`Doc_0/Document.xml`) and its DocInfo (title,
author, dates); the document lists its pages (`Pages/Page_0/Content.xml`), and a page's layers hold
TextObjects whose TextCodes carry the characters and their position. The text is the TextCodes of each page,
a line per baseline from top to bottom, left to right within a line; pages are separated by a form feed.
Elements are matched by local name, so any namespace URI or prefix a producer writes is read.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

from lxml import etree

# TextCodes whose baselines differ by less than this share of the font size are one line.
SAME_LINE_SHARE = 0.5
DEFAULT_FONT_SIZE = 3.5  # millimetres, about 10 pt, when a TextObject gives none
DOC_INFO_META = {"Title": "title", "Author": "author", "Subject": "subject", "Keywords": "keywords"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)


class OfdError(Exception):
    """A part of the OFD package is missing or is not well-formed XML."""


@dataclass(frozen=True, slots=True)
class _Glyphs:
    y: float
    x: float
    size: float
    text: str


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(el, name: str):
    return [c for c in el if _local(c.tag) == name]


def _descendants(el, name: str):
    return [c for c in el.iter() if _local(c.tag) == name]


def _xml(archive: zipfile.ZipFile, name: str):
    try:
        return etree.fromstring(archive.read(name.lstrip("/")), _PARSER)
    except KeyError as exc:
        raise OfdError(f"no part {name}") from exc
    except etree.XMLSyntaxError as exc:
        raise OfdError(f"{name}: {exc}") from exc


def _numbers(value: str | None) -> list[float]:
    try:
        return [float(v) for v in (value or "").split()]
    except ValueError:
        return []


def _resolve(base: str, loc: str) -> str:
    """A location as the package names it: absolute from the root, or relative to the referring part."""
    loc = loc.strip()
    if loc.startswith("/"):
        return loc.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), loc))


def _page_glyphs(content) -> list[_Glyphs]:
    out = []
    for obj in _descendants(content, "TextObject"):
        box = _numbers(obj.get("Boundary"))
        left, top = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        size = (_numbers(obj.get("Size")) or [DEFAULT_FONT_SIZE])[0]
        x = y = 0.0
        for code in _children(obj, "TextCode"):
            x = (_numbers(code.get("X")) or [x])[0]
            y = (_numbers(code.get("Y")) or [y])[0]
            if code.text:
                out.append(_Glyphs(top + y, left + x, size, code.text))
    return out


def _lines(glyphs: list[_Glyphs]) -> list[str]:
    lines: list[list[_Glyphs]] = []
    for g in sorted(glyphs, key=lambda g: (g.y, g.x)):
        if lines and abs(lines[-1][0].y - g.y) < SAME_LINE_SHARE * max(g.size, lines[-1][0].size):
            lines[-1].append(g)
        else:
            lines.append([g])
    return ["".join(g.text for g in sorted(line, key=lambda g: g.x)).strip() for line in lines]


def ofd_text(data: bytes) -> tuple[str, dict[str, str]]:
    """(text, DocInfo metadata) of an OFD package. Raises OfdError."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise OfdError(f"not a zip: {exc}") from exc
    with archive:
        root = _xml(archive, "OFD.xml")
        pages: list[str] = []
        meta: dict[str, str] = {}
        for body in _descendants(root, "DocBody"):
            for info in _children(body, "DocInfo"):
                for child in info:
                    key = DOC_INFO_META.get(_local(child.tag))
                    if key and child.text and child.text.strip():
                        meta.setdefault(key, child.text.strip())
            for doc_root in _children(body, "DocRoot"):
                doc_name = _resolve("OFD.xml", doc_root.text or "")
                document = _xml(archive, doc_name)
                for page in _descendants(document, "Page"):
                    loc = page.get("BaseLoc")
                    if loc:
                        content = _xml(archive, _resolve(doc_name, loc))
                        pages.append("\n".join(line for line in _lines(_page_glyphs(content)) if line))
    return "\f".join(pages), meta
