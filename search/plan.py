"""From parsed terms to Whoosh queries: which sections a term matches, and how much a match scores.

Pure functions over `ParsedQuery`; the engine runs the queries. Boosts come from `search.schema.FIELD_BOOSTS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq

from search import aliases, analysis, colloquial, questions
from search.docno import COUNTRY_PREFIXES, doc_number_keys
from search.query import ParsedQuery, Term
from search.schema import FIELD_BOOSTS

# A document's own number outranks every document that only cites it.
DOCNO_OWN_BOOST = 40.0


@dataclass(frozen=True, slots=True)
class TermPlan:
    """How one term matches and scores. A section matches when it matches `exact` or `loose`.

    `exact` (phrases over the bigram fields) is the expensive part: the engine evaluates it once per term and
    build and rewards the sections it matched; `score` holds only plain terms, cheap to score.
    """

    term: Term
    exact: wq.Query | None  # the exact run of characters (bigram phrases), or the document's own number
    loose: wq.Query | None  # all the term's words in one section (unquoted terms), single-unit terms
    score: wq.Query | None  # what a matching section scores for the term (its words only)
    words: tuple[str, ...]  # normalised words, for the explanation and the highlighter
    highlight: tuple[str, ...]  # normalised strings to mark in text


def _gram_query(fieldname: str, grams: list[str]) -> wq.Query:
    if len(grams) == 1:
        return wq.Term(fieldname, grams[0])
    return wq.Phrase(fieldname, grams)


def _boost(q: wq.Term | wq.Or, fieldname: str) -> wq.Query:
    """`q` with the field's boost (a new query; Whoosh's own copy is a deep copy, slow for this)."""
    boost = FIELD_BOOSTS.get(fieldname, 1.0)
    if isinstance(q, wq.Term):
        return wq.Term(q.fieldname, q.text, boost=boost)
    return wq.Or(q.subqueries, boost=boost)


def heading_query(text: str) -> wq.Query | None:
    """The sections whose heading path (their chapter's, their section's and their own heading) holds every word
    of `text` (第三章 失业保险待遇 for 失业保险 and for 待遇); None for a text without words."""
    words = analysis.words(analysis.normalize(text))
    if not words:
        return None
    return wq.And([wq.Term("heading", w) for w in words]) if len(words) > 1 else wq.Term("heading", words[0])


def docno_index_keys(docno: str) -> list[str]:
    """The `docno` field values a typed number can match: an order number is indexed as written on the document,
    often with 中华人民共和国 in front (中华人民共和国国务院令第721号), and typed without it."""
    keys = set(doc_number_keys(docno)) | {docno}
    keys |= {country + k for k in keys for country in COUNTRY_PREFIXES if "令" in k and not k.startswith(country)}
    return sorted({analysis.normalize(k) for k in keys})


def plan_term(term: Term) -> TermPlan:
    """The match and score queries of one term."""
    norm = term.normalized
    units = analysis.units(norm)
    grams = analysis.bigrams(norm)
    words = tuple(analysis.words(term.text))

    if term.docno:
        key = analysis.normalize(term.docno)
        own = wq.Or([wq.Term("docno", k) for k in docno_index_keys(term.docno)], boost=DOCNO_OWN_BOOST)
        highlight: tuple[str, ...] = (key, norm)
        if term.field == "docno":
            return TermPlan(term, own, None, own, words, highlight)
        key_grams = analysis.bigrams(key)
        cited = _gram_query("body_bi", key_grams)
        return TermPlan(term, wq.Or([own, cited]), None, own, words, highlight)

    if term.field == "issuer":
        score = wq.And([wq.Term("issuer_text", w) for w in words]) if words else None
        return TermPlan(term, None, None, score, words, (norm,))

    fields = ("title",) if term.field == "title" else ("title", "body")
    if len(units) == 1:
        loose = wq.Or([wq.Term(f, units[0][0]) for f in fields])
        score = wq.Or([_boost(wq.Term(f, units[0][0]), f) for f in fields])
        return TermPlan(term, None, loose, score, words, (norm,))

    exact = wq.Or([_gram_query(f + "_bi", grams) for f in fields])
    loose = None
    if len(words) > 1 and not term.phrase:
        loose = wq.Or([wq.And([wq.Term(f, w) for w in words]) for f in fields])
    scores: list[wq.Query] = []
    for f in fields:
        if words:
            scores.append(_boost(wq.Or([wq.Term(f, w) for w in words]), f))
            if f == "body":
                scores.append(_boost(wq.Or([wq.Term("heading", w) for w in words]), "heading"))
    highlight = (norm,) if term.phrase else (norm, *[w for w in words if len(w) > 1])
    return TermPlan(term, exact, loose, wq.Or(scores), words, highlight)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    groups: tuple[tuple[TermPlan, ...], ...]
    excluded: tuple[TermPlan, ...]
    optional: tuple[bool, ...] = ()  # per group, as ParsedQuery.optional

    @property
    def group_score_queries(self) -> tuple[wq.Query | None, ...]:
        """Per group, what a section scores for it (None: the group matches on metadata only)."""
        out = []
        for g in self.groups:
            parts = [p.score for p in g if p.score is not None]
            out.append(wq.Or(parts) if parts else None)
        return tuple(out)

    @property
    def highlight(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for g in self.groups:
            for p in g:
                for h in p.highlight:
                    seen.setdefault(h, None)
        return tuple(seen)


def with_aliases(group: tuple[Term, ...]) -> tuple[Term, ...]:
    """A group plus the alias expansions of its plain terms (law names, policy terms, everyday words), as
    alternatives."""
    out = list(group)
    for t in group:
        if t.phrase or t.field or t.docno or t.alias_of:
            continue
        extra = [Term(e, alias_of=t.text) for e in aliases.extra_terms(t.text)]
        # An everyday word typed as such (刷单) is searched as the statutes' wording verbatim (虚构交易), not as its
        # words anywhere in a section (虚假 and 交易 of securities law); a spaced expansion stays a set of words.
        extra += [Term(e, alias_of=t.text, phrase=not _spaced(e)) for e in _everyday_terms(t.text)]
        for e in extra:  # once per text: not beside the typed term or the same expansion, quoted or not
            if not any(o.text == e.text and o.alias_of in (None, e.alias_of) for o in out):
                out.append(e)
    return tuple(out)


def _everyday_terms(text: str) -> tuple[str, ...]:
    """The colloquial table's expansions of a term that is one of its keys, with those of the shorter keys inside
    it as a question's phrase has them (山寨货: 假冒 商品, and 山寨: 混淆行为, 假冒注册商标), but not those that
    contain the term (工伤 -> 工伤保险 adds nothing that 工伤 does not match)."""
    norm = analysis.normalize(text).strip()
    if not colloquial.expansions(norm):
        return ()
    return tuple(e for e in questions.phrase_expansions(norm) if norm not in analysis.normalize(e))


def _spaced(text: str) -> bool:
    return any(c.isspace() for c in text)


def plan_query(parsed: ParsedQuery) -> QueryPlan:
    return QueryPlan(
        groups=tuple(tuple(plan_term(t) for t in with_aliases(g)) for g in parsed.groups),
        excluded=tuple(plan_term(t) for t in parsed.excluded),
        optional=parsed.optional,
    )
