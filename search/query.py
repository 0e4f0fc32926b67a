"""The query language, read by pure functions: user text is never handed to Whoosh's query parser.

    放管服 法治政府        words: every group must match the document (AND)
    "一网通办"             a quoted phrase: the exact run of characters (punctuation and line breaks ignored)
    行政复议 OR 行政诉讼    alternatives (also |)
    -征求意见稿            exclusion
    title:食品安全法        field scopes: title:, issuer:, docno: (also 标题: 发文机关: 文号:)
    郑政文〔2017〕60号      a document number in any spelling is recognised as one term

An unquoted term matches a section that contains it as a run of characters, or that contains all of its words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search import analysis
from search.docno import canonical_doc_number

MAX_TERMS = 24
FIELD_NAMES = {
    "title": "title",
    "标题": "title",
    "issuer": "issuer",
    "发文机关": "issuer",
    "docno": "docno",
    "文号": "docno",
}
_QUOTES = {'"': '"', "“": "”", "”": "”", "「": "」", "『": "』", "＂": "＂"}
_OR_WORDS = {"OR", "|", "或"}
_SCOPE_RE = re.compile(r"^(" + "|".join(map(re.escape, FIELD_NAMES)) + r")[:：](.*)$", re.DOTALL)


class QueryError(ValueError):
    """The query cannot be read (an HTTP 400 with this message)."""


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # as typed (without quotes, scope or minus)
    phrase: bool = False  # quoted: only the exact run of characters matches
    field: str | None = None  # None, "title", "issuer" or "docno"
    docno: str | None = None  # canonical document number, when the term is one
    alias_of: str | None = None  # the typed term this one was added for (an alias expansion)

    @property
    def normalized(self) -> str:
        return analysis.normalize(self.text)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    groups: tuple[tuple[Term, ...], ...]  # AND of groups; each group an OR of terms
    excluded: tuple[Term, ...]
    ignored: tuple[str, ...]  # pieces with nothing searchable in them (punctuation only)
    # Per group, whether a document may lack it (a question's content words); empty: every group is required.
    optional: tuple[bool, ...] = ()

    @property
    def relaxed(self) -> bool:
        """Read for any of its optional groups (see search.questions), not for all of them."""
        return any(self.optional)

    @property
    def positive_terms(self) -> tuple[Term, ...]:
        return tuple(t for g in self.groups for t in g)

    @property
    def empty(self) -> bool:
        return not self.groups


def _lex(text: str) -> list[tuple[str, bool]]:
    """Split into (piece, quoted) respecting quotes; an unclosed quote runs to the end."""
    out: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    buf = ""
    while i < n:
        c = text[i]
        if c in _QUOTES:
            close = _QUOTES[c]
            j = text.find(close, i + 1)
            if j < 0:
                j = n
            inner = text[i + 1 : j]
            # A scope or minus glued to the quote belongs to it: title:"…", -"…"
            out.append((buf + "\x00" + inner, True))
            buf = ""
            i = j + 1
        elif c.isspace():
            if buf:
                out.append((buf, False))
                buf = ""
            i += 1
        else:
            buf += c
            i += 1
    if buf:
        out.append((buf, False))
    return out


def _has_units(text: str) -> bool:
    return bool(analysis.units(analysis.normalize(text)))


def parse_query(text: str) -> ParsedQuery:
    """Read the query language into groups of terms; raises QueryError for what cannot be read."""
    text = text.strip()
    whole = canonical_doc_number(text) if text and not any(q in text for q in _QUOTES) else None
    if whole:
        return ParsedQuery(groups=((Term(text, docno=whole),),), excluded=(), ignored=())

    groups: list[list[Term]] = []
    excluded: list[Term] = []
    ignored: list[str] = []
    join_next = False
    for piece, quoted in _lex(text):
        prefix, _, body = piece.partition("\x00") if quoted else ("", "", piece)
        if not quoted and piece in _OR_WORDS:
            join_next = bool(groups)
            continue
        head = prefix if quoted else body
        negative = head.startswith("-") and (len(head) > 1 or quoted)
        if negative:
            head = head[1:]
        field = None
        m = _SCOPE_RE.match(head)
        if m:
            field = FIELD_NAMES[m.group(1)]
            head = m.group(2)
        value = body if quoted else head
        if not value.strip() or not _has_units(value):
            if piece.strip():
                ignored.append(piece.replace("\x00", '"'))
            continue
        docno = canonical_doc_number(value) if not quoted or field == "docno" else None
        if field == "docno" and docno is None:
            raise QueryError(f"docno:{value} is not a document number (e.g. 国办发〔2019〕5号)")
        term = Term(value.strip(), phrase=quoted, field=field, docno=docno)
        if negative:
            excluded.append(term)
            join_next = False
            continue
        if join_next and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    if len(groups) + len(excluded) > MAX_TERMS:
        raise QueryError(f"the query has more than {MAX_TERMS} terms")
    return ParsedQuery(groups=tuple(tuple(g) for g in groups), excluded=tuple(excluded), ignored=tuple(ignored))
