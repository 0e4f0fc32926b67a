"""The one search function that the page, the JSON API and the CLI call.

Matching is decided per document: every group of the query must match some section of the document (not
necessarily the same one), and no excluded term may match any. Ranking scores sections with BM25F and gives a
document the score of its best sections; results are grouped so each document appears once.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from search import aliases, analysis, highlight
from search.index import OpenIndex
from search.params import SearchParams
from search.plan import QueryPlan, TermPlan, plan_query
from search.query import ParsedQuery, QueryError, parse_query
from search.results import (DOC_URL, FACET_LABELS, STATUS_LABELS, AppliedFilter, Facet, FacetValue, Hit,
                            QueryInfo, SearchResult, SectionHit, TermInfo)
from search.schema import FACETS
from search.store import DocMeta

# How many scored sections ranking looks at; documents matched beyond them follow, newest first.
SCORE_LIMIT = 300
# Up to this many candidate sections are scored one by one; more are scored by a filtered search.
SKIP_SCORING_LIMIT = 4000
SECTIONS_PER_HIT = 3
# A document's score: its best section, plus this share of each next-best one.
NEXT_SECTION_WEIGHT = 0.25
# A section that contains a term's exact run of characters scores this much more for it.
EXACT_FACTOR = 2.5
# The score of a section that contains a term only inside longer words (a typical low BM25 score).
EXACT_BASE_SCORE = 1.0
# A section's score is multiplied by this for each query group it does not contain.
MISSING_GROUP_FACTOR = 0.7
# Known-item bonuses, as multiples of the best score in the result list.
TITLE_EXACT_BONUS = 1.0
TITLE_CONTAINS_BONUS = 0.3
# Versions: a superseded or repealed document loses this share of its score.
STATUS_PENALTY = {"superseded": 0.35, "amended": 0.35, "repealed": 0.5}
FACET_LIMIT = 30
TITLE_PREFIXES = ("中华人民共和国",)
SEARCHED_FIELDS = ("title", "heading", "body", "docno", "issuer")

__all__ = ["run_search", "QueryError"]


@dataclass(frozen=True, slots=True)
class _Matched:
    """What a group of alternatives matched: index sections (all, and those with the exact string)."""

    sections: frozenset[int]
    exact: frozenset[int]
    docs: frozenset[str]


def _term_matched(index: OpenIndex, plan: TermPlan) -> _Matched:
    exact = index.sections_for(plan.exact) if plan.exact is not None else frozenset()
    loose = index.sections_for(plan.loose) if plan.loose is not None else frozenset()
    sections = exact | loose
    doc_of = index.doc_of
    docs = {doc_of[n] for n in sections}
    if plan.term.field == "issuer":
        needle = plan.term.normalized
        by_issuer = {d for d, m in index.docs.items() if any(needle in analysis.normalize(i) for i in m.issuer)}
        docs |= by_issuer
        # The title record carries the issuer's words: it is the section that scores for this term.
        sections |= {index.sections_of[d][0] for d in by_issuer if index.sections_of.get(d)}
    return _Matched(sections=frozenset(sections), exact=exact, docs=frozenset(docs))


def _group_matched(index: OpenIndex, group: tuple[TermPlan, ...]) -> _Matched:
    parts = [_term_matched(index, p) for p in group]
    return _Matched(sections=frozenset().union(*(p.sections for p in parts)),
                    exact=frozenset().union(*(p.exact for p in parts)),
                    docs=frozenset().union(*(p.docs for p in parts)))


def _match(index: OpenIndex, plan: QueryPlan) -> tuple[set[str], list[_Matched]]:
    """Documents where every group matches some section and no excluded term matches any; per-group matches."""
    groups = [_group_matched(index, g) for g in plan.groups]
    matched: set[str] = set(index.docs)
    for g in groups:
        matched &= g.docs
    for term in plan.excluded:
        matched -= _term_matched(index, term).docs
    return matched, groups


def _in_dates(meta: DocMeta, date_from: str | None, date_to: str | None) -> bool:
    if meta.date is None:
        return False
    if date_from and meta.date[:len(date_from)] < date_from:
        return False
    if date_to and meta.date[:len(date_to)] > date_to:
        return False
    return True


def _filter_steps(index: OpenIndex, params: SearchParams
                  ) -> list[tuple[str, str, str, Callable[[DocMeta], bool], str]]:
    """(name, label, value shown, predicate, URL without it) for every active filter."""
    steps = []
    for facet, values in params.filters:
        wanted = {analysis.to_simplified(v) for v in values}
        pred = (lambda m, f=facet, w=wanted: bool(w.intersection(index.facets[m.doc_id][f])))
        # A facet with several values is one filter (any of them); its chip removes all of them.
        url = "?" + params.with_changes(filters=tuple((f, v) for f, v in params.filters if f != facet),
                                        page=1).query_string()
        shown = "、".join(_label(facet, v) for v in values)
        steps.append((facet, FACET_LABELS[facet], shown, pred, url))
    if params.date_from:
        steps.append(("date_from", "起始日期", params.date_from,
                      lambda m: _in_dates(m, params.date_from, None),
                      "?" + params.with_changes(date_from=None, page=1).query_string()))
    if params.date_to:
        steps.append(("date_to", "截止日期", params.date_to, lambda m: _in_dates(m, None, params.date_to),
                      "?" + params.with_changes(date_to=None, page=1).query_string()))
    return steps


def _apply_filters(index: OpenIndex, docs: set[str], params: SearchParams) -> tuple[set[str], list[AppliedFilter]]:
    """Documents passing every filter, and per filter how many more there would be without it alone."""
    steps = _filter_steps(index, params)
    passes = {name: {d for d in docs if pred(index.docs[d])} for name, _, _, pred, _ in steps}
    kept = set(docs)
    for name in passes:
        kept &= passes[name]
    applied = []
    for name, label, shown, _, url in steps:
        others = set(docs)
        for other, passing in passes.items():
            if other != name:
                others &= passing
        applied.append(AppliedFilter(name=name, label=label, value=shown, removed=len(others) - len(kept),
                                     remove_url=url))
    return kept, applied


def _label(facet: str, value: str) -> str:
    return STATUS_LABELS.get(value, value) if facet == "status" else value


def _facets(index: OpenIndex, docs: Iterable[str], params: SearchParams) -> tuple[Facet, ...]:
    counts: dict[str, Counter[str]] = {f: Counter() for f in FACETS}
    for d in docs:
        values = index.facets[d]
        for f in FACETS:
            counts[f].update(values[f])
    out = []
    for f in FACETS:
        selected = set(params.filter_values(f))
        ranked = sorted(counts[f].items(), key=lambda kv: (-int(kv[0]), 0) if f == "year" else (-kv[1], kv[0]))
        values = [FacetValue(value=v, label=_label(f, v), count=c, selected=v in selected,
                             toggle_url="?" + params.with_filter(f, v, v not in selected).query_string())
                  for v, c in ranked[:FACET_LIMIT]]
        # A selected value stays visible (and removable) even when nothing matches it any more.
        for v in selected - {fv.value for fv in values}:
            values.append(FacetValue(value=v, label=_label(f, v), count=0, selected=True,
                                     toggle_url="?" + params.with_filter(f, v, False).query_string()))
        out.append(Facet(name=f, label=FACET_LABELS[f], values=tuple(values)))
    return tuple(out)


def _strip_prefix(title: str) -> str:
    for p in TITLE_PREFIXES:
        if title.startswith(p):
            return title[len(p):]
    return title


def _section_scores(searcher, q, allowed: set[int]) -> list[tuple[int, float]]:
    """(docnum, score) of the allowed sections that match q.

    A small allowed set is scored by skipping the matcher straight to each section; walking every posting of
    the query's terms (what a filtered search does) costs far more when the terms are common.
    """
    if len(allowed) > SKIP_SCORING_LIMIT:
        return [(n, s) for s, n in searcher.search(q, filter=allowed, limit=SCORE_LIMIT).top_n]
    matcher = q.matcher(searcher, searcher.context())
    out = []
    for docnum in sorted(allowed):
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                break
        if matcher.id() == docnum:
            out.append((docnum, matcher.score()))
    out.sort(key=lambda x: -x[1])
    return out[:SCORE_LIMIT]


def _rank(index: OpenIndex, docs: set[str], plan: QueryPlan, parsed: ParsedQuery, matches: list[_Matched]
          ) -> tuple[list[str], dict[str, float], dict[str, list[int]]]:
    """Documents best first, their scores, and each one's best section docnums."""
    section_scores: dict[str, list[tuple[float, int]]] = defaultdict(list)
    queries = [(q, m) for q, m in zip(plan.group_score_queries, matches) if q is not None]
    if queries and docs:
        doc_of = index.doc_of
        allowed = {n for m in matches for n in m.sections if doc_of[n] in docs}
        searcher = index.searcher()
        per_section: dict[int, list[float]] = defaultdict(list)
        for q, m in queries:
            scored = dict(_section_scores(searcher, q, allowed))
            # A section with the exact string but none of its words as words (述法 inside 述法制度) still counts.
            for docnum in m.exact & allowed:
                scored.setdefault(docnum, EXACT_BASE_SCORE)
            for docnum, score in scored.items():
                per_section[docnum].append(score * (EXACT_FACTOR if docnum in m.exact else 1.0))
        for docnum, found in per_section.items():
            # Coordination: a section with every group beats one that has only some of them.
            missing = len(queries) - len(found)
            section_scores[doc_of[docnum]].append((sum(found) * MISSING_GROUP_FACTOR ** missing, docnum))
    scores: dict[str, float] = {}
    for d, found in section_scores.items():
        found.sort(reverse=True)
        scores[d] = found[0][0] + NEXT_SECTION_WEIGHT * sum(s for s, _ in found[1:SECTIONS_PER_HIT])
    top = max(scores.values(), default=0.0)
    wanted = _wanted_titles(parsed)
    if top and wanted:
        for d in scores:
            title = analysis.normalize("".join(index.docs[d].title.split()))
            if title in wanted or _strip_prefix(title) in wanted:
                scores[d] += TITLE_EXACT_BONUS * top
            else:
                best = max((len(w) for w in wanted if w in title), default=0)
                scores[d] += TITLE_CONTAINS_BONUS * top * best / max(len(title), 1)
    for d in scores:
        scores[d] *= 1.0 - STATUS_PENALTY.get(index.docs[d].status or "", 0.0)

    def key(d: str) -> tuple:
        m = index.docs[d]
        return (-scores.get(d, 0.0), _date_key(m), m.title)

    order = sorted(docs, key=key)
    best = {d: [n for _, n in found[:SECTIONS_PER_HIT]] for d, found in section_scores.items()}
    return order, scores, best


def _wanted_titles(parsed: ParsedQuery) -> set[str]:
    """Titles the query may name as a known item: the whole query, and its law aliases (简称 -> 全称)."""
    plain = [t for g in parsed.groups for t in g if t.field in (None, "title") and not t.docno]
    if not plain or len(plain) != len(parsed.positive_terms):
        return set()
    text = "".join(t.text for t in plain)
    wanted = {analysis.normalize("".join(text.split()))}
    wanted |= {analysis.normalize(e) for e, kind in aliases.expansions(text) if kind == "law"}
    return {_strip_prefix(w) for w in wanted} | wanted


def _date_key(meta: DocMeta) -> str:
    # Newest first: invert the ISO date's digits; undated documents last.
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in meta.date) if meta.date else "~"


def _hit(index: OpenIndex, doc_id: str, score: float, section_docnums: list[int], terms: tuple[str, ...]) -> Hit:
    meta = index.docs[doc_id]
    doc = index.store.get(doc_id)
    assert doc is not None, doc_id
    by_id = {s.id: s for s in doc.sections}
    stored = index.searcher().reader()
    chosen = [by_id.get(stored.stored_fields(n)["section_id"]) for n in section_docnums]
    chosen = [s for s in chosen if s is not None] or list(doc.sections[:1])
    section_hits = []
    for s in chosen:
        text = doc.section_text(s)
        section_hits.append(SectionHit(section_id=s.id, section=" › ".join(s.path),
                                       snippet=highlight.snippet(text, terms)))
    if not section_hits:
        section_hits.append(SectionHit(section_id="s0", section="", snippet=highlight.snippet(doc.text, terms)))
    first = section_hits[0]
    return Hit(id=doc_id, source=meta.source, title=meta.title, title_html=highlight.mark_text(meta.title, terms),
               issuer=meta.issuer, doc_number=meta.doc_number, year=meta.year, date=meta.date,
               doc_type=meta.doc_type, level=meta.level, region=meta.region, status=meta.status,
               status_label=STATUS_LABELS.get(meta.status or ""), score=round(score, 4),
               section_id=first.section_id, section=first.section, snippet=first.snippet,
               url=DOC_URL.format(doc_id=doc_id) + f"#{first.section_id}", sections=tuple(section_hits))


def _advice(parsed: ParsedQuery, applied: list[AppliedFilter], total: int) -> tuple[str, ...]:
    if total:
        return ()
    out = []
    helpful = sorted((a for a in applied if a.removed), key=lambda a: -a.removed)
    for a in helpful[:2]:
        out.append(f"去掉筛选条件“{a.label}：{a.value}”可找到 {a.removed} 篇文件")
    if not helpful and applied and parsed.positive_terms:
        out.append("去掉全部筛选条件后再检索")
    if parsed.positive_terms and not helpful:
        if len(parsed.groups) > 1:
            out.append("减少检索词，或用 OR 连接近义词")
        if any(t.phrase for t in parsed.positive_terms):
            out.append("去掉引号，按词检索")
        out.append("检查错别字，或换用文件标题中的说法")
    return tuple(out)


def _explain(parsed: ParsedQuery, plan: QueryPlan, params: SearchParams, matched_before: int,
             applied: list[AppliedFilter], total: int) -> QueryInfo:
    infos = []
    for p in [*(p for g in plan.groups for p in g), *plan.excluded]:
        t = p.term
        infos.append(TermInfo(text=t.text, normalized=t.normalized, words=p.words, phrase=t.phrase, field=t.field,
                              doc_number=t.docno, excluded=p in plan.excluded, alias_of=t.alias_of))
    fields = tuple(dict.fromkeys(t.field for t in parsed.positive_terms if t.field)) or SEARCHED_FIELDS
    return QueryInfo(text=params.q, normalized=analysis.normalize(params.q),
                     tokens=tuple(w for i in infos if not i.excluded and not i.alias_of for w in i.words),
                     terms=tuple(infos), aliases=tuple(f"{i.alias_of} → {i.text}" for i in infos if i.alias_of),
                     fields=fields, ignored=parsed.ignored, matched_before_filters=matched_before,
                     filters=tuple(applied), advice=_advice(parsed, applied, total))


def run_search(index: OpenIndex, params: SearchParams) -> SearchResult:
    """Answer one search: matching documents, facet counts, the requested page of hits with snippets."""
    started = time.perf_counter()
    parsed = parse_query(params.q)
    plan = plan_query(parsed)
    matched, groups = _match(index, plan)
    matched_before = len(matched)
    docs, applied = _apply_filters(index, matched, params)
    facets = _facets(index, docs, params)
    if params.sort == "date" or parsed.empty:
        order = sorted(docs, key=lambda d: (_date_key(index.docs[d]), index.docs[d].title))
        scores: dict[str, float] = {}
        best: dict[str, list[int]] = {}
        if not parsed.empty:
            _, scores, best = _rank(index, docs, plan, parsed, groups)
    else:
        order, scores, best = _rank(index, docs, plan, parsed, groups)
    total = len(order)
    start = (params.page - 1) * params.size
    terms = plan.highlight
    hits = tuple(_hit(index, d, scores.get(d, 0.0), best.get(d, []), terms) for d in order[start:start + params.size])
    return SearchResult(params=params, query=_explain(parsed, plan, params, matched_before, applied, total),
                        total=total, page=params.page, size=params.size, pages=max(1, math.ceil(total / params.size)),
                        sort=params.sort, hits=hits, facets=facets,
                        took_ms=round((time.perf_counter() - started) * 1000, 2), build=index.build_id)
