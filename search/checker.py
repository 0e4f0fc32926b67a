"""The citation checker: every law, article and 文号 a draft cites, resolved against the index, with a status.

The article citations are read by the one citation parser (search.citation) and their laws resolved as the
search resolves them (search.answer); a 《title》 without an article and a 文号 are citations of a document as a
whole. Each citation gets a status:

- `ok`: the document (and article) exists and is in force today;
- `superseded`: the version cited (a year in the citation, 《公司法》（2018年修正）) is no longer in force: the
  version in force is given, with the article that now holds the provision where the 新旧对照 of the two
  versions (search.compare) pairs it;
- `repealed`: no version is in force; the provision that repealed it where a document of the index says so;
- `no_such_article`: the law has no such article; `not_found`: no document of the index has that title or 文号;
- `ambiguous`: the name fits several documents that are not versions of one another (the candidates are
  given); `draft`: what is cited is a draft (征求意见稿).

Nothing here keeps the text after the call returns.
"""

from __future__ import annotations

import bisect
import datetime
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from search import analysis, predecessors
from search.answer import abbreviated_law_documents, articles_of, law_documents, resolve_law, strip_prefix
from search.citation import ArticleCitation, ArticleRef, find_citations
from search.compare import compare
from search.docno import find_doc_numbers
from search.docview import number_key, relations_for
from search.index import OpenIndex
from search.inforce import period_table
from search.model import LEVELS
from search.results import DOC_URL, STATUS_LABELS
from search.versions import version_key

MAX_TEXT_CHARS = 200_000
STATUSES = ("ok", "superseded", "repealed", "no_such_article", "not_found", "ambiguous", "draft")
STATUS_NAMES = {
    "ok": "有效",
    "superseded": "已被修订",
    "repealed": "已废止",
    "no_such_article": "无此条",
    "not_found": "未找到",
    "ambiguous": "有歧义",
    "draft": "征求意见稿",
}
# Problems first on the page, in this order.
PROBLEM_ORDER = ("not_found", "no_such_article", "repealed", "superseded", "ambiguous", "draft")
# A 《title》 cited as a whole, with a version note after it: 《公司法》（2018年修正）.
BOOK_RE = re.compile(r"《([^《》\n]{2,80})》(?:\s*\(\s*(\d{4})\s*年?[^()\n]{0,8}\))?")
# Where a repealing document says so: …《title》…同时废止 / 废止…《title》.
REPEAL_WINDOW = 60
MAX_REPEAL_SCAN = 40
MAX_CANDIDATES = 8
# Levels of national instruments: among documents of one name, a single national one is the one meant.
NATIONAL_LEVELS = frozenset(LEVELS[:5])


class CheckError(ValueError):
    """The text cannot be checked (too long)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A document (and an article of it) a citation resolved to."""

    doc_id: str
    title: str
    date: str | None
    status: str | None
    status_label: str | None
    url: str
    article: str | None = None  # 第十六条, as the statute writes it
    section_id: str | None = None
    text: str | None = None  # the article's text

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "status": self.status,
            "status_label": self.status_label,
            "url": self.url,
            "article": self.article,
            "section_id": self.section_id,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class CheckedCitation:
    text: str  # as written in the checked text
    start: int  # span in the checked text (the name included for the first article of a citation)
    end: int
    kind: str  # "article", "law" (a title alone) or "doc_number"
    law: str | None  # the name as written
    reference: str | None  # 第十六条第二款
    version: str | None  # the year of a version note
    status: str
    note: str  # what the status means here, in a sentence
    resolved: Target | None = None
    current: Target | None = None  # superseded: the version in force, at the article holding the provision
    repealed_by: Target | None = None  # repealed: the document (and its provision) saying so
    candidates: tuple[Target, ...] = ()  # ambiguous

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "law": self.law,
            "reference": self.reference,
            "version": self.version,
            "status": self.status,
            "status_label": STATUS_NAMES[self.status],
            "note": self.note,
            "resolved": self.resolved.to_dict() if self.resolved else None,
            "current": self.current.to_dict() if self.current else None,
            "repealed_by": self.repealed_by.to_dict() if self.repealed_by else None,
            "candidates": [c.to_dict() for c in self.candidates],
        }


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of the checked text for the page: plain, or a citation (its index in `citations`)."""

    text: str
    citation: int | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class CheckReport:
    chars: int
    citations: tuple[CheckedCitation, ...]
    counts: dict[str, int]
    day: str  # the day "in force" was judged on
    took_ms: float
    segments: tuple[Segment, ...] = field(default=(), repr=False)  # for the page only

    @property
    def problems(self) -> list[tuple[int, CheckedCitation]]:
        """(index, citation) of every citation that is not ok, worst first."""
        found = [(i, c) for i, c in enumerate(self.citations) if c.status != "ok"]
        return sorted(found, key=lambda ic: (PROBLEM_ORDER.index(ic[1].status), ic[0]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "chars": self.chars,
            "day": self.day,
            "counts": dict(self.counts),
            "citations": [c.to_dict() for c in self.citations],
            "took_ms": self.took_ms,
        }


def _target(
    index: OpenIndex,
    doc_id: str,
    ref: ArticleRef | None = None,
    section_id: str | None = None,
    texts: dict[tuple[str, str], str | None] | None = None,
) -> Target:
    """A document as a citation resolved to, with the text of the article at `section_id` (read once per check
    when `texts` is given)."""
    meta = index.docs[doc_id]
    text = None
    if section_id:
        key = (doc_id, section_id)
        if texts is not None and key in texts:
            text = texts[key]
        else:
            found = index.store.sections(doc_id, [section_id])
            text = found[0][1].strip() if found else None
            if texts is not None:
                texts[key] = text
    return Target(
        doc_id=doc_id,
        title=meta.title,
        date=meta.date,
        status=meta.status,
        status_label=STATUS_LABELS.get(meta.status or ""),
        url=DOC_URL.format(doc_id=doc_id) + (f"#{section_id}" if section_id else ""),
        article=ref.heading if ref else None,
        section_id=section_id,
        text=text,
    )


class _Checker:
    """One check: the index, the day, and what was resolved already (a draft cites the same laws often)."""

    def __init__(self, index: OpenIndex, day: str):
        self.index = index
        self.day = day
        self.periods = period_table(index).by_doc
        self._laws: dict[tuple[str | None, bool], tuple[list[str], str | None]] = {}
        self.texts: dict[tuple[str, str], str | None] = {}
        self._groups: dict[tuple[str, ...], list[list[str]]] = {}
        self._articles: dict[tuple[str | None, str | None, ArticleRef, bool], CheckedCitation] = {}

    def documents(self, cite: ArticleCitation, whole_name: bool) -> list[str]:
        """The documents a citation's name means: a name in 《》 as a whole (its title, an alias, an abbreviated
        title), a name in running text as the search reads it (依照公司法: its shorter tails too)."""
        return self._law(cite, whole_name)[0]

    def repealed(self, cite: ArticleCitation, whole_name: bool) -> str | None:
        """The repealed statute the citation's name means (合同法, now the 民法典's), else None."""
        return self._law(cite, whole_name)[1]

    def _law(self, cite: ArticleCitation, whole_name: bool) -> tuple[list[str], str | None]:
        key = (cite.law, whole_name)
        if key not in self._laws:
            name: str | None = cite.law
            if whole_name and cite.law:
                ords = law_documents(self.index, cite.law) or abbreviated_law_documents(self.index, cite.law)
            else:
                ords, name = resolve_law(self.index, cite)
            ids = [self.index.table.ids[o] for o in ords]
            self._laws[key] = (ids, predecessors.repealed_law(name) if ids else None)
        return self._laws[key]

    def code_article(self, docs: list[str], number: int) -> Target | None:
        """An article of the 民法典 (`docs`: its books), with its text."""
        key = (number, 0)
        having = [d for d in docs if key in articles_of(self.index, d)]
        if not having:
            return None
        doc_id = self.pick(having, None)
        return _target(self.index, doc_id, ArticleRef(number), articles_of(self.index, doc_id)[key], self.texts)

    def groups(self, doc_ids: list[str]) -> list[list[str]]:
        """Documents grouped as versions of one law; a single national law among several is the one meant."""
        key = tuple(doc_ids)
        if key not in self._groups:
            self._groups[key] = self._grouped(doc_ids)
        return self._groups[key]

    def _grouped(self, doc_ids: Iterable[str]) -> list[list[str]]:
        by_key: dict[str, list[str]] = {}
        for d in doc_ids:
            by_key.setdefault(version_key(self.index.docs[d]), []).append(d)
        groups = list(by_key.values())
        if len(groups) > 1:
            national = [g for g in groups if self.index.docs[g[0]].level in NATIONAL_LEVELS]
            if len(national) == 1:
                return national
        return groups

    def pick(self, doc_ids: list[str], version: str | None) -> str:
        """The version a citation means: the one of the year it names, else the one in force today, else the
        newest that is no draft."""

        def rank(d: str) -> tuple:
            meta = self.index.docs[d]
            named = version is not None and version in ((meta.date or "")[:4], str(meta.year or ""))
            return (
                not named,
                not self.periods[d].covers(self.day),
                meta.status == "draft",
                _newest(meta.date),
                d,
            )

        return min(doc_ids, key=rank)

    def article(
        self, original: str, cite: ArticleCitation, ref: ArticleRef, span: tuple[int, int], first: bool
    ) -> CheckedCitation:
        """The check of one cited article; the same law, version and article cited again is not checked again."""
        start = cite.start if first else span[0]
        key = (cite.law, cite.version, ref, original[cite.start : cite.start + 1] == "《")
        done = self._articles.get(key)
        if done is None:
            done = self._articles[key] = _article_citation(self, original, cite, ref, span, first)
        # The fields in order, not dataclasses.replace: a long draft repeats citations thousands of times.
        return CheckedCitation(
            original[start : span[1]],
            start,
            span[1],
            done.kind,
            done.law,
            done.reference,
            done.version,
            done.status,
            done.note,
            done.resolved,
            done.current,
            done.repealed_by,
            done.candidates,
        )

    def in_force(self, doc_id: str) -> str | None:
        for v in self.index.versions.get(doc_id, (doc_id,)):
            if self.periods[v].covers(self.day):
                return v
        return None

    def judge(self, doc_id: str) -> tuple[str, str | None]:
        """The status of a document as cited, and the version in force when that is another."""
        meta = self.index.docs[doc_id]
        if meta.status == "draft":
            return "draft", None
        period = self.periods[doc_id]
        if period.covers(self.day):
            return "ok", None
        if period.known and period.start and period.start > self.day:
            return "ok", None  # adopted, not yet in force: the note says from when
        now = self.in_force(doc_id)
        if now is not None:
            return "superseded", now
        return "repealed", None

    def holding_article(self, old_id: str, new_id: str, ref: ArticleRef) -> tuple[str, ArticleRef] | None:
        """The section of the newer version holding the provision of `ref` in the older, by their 新旧对照."""
        result = self.index.memo(("comparison", old_id, new_id), lambda: compare(self.index, old_id, new_id))
        for pair in result.pairs:
            if pair.old and pair.new and pair.old.key == ref.key and pair.new.key:
                number, sub = pair.new.key
                return pair.new.section_id, ArticleRef(number, sub, ref.paragraph, ref.item)
        return None

    def repealed_by(self, doc_id: str) -> Target | None:
        """A document of the index stating the repeal of this one, at the section saying so."""

        def compute() -> tuple[str, str] | None:
            meta = self.index.docs[doc_id]
            names = {analysis.normalize(meta.title), analysis.normalize(strip_prefix(meta.title))}
            citing = relations_for(self.index).cited_by.get(doc_id, ())[:MAX_REPEAL_SCAN]
            for other in citing:
                doc = self.index.store.get(other)
                if doc is None:
                    continue
                norm = analysis.normalize(doc.text)
                for name in names:
                    for m in re.finditer(re.escape(f"《{name}》"), norm):
                        window = norm[max(0, m.start() - REPEAL_WINDOW) : m.end() + REPEAL_WINDOW]
                        if "废止" in window:
                            section = next((s for s in doc.sections if s.start <= m.start() < s.end), None)
                            return other, section.anchor if section else ""
            return None

        found = self.index.memo(("repealed-by", doc_id), compute)
        if not found:
            return None
        other, anchor = found
        return _target(self.index, other, None, anchor or None)


def _newest(date: str | None) -> str:
    return "".join(chr(0x39 - ord(c) + 0x30) if c.isdigit() else c for c in (date or "~"))


def _article_citation(
    ck: _Checker, original: str, cite: ArticleCitation, ref: ArticleRef, span: tuple[int, int], first: bool
) -> CheckedCitation:
    start = cite.start if first else span[0]
    base: dict[str, Any] = {
        "text": original[start : span[1]],
        "start": start,
        "end": span[1],
        "kind": "article",
        "law": cite.law,
        "reference": ref.label,
        "version": cite.version,
    }
    index = ck.index
    whole_name = original[cite.start : cite.start + 1] == "《"
    docs = ck.documents(cite, whole_name)
    if not docs:
        return CheckedCitation(**base, status="not_found", note=f"索引中没有名为《{cite.law}》的文件")
    repealed = ck.repealed(cite, whole_name)
    if repealed is not None:
        return _moved_citation(ck, base, docs, repealed, ref)
    groups = ck.groups(docs)
    if len(groups) > 1:
        candidates = tuple(_target(index, ck.pick(g, cite.version)) for g in groups[:MAX_CANDIDATES])
        return CheckedCitation(
            **base,
            status="ambiguous",
            note=f"《{cite.law}》可指{len(groups)}个不同的文件，请写明全称",
            candidates=candidates,
        )
    group = groups[0]
    having = [d for d in group if ref.key in articles_of(index, d)]
    cited = ck.pick(having or group, cite.version)
    if not having or (cite.version and ref.key not in articles_of(index, cited)):
        total = len(articles_of(index, cited))
        return CheckedCitation(
            **base,
            status="no_such_article",
            note=f"《{index.docs[cited].title}》没有{ref.heading}" + (f"（共{total}条）" if total else ""),
            resolved=_target(index, cited),
        )
    section_id = articles_of(index, cited)[ref.key]
    resolved = _target(index, cited, ref, section_id, ck.texts)
    status, now = ck.judge(cited)
    if status == "superseded" and now is not None:
        held = ck.holding_article(cited, now, ref)
        if held:
            current = _target(index, now, held[1], held[0], ck.texts)
            note = f"此版本已被修订；现行版本（{index.docs[now].date}）中该规定在{held[1].heading}"
        else:
            current = _target(index, now)
            note = f"此版本已被修订；现行版本（{index.docs[now].date}）中未找到对应条文"
        return CheckedCitation(**base, status=status, note=note, resolved=resolved, current=current)
    return _finish(ck, base, cited, status, resolved)


def _moved_citation(
    ck: _Checker, base: dict[str, Any], docs: list[str], repealed: str, ref: ArticleRef
) -> CheckedCitation:
    """An article of a statute the 民法典 repealed (合同法第五十二条): repealed, with the Code's article that now
    carries its rule (search.predecessors) as the one in force, and the Code's repealing article."""
    moved = predecessors.moved(repealed, ref.number) if not ref.sub else None
    current = ck.code_article(docs, moved.to[0]) if moved and moved.to else None
    note = f"{predecessors.repealed_note(repealed)}；{predecessors.where_note(ref.heading, moved)}"
    return CheckedCitation(
        **base,
        status="repealed",
        note=note,
        current=current,
        repealed_by=ck.code_article(docs, predecessors.REPEALING_ARTICLE),
    )


def _finish(ck: _Checker, base: dict[str, Any], cited: str, status: str, resolved: Target) -> CheckedCitation:
    meta = ck.index.docs[cited]
    if status == "repealed":
        by = ck.repealed_by(cited)
        note = "已失效" + (f"：《{by.title}》予以废止" if by else "（索引中未见废止它的文件）")
        return CheckedCitation(**base, status=status, note=note, resolved=resolved, repealed_by=by)
    if status == "draft":
        return CheckedCitation(**base, status=status, note="所引为征求意见稿，不是生效文件", resolved=resolved)
    start = ck.periods[cited].start
    note = f"现行有效（{meta.date}）" if not start or start <= ck.day else f"已公布，自{start}起施行"
    return CheckedCitation(**base, status="ok", note=note, resolved=resolved)


def _whole_citation(
    ck: _Checker,
    original: str,
    start: int,
    end: int,
    kind: str,
    name: str,
    version: str | None,
    docs: list[str],
    repealed: str | None = None,
) -> CheckedCitation:
    """A document cited as a whole (a 《title》 or a 文号); `repealed`: the statute the 民法典 repealed that the title
    names (《合同法》), repealed at the Code's repealing article."""
    base: dict[str, Any] = {
        "text": original[start:end],
        "start": start,
        "end": end,
        "kind": kind,
        "law": name if kind == "law" else None,
        "reference": None,
        "version": version,
    }
    if repealed is not None:
        return CheckedCitation(
            **base,
            status="repealed",
            note=f"{predecessors.repealed_note(repealed)}，其规定现见《{predecessors.SUCCESSOR}》",
            repealed_by=ck.code_article(docs, predecessors.REPEALING_ARTICLE),
        )
    index = ck.index
    if not docs:
        what = f"名为《{name}》" if kind == "law" else f"文号为{name}"
        return CheckedCitation(**base, status="not_found", note=f"索引中没有{what}的文件")
    groups = ck.groups(docs)
    if len(groups) > 1:
        candidates = tuple(_target(index, ck.pick(g, version)) for g in groups[:MAX_CANDIDATES])
        return CheckedCitation(**base, status="ambiguous", note=f"可指{len(groups)}个不同的文件", candidates=candidates)
    cited = ck.pick(groups[0], version)
    status, now = ck.judge(cited)
    resolved = _target(index, cited)
    if status == "superseded" and now is not None:
        return CheckedCitation(
            **base,
            status=status,
            note=f"此版本已被修订；现行版本为{index.docs[now].date}版",
            resolved=resolved,
            current=_target(index, now),
        )
    return _finish(ck, base, cited, status, resolved)


def _number_documents(index: OpenIndex, raw: str) -> list[str]:
    """The documents bearing a 文号 (国务院令第711号 is also 中华人民共和国国务院令第711号)."""

    def compute() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for d, meta in index.docs.items():
            if meta.doc_number:
                out.setdefault(number_key(meta.doc_number), []).append(d)
        return out

    by_number = index.memo("docs-by-number", compute)
    key = number_key(raw)
    for form in (key, "中华人民共和国" + key, key.removeprefix("中华人民共和国")):
        if form in by_number:
            return list(by_number[form])
    return []


def check_text(index: OpenIndex, text: str, day: str | None = None) -> CheckReport:
    """Every citation of `text` with its status, judged as of `day` (YYYY-MM-DD; today by default)."""
    if len(text) > MAX_TEXT_CHARS:
        raise CheckError(f"the text has {len(text)} characters; at most {MAX_TEXT_CHARS} are checked at once")
    started = time.perf_counter()
    ck = _Checker(index, day or datetime.date.today().isoformat())
    norm = analysis.normalize(text)  # same length: spans are the text's own
    found: list[CheckedCitation] = []
    covered = _Spans()
    for found_cite in find_citations(norm):
        cite = found_cite
        if cite.bare or cite.law is None:
            continue  # a number alone: an article of the draft itself
        in_book = norm[cite.start : cite.start + 1] == "《"
        if not in_book and not ck.documents(cite, whole_name=False):
            continue  # words of running text before 第N条 that name no law (本法第三条: the draft itself)
        if not in_book:
            # 依照公司法第二十条: the citation starts at the name that matched, not at the words before it.
            _, matched = resolve_law(index, cite)
            at = norm.find(matched, cite.start, cite.end) if matched else -1
            if at > cite.start:
                cite = replace(cite, law=matched, start=at)
        for k, (ref, span) in enumerate(zip(cite.articles, cite.spans, strict=True)):
            found.append(ck.article(text, cite, ref, span, first=k == 0))
        covered.add(cite.start, cite.end)
    for m in BOOK_RE.finditer(norm):
        if covered.holds(m.start()):
            continue
        name = m.group(1).strip()
        cite = ArticleCitation(name, (), m.group(2), m.start(), m.end())
        docs, repealed = ck.documents(cite, whole_name=True), ck.repealed(cite, whole_name=True)
        found.append(_whole_citation(ck, text, m.start(), m.end(), "law", name, m.group(2), docs, repealed))
    for number in find_doc_numbers(text):
        if covered.holds(number.start):
            continue
        found.append(
            _whole_citation(
                ck, text, number.start, number.end, "doc_number", number.raw, None, _number_documents(index, number.raw)
            )
        )
    found.sort(key=lambda c: (c.start, c.end))
    counts = dict.fromkeys(STATUSES, 0)
    for c in found:
        counts[c.status] += 1
    return CheckReport(
        chars=len(text),
        citations=tuple(found),
        counts=counts,
        day=ck.day,
        took_ms=round((time.perf_counter() - started) * 1000, 1),
        segments=tuple(_segments(text, found)),
    )


class _Spans:
    """Spans added in order of their starts, none overlapping; does one of them hold a position?"""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, end: int) -> None:
        self.starts.append(start)
        self.ends.append(end)

    def holds(self, pos: int) -> bool:
        at = bisect.bisect_right(self.starts, pos) - 1
        return at >= 0 and pos < self.ends[at]


def _segments(text: str, citations: list[CheckedCitation]) -> list[Segment]:
    out = []
    pos = 0
    for i, c in enumerate(citations):
        if c.start < pos:
            continue  # overlapping spans: the first wins
        if c.start > pos:
            out.append(Segment(text[pos : c.start]))
        out.append(Segment(text[c.start : c.end], i, c.status))
        pos = c.end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out
