"""The index schema: one record per document section.

Every record carries its document's metadata as filterable fields (those search/fields.py marks `indexed`); the
title is indexed on the document's first record only (its "title record"), so a title counts once per document in
the statistics and in the score.
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh import fields

from search import fields as doc_fields
from search.analysis import bigram_analyzer, word_analyzer
from search.validity import VALIDITY_FACET, VALIDITY_LABEL

# Field boosts of the scoring query (the query builder reads them from here).
FIELD_BOOSTS = {
    "title": 6.0,
    "title_bi": 4.0,
    "heading": 2.0,
    "body": 1.0,
    "body_bi": 0.6,
    "issuer_text": 1.5,
}
# Facets, in the order the page shows them: those of search/fields.py (each a field of every record and of the
# document table), then those derived when a question is asked (the 有效期 of search/dayview.py).
STORED_FACETS = doc_fields.FACETS
DERIVED_FACET_LABELS = {VALIDITY_FACET: VALIDITY_LABEL}
FACETS = (*STORED_FACETS, *DERIVED_FACET_LABELS)
FACET_LABELS = {**doc_fields.FACET_LABELS, **DERIVED_FACET_LABELS}
# The Whoosh field of a metadata field indexed on every record, by the field's kind (filters match whole values).
INDEXED_AS: dict[str, Callable[[], fields.FieldType]] = {
    doc_fields.ID: lambda: fields.ID(stored=True, sortable=True),
    doc_fields.PATH: fields.ID,
    doc_fields.TEXT: fields.ID,
    doc_fields.NAMES: lambda: fields.KEYWORD(commas=True),
    doc_fields.NUMBER: lambda: fields.NUMERIC(int, bits=32, stored=True, signed=False),
    doc_fields.DATE: lambda: fields.ID(stored=True),
    doc_fields.KEYWORD: fields.ID,
}


def make_schema() -> fields.Schema:
    words = word_analyzer()
    grams = bigram_analyzer()
    return fields.Schema(
        record_id=fields.ID(stored=True, unique=True),  # "<doc_id>/<section anchor>"
        section_id=fields.STORED(),
        is_title_record=fields.BOOLEAN(),
        # Word fields keep frequencies only: queries match and score them by words; runs of characters are
        # matched as phrases over the bigram fields, the only fields with positions.
        title=fields.TEXT(analyzer=words, phrase=False),
        title_bi=fields.TEXT(analyzer=grams, phrase=True),
        heading=fields.TEXT(analyzer=words, phrase=False),
        body=fields.TEXT(analyzer=words, phrase=False),
        body_bi=fields.TEXT(analyzer=grams, phrase=True),
        issuer_text=fields.TEXT(analyzer=words, phrase=False),
        docno=fields.KEYWORD(commas=True),
        **{f.name: INDEXED_AS[f.kind]() for f in doc_fields.INDEXED},
    )
