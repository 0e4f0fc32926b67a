"""The one search function that the page, the JSON API and the CLI call.

Matching is decided per document: every group of the query must match some section of the document (not
necessarily the same one), and no excluded term may match any. Ranking scores sections with BM25F and gives a
document the score of its best sections; results are grouped so each document appears once.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from whoosh.query import Query

from search import aliases, analysis, colloquial, highlight, questions, rerank, situations
from search.answer import (
    CitationReading,
    articles_of,
    pinned_mask,
    read_citations,
    strip_prefix,
    titles_by_form,
)
from search.citation import article_key
from search.dayview import DAY_FACETS, DayView, day_view
from search.docnums import distinct, distinct_inverse
from search.fields import BY_NAME, HIT
from search.index import OpenIndex
from search.inforce import period_table
from search.params import SearchParams
from search.plan import QueryPlan, TermPlan, heading_query, plan_query
from search.query import ParsedQuery, QueryError, Term, parse_query
from search.repeals import REPEALED
from search.results import (
    DOC_URL,
    FACET_LABELS,
    AppliedFilter,
    Facet,
    FacetValue,
    Hit,
    QueryInfo,
    SearchResult,
    SectionHit,
    TermInfo,
)
from search.schema import FACETS
from search.validity import VALIDITY_FACET, VALIDITY_LABELS, VALIDITY_VALUES

# How many scored sections ranking looks at; documents matched beyond them follow, newest first.
SCORE_LIMIT = 300
# A query matching at least CHAMPION_MIN_SECTIONS sections (a common word) keeps its CHAMPIONS best for the
# build, when it is scored in at least 1/CHAMPION_SHARE of them (`_champions`).
CHAMPION_MIN_SECTIONS = 20_000
CHAMPIONS = 4096
CHAMPION_SHARE = 4
# Scores of many sections are cut at the SCORE_LIMIT-th by a bound found in a sample, when they are more than
# this factor × SCORE_LIMIT (`_kth_largest`).
KTH_SAMPLE_FACTOR = 8
# Matched documents are put in order only up to the requested page's last when they are more than this factor ×
# that many (`_first_ranked`).
PARTIAL_ORDER_FACTOR = 8
# Coordination counts over every docnum, keeping only the sections some group matched, when the groups scored
# more than 1/COORDINATED_MANY of the docnums (`_coordinated`).
COORDINATED_MANY = 16
SECTIONS_PER_HIT = 3
# A document's score: its best section, plus this share of each next-best one.
NEXT_SECTION_WEIGHT = 0.25
# A section that contains a term's exact run of characters scores this much more for it.
EXACT_FACTOR = 2.5
# The score of a section that contains a term only inside longer words (a typical low BM25 score).
EXACT_BASE_SCORE = 1.0
# A section's score is multiplied by this for each query group it does not contain.
MISSING_GROUP_FACTOR = 0.7
# The same for a question's content words, whose group scores are each scaled to their weight (rarity).
RELAXED_MISSING_GROUP_FACTOR = 0.7
# Known-item bonuses, as multiples of the best score in the result list.
TITLE_EXACT_BONUS = 1.0
TITLE_CONTAINS_BONUS = 0.3
# Versions: a superseded or repealed document loses this share of its score.
# A document whose stated period has lapsed (expired on the day asked) loses as much as a repealed one.
STATUS_PENALTY = {"superseded": 0.35, "amended": 0.35, "repealed": 0.5, "expired": 0.5}
# Questions and everyday words: the order of legal force. Statutes and judicial interpretations first, then the
# State Council's regulations and the ministries' rules that implement them, local copies of the same rule and
# cases after them, unless the query names a place (a document's score is multiplied by its level's factor).
LEVEL_FACTOR = {
    "行政法规": 0.7,
    "部门规章": 0.6,
    "地方性法规": 0.5,
    "地方政府规章": 0.5,
    "规范性文件": 0.7,
    "工作文件": 0.7,
    "案例": 0.6,
}
# The same for a decision that amends other instruments (…关于修改《…》等二十七件…的决定) and for an amendment
# (刑法修正案（八）): its text is the amended wording piece by piece, which the amended instrument itself holds in
# context.
AMENDING_FACTOR = 0.3
# A local document copying a national rule (青岛市物业管理条例 and 物业管理条例, 上海市实施《食品安全法》办法 and
# 食品安全法): for questions and everyday words that name no place the national one scores at least as its best
# matched copy did, so the level factors put it before every copy.
NATIONAL_LEVELS = frozenset(("法律", "行政法规", "部门规章"))
LOCAL_LEVELS = frozenset(("地方性法规", "地方政府规章"))
# Questions and everyday words that name no place: every matched local document but the best is multiplied by
# this factor, so that one place's rule stands for all of them (three cities' 养犬管理条例 are one answer). Not a
# topic of several words (房屋征收 补偿): it asks for the rules on it, each place's among them.
LOCAL_FOLLOWER_FACTOR = 0.5
# A topic of several words: the model (search/rerank.py) puts in order only this many first documents, those the
# text and the factors chose, and brings none from further down into them (the first page holds the documents
# about the topic, local ones included; the model was fitted on questions' first three).
TOPIC_RERANK_DEPTH = 10
# Questions and everyday words that name a place: a local document of another place is multiplied by this factor
# (上海的小区车位只卖不租: 上海市住宅物业管理规定, not 山东省物业管理条例), one of the place or of its province not.
ELSEWHERE_FACTOR = 0.25
# The shortest national title a local one may end with (物业管理条例; never a bare 条例 or 办法), and the most
# characters between the place and it (滨州市住宅物业管理条例, 宁波市住宅小区物业管理条例).
MIN_COPIED_TITLE = 4
MAX_COPY_QUALIFIER = 4
_CITED_TITLE_RE = re.compile(r"《([^《》]+)》")
# A local title's place: up to 8 characters ending in 省, 市, 县 or 自治区/自治州 (浙江省, 温州市, 延边朝鲜族自治州).
_PLACE_PREFIX_RE = re.compile(r"^(?!关于)[^《》的，、]{1,8}?(?:省|市|县|自治区|自治州)")
AMENDING_TITLE_RE = re.compile(r"关于修改.+的决定$|修正案(?:[(（][^()（）]*[)）])?$")
# The same queries: a document's score is multiplied by 1 + BREADTH_WEIGHT × its breadth (`_add_breadth`) over
# the highest breadth among the matched documents; BM25's k1 and b over a document's sections.
BREADTH_WEIGHT = 1.0
BREADTH_K1 = 1.2
BREADTH_B = 0.75
# The same queries, when they hold at least TITLE_TOPIC_GROUPS content words: a statute, regulation or judicial
# interpretation whose title names what they mean is multiplied by up to 1 + TITLE_TOPIC_WEIGHT
# (`_add_title_topic`); words shorter than TITLE_TOPIC_MIN_CHARS are not looked for in titles. Local documents
# and cases name their subject in their titles as often, and have the level factors and their national rule.
TITLE_TOPIC_WEIGHT = 1.0
TITLE_TOPIC_GROUPS = 2
TITLE_TOPIC_MIN_CHARS = 2
TITLE_TOPIC_LEVELS = frozenset(("法律", "行政法规", "部门规章", "司法解释"))
# A topic of several words: a document is multiplied by up to 1 + HEADING_TOPIC_WEIGHT, by the share of the
# words' rarity that its title or a heading of its chapters and sections names (`_add_heading_topic`).
HEADING_TOPIC_WEIGHT = 0.5
FACET_LIMIT = 30
SEARCHED_FIELDS = ("title", "heading", "body", "docno", "issuer")
_NONE = np.zeros(0, dtype=np.int32)
_TITLE_SEPARATOR = "\x00"  # between titles joined to be searched at once (no title holds it)
# A hit's metadata, read from the document table; and (field, its label's field, labels) of labelled values.
_HIT_NAMES = tuple(f.name for f in HIT)
_HIT_LABELS = tuple((f.name, label, f.value_labels) for f in HIT if (label := f.label_name) and f.value_labels)

__all__ = ["QueryError", "run_search"]


@dataclass(frozen=True, slots=True)
class _Matched:
    """What a group of alternatives matched: index docnums of sections (all, and those with the exact string,
    both sorted) and the documents (a boolean array over document ordinals)."""

    sections: np.ndarray
    exact: np.ndarray
    docs: np.ndarray


def _term_matched(index: OpenIndex, plan: TermPlan, within: np.ndarray | None = None) -> _Matched:
    """What a term matched; `within` (a boolean array over docnums): in those sections only."""
    table = index.table

    def matched_by(q: Query | None) -> np.ndarray:
        if q is None:
            return _NONE
        return index.sections_for(q) if within is None else index.sections_within(q, within)

    exact, loose = matched_by(plan.exact), matched_by(plan.loose)
    sections = _union_all([exact, loose], len(table.of_section))
    docs = table.docs_of(sections)
    if plan.term.field == "issuer":
        needle = plan.term.normalized
        by_issuer = [i for i, names in enumerate(table.issuers) if any(needle in n for n in names)]
        docs[by_issuer] = True
        # The title record carries the issuer's words: it is the section that scores for this term.
        sections = np.union1d(sections, table.first_sections(by_issuer)).astype(np.int32)
    return _Matched(sections=sections, exact=exact, docs=docs)


def _group_matched(index: OpenIndex, group: tuple[TermPlan, ...], within: np.ndarray | None = None) -> _Matched:
    parts = [_term_matched(index, p, within) for p in group]
    if len(parts) == 1:
        return parts[0]
    docs = parts[0].docs.copy()
    for p in parts[1:]:
        docs |= p.docs
    size = len(index.table.of_section)
    return _Matched(
        sections=_union_all([p.sections for p in parts], size),
        exact=_union_all([p.exact for p in parts], size),
        docs=docs,
    )


def _union_all(arrays: list[np.ndarray], size: int) -> np.ndarray:
    """The sorted union of sorted docnum arrays (`size`: the number of docnums)."""
    arrays = [a for a in arrays if len(a)]
    if not arrays:
        return _NONE
    if len(arrays) == 1:
        return arrays[0]
    if sum(len(a) for a in arrays) * 16 < size:
        return distinct(np.concatenate(arrays))
    mask = np.zeros(size, dtype=bool)
    for a in arrays:
        mask[a] = True
    return np.flatnonzero(mask).astype(np.int32)


def _match(
    index: OpenIndex, plan: QueryPlan, narrow: bool = False, ranked: np.ndarray | None = None
) -> tuple[np.ndarray, list[_Matched]]:
    """Documents (a boolean array over ordinals) where every group matches some section and no excluded term
    matches any; per-group matches. With `narrow`, the groups of a query that needs them all are matched in the
    sections of the documents still possible and of those ranked whatever they match (`ranked`: cited laws),
    `_narrowed_groups`; ranking then sees the same sections of the documents it ranks, but not what a group
    matched elsewhere (breadth, which counts documents, needs that)."""
    optional = plan.optional or (False,) * len(plan.groups)
    if narrow and len(plan.groups) > 1 and not any(optional):
        groups = _narrowed_groups(index, plan, ranked)
    else:
        groups = [_group_matched(index, g) for g in plan.groups]
    matched = np.ones(len(index.table.ids), dtype=bool)
    for g, opt in zip(groups, optional, strict=True):
        if not opt:
            matched &= g.docs
    if any(optional) and all(optional):
        # A question's content words: any of them will do (ranking counts how many matched). Beside a part it
        # requires (a quote, a scope), none need match: they only rank (“烈性犬”咬人怎么办 finds the quote).
        some = np.zeros(len(index.table.ids), dtype=bool)
        for g, opt in zip(groups, optional, strict=True):
            if opt:
                some |= g.docs
        matched &= some
    for term in plan.excluded:
        matched &= ~_term_matched(index, term).docs
    return matched, groups


def _required_match(index: OpenIndex, plan: QueryPlan) -> np.ndarray:
    """The documents where every group the plan requires matches (all documents when it requires none)."""
    matched = np.ones(len(index.table.ids), dtype=bool)
    optional = plan.optional or (False,) * len(plan.groups)
    for group, opt in zip(plan.groups, optional, strict=True):
        if not opt:
            matched &= _group_matched(index, group).docs
    return matched


def _match_cost(index: OpenIndex, group: tuple[TermPlan, ...]) -> tuple[bool, int]:
    """(not remembered, at most how many sections) of matching a group: remembered groups cost nothing."""
    queries = [q for p in group for q in (p.exact, p.loose) if q is not None]
    remembered = all(index.cached_sections(q) is not None for q in queries)
    estimates = [index.vector.estimate(q) for q in queries]
    return not remembered, sum(len(index.table.of_section) if e is None else e for e in estimates)


def _narrowed_groups(index: OpenIndex, plan: QueryPlan, ranked: np.ndarray | None) -> list[_Matched]:
    """Every group's match, the remembered and the rarest first, each next one matched in the sections of the
    documents that matched all before it (and of `ranked`) alone: a common word or phrase then costs what those
    documents hold, not what the whole index holds."""
    table = index.table
    order = sorted(range(len(plan.groups)), key=lambda i: _match_cost(index, plan.groups[i]))
    out: list[_Matched | None] = [None] * len(plan.groups)
    possible = np.ones(len(table.ids), dtype=bool)
    within = None
    for n, i in enumerate(order):
        if n:
            within = table.section_mask(possible if ranked is None else possible | ranked)
        found = _group_matched(index, plan.groups[i], within)
        out[i] = found
        possible &= found.docs
    return [m for m in out if m is not None]


def _in_dates(date: str | None, date_from: str | None, date_to: str | None) -> bool:
    if date is None:
        return False
    if date_from and date[: len(date_from)] < date_from:
        return False
    return not (date_to and date[: len(date_to)] > date_to)


def _facet_arrays(index: OpenIndex, facet: str, day: DayView) -> tuple[tuple[str, ...], tuple[np.ndarray, np.ndarray]]:
    """A facet's values and (ordinals, value indexes): the build's, or the day's for a facet that changes with it."""
    if facet in DAY_FACETS:
        return day.facet_names[facet], day.facet_pairs[facet]
    return index.table.facet_names[facet], index.table.facet_pairs[facet]


def _facet_mask(index: OpenIndex, facet: str, values: Iterable[str], day: DayView) -> np.ndarray:
    """Documents having any of the values of a facet (compared in simplified script)."""
    table = index.table
    names, (ords, vals) = _facet_arrays(index, facet, day)
    wanted = {analysis.to_simplified(v) for v in values}
    value_ids = np.asarray([i for i, n in enumerate(names) if n in wanted], dtype=np.int32)
    out = np.zeros(len(table.ids), dtype=bool)
    out[ords[np.isin(vals, value_ids)]] = True
    return out


def _date_mask(index: OpenIndex, date_from: str | None, date_to: str | None) -> np.ndarray:
    table = index.table
    return np.fromiter(
        (_in_dates(index.docs[d].date, date_from, date_to) for d in table.ids), dtype=bool, count=len(table.ids)
    )


def _until_mask(day: DayView, until_from: str | None, until_to: str | None) -> np.ndarray:
    """Documents whose period (after extensions) ends between the two dates."""
    return np.fromiter(
        (_in_dates(u, until_from, until_to) for u in day.valid_until), dtype=bool, count=len(day.valid_until)
    )


# A filter: (name, label, value shown, documents passing it, URL without it).
_FilterStep = tuple[str, str, str, Callable[[], np.ndarray], str]


def _filter_steps(index: OpenIndex, params: SearchParams, day: DayView) -> list[_FilterStep]:
    """(name, label, value shown, documents passing it, URL without it) for every active filter."""
    steps: list[_FilterStep] = []
    for facet, values in params.filters:
        # A facet with several values is one filter (any of them); its chip removes all of them.
        url = (
            "?"
            + params.with_changes(filters=tuple((f, v) for f, v in params.filters if f != facet), page=1).query_string()
        )
        shown = "、".join(_label(facet, v) for v in values)
        steps.append((facet, FACET_LABELS[facet], shown, partial(_facet_mask, index, facet, values, day), url))
    if params.date_from:
        steps.append(
            (
                "date_from",
                "起始日期",
                params.date_from,
                lambda: _date_mask(index, params.date_from, None),
                "?" + params.with_changes(date_from=None, page=1).query_string(),
            )
        )
    if params.date_to:
        steps.append(
            (
                "date_to",
                "截止日期",
                params.date_to,
                lambda: _date_mask(index, None, params.date_to),
                "?" + params.with_changes(date_to=None, page=1).query_string(),
            )
        )
    if params.as_of:
        as_of_day = params.as_of
        steps.append(
            (
                "as_of",
                "有效日期",
                as_of_day,
                lambda: period_table(index).mask(as_of_day),
                "?" + params.with_changes(as_of=None, page=1).query_string(),
            )
        )
    for name, label, value, bounds in (
        ("valid_until_from", "有效期截止不早于", params.valid_until_from, (params.valid_until_from, None)),
        ("valid_until_to", "有效期截止不晚于", params.valid_until_to, (None, params.valid_until_to)),
    ):
        if value:
            steps.append(
                (
                    name,
                    label,
                    value,
                    partial(_until_mask, day, *bounds),
                    "?" + params.with_changes(**{name: None, "page": 1}).query_string(),
                )
            )
    return steps


def _apply_filters(
    index: OpenIndex, docs: np.ndarray, params: SearchParams, day: DayView
) -> tuple[np.ndarray, list[AppliedFilter]]:
    """Documents passing every filter, and per filter how many more there would be without it alone."""
    steps = _filter_steps(index, params, day)
    passes = {name: docs & passing() for name, _, _, passing, _ in steps}
    kept = docs.copy()
    for passing in passes.values():
        kept &= passing
    total_kept = int(kept.sum())
    applied = []
    for name, label, shown, _, url in steps:
        others = docs.copy()
        for other, passing in passes.items():
            if other != name:
                others &= passing
        applied.append(
            AppliedFilter(name=name, label=label, value=shown, removed=int(others.sum()) - total_kept, remove_url=url)
        )
    return kept, applied


def _label(facet: str, value: str) -> str:
    labels = VALIDITY_LABELS if facet == VALIDITY_FACET else BY_NAME[facet].value_labels
    return labels.get(value, value) if labels else value


def _facet_order(facet: str) -> Callable[[tuple[str, int]], tuple]:
    """How a facet's values are listed: years newest first, 有效期 in its own order, others by count."""
    if facet == "year":
        return lambda kv: (-int(kv[0]), 0)
    if facet == VALIDITY_FACET:
        return lambda kv: (VALIDITY_VALUES.index(kv[0]), 0)
    return lambda kv: (-kv[1], kv[0])


def _facet_codes(index: OpenIndex, day: DayView) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """The facets with at most one value per document, their value codes per document (ordinals × facets; a
    facet's values numbered from its offset, its last code for none) and the facets' offsets."""
    arrays = {f: _facet_arrays(index, f, day) for f in FACETS}
    # Pairs are in ordinal order: strictly ascending ordinals are one value per document at most.
    single = [f for f, (_, (ords, _)) in arrays.items() if bool(np.all(ords[1:] > ords[:-1]))]
    offsets = np.cumsum([0] + [len(arrays[f][0]) + 1 for f in single])
    codes = np.empty((len(index.table.ids), len(single)), dtype=np.int32)
    for i, f in enumerate(single):
        names, (ords, vals) = arrays[f]
        codes[:, i] = offsets[i] + len(names)
        codes[ords, i] = offsets[i] + vals
    return tuple(single), codes, offsets


def _facet_counts(index: OpenIndex, docs: np.ndarray, day: DayView) -> dict[str, np.ndarray]:
    """Per facet, how many of the documents `docs` have each of its values. The facets of one value per
    document are counted together, from a table of their codes (a pass over every document's pairs per facet
    took three times as long)."""
    single, codes, offsets = index.memo(("facet-codes", day.day.isoformat()), lambda: _facet_codes(index, day))
    counts = np.bincount(codes[docs].ravel(), minlength=int(offsets[-1]))
    out = {f: counts[offsets[i] : offsets[i + 1] - 1] for i, f in enumerate(single)}
    for f in FACETS:
        if f not in out:
            names, (ords, vals) = _facet_arrays(index, f, day)
            out[f] = np.bincount(vals[docs[ords]], minlength=len(names))
    return out


def _facets(index: OpenIndex, docs: np.ndarray, params: SearchParams, day: DayView) -> tuple[Facet, ...]:
    out = []
    every = _facet_counts(index, docs, day)
    for f in FACETS:
        names = _facet_arrays(index, f, day)[0]
        counts = every[f]
        present = [(names[i], int(counts[i])) for i in np.flatnonzero(counts)]
        selected = set(params.filter_values(f))
        ranked = sorted(present, key=_facet_order(f))
        shown = ranked[:FACET_LIMIT]
        urls = params.toggle_query_strings(f, [v for v, _ in shown])
        values = [
            FacetValue(value=v, label=_label(f, v), count=c, selected=v in selected, toggle_url="?" + url)
            for (v, c), url in zip(shown, urls, strict=True)
        ]
        # A selected value stays visible (and removable) even when nothing matches it any more.
        values.extend(
            FacetValue(
                value=v,
                label=_label(f, v),
                count=0,
                selected=True,
                toggle_url="?" + params.with_filter(f, v, False).query_string(),
            )
            for v in selected - {fv.value for fv in values}
        )
        out.append(Facet(name=f, label=FACET_LABELS[f], values=tuple(values)))
    return tuple(out)


def _title_matches(index: OpenIndex, wanted: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Over document ordinals: is the title (with or without a prefix) one of `wanted`; the length of the longest
    wanted string the title contains (0: none)."""
    table = index.table
    exact = np.zeros(len(table.ids), dtype=bool)
    longest = np.zeros(len(table.ids))
    by_title = titles_by_form(index)
    for w in wanted:
        exact[by_title.get(w, [])] = True
        containing = index.memo(("title-contains", w), lambda w=w: _titles_containing(index, w))
        np.maximum.at(longest, containing, len(w))
    return exact, longest


def _titles_containing(index: OpenIndex, text: str) -> np.ndarray:
    """The ordinals of the documents whose title contains `text`, ascending: found in all the titles joined
    (one search in C, not a test per title)."""
    if not text or _TITLE_SEPARATOR in text:
        return np.asarray([i for i, t in enumerate(index.table.titles) if text in t], dtype=np.int32)

    def join() -> tuple[str, np.ndarray]:
        titles = index.table.titles
        starts = np.zeros(len(titles), dtype=np.int64)
        np.cumsum([len(t) + 1 for t in titles[:-1]], out=starts[1:])
        return _TITLE_SEPARATOR.join(titles), starts

    joined, starts = index.memo("titles-joined", join)
    at = [m.start() for m in re.finditer(re.escape(text), joined)]
    if not at:
        return _NONE
    return distinct(np.searchsorted(starts, at, side="right") - 1).astype(np.int32)


def _kth_largest(values: np.ndarray, k: int) -> float:
    """The k-th largest of `values` (1 <= k <= len(values)). Partitioning the values above a bound taken from
    a sample costs a tenth of partitioning them all when they are many (a common word's half million sections);
    the bound is kept only when at least k values reach it, so the answer is always exact."""
    n = len(values)
    step = n // (KTH_SAMPLE_FACTOR * k)
    if step > 1:
        sample = values[::step]
        # About twice k values are expected at or above the sample's j-th largest for j = 2k/step; a few more
        # make it rarer still that fewer than k reach it.
        rank = max(len(sample) - (2 * k // step + 2), 0)
        bound = np.partition(sample, rank)[rank]
        candidates = values[values >= bound]
        if len(candidates) >= k:
            return float(np.partition(candidates, len(candidates) - k)[len(candidates) - k])
    return float(np.partition(values, n - k)[n - k])


@dataclass(frozen=True, slots=True)
class _Champions:
    """A query's first CHAMPIONS sections in the order `_section_scores` gives (score, then docnum), over every
    section; `complete` when they are all it matches."""

    ids: np.ndarray
    scores: np.ndarray
    complete: bool

    @property
    def nbytes(self) -> int:  # what the build's memo counts
        return int(self.ids.nbytes + self.scores.nbytes)


def _section_scores(index: OpenIndex, q: Query, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, scores) of the SCORE_LIMIT best allowed sections matching q, best first (ties: lower docnum);
    `allowed` is a boolean array over docnums."""
    champions = _champions(index, q, allowed)
    if champions is not None:
        # The champions are the head of the order over every section, so the allowed ones among them come first
        # among the allowed: enough of them are the answer.
        passing = np.flatnonzero(allowed[champions.ids])
        if champions.complete or len(passing) >= SCORE_LIMIT:
            passing = passing[:SCORE_LIMIT]
            return champions.ids[passing], champions.scores[passing]
    return _ordered_scores(index, q, allowed)


def _champions(index: OpenIndex, q: Query, allowed: np.ndarray | None) -> _Champions | None:
    """A common query's champions (`_Champions`), found once per build: a common word's BM25 over half a
    million sections took most of a query's time. None for a query matching fewer than CHAMPION_MIN_SECTIONS,
    or scored in a small share of what it matches (`allowed`; None: all) (a phrase's few sections: the phrase
    is rarer than its words, whose champions would seldom hold it)."""
    estimate = index.vector.estimate(q)
    if estimate is None or estimate < CHAMPION_MIN_SECTIONS:
        return None
    if allowed is not None and int(np.count_nonzero(allowed)) * CHAMPION_SHARE < estimate:
        return None

    def find() -> _Champions:
        ids, scores = _ordered_scores(index, q, None, CHAMPIONS)
        return _Champions(ids, scores, len(ids) < CHAMPIONS)

    return index.memo(("champions", repr(q)), find)


def warm_champions(index: OpenIndex, words: Iterable[str]) -> int:
    """Find the champions of the words' scored queries where a search for them would keep some (common words),
    so that no search waits for them; returns how many queries have them."""
    found = 0
    for word in words:
        try:
            plan = plan_query(parse_query(word))
        except QueryError:
            continue
        found += sum(_champions(index, q, None) is not None for q in plan.group_score_queries if q is not None)
    return found


def _ordered_scores(
    index: OpenIndex, q: Query, allowed: np.ndarray | None, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, scores) of the `limit` (default SCORE_LIMIT) best sections matching q, among the allowed ones
    (a boolean array over docnums; None: all), best first (ties: lower docnum)."""
    limit = SCORE_LIMIT if limit is None else limit
    found = index.vector.evaluate(q, within=allowed)
    if found is None:
        found = index.backend.fallback(q)
    ids, scores = found
    if allowed is not None:
        keep = allowed[ids]
        ids, scores = ids[keep], scores[keep]
    if len(ids) > limit:
        # Of equal scores at the boundary, take those of lower docnums, as a heap would.
        cut = _kth_largest(scores, limit)
        above = np.flatnonzero(scores > cut)
        at = np.flatnonzero(scores == cut)[: limit - len(above)]
        sel = np.concatenate([above, at])
        ids, scores = ids[sel], scores[sel]
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order]


def _best_of(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, scores) of sections scored by several queries, each with its highest score, best first."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _NONE, np.zeros(0)
    ids = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    uniq, inverse = distinct_inverse(ids)
    best = np.zeros(len(uniq))
    np.maximum.at(best, inverse, scores)
    order = np.lexsort((uniq, -best))
    return uniq[order].astype(np.int32), best[order]


@dataclass(frozen=True, slots=True)
class _BestSections:
    """Each scored document's best section docnums, best first: the documents (ordinals, distinct, in any
    order) and per document a row of SECTIONS_PER_HIT indexes into `sections` (-1 past its last). Looked up
    only for the page of hits: nothing is put in order for the 20,000 other documents."""

    runs: np.ndarray
    picks: np.ndarray
    sections: np.ndarray

    @classmethod
    def grouped(cls, owners: np.ndarray, sections: np.ndarray) -> _BestSections:
        """From ordinals and docnums in parallel arrays, grouped by ordinal, best first."""
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else _NONE
        lengths = np.diff(np.r_[starts, len(owners)])
        picks = np.full((len(starts), SECTIONS_PER_HIT), -1, dtype=np.int64)
        picks[np.repeat(np.arange(len(starts)), lengths), np.arange(len(owners)) - np.repeat(starts, lengths)] = (
            np.arange(len(owners))
        )
        return cls(owners[starts], picks, sections)

    def get(self, ordinal: int) -> list[int]:
        at = np.flatnonzero(self.runs == ordinal)
        if not len(at):
            return []
        row = self.picks[at[0]]
        return self.sections[row[row >= 0]].tolist()


def _allowed_sections(index: OpenIndex, docs: np.ndarray, matches: list[_Matched]) -> np.ndarray:
    """Over docnums: the sections that matched some group and belong to a document being ranked (`docs`)."""
    table = index.table
    allowed = np.zeros(len(table.of_section), dtype=bool)
    for m in matches:
        allowed[m.sections] = True
    # Of those, the sections of the documents being ranked (looked up for the matched sections only; docnums of
    # deleted records own -1, which the appended False rejects).
    # (One group's sections are those already: a scan of a million docnums for them cost more than the rest.)
    matched = matches[0].sections if len(matches) == 1 else np.flatnonzero(allowed)
    allowed[matched[~np.append(docs, False)[table.of_section[matched]]]] = False
    return allowed


def _group_section_scores(
    index: OpenIndex,
    q: Query,
    m: _Matched,
    alternatives: tuple[Query, ...],
    allowed: np.ndarray,
    relaxed: bool,
    sole: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One group's (docnums, scores) over the allowed sections, with its exact-string reward, and per docnum
    whether the group matched that section (what coordination counts). `sole`: the query's only scored group,
    whose exact sections not scored all score alike, so that a document's best are among the last of them."""
    if relaxed and len(alternatives) > 1:
        # A question's concept scores as its best alternative: 赔偿 and 损害赔偿 found in the same words
        # must not add up to outweigh a second concept.
        ids, scores = _best_of([_section_scores(index, a, allowed) for a in alternatives])
    else:
        ids, scores = _section_scores(index, q, allowed)

    # Coordination counts a group where it matched, not where a word of it merely scored (行为 of
    # 欺诈行为); a question's group scores only there too (负责 of 负责人 is no answer to 要负责吗).
    size = len(allowed)
    in_group = _in_sorted(ids, m.sections, size)
    # A section with the exact string but none of its words as words (述法 inside 述法制度) still counts.
    exact = m.exact[allowed[m.exact]]
    if len(exact):
        scores = np.where(_in_sorted(ids, exact, size), scores * EXACT_FACTOR, scores)
        # The exact sections not scored (a common word's hundreds of thousands) are in the group, as every
        # exact section is, and scored alike.
        extra = _without(exact, ids)
        if sole:
            # Kept as coordination would keep them from all the sections (many: those the group matched); of the
            # rest, a document's SECTIONS_PER_HIT last ones are all that its score and best sections can take
            # (equal scores, the higher docnum first): not half a million sections of a common word.
            if (len(ids) + len(extra)) * COORDINATED_MANY > size:
                ids, scores, in_group = ids[in_group], scores[in_group], in_group[in_group]
            extra = extra[_last_of_each_document(index, extra)]
        ids = np.concatenate([ids, extra])
        scores = np.concatenate([scores, np.full(len(extra), EXACT_BASE_SCORE * EXACT_FACTOR)])
        in_group = np.concatenate([in_group, np.ones(len(extra), dtype=bool)])
    if relaxed:
        ids, scores = ids[in_group], scores[in_group]
        in_group = in_group[in_group]
    return ids, scores, in_group


def _last_of_each_document(index: OpenIndex, sections: np.ndarray) -> np.ndarray:
    """Over sorted docnums: whether each is among the SECTIONS_PER_HIT last of its document's run of them."""
    owner = index.table.of_section[sections]
    keep = np.ones(len(sections), dtype=bool)
    keep[:-SECTIONS_PER_HIT] = owner[SECTIONS_PER_HIT:] != owner[:-SECTIONS_PER_HIT]
    return keep


def _without(members: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The sorted docnums `members` less those among `values` (a few docnums, in any order)."""
    at = np.searchsorted(members, values)
    inside = at < len(members)
    at = at[inside]
    keep = np.ones(len(members), dtype=bool)
    keep[at[members[at] == values[inside]]] = False
    return members[keep]


def _in_sorted(values: np.ndarray, members: np.ndarray, size: int) -> np.ndarray:
    """Per value (a docnum below `size`): whether it is in `members` (sorted docnums)."""
    if not len(members) or not len(values):
        return np.zeros(len(values), dtype=bool)
    # Many values: a mask over the docnums (a byte each) is cheaper than looking each up; a few values are looked
    # up however many the members.
    if (len(values) + len(members)) * 32 > size and len(values) * 64 > len(members):
        mask = np.zeros(size, dtype=bool)
        mask[members] = True
        return mask[values]
    at = np.searchsorted(members, values)
    at[at == len(members)] = 0
    return members[at] == values


def _coordinated(
    scored: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool]], size: int, relaxed: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(docnums, scores) of the scored sections, from each group's (docnums, weighted scores, whether the group
    matched there, whether it is counted): a section's summed group scores, lowered for each counted group it
    did not match (`size`: the number of docnums). Where the groups scored many sections, only those some group
    matched are kept; otherwise every scored one. A group's docnums are distinct."""
    groups = sum(counted for *_, counted in scored)
    scored = [s for s in scored if len(s[0])]
    if not scored:
        return _NONE, np.zeros(0)
    # Coordination: a section with every group beats one that has only some of them. The factor per number of
    # groups missing, looked up (a power per section took longer than the rest of this function).
    missing = RELAXED_MISSING_GROUP_FACTOR if relaxed else MISSING_GROUP_FACTOR
    factors = missing ** np.arange(groups + 1, dtype=np.float64)
    if len(scored) == 1:  # nothing to add up: the group's sections sorted
        ids, scores, matched, counted = scored[0]
        if len(ids) * COORDINATED_MANY > size:
            ids, scores, matched = ids[matched], scores[matched], matched[matched]
        order = np.argsort(ids, kind="stable")
        found = (matched & counted)[order].astype(np.int64)
        return ids[order].astype(np.int32), scores[order].astype(np.float64) * factors[groups - found]
    ids = np.concatenate([s[0] for s in scored])
    scores = np.concatenate([s[1] for s in scored])
    matched = np.concatenate([s[2] for s in scored])
    counts = np.concatenate([in_group & counted for _, _, in_group, counted in scored])
    if len(ids) * COORDINATED_MANY > size:  # many: over every docnum
        reached = np.zeros(size, dtype=bool)
        reached[ids[matched]] = True
        sections = np.flatnonzero(reached).astype(np.int32)
        total = np.bincount(ids, weights=scores, minlength=size)[sections]
        found = np.bincount(ids[counts], minlength=size)[sections]
    else:
        uniq, inverse = distinct_inverse(ids)
        sections = uniq.astype(np.int32)
        total = np.bincount(inverse, weights=scores, minlength=len(uniq))
        found = np.bincount(inverse, weights=counts, minlength=len(uniq))
    return sections, total * factors[groups - found.astype(np.int64)]


def _document_scores(
    index: OpenIndex, sections: np.ndarray, section_score: np.ndarray
) -> tuple[np.ndarray, _BestSections]:
    """Every document's score (over ordinals) from its best sections' scores, and those best sections
    (`sections`: ascending docnums)."""
    table = index.table
    doc_scores = np.zeros(len(table.ids))
    if not len(sections):
        return doc_scores, _BestSections.grouped(_NONE, _NONE)
    owner = table.of_section[sections]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    runs = owner[starts]
    # A document found in two runs (its sections not one run of docnums: runs not ascending, and fewer
    # documents than runs) has them sorted by `_document_scores_sorted`.
    if not bool(np.all(runs[1:] > runs[:-1])):
        seen = np.zeros(len(table.ids), dtype=bool)
        seen[runs] = True
        if int(np.count_nonzero(seen)) < len(runs):
            return _document_scores_sorted(index, sections, section_score)
    # A document's sections are consecutive docnums (written together), so its scored sections are one run:
    # its best, second and third are found run by run (equal scores: higher docnum first) without sorting.
    chosen, bests = _best_of_runs(section_score, starts, np.diff(np.r_[starts, len(owner)]))
    nxt = np.zeros(len(runs))
    for k in range(1, SECTIONS_PER_HIT):
        nxt += bests[:, k]
    doc_scores[runs] = bests[:, 0] + NEXT_SECTION_WEIGHT * nxt
    return doc_scores, _BestSections(runs, chosen, sections)


def _best_of_runs(scores: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per run of `scores` (its start and length): the indexes of its SECTIONS_PER_HIT highest scores, highest
    first, equal scores by the higher index first (-1 where the run has fewer), and those scores (0.0 where
    none); two arrays of runs × SECTIONS_PER_HIT."""
    picks = np.full((len(starts), SECTIONS_PER_HIT), -1, dtype=np.int64)
    bests = np.zeros((len(starts), SECTIONS_PER_HIT))
    short = lengths <= SECTIONS_PER_HIT
    if int(lengths[~short].sum()) * 2 > len(scores):
        short[:] = False  # mostly long runs (a common word's): picked by reduceat over all of them
    if short.any():
        # A short run's sections are all picked, put in order by comparing them (a phrase's 20,000 documents
        # with one or two sections each: reduceat over them all cost twice as much).
        rows = np.flatnonzero(short)
        ends = starts[rows] + lengths[rows] - 1
        index = [ends - k for k in range(SECTIONS_PER_HIT)]  # the last first
        for k in range(1, SECTIONS_PER_HIT):
            index[k] = np.where(index[k] >= starts[rows], index[k], -1)
        value = [np.where(i >= 0, scores[i], -np.inf) for i in index]
        # Bubble passes of strict comparisons keep equal scores in their order: the higher index first.
        for _ in range(SECTIONS_PER_HIT - 1):
            for k in range(SECTIONS_PER_HIT - 1):
                swap = value[k + 1] > value[k]
                value[k], value[k + 1] = np.where(swap, value[k + 1], value[k]), np.where(swap, value[k], value[k + 1])
                index[k], index[k + 1] = np.where(swap, index[k + 1], index[k]), np.where(swap, index[k], index[k + 1])
        for k in range(SECTIONS_PER_HIT):
            picks[rows, k] = index[k]
            bests[rows, k] = np.where(index[k] >= 0, value[k], 0.0)
    if not short.all():
        # Runs of more sections: each pick is a run's highest score, found by reduceat, then removed.
        every = not short.any()
        runs: slice | np.ndarray = slice(None) if every else np.flatnonzero(~short)
        row_lengths = lengths[runs]
        at = None if every else np.flatnonzero(np.repeat(~short, lengths))
        left = scores.astype(np.float64, copy=True) if at is None else scores[at].astype(np.float64)
        row_starts = starts if every else np.cumsum(row_lengths) - row_lengths
        local = np.arange(len(left))
        for k in range(SECTIONS_PER_HIT):
            best = np.maximum.reduceat(left, row_starts)
            last = np.maximum.reduceat(np.where(left == np.repeat(best, row_lengths), local, -1), row_starts)
            found = best > -np.inf
            picks[runs, k] = np.where(found, last if at is None else at[last], -1)
            bests[runs, k] = np.where(found, best, 0.0)
            left[last[found]] = -np.inf
    return picks, bests


def _document_scores_sorted(
    index: OpenIndex, sections: np.ndarray, section_score: np.ndarray
) -> tuple[np.ndarray, _BestSections]:
    """`_document_scores` for sections in any order: sorted by document, then score."""
    table = index.table
    doc_scores = np.zeros(len(table.ids))
    owner = table.of_section[sections]
    # Per document, best sections first (equal scores: higher docnum first).
    order = np.lexsort((-sections, -section_score, owner))
    owner, sections, section_score = owner[order], sections[order], section_score[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    nxt = np.zeros(len(table.ids))
    for r in range(1, SECTIONS_PER_HIT):
        at = rank == r
        nxt[owner[at]] += section_score[at]
    doc_scores[owner[starts]] = section_score[starts] + NEXT_SECTION_WEIGHT * nxt[owner[starts]]
    keep = rank < SECTIONS_PER_HIT
    return doc_scores, _BestSections.grouped(owner[keep], sections[keep])


def _add_breadth(
    index: OpenIndex, doc_scores: np.ndarray, docs: np.ndarray, matches: list[_Matched]
) -> tuple[np.ndarray, np.ndarray]:
    """Questions and everyday words: raise the documents about what the query names, not only those with one
    section that mentions it. A document is scored as BM25 scores a text, with its sections as the units: how
    many of its sections match each group (saturating, against its number of sections) times the group's
    rarity among documents. 社会保险法 has 社会保险 in most articles; a residence-permit regulation names it once.
    Returns the factor each document was multiplied by, and the share of the groups' rarity it holds anywhere."""
    table = index.table
    n_docs = len(table.ids)
    sizes = index.memo(
        "sections-per-document",
        lambda: np.bincount(table.of_section[table.of_section >= 0], minlength=n_docs).astype(np.float64),
    )
    norm = BREADTH_K1 * (1 - BREADTH_B + BREADTH_B * sizes / sizes[sizes > 0].mean())
    breadth = np.zeros(n_docs)
    per_group = []
    for m in matches:
        owners = table.of_section[m.sections]
        counts = np.bincount(owners[owners >= 0], minlength=n_docs).astype(np.float64)
        per_group.append(counts)
        df = np.count_nonzero(counts)
        if df:
            breadth += np.log(1 + n_docs / df) * counts * (BREADTH_K1 + 1) / (counts + norm)
    top = breadth[docs].max(initial=0.0)
    factor = 1 + BREADTH_WEIGHT * breadth / top if top else np.ones(n_docs)
    doc_scores *= factor
    return factor, rerank.coverage_of(per_group, n_docs)


def _add_title_topic(index: OpenIndex, doc_scores: np.ndarray, groups: list[tuple[TermPlan, ...]]) -> np.ndarray:
    """Questions of several content words: raise the statutes, regulations and interpretations whose title names
    what the words mean (身份证 of 小孩能办身份证吗 in 居民身份证法, 发票 in 发票管理办法). A group is named when
    its typed word or one of its statutory alternatives (all of its words) is in the title; a document is
    multiplied by 1 + TITLE_TOPIC_WEIGHT × the share of the groups' rarity among titles that its title names,
    so 残疾人 (in few titles) weighs more than 公司 (in many). Returns the factor each document was multiplied by."""
    if len(groups) < TITLE_TOPIC_GROUPS:
        return np.ones(len(index.table.ids))
    n_docs = len(index.table.ids)
    named = []
    for group in groups:
        # The typed word's own words (身份证 of 办身份证), and each statutory alternative with all of its words.
        typed = analysis.normalize(group[0].term.text)
        wanted = [[w] for w in analysis.words(typed) if len(w) >= TITLE_TOPIC_MIN_CHARS]
        wanted += [analysis.normalize(p.term.text).split() for p in group[1:]]
        has = np.zeros(n_docs, dtype=bool)
        for words in wanted:
            if not words or any(len(w) < TITLE_TOPIC_MIN_CHARS for w in words):
                continue
            has_all = np.ones(n_docs, dtype=bool)
            for w in words:
                one = np.zeros(n_docs, dtype=bool)
                one[index.memo(("title-contains", w), lambda w=w: _titles_containing(index, w))] = True
                has_all &= one
            has |= has_all
        named.append(has)
    eligible = index.memo(
        "title-topic-levels",
        lambda: np.asarray([level in TITLE_TOPIC_LEVELS for level in index.levels()]),
    )
    factor = 1 + TITLE_TOPIC_WEIGHT * eligible * _named_share(named, n_docs)
    doc_scores *= factor
    return factor


def _named_share(named: list[np.ndarray], n_docs: int) -> np.ndarray:
    """Per document, the share of the groups' rarity that it names (`named`: per group, a boolean array over
    ordinals of the documents naming it); a group's rarity is log(1 + documents / (1 + those naming it))."""
    weights = [math.log(1 + n_docs / (1 + np.count_nonzero(has))) for has in named]
    share = np.zeros(n_docs)
    for has, weight in zip(named, weights, strict=True):
        share[has] += weight
    total = sum(weights)
    return share / total if total else share


def _add_heading_topic(index: OpenIndex, doc_scores: np.ndarray, groups: list[tuple[TermPlan, ...]]) -> None:
    """Topics of several words: raise the documents that give the topic a chapter or a section, not only
    articles that name it. A group is named by a document when its title or the heading path of one of its
    sections holds the typed word; a document is multiplied by 1 + HEADING_TOPIC_WEIGHT × the share of the
    groups' rarity it names. 票据 追索权: 票据法 (its 第六节 追索权) before the provisions on 票据 disputes, which
    name 追索权 in articles; 失业保险 待遇: 失业保险条例 (第三章 失业保险待遇) before 社会保险法 (第五章 失业保险)."""
    named = []
    for group in groups:
        typed = analysis.normalize(group[0].term.text)
        named.append(index.memo(("named-in-headings", typed), lambda typed=typed: _named_in_headings(index, typed)))
    doc_scores *= 1 + HEADING_TOPIC_WEIGHT * _named_share(named, len(index.table.ids))


def _named_in_headings(index: OpenIndex, text: str) -> np.ndarray:
    """Per document (a boolean array over ordinals): does its title, or a heading path of one of its sections,
    hold the words of `text`?"""
    query = heading_query(text)
    has = index.table.docs_of(index.sections_for(query)) if query is not None else np.zeros(len(index.table.ids), bool)
    has[_titles_containing(index, text)] = True
    return has


def _add_title_bonus(index: OpenIndex, doc_scores: np.ndarray, docs: np.ndarray, parsed: ParsedQuery) -> None:
    """Known items: raise the scored documents whose title is, or contains, a title the query names. A matched
    document whose title is the query scores as the best one before its bonus even where none of its sections
    was among those scored (many documents holding the words many times, as ten copies of a corpus do, can fill
    every group's SCORE_LIMIT)."""
    top = doc_scores.max(initial=0.0)
    wanted = _wanted_titles(parsed)
    if top and wanted:
        exact, longest = _title_matches(index, wanted)
        unscored = exact & docs & (doc_scores == 0)
        doc_scores[unscored] = top
        scored = np.flatnonzero(doc_scores)
        bonus = np.where(
            exact, TITLE_EXACT_BONUS * top, TITLE_CONTAINS_BONUS * top * longest / index.table.title_lengths
        )
        doc_scores[scored] += bonus[scored]


def _rank(
    index: OpenIndex,
    docs: np.ndarray,
    plan: QueryPlan,
    typed: ParsedQuery,
    matches: list[_Matched],
    day: DayView,
    prior: _Prior | None = None,
    first: int = 0,
) -> tuple[np.ndarray, np.ndarray, _BestSections]:
    """The `first` best document ordinals in order, every document's score (an array over ordinals), and each
    scored document's best section docnums; `typed`: the query as typed, before any reading as a question (the titles
    it names); `prior`: what a question weighs beside the text (`_prior`); statuses are those of `day`."""
    table = index.table
    relaxed = any(plan.optional)
    # A question's groups that only ask for a remedy or a verdict (告他, 赔): weighed less, not coordinated.
    asking = [relaxed and questions.is_intent(tuple(p.term for p in g)) for g in plan.groups]
    if all(asking):
        asking = [False] * len(asking)
    scored = [
        (q, m, tuple(p.score for p in g if p.score is not None), asks)
        for q, m, g, asks in zip(plan.group_score_queries, matches, plan.groups, asking, strict=True)
        if q is not None
    ]
    # Documents put in only as cited articles' laws may match no group: nothing to score then.
    if scored and docs.any() and any(len(m.sections) for m in matches):
        allowed = _allowed_sections(index, docs, matches)
        groups = []
        sole = len(scored) == 1
        for q, m, alternatives, asks in scored:
            ids, scores, in_group = _group_section_scores(index, q, m, alternatives, allowed, relaxed, sole)
            groups.append((ids, scores * (questions.INTENT_WEIGHT if asks else 1.0), in_group, not asks))
        sections, section_score = _coordinated(groups, len(table.of_section), relaxed)
        doc_scores, best = _document_scores(index, sections, section_score)
    else:
        doc_scores, best = np.zeros(len(table.ids)), _BestSections.grouped(_NONE, _NONE)
    if prior is not None:
        # Not the words that ask, nor a place: a report naming 郑州 in every section is not about the query.
        places = _places(index)
        topical = [
            i
            for i, (g, asks) in enumerate(zip(plan.groups, asking, strict=True))
            if not asks and analysis.normalize(g[0].term.text) not in places
        ]
        # Nor whom it is about (老公, 孩子): a law naming a spouse in every article is not about a beaten wife.
        subject = [i for i in topical if not questions.is_party(tuple(p.term for p in plan.groups[i]))] or topical
        breadth, coverage = _add_breadth(index, doc_scores, docs, [matches[i] for i in subject])
        title_topic = _add_title_topic(index, doc_scores, [plan.groups[i] for i in topical])
        if prior.topic:
            _add_heading_topic(index, doc_scores, [plan.groups[i] for i in topical])
        evidence = rerank.Evidence(breadth, title_topic, coverage)
    _add_title_bonus(index, doc_scores, docs, typed)
    if prior is not None and prior.copies is not None:
        _lift_national(doc_scores, docs, prior.copies)
    status = _status_factor(index, day)
    doc_scores *= status
    if prior is not None:
        # Situations near the query: a document's text score multiplied by 1 + SITUATION_WEIGHT × the similarity,
        # and SITUATION_LIFT × the similarity × the best text score added, so that one the words barely reach
        # (野生动物保护法 for 野猪拱了我家花生地, which says 野生动物 and 损失) comes before those they reach without
        # answering; then the factors of levels, places and amending decisions, on both.
        top = float(doc_scores[docs].max(initial=0.0))
        doc_scores *= 1.0 + situations.SITUATION_WEIGHT * prior.similarity
        doc_scores += situations.SITUATION_LIFT * top * prior.similarity * docs
        doc_scores *= prior.factor
    if prior is not None and prior.copies is not None and not prior.topic:
        _one_local_first(doc_scores, docs, _local(index))
    candidates = np.flatnonzero(docs)
    if prior is not None and prior.copies is not None:
        # Not where the query names a place: its local rules are what it asks for, and the model weighs levels.
        depth = TOPIC_RERANK_DEPTH if prior.topic else rerank.RERANK_DEPTH
        leading = _first_ranked(candidates, doc_scores, table.newest_rank, depth + 1)
        floor = float(doc_scores[leading[-1]]) if len(leading) > depth else 0.0
        # Out of force on the day: the documents the status penalty lowered.
        rerank.rerank(index, leading[:depth], doc_scores, evidence, floor, status < 1.0)
    return _first_ranked(candidates, doc_scores, table.newest_rank, first), doc_scores, best


def _status_factor(index: OpenIndex, day: DayView) -> np.ndarray:
    """Per document, 1 less its status's STATUS_PENALTY on the day."""
    return index.memo(
        ("status-factor", day.day.isoformat()),
        lambda: np.asarray([1.0 - STATUS_PENALTY.get(s or "", 0.0) for s in day.status]),
    )


def _first_ranked(candidates: np.ndarray, scores: np.ndarray, rank: np.ndarray, k: int) -> np.ndarray:
    """The first k of `candidates` (ordinals) by score, highest first, then by `rank` (unique per ordinal), as
    ordering them all would give; the rest are left unordered (a page needs its own few of 20,000 matches)."""
    n = len(candidates)
    if k <= 0:
        return candidates[:0]
    if k * PARTIAL_ORDER_FACTOR >= n:
        return candidates[np.lexsort((rank[candidates], -scores[candidates]))][:k]
    values = scores[candidates]
    cut = _kth_largest(values, k)
    above = candidates[values > cut]
    at = candidates[values == cut]
    if len(above) + len(at) > k:
        # Of the scores equal to the k-th, those of the lowest ranks.
        at = at[np.argpartition(rank[at], k - len(above) - 1)[: k - len(above)]]
    chosen = np.concatenate([above, at])
    return chosen[np.lexsort((rank[chosen], -scores[chosen]))]


def _wanted_titles(parsed: ParsedQuery) -> set[str]:
    """Titles the query may name as a known item: the whole query, and its law aliases (简称 -> 全称)."""
    typed = [t for t in parsed.positive_terms if not t.alias_of]
    plain = [t for t in typed if t.field in (None, "title") and not t.docno]
    if not plain or len(plain) != len(typed):
        return set()
    text = "".join(t.text for t in plain)
    wanted = {analysis.normalize("".join(text.split()))}
    wanted |= {analysis.normalize(e) for e, kind in aliases.expansions(text) if kind == "law"}
    return {strip_prefix(w) for w in wanted} | wanted


def _section_ids(index: OpenIndex, docnums: list[int]) -> list[str]:
    return index.backend.section_ids(docnums)


def _hit(
    index: OpenIndex, doc_id: str, score: float, section_ids: list[str], terms: tuple[str, ...], day: DayView
) -> Hit:
    meta = index.docs[doc_id]
    found = index.store.sections(doc_id, section_ids)
    assert found is not None, doc_id
    section_hits = [
        SectionHit(section_id=s.anchor, section=" › ".join(s.path), snippet=highlight.snippet(text, terms))
        for s, text in found
    ]
    first = section_hits[0]
    values = {name: getattr(meta, name) for name in _HIT_NAMES}
    # The status and period on the day asked (a period may have lapsed since the build, or been extended).
    ordinal = index.table.ordinal[doc_id]
    values["status"], values["valid_until"] = day.status[ordinal], day.valid_until[ordinal]
    for name, label_name, labels in _HIT_LABELS:
        values[label_name] = labels.get(values[name])
    return Hit(
        **values,
        title_html=highlight.mark_text(meta.title, terms),
        score=round(score, 4),
        section_id=first.section_id,
        section=first.section,
        snippet=first.snippet,
        url=DOC_URL.format(doc_id=doc_id) + f"#{first.section_id}",
        sections=tuple(section_hits),
    )


def _advice(parsed: ParsedQuery, applied: list[AppliedFilter], total: int) -> tuple[str, ...]:
    if total:
        return ()
    helpful = sorted((a for a in applied if a.removed), key=lambda a: -a.removed)
    out = [f"去掉筛选条件“{a.label}：{a.value}”可找到 {a.removed} 篇文件" for a in helpful[:2]]
    if not helpful and applied and parsed.positive_terms:
        out.append("去掉全部筛选条件后再检索")
    if parsed.positive_terms and not helpful:
        if len(parsed.groups) > 1:
            out.append("减少检索词，或用 OR 连接近义词")
        if any(t.phrase for t in parsed.positive_terms):
            out.append("去掉引号，按词检索")
        out.append("检查错别字，或换用文件标题中的说法")
    return tuple(out)


def _explain(
    parsed: ParsedQuery,
    plan: QueryPlan,
    params: SearchParams,
    matched_before: int,
    applied: list[AppliedFilter],
    total: int,
    notes: tuple[str, ...] = (),
) -> QueryInfo:
    infos = []
    for p in [*(p for g in plan.groups for p in g), *plan.excluded]:
        t = p.term
        infos.append(
            TermInfo(
                text=t.text,
                normalized=t.normalized,
                words=p.words,
                phrase=t.phrase,
                field=t.field,
                doc_number=t.docno,
                excluded=p in plan.excluded,
                alias_of=t.alias_of,
            )
        )
    fields = tuple(dict.fromkeys(t.field for t in parsed.positive_terms if t.field)) or SEARCHED_FIELDS
    return QueryInfo(
        text=params.q,
        normalized=analysis.normalize(params.q),
        tokens=tuple(w for i in infos if not i.excluded and not i.alias_of for w in i.words),
        terms=tuple(infos),
        aliases=tuple(dict.fromkeys(f"{i.alias_of} → {i.text}" for i in infos if i.alias_of)),
        fields=fields,
        ignored=parsed.ignored,
        matched_before_filters=matched_before,
        filters=tuple(applied),
        advice=_advice(parsed, applied, total),
        notes=notes,
    )


def _places(index: OpenIndex) -> frozenset[str]:
    """Place names of the index's regions and of its local documents' titles, whole and without 省/市/区/县
    (河南省郑州市: 河南, 郑州 …; 温州市物业管理条例: 温州市, 温州)."""

    def compute() -> frozenset[str]:
        forms = [_place_forms(region) for region in index.table.facet_names["region"]]
        return frozenset().union(*forms, *_title_places(index))

    return index.memo("places", compute)


def _place_forms(place: str) -> frozenset[str]:
    """A place name whole and its parts without 省/市/区/县/自治区/自治州 (河南省郑州市: 河南省郑州市, 河南, 郑州)."""
    parts = re.split(r"[省市区县]|自治区|自治州", place)
    return frozenset((place, *(p for p in parts if len(p) >= 2 and "X" not in p)))


def _names_a_title(index: OpenIndex, text: str) -> bool:
    """Is the text, without spaces and normalised, a document's title (with or without 中华人民共和国)?"""
    norm = analysis.normalize("".join(text.split()))
    by_form = titles_by_form(index)
    return norm in by_form or strip_prefix(norm) in by_form


def _everyday(index: OpenIndex, parsed: ParsedQuery) -> bool:
    """Is the query ranked as a question or everyday words, with breadth and the level factors? So is a topic
    (`_topic_words`)."""
    return _everyday_words(parsed) or bool(_topic_words(index, parsed))


def _everyday_words(parsed: ParsedQuery) -> bool:
    """Is the query a question, or does it hold everyday words of the colloquial table?"""
    return parsed.relaxed or any(colloquial.extra_terms(t.text) for t in parsed.positive_terms)


def _topic_words(index: OpenIndex, parsed: ParsedQuery) -> tuple[str, ...]:
    """The words of a topic (`questions.topic_words`) none of which names a law, by its title or a short name; ()
    otherwise. 电鱼: ten cities' river regulations forbid it in the words of 渔业法, which is the rule the word asks
    for; 府院联动 机制: the reports on it before three cities' regulations that name it in one short article; 食安法
    and 刑法 盗窃 are known items."""
    words = questions.topic_words(parsed)
    if any(_names_a_title(index, w) or any(kind == "law" for _, kind in aliases.expansions(w)) for w in words):
        return ()
    return words


def _describes_a_problem(index: OpenIndex, typed: ParsedQuery, parsed: ParsedQuery) -> bool:
    """Do situations (search/situations.py) apply to the query: is it a question, words read for any of them, or
    one word typed alone (泡水车, 健身房跑路)? Not a run longer than a topic word that the corpus holds word for
    word: 登记机关通过实名认证 holds an everyday key, but it is a statute's words, asking for that statute."""
    word = questions.one_plain_word(typed)
    if word is None:
        return parsed.relaxed
    if len(word) <= max(questions.TOPIC_WORD_CHARS) or questions.is_question(word):
        return True
    return not _required_match(index, plan_query(_only(Term(word, phrase=True)))).any()


def _only(term: Term) -> ParsedQuery:
    """A query of one term."""
    return ParsedQuery(groups=((term,),), excluded=(), ignored=())


# The explanation of a query read for any of its words.
ANY_WORD_NOTE = "没有同时包含全部检索词的文件，以下按匹配的检索词多少和权重排序"


def _frequency(index: OpenIndex) -> Callable[[str], int]:
    """In how many sections of the body a word occurs."""
    return lambda word: index.backend.doc_frequency("body", word)


def _read(
    index: OpenIndex, params: SearchParams, reading: CitationReading
) -> tuple[ParsedQuery, ParsedQuery, QueryPlan, np.ndarray, list[_Matched], list[str]]:
    """The query as typed, and as read, planned and matched: a question is read for any of its content words,
    and so is a query whose words occur in no document all together."""
    notes = []
    parsed = parse_query(reading.list_text)

    frequency = _frequency(index)
    typed = parsed
    # A title typed whole is a known item, whatever everyday or asking words it holds (关于…是否…的批复,
    # 中国公民出国旅游管理办法): read as a question it would match every document holding any of its words.
    asks = (questions.is_question(params.q) or questions.is_everyday_phrase(parsed)) and not _names_a_title(
        index, params.q
    )
    if asks:
        parsed = questions.relax(parsed, frequency)
    plan = plan_query(parsed)
    pinned = pinned_mask(index, reading)
    matched, groups = _match(index, plan, narrow=not _everyday(index, parsed), ranked=pinned)
    # Nothing found: read the query for any of its content words, then for any of its words at all (an answer
    # is empty only when no word of the query occurs in the corpus).
    fallbacks = (False, True) if not asks else (True,)
    for keep_stop_words in fallbacks if not matched.any() else ():
        relaxed = questions.relax(typed, frequency, keep_stop_words)
        if not relaxed.relaxed or relaxed == parsed:
            continue
        relaxed_plan = plan_query(relaxed)
        if not _required_match(index, relaxed_plan).any():
            continue  # a quoted or scoped part it keeps matches nowhere (or not together): it finds nothing either
        relaxed_matched, relaxed_groups = _match(index, relaxed_plan)
        if relaxed_matched.any():
            parsed, plan, matched, groups = relaxed, relaxed_plan, relaxed_matched, relaxed_groups
            notes.append(ANY_WORD_NOTE)
            break
    quotes = [t for t in typed.positive_terms if t.phrase and not t.field] if asks and not matched.any() else []
    if nowhere := [t for t in quotes if not _required_match(index, plan_query(_only(t))).any()]:
        # A question quoting what was said or written (宣传单上写着“三年保证翻倍”，合法吗): a quote no document holds
        # as typed is read for its words, not left to empty the answer.
        unquoted = questions.relax(questions.unquoted(typed, nowhere), frequency)
        unquoted_plan = plan_query(unquoted)
        unquoted_matched, unquoted_groups = _match(index, unquoted_plan)
        if unquoted_matched.any():
            parsed, plan, matched, groups = unquoted, unquoted_plan, unquoted_matched, unquoted_groups
            notes.append("引号中的文字没有在任何文件中原样出现，已按其中的词检索")
    if parsed.empty and reading.pinned:
        # Nothing but citations: the cited laws alone (an article that does not exist brings no unrelated text).
        matched = np.zeros_like(pinned)
    return typed, parsed, plan, matched | pinned, groups, notes


@dataclass(frozen=True, slots=True)
class _Prior:
    """What a question or everyday words weigh beside the text: a factor per document, the pairs (local
    copy, national rule) whose national rule takes its copies' score (none when the query names a place), the
    situations near the query by the ordinal of the document they name (search/situations.py), and whether the
    query is a topic of several words (`questions.topic_words`)."""

    factor: np.ndarray  # amending decisions, levels or places (not situations)
    copies: tuple[np.ndarray, np.ndarray] | None
    near: dict[int, situations.Similar]
    similarity: np.ndarray  # of each document's closest situation to the query (0: none near it)
    topic: bool


def copied_rules(titles: Sequence[str], levels: Sequence[str]) -> list[tuple[int, int]]:
    """(local, national) pairs of positions in `titles`: a local title ending with a national one after its
    place (青岛市物业管理条例, 滨州市住宅物业管理条例: 物业管理条例), or naming it in 《》
    (上海市实施《中华人民共和国食品安全法》办法: 食品安全法)."""
    national: dict[str, list[int]] = {}
    for o, title in enumerate(titles):
        if levels[o] in NATIONAL_LEVELS:
            national.setdefault(strip_prefix(analysis.normalize(title)), []).append(o)
    pairs: set[tuple[int, int]] = set()
    for o, title in enumerate(titles):
        if levels[o] not in LOCAL_LEVELS:
            continue
        norm = analysis.normalize(title)
        named = {strip_prefix(t) for t in _CITED_TITLE_RE.findall(norm)}
        if place := _PLACE_PREFIX_RE.match(norm):
            last = min(place.end() + MAX_COPY_QUALIFIER, len(norm) - MIN_COPIED_TITLE)
            named |= {norm[i:] for i in range(place.end(), last + 1)}
        pairs.update((o, n) for t in named for n in national.get(t, ()))
    return sorted(pairs)


def _copied_rules(index: OpenIndex) -> tuple[np.ndarray, np.ndarray]:
    """`copied_rules` of the index's documents as two ordinal arrays (computed once per build)."""

    def compute() -> tuple[np.ndarray, np.ndarray]:
        pairs = np.asarray(copied_rules(index.table.titles, index.levels()), dtype=np.int64).reshape(-1, 2)
        return pairs[:, 0], pairs[:, 1]

    return index.memo("copied-rules", compute)


def _lift_national(doc_scores: np.ndarray, docs: np.ndarray, copies: tuple[np.ndarray, np.ndarray]) -> None:
    """A matched national rule scores at least as its best matched local copy (in place)."""
    local, national = copies
    both = docs[local] & docs[national]
    lifted = np.zeros_like(doc_scores)
    np.maximum.at(lifted, national[both], doc_scores[local[both]])
    np.maximum(doc_scores, lifted, out=doc_scores)


def _title_places(index: OpenIndex) -> tuple[frozenset[str], ...]:
    """Each local document's place (by ordinal) as its title begins with it, in its `_place_forms`
    (温州市物业管理条例: 温州市, 温州); empty for the others (computed once per build)."""

    def compute() -> tuple[frozenset[str], ...]:
        out = []
        for title, level in zip(index.table.titles, index.levels(), strict=True):
            place = _PLACE_PREFIX_RE.match(analysis.normalize(title)) if level in LOCAL_LEVELS else None
            out.append(_place_forms(place.group()) if place else frozenset())
        return tuple(out)

    return index.memo("title-places", compute)


def _elsewhere(index: OpenIndex, named: frozenset[str]) -> np.ndarray:
    """Whether each local document (by ordinal) is of a place other than those named: its title names none of
    them, and it is no rule of a province holding one of them (济南 names 济南市… and 山东省…, whose documents are
    of the region 山东, as are 济南's; a title naming no place stands for its region)."""
    places = _title_places(index)
    regions = [index.docs[d].region or "" for d in index.table.ids]
    provinces = {r for p, r in zip(places, regions, strict=True) if r and p & named}
    provinces |= {r for r in regions if r and any(n in r for n in named)}

    def of_the_place(place: frozenset[str], region: str) -> bool:
        if place & named:
            return True
        # The province's own rules (山东省…) and those naming no place, of a province holding a named place.
        return region in provinces and (not place or min(place, key=len) in region)

    local = _local(index)
    return np.asarray(
        [bool(local[o]) and not of_the_place(p, r) for o, (p, r) in enumerate(zip(places, regions, strict=True))]
    )


def _local(index: OpenIndex) -> np.ndarray:
    """Whether each document (by ordinal) is a local regulation or rule (computed once per build)."""
    return index.memo("local-levels", lambda: np.asarray([level in LOCAL_LEVELS for level in index.levels()]))


def _one_local_first(doc_scores: np.ndarray, docs: np.ndarray, local: np.ndarray) -> None:
    """Of the matched local documents, all but the best score LOCAL_FOLLOWER_FACTOR of their score (in place):
    for a question naming no place one place's rule stands for the others (郑州市 and 济宁市养犬管理条例, 周口市文明
    行为促进条例), and the page goes to the national rules and other answers."""
    at = np.flatnonzero(docs & local)
    if len(at) < 2:
        return
    best = at[np.lexsort((at, -doc_scores[at]))[0]]
    doc_scores[at[at != best]] *= LOCAL_FOLLOWER_FACTOR


def _reading_prior(index: OpenIndex, typed: ParsedQuery, parsed: ParsedQuery, text: str) -> _Prior | None:
    """What the query (`text` as typed) weighs beside the text where it is ranked as a question or everyday words
    (`_everyday`), a topic of several words among them; None where it is ranked by the text alone."""
    if _everyday_words(parsed):
        topic = False
    elif words := _topic_words(index, parsed):
        topic = len(words) > 1
    else:
        return None
    return _prior(index, text, _describes_a_problem(index, typed, parsed), topic)


def _prior(index: OpenIndex, query: str, situated: bool, topic: bool) -> _Prior:
    """What a question or everyday words weigh beside the text: decisions amending other instruments behind
    them, local documents and cases behind statutes (national rules before their local copies) unless the
    query names a place, and where `situated`, the documents whose situations are near the query before others.
    `topic`: the query is a topic of several words."""
    table = index.table
    amending = index.memo(
        "amending-factor",
        lambda: np.asarray([AMENDING_FACTOR if AMENDING_TITLE_RE.search(t) else 1.0 for t in table.titles]),
    )
    named = questions.named_places(query, lambda: _places(index))
    near = _near_situations(index, query) if situated else {}
    similarity = _situation_similarity(index, near)
    if named:
        elsewhere = index.memo(("elsewhere", named), lambda: _elsewhere(index, named))
        return _Prior(amending * np.where(elsewhere, ELSEWHERE_FACTOR, 1.0), None, near, similarity, topic)
    level = index.memo("level-factor", lambda: np.asarray([LEVEL_FACTOR.get(v, 1.0) for v in index.levels()]))
    return _Prior(amending * level, _copied_rules(index), near, similarity, topic)


def _near_situations(index: OpenIndex, query: str) -> dict[int, situations.Similar]:
    """The situations near the query by the ordinal of the document each names (closest first)."""
    by_path = _ordinals_by_path(index)
    return {o: s for path, s in situations.by_path(query).items() if (o := by_path.get(path)) is not None}


def _situation_similarity(index: OpenIndex, near: dict[int, situations.Similar]) -> np.ndarray:
    """The similarity of each document's closest situation to the query, 0 for a document without one near it.
    The versions of a document share its situations (a new version of a law answers what the old one did), not
    the documents of its title and date: the books of 民法典 are one title. So does the document that repealed
    one and took its place (search/repeals.py: 人体器官捐献和移植条例 answers what 人体器官移植条例 did)."""
    similarity = np.zeros(len(index.table.ids))
    by_path = _ordinals_by_path(index)
    for o, s in near.items():
        doc_id = index.table.ids[o]
        meta = index.docs[doc_id]
        sharing = [v for v in index.versions.get(doc_id, (doc_id,)) if v == doc_id or index.docs[v].date != meta.date]
        ordinals = [index.table.ordinal[v] for v in sharing]
        if meta.status == REPEALED and meta.superseded_by:
            successor = by_path.get(meta.superseded_by.partition("/")[2])
            ordinals += [successor] if successor is not None else []
        for ordinal in ordinals:
            similarity[ordinal] = max(similarity[ordinal], s.similarity)
    return similarity


def _ordinals_by_path(index: OpenIndex) -> dict[str, int]:
    """A document's path inside its source folder (its source without the folder's name) -> its ordinal
    (computed once per build)."""
    return index.memo(
        "ordinals-by-path",
        lambda: {meta.source.partition("/")[2]: index.table.ordinal[d] for d, meta in index.docs.items()},
    )


def _situated_sections(index: OpenIndex, prior: _Prior, page: list[int]) -> dict[int, tuple[str, ...]]:
    """The section of the article a near situation names, by the ordinal of each document of the page that has
    one (the article its situation says answers the query, shown before the sections its words matched)."""
    out: dict[int, tuple[str, ...]] = {}
    for o in page:
        near = prior.near.get(o)
        key = article_key(near.situation.article) if near is not None else None
        section = articles_of(index, index.table.ids[o]).get(key) if key is not None else None
        if section is not None:
            out[o] = (section,)
    return out


# How many near situations the query explanation names (those of the page's first documents).
SITUATION_NOTES = 2
NO_WORD_HELD_NOTE = "没有文件包含所输入的词语，以下是相近情形所涉的规定"


def _situation_notes(index: OpenIndex, prior: _Prior, page: list[int]) -> list[str]:
    """The closest situations of the page's documents, as the explanation shows them: 相近情形 “…” →
    title article."""
    on_page = set(page)
    shown = [o for o in prior.near if o in on_page][:SITUATION_NOTES]
    return [
        f"相近情形“{prior.near[o].situation.text}” → {index.table.titles[o]} {prior.near[o].situation.article}"
        for o in shown
    ]


def run_search(index: OpenIndex, params: SearchParams, day: dt.date | None = None) -> SearchResult:
    """Answer one search: the articles it cites, matching documents, facet counts, the requested page of hits
    with snippets. Statuses and periods are those of `day` (default: today, search/validity.today)."""
    started = time.perf_counter()
    on_day = day_view(index, day)
    reading = read_citations(index, params.q, as_of=params.as_of)
    typed, parsed, plan, matched, groups, notes = _read(index, params, reading)
    prior = _reading_prior(index, typed, parsed, params.q)
    # Words no document holds (野猪毁田, 老楼加梯) that situations know: their documents are the answer.
    alone = None  # the prior whose situations alone answer the query
    if prior is not None and not matched.any() and not reading.pinned:
        near = prior.similarity >= situations.SITUATION_ALONE_MIN
        if near.any():
            matched, alone = near, prior
            notes = [*notes, NO_WORD_HELD_NOTE]
    elif prior is not None and not reading.pinned:
        # A document with a situation near the query (SITUATION_JOIN_MIN) answers it though none of its words occur
        # in it (稿子投给杂志社一个月没回音: 著作权法 writes 期刊社 and 三十日): it joins those the words found, to be
        # lifted by that situation as they are.
        matched = matched | (prior.similarity >= situations.SITUATION_JOIN_MIN)
    if alone is None and not matched.any() and not reading.pinned:
        # The reading of last resort: any word of the query the corpus holds, as the segmenter cuts it (押 of
        # 押一付三, whose everyday expansion no article holds): an answer is empty only when it holds none.
        held = questions.held_words(typed, _frequency(index))
        if held.relaxed:
            held_plan = plan_query(held)
            held_matched, held_groups = _match(index, held_plan)
            if held_matched.any():
                parsed, plan, matched, groups = held, held_plan, held_matched, held_groups
                notes = [*notes, ANY_WORD_NOTE]
    matched_before = int(matched.sum())
    docs, applied = _apply_filters(index, matched, params, on_day)
    facets = _facets(index, docs, params, on_day)
    table = index.table
    total = int(np.count_nonzero(docs))
    start = (params.page - 1) * params.size
    # The documents up to the page's last, and the cited articles' ones that may come before them.
    needed = start + params.size + len(reading.pinned)
    if alone is not None:
        # Nothing to score but the situations: closest first, through the same factors (levels, places, status).
        scores = np.zeros(len(table.ids))
        if params.sort != "date":
            scores = alone.similarity * alone.factor * _status_factor(index, on_day) * docs
        order = _first_ranked(np.flatnonzero(docs), scores, table.newest_rank, needed)
        best = _BestSections.grouped(_NONE, _NONE)
    elif params.sort == "date" or parsed.empty:
        scores = np.zeros(len(table.ids))
        order = _first_ranked(np.flatnonzero(docs), scores, table.newest_rank, needed)
        best = _BestSections.grouped(_NONE, _NONE)
        if not parsed.empty:
            _, scores, best = _rank(index, docs, plan, typed, groups, on_day, prior)
    else:
        order, scores, best = _rank(index, docs, plan, typed, groups, on_day, prior, needed)
    sections_first: dict[int, tuple[str, ...]] = {}
    if reading.pinned and params.sort != "date":
        # The cited articles' documents first, in the order cited, each with its article as its section.
        first = [o for o, _ in reading.pinned if docs[o]]
        sections_first = dict(reading.pinned)
        order = np.concatenate([np.asarray(first, dtype=order.dtype), order[~np.isin(order, first)]])
    terms = plan.highlight
    page = order[start : start + params.size].tolist()
    situated = _situated_sections(index, prior, page) if prior is not None and params.sort != "date" else {}
    hits = []
    for o in page:
        section_ids = _section_ids(index, best.get(o))
        shown_first = sections_first.get(o) or situated.get(o)
        if shown_first:
            section_ids = list(dict.fromkeys([*shown_first, *section_ids]))[: max(SECTIONS_PER_HIT, len(shown_first))]
        hits.append(_hit(index, table.ids[o], float(scores[o]), section_ids, terms, on_day))
    if prior is not None and situated:
        notes = notes + _situation_notes(index, prior, page)
    return SearchResult(
        params=params,
        query=_explain(parsed, plan, params, matched_before, applied, total, reading.notes + tuple(notes)),
        total=total,
        page=params.page,
        size=params.size,
        pages=max(1, math.ceil(total / params.size)),
        sort=params.sort,
        hits=tuple(hits),
        facets=facets,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        build=index.build_id,
        answer=reading.answers[0] if reading.answers else None,
        answers=reading.answers,
    )
