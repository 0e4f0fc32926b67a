"""Article citations resolved against a build: which document a law's name means and which section is the article.

`read_citations` turns the citations of a query (search.citation) into direct answers (the article's text, its
law, status and link), the documents to put first in the result list with the article as their section, notes
for the query explanation, and the query text the result list is searched with: each resolved article becomes
the exact run `<short title>第N条`, so the list goes on with the documents that cite the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from html import escape

import numpy as np

from search import aliases, analysis, predecessors
from search.citation import ArticleCitation, ArticleRef, article_key, cn_int, cn_numeral, find_citations
from search.index import OpenIndex
from search.inforce import period_table
from search.model import LEVELS
from search.results import DOC_URL, STATUS_LABELS, Answer, AnswerLine, ArticleLink
from search.store import DocMeta

TITLE_PREFIXES = ("中华人民共和国",)
# Among documents of one name, the one in force first, then the newest; national instruments before local ones.
STATUS_ORDER = {"current": 0, None: 1, "trial": 1, "amended": 2, "superseded": 2, "draft": 3, "repealed": 4}
# A name matched as the end of a title (勘察设计管理条例 for 建设工程勘察设计管理条例) must be at least this long.
MIN_SUFFIX_NAME = 4
# An abbreviated name read as the characters of a title in order: at least this long and this share of the title.
MIN_SUBSEQUENCE_NAME = 6
MIN_SUBSEQUENCE_SHARE = 0.2
MAX_CITATIONS = 8
# How lawyers name a judicial interpretation: what cases it is on, then 司法解释 (民间借贷司法解释).
JUDICIAL_SUFFIX = "司法解释"
COURTS = ("最高人民法院", "最高人民检察院")
_SERIES_RE = re.compile(r"\([一二三四五六七八九十]+\)$")
_BARE_SERIES_RE = re.compile(r"(解释|规定|意见|批复)([一二三四五六七八九十])$")
_ITEM_RE = re.compile(r"^\s*[(（]([一二三四五六七八九十]+)[)）]")
_QUOTED_RE = re.compile(r"[\"“”「」『』＂][^\"“”「」『』＂]*[\"“”「」『』＂]?")


def strip_prefix(title: str) -> str:
    for p in TITLE_PREFIXES:
        if title.startswith(p) and len(title) > len(p):
            return title[len(p) :]
    return title


def titles_by_form(index: OpenIndex) -> dict[str, list[int]]:
    """Normalised title, with and without 中华人民共和国 -> document ordinals (computed once per build)."""

    def compute() -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, t in enumerate(index.table.titles):
            for form in {t, strip_prefix(t), _loose(t)}:
                out.setdefault(form, []).append(i)
        return out

    return index.memo("titles-by-form", compute)


def _loose(title: str) -> str:
    """A title without 《》 and 中华人民共和国 anywhere in it (关于适用《中华人民共和国民事诉讼法》的解释)."""
    return title.replace("《", "").replace("》", "").replace("中华人民共和国", "")


def _name_form(name: str) -> str:
    return strip_prefix(analysis.normalize("".join(name.split())).strip("《》<>"))


def law_documents(index: OpenIndex, name: str) -> list[int]:
    """Ordinals of the documents a law's name means: its title (with or without 中华人民共和国) or an alias of the
    alias table (个保法, 刑诉法)."""
    form = _name_form(name)
    if not form:
        return []
    by_title = titles_by_form(index)
    found = by_title.get(form) or by_title.get(_loose(form))
    if found:
        return list(found)
    for expansion, kind in aliases.expansions(form):
        if kind == "law":
            # 婚姻法 -> 民法典 婚姻家庭编: the first word is the title.
            found = by_title.get(_loose(_name_form(expansion.split()[0])))
            if found:
                return list(found)
    return []


def _subsequence(name: str, title: str) -> bool:
    it = iter(title)
    return all(ch in it for ch in name)


def _pieces(name: str, title: str) -> int:
    """The fewest runs of consecutive characters of the title that spell the name in order (the name is a
    subsequence of the title)."""
    inf = len(name) + 1
    # ending[j]: the fewest pieces spelling the name's first i characters with the last one at title[j].
    ending = [1 if ch == name[0] else inf for ch in title]
    for ch in name[1:]:
        before, nxt = inf, [inf] * len(title)
        for j, t in enumerate(title):
            if t == ch and j:
                nxt[j] = min(ending[j - 1], before + 1)
            if j:
                before = min(before, ending[j - 1])
        ending = nxt
    return min(ending)


def abbreviated_law_documents(index: OpenIndex, name: str) -> list[int]:
    """Ordinals of the documents an abbreviated name may mean, when no title or alias is the name: titles ending
    with it (勘察设计管理条例), else titles holding its characters in order, a closing series number (（一）) the
    same (民法典婚姻家庭编解释（一） for 最高人民法院关于适用《民法典》婚姻家庭编的解释（一））."""
    form = _name_form(name).replace("《", "").replace("》", "")
    # 劳动争议解释一: the number of a series typed without its brackets.
    form = _BARE_SERIES_RE.sub(r"\1(\2)", form)
    if len(form) < MIN_SUFFIX_NAME:
        return []

    def compute() -> list[int]:
        titles = [strip_prefix(t).replace("《", "").replace("》", "") for t in index.table.titles]
        core = form.removesuffix(JUDICIAL_SUFFIX)
        if core != form and len(core) >= MIN_SUFFIX_NAME - 2:
            # 民间借贷司法解释: the interpretation on trying that kind of case (…关于审理民间借贷案件…的规定).
            cases = [i for i, t in enumerate(titles) if t.startswith(COURTS) and f"{core}案件" in t]
            if cases:
                return cases
        ending = [i for i, t in enumerate(titles) if t.endswith(form)]
        if ending or len(form) < MIN_SUBSEQUENCE_NAME:
            return ending
        series = _SERIES_RE.search(form)
        found = [
            i
            for i, t in enumerate(titles)
            if len(form) >= MIN_SUBSEQUENCE_SHARE * len(t)
            and _subsequence(form, t)
            and (not series or t.endswith(series.group(0)))
        ]
        # The titles holding the name in the fewest pieces: 合同法解释（二） is …适用合同法若干问题的解释（二） (合同法,
        # 解释（二）), not …建设工程施工合同纠纷案件适用法律问题的解释（二） (合同, 法, 解释（二）).
        pieces = {i: _pieces(form, titles[i]) for i in found}
        return [i for i in found if pieces[i] == min(pieces.values())]

    return index.memo(("abbreviated-title", form), compute)


def articles_of(index: OpenIndex, doc_id: str) -> dict[tuple[int, int], str]:
    """(number, 之N) of every article of a document -> its section id (the first, where a text repeats one)."""

    def compute() -> dict[tuple[int, int], str]:
        out: dict[tuple[int, int], str] = {}
        for section_id, heading in index.store.headings(doc_id):
            key = article_key(heading)
            if key is not None:
                out.setdefault(key, section_id)
        return out

    return index.memo(("articles", doc_id), compute)


def _preference(index: OpenIndex, ordinal: int, version: str | None, as_of: str | None = None) -> tuple:
    meta = index.docs[index.table.ids[ordinal]]
    # Searching as of a day: the version in force that day first.
    then = 0 if as_of is None or period_table(index).by_doc[meta.doc_id].covers(as_of) else 1
    level = LEVELS.index(meta.level) if meta.level in LEVELS else len(LEVELS)
    named = 0 if version and ((meta.date or "").startswith(version) or str(meta.year or "") == version) else 1
    newest = "".join(chr(0x39 - ord(c) + 0x30) if c.isdigit() else c for c in (meta.date or "~"))
    return (named, then, STATUS_ORDER.get(meta.status, 1), level, newest, meta.doc_id)


@dataclass(frozen=True, slots=True)
class CitationReading:
    """What the citations of a query resolved to."""

    list_text: str  # the query the result list is searched with
    pinned: tuple[tuple[int, tuple[str, ...]], ...]  # (ordinal, section ids) to show first, in order
    answers: tuple[Answer, ...]
    notes: tuple[str, ...]


def _unquoted(text: str) -> str:
    """The text with quoted phrases blanked (same length): a citation inside quotes is a phrase to find."""
    return _QUOTED_RE.sub(lambda m: " " * len(m.group(0)), text)


def _lines(text: str, ref: ArticleRef) -> tuple[tuple[AnswerLine, ...], int]:
    """The article's lines with the cited 款 (or 项) marked, and how many 款 it has."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    paragraph, out, count = 0, [], 0
    for line in lines:
        item = _ITEM_RE.match(analysis.normalize(line))
        if not item or paragraph == 0:
            paragraph += 1
            count = paragraph
        item_no = cn_int(item.group(1)) if item else None
        marked = False
        if ref.paragraph and ref.item:
            marked = paragraph == ref.paragraph and item_no == ref.item
        elif ref.paragraph:
            marked = paragraph == ref.paragraph
        elif ref.item:
            marked = item_no == ref.item
        out.append(AnswerLine(html=escape(line), marked=marked))
    return tuple(out), count


def _repealed_by(index: OpenIndex, meta: DocMeta) -> DocMeta | None:
    """The document of another title that repealed this one and took its place (search/repeals.py), if any."""
    if meta.status != "repealed" or not meta.superseded_by:
        return None
    by_source = index.memo("documents-by-source", lambda: {m.source: d for d, m in index.docs.items()})
    other = index.docs.get(by_source.get(meta.superseded_by, ""))
    return other if other is not None and other.title != meta.title and other.date else None


def _article_link(index: OpenIndex, doc_id: str, section_id: str) -> ArticleLink:
    meta = index.docs[doc_id]
    return ArticleLink(
        doc_id=doc_id,
        title=meta.title,
        date=meta.date,
        status=meta.status,
        status_label=STATUS_LABELS.get(meta.status or ""),
        url=DOC_URL.format(doc_id=doc_id) + f"#{section_id}",
    )


def build_answer(
    index: OpenIndex, citation_text: str, doc_id: str, section_id: str, ref: ArticleRef
) -> tuple[Answer | None, str | None]:
    """The direct answer for one resolved article, and a note when a cited 款 does not exist."""
    found = index.store.sections(doc_id, [section_id])
    if not found:
        return None, None
    section, text = found[0]
    meta = index.docs[doc_id]
    lines, count = _lines(text, ref)
    note = None
    if ref.paragraph and ref.paragraph > count:
        note = f"{ref.heading}只有{cn_numeral(count)}款，没有第{cn_numeral(ref.paragraph)}款"
    others = [
        _article_link(index, v, sid)
        for v in index.versions.get(doc_id, ())
        if v != doc_id and (sid := articles_of(index, v).get(ref.key))
    ]
    version_note = None
    if meta.status not in ("current", None, "trial"):
        current = [o for o in others if o.status == "current"]
        version_note = f"此为{meta.date or ''}版本（{STATUS_LABELS.get(meta.status or '', meta.status)}）" + (
            f"，现行版本：{current[0].title}（{current[0].date}）" if current and current[0].date else ""
        )
        if (by := _repealed_by(index, meta)) is not None:
            version_note += f"，已由《{by.title}》（{by.date}）废止"
    return Answer(
        citation=citation_text,
        reference=ref.label,
        article=ref.heading,
        doc_id=doc_id,
        source=meta.source,
        title=meta.title,
        date=meta.date,
        level=meta.level,
        status=meta.status,
        status_label=STATUS_LABELS.get(meta.status or ""),
        section_id=section.anchor,
        section=" › ".join(section.path),
        paragraph=ref.paragraph,
        item=ref.item,
        lines=lines,
        url=DOC_URL.format(doc_id=doc_id) + f"#{section.anchor}",
        note=version_note,
        other_versions=tuple(others),
    ), note


def resolve_law(index: OpenIndex, cite: ArticleCitation) -> tuple[list[int], str | None]:
    """The documents a citation's law names (ordinals) and the name that matched: its title, an alias, or an
    abbreviated title (empty when none)."""
    return _resolve_one(index, cite, None)


def _resolve_one(index: OpenIndex, cite: ArticleCitation, scope: list[int] | None) -> tuple[list[int], str | None]:
    """The documents the citation's law means (or the scope, for an article number alone), and the name that
    matched."""
    names = list(cite.names())
    for name in names:
        ords = law_documents(index, name)
        if ords:
            return ords, name
    # Only the whole name is read as an abbreviation: a tail of it (解释（一）) would match too much.
    if names and (ords := abbreviated_law_documents(index, names[0])):
        return ords, names[0]
    if cite.law is None and scope:
        return scope, None
    return [], None


@dataclass(slots=True)
class _Found:
    """What the citations of one query resolved to so far."""

    pinned: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)  # the articles as the result list searches them

    def pin(self, ordinal: int, section_id: str | None) -> None:
        """Show the document first, with the section (if any) among its sections."""
        for i, (o, sections) in enumerate(self.pinned):
            if o == ordinal:
                if section_id:
                    self.pinned[i] = (o, (*sections, section_id))
                return
        self.pinned.append((ordinal, (section_id,) if section_id else ()))


def _resolve_article(
    index: OpenIndex,
    ords: list[int],
    ref: ArticleRef,
    typed: str,
    version: str | None,
    as_of: str | None,
    found: _Found,
    origin: str | None = None,
) -> None:
    """One cited article of the documents a name means: its answer, note and place first in the list, or a note
    that the law has no such article; `origin`: the repealed statute's article it stands for (the answer's note)."""
    having = [o for o in ords if ref.key in articles_of(index, index.table.ids[o])]
    if not having:
        best = min(ords, key=lambda o: _preference(index, o, version, as_of))
        meta = index.docs[index.table.ids[best]]
        total = len(articles_of(index, meta.doc_id))
        found.notes.append(f"“{typed}”：《{meta.title}》没有{ref.heading}" + (f"（共{total}条）" if total else ""))
        found.pin(best, None)
        return
    best = min(having, key=lambda o: _preference(index, o, version, as_of))
    doc_id = index.table.ids[best]
    section_id = articles_of(index, doc_id)[ref.key]
    answer, note = build_answer(index, typed, doc_id, section_id, ref)
    if answer is not None:
        if origin:
            answer = replace(answer, note=origin)
        else:
            found.notes.append(
                f"“{typed}” → 《{answer.title}》{ref.label}" + (f"（{answer.date}）" if version and answer.date else "")
            )
        found.answers.append(answer)
    if note:
        found.notes.append(note)
    found.pin(best, section_id)
    found.phrases.append(f'"{strip_prefix(index.table.titles[best])}{ref.heading}"')


def read_citations(
    index: OpenIndex, query: str, scope: list[int] | None = None, as_of: str | None = None
) -> CitationReading:
    """Resolve the article citations of a query; `scope` (document ordinals) answers an article number typed
    alone (264条 in a document's own search); `as_of` prefers the version in force that day."""
    norm = analysis.normalize(query)
    cites = find_citations(_unquoted(norm))[:MAX_CITATIONS]
    if not cites:
        return CitationReading(query, (), (), ())
    found = _Found()
    pinned, answers, notes, phrases = found.pinned, found.answers, found.notes, found.phrases
    pieces: list[str] = []
    last = 0
    for cite in cites:
        ords, name = _resolve_one(index, cite, scope)
        repealed = predecessors.repealed_law(name) if ords else None
        if (
            cite.bare
            and repealed is None
            and not any(ref.key in articles_of(index, index.table.ids[o]) for o in ords for ref in cite.articles)
        ):
            continue  # 公司法 3 where 3 is no article, 疫情防控 2: the number is text, as typed
        typed = query[cite.start : cite.end].strip()
        pieces.append(query[last : cite.start])
        last = cite.end
        if not ords:
            # Not a law of the index: searched as text, with the article as statutes write it.
            pieces.append(" " + (cite.law or "") + "".join(a.heading for a in cite.articles) + " ")
            if cite.law:
                notes.append(f"“{typed}”：索引中没有名为“{cite.law}”的法律法规，按文字检索")
            continue
        if repealed is not None:
            # 合同法第52条: the Code's articles that carry the rule, not its own 第五十二条.
            for ref in cite.articles:
                phrases.append(f'"{repealed}{ref.heading}"')
                moved = predecessors.moved(repealed, ref.number) if not ref.sub else None
                where = predecessors.where_note(ref.heading, moved)
                searched = "，按文字检索" if moved is None else ""
                notes.append(f"“{typed}”：{predecessors.repealed_note(repealed)}，{where}{searched}")
                if moved is None or not moved.to:
                    continue
                origin = f"原《{repealed}》{ref.heading}的规定（该法已于{predecessors.REPEALED_ON}废止）"
                for n in moved.to:
                    _resolve_article(index, ords, ArticleRef(n), typed, None, as_of, found, origin)
            continue
        for ref in cite.articles:
            _resolve_article(index, ords, ref, typed, cite.version, as_of, found)
    pieces.append(query[last:])
    # The articles cited form one group: the list goes on with documents citing any of them.
    pieces.append(" " + " OR ".join(dict.fromkeys(phrases)))
    return CitationReading(" ".join("".join(pieces).split()), tuple(pinned), tuple(answers), tuple(notes))


def pinned_mask(index: OpenIndex, reading: CitationReading) -> np.ndarray:
    out = np.zeros(len(index.table.ids), dtype=bool)
    out[[o for o, _ in reading.pinned]] = True
    return out
