"""The OpenAPI 3.1 description of the JSON API, written by hand; tests validate real responses against it.

The properties of hits, export rows and documents that are document metadata come from search/fields.py.
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

from search.changelog import KINDS as CHANGE_KINDS
from search.checker import MAX_TEXT_CHARS
from search.checker import STATUSES as CHECK_STATUSES
from search.export import EXPORT_COLUMNS, EXPORT_LIMIT, METADATA_COLUMNS
from search.fields import BY_NAME, LABELLED
from search.model import Document
from search.params import DEFAULT_SIZE, MAX_FILTER_VALUES, MAX_PAGE, MAX_QUERY_CHARS, MAX_SIZE, MAX_VALUE_CHARS, SORTS
from search.results import Hit
from search.schema import FACETS
from search.validity import VALIDITY_FACET, VALIDITY_VALUES
from web.changes import DEFAULT_LIMIT as CHANGES_DEFAULT
from web.changes import MAX_LIMIT as CHANGES_MAX

# A date as YYYY, YYYY-MM or YYYY-MM-DD, or empty (no bound: what the page's form sends for an empty field).
DATE_PATTERN = r"^(\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?)?$"
# Parameter values other than the query may hold no control character (the query's become spaces).
NO_CONTROL_PATTERN = r"^[^\x00-\x1f]*$"
# A day, YYYY-MM-DD (as_of), or empty (no day asked).
DAY_PATTERN = r"^(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8]))?$"
# A value with something in it besides spaces (what the check and the comparison strip).
NOT_BLANK = r"\S"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


STR = {"type": "string"}
INT = {"type": "integer"}
OPT_STR = _nullable(STR)
OPT_INT = _nullable(INT)
STATUS = BY_NAME["status"].schema
# A document named in a list (the documents a result links to): what a link to it shows.
DOC_LINK: dict[str, Any] = {
    "id": STR,
    "title": STR,
    "doc_number": OPT_STR,
    "date": OPT_STR,
    "status": STATUS,
    "status_label": OPT_STR,
    "url": STR,
}


def _object(properties: dict[str, Any], required: list[str] | None = None, extra: bool = False) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": extra,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _metadata(name: str, where: str) -> dict[str, Any]:
    """The schema of a metadata field, or of a labelled field's label, in a "document", a "hit" or an "export"."""
    if name in LABELLED:
        return OPT_STR
    f = BY_NAME[name]
    return {"document": f.schema, "hit": f.schema_in_hits, "export": f.schema_in_exports}[where]


def _hit() -> dict[str, Any]:
    own = {
        "title_html": {"type": "string", "description": "the title as escaped HTML with the query's words marked"},
        "score": {"type": "number"},
        "section_id": STR,
        "section": STR,
        "snippet": STR,
        "url": STR,
        "sections": _array(_ref("SectionHit")),
    }
    keys = Hit._json_keys
    return _object(
        {keys.get(f.name, f.name): own[f.name] if f.name in own else _metadata(f.name, "hit") for f in fields(Hit)}
    )


def _export_row() -> dict[str, Any]:
    own = {"rank": {"type": "integer", "minimum": 1}, "section": STR, "snippet": STR, "url": STR}
    names = {column: name for column, name, _ in METADATA_COLUMNS}
    return _object({c: own[c] if c in own else _metadata(names[c], "export") for c in EXPORT_COLUMNS})


def _document() -> dict[str, Any]:
    """The JSON of /api/doc/<id>: the document's fields (each labelled one followed by its label), then the
    document view's."""
    own = {
        "text": STR,
        "sections": _array(_ref("Section")),
        "citations": _array(_ref("Citation")),
        "content_hash": STR,
        "extra": {"type": "object"},
    }
    properties: dict[str, Any] = {}
    for f in fields(Document):
        properties[f.name] = own[f.name] if f.name in own else _metadata(f.name, "document")
        label = BY_NAME[f.name].label_name if f.name in BY_NAME else None
        if label:
            properties[label] = _metadata(label, "document")
    properties.update(
        {
            "url": STR,
            "versions": {
                **_array(_ref("DocLink")),
                "description": "documents with the same title, newest first (empty when there is only this one)",
            },
            "cites": _array(_ref("CitedRef")),
            "cited_by": {
                **_array(_ref("DocLink")),
                "description": "documents citing this one, newest first, at most 200",
            },
            "cited_by_total": {"type": "integer", "minimum": 0},
            "target": {**OPT_STR, "description": "the section of the article `q` cites in this document (264条)"},
            "extended_by": {
                **_array(_ref("DocLink")),
                "description": "later documents extending its stated period (valid_until is after them)",
            },
            "target_note": {
                **OPT_STR,
                "description": "the article found, or that this document has none of that number",
            },
            "periods": {
                "type": "object",
                "description": "of this document and each version: when it was in force (`until` excluded;"
                " `known` false: no longer in force, or a draft, the end unknown)",
                "additionalProperties": _object({"from": OPT_STR, "until": OPT_STR, "known": {"type": "boolean"}}),
            },
            "as_of": {**OPT_STR, "description": "the day asked with ?as_of=YYYY-MM-DD"},
            "in_force_on_day": {**OPT_STR, "description": "the id of the version in force on `as_of`, if any"},
        }
    )
    return _object(properties)


SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": {"type": "string", "minLength": 1},
            "status": {"type": "integer", "minimum": 400},
            "request_id": {"type": "string", "description": "the request's id, also in the X-Request-Id header"},
        }
    ),
    "Change": _object(
        {
            "time": {"type": "string", "description": "ISO 8601, UTC: when the build was switched in"},
            "build_id": STR,
            "kind": {"enum": list(CHANGE_KINDS)},
            "kind_label": STR,
            "source": {"type": "string", "description": "<folder>/<path> (empty for a rollback)"},
            "doc_id": STR,
            "content_hash": {"type": "string", "description": "sha256 of the file as indexed (empty when removed)"},
            "previous_hash": {"type": "string", "description": "sha256 in the previous build (empty when new)"},
            "note": STR,
            "in_index": {"type": "boolean", "description": "the document is in the served build"},
        }
    ),
    "Changes": _object(
        {
            "limit": {"type": "integer", "minimum": 1, "maximum": CHANGES_MAX},
            "count": {"type": "integer", "minimum": 0},
            "changes": _array(_ref("Change")),
        }
    ),
    "SectionHit": _object(
        {
            "section_id": STR,
            "section": STR,
            "snippet": {"type": "string", "description": "escaped HTML; the only markup is <mark>"},
        }
    ),
    "Hit": _hit(),
    "FacetValue": _object(
        {
            "value": STR,
            "label": STR,
            "count": {"type": "integer", "minimum": 0},
            "selected": {"type": "boolean"},
            "toggle_url": STR,
        }
    ),
    "Facet": _object({"name": {"enum": list(FACETS)}, "label": STR, "values": _array(_ref("FacetValue"))}),
    "AppliedFilter": _object(
        {
            "name": {"enum": [*FACETS, "date_from", "date_to", "as_of", "valid_until_from", "valid_until_to"]},
            "label": STR,
            "value": STR,
            "removed": {"type": "integer", "minimum": 0},
            "remove_url": STR,
        }
    ),
    "TermInfo": _object(
        {
            "text": STR,
            "normalized": STR,
            "words": _array(STR),
            "phrase": {"type": "boolean"},
            "field": OPT_STR,
            "doc_number": OPT_STR,
            "excluded": {"type": "boolean"},
            "alias_of": {**OPT_STR, "description": "the term typed, when this one comes from the alias table"},
        }
    ),
    "QueryInfo": _object(
        {
            "text": STR,
            "normalized": STR,
            "tokens": _array(STR),
            "terms": _array(_ref("TermInfo")),
            "aliases": {**_array(STR), "description": 'short names read as full ones, e.g. "道交法 → 道路交通安全法"'},
            "fields": _array(STR),
            "ignored": _array(STR),
            "matched_before_filters": {"type": "integer", "minimum": 0},
            "filters": _array(_ref("AppliedFilter")),
            "advice": _array(STR),
            "notes": {
                **_array(STR),
                "description": "how citations resolved (“刑法264条” → 《中华人民共和国"
                "刑法》第二百六十四条, or that a law has no such "
                "article), whether a question was read for any "
                "of its words, and the situations near a question "
                "(相近情形“房东不退押金怎么办” → its law and article; when no document holds "
                "the words, that the hits are those of the situations near them)",
            },
        }
    ),
    "AnswerLine": _object(
        {
            "html": {"type": "string", "description": "escaped HTML of one line of the article"},
            "marked": {"type": "boolean", "description": "the 款 or 项 the citation names"},
        }
    ),
    "ArticleLink": _object(
        {"doc_id": STR, "title": STR, "date": OPT_STR, "status": STATUS, "status_label": OPT_STR, "url": STR}
    ),
    "Answer": _object(
        {
            "citation": {"type": "string", "description": "the part of the query that cites the article"},
            "reference": {"type": "string", "description": "第二百六十四条, with 第M款 / 第（K）项 when cited"},
            "article": {"type": "string", "description": "the article's heading as the statute writes it"},
            "doc_id": STR,
            "source": STR,
            "title": STR,
            "date": OPT_STR,
            "level": OPT_STR,
            "status": STATUS,
            "status_label": OPT_STR,
            "section_id": STR,
            "section": STR,
            "paragraph": OPT_INT,
            "item": OPT_INT,
            "lines": _array(_ref("AnswerLine")),
            "url": {"type": "string", "description": "/doc/<doc_id>#<section_id>"},
            "note": {
                **OPT_STR,
                "description": "set when the article is of a version no longer in force, or stands for the article"
                " of a statute the 民法典 repealed that the query cites (原《合同法》第五十二条的规定…)",
            },
            "other_versions": {
                **_array(_ref("ArticleLink")),
                "description": "the same article in the law's other versions",
            },
        }
    ),
    "SearchParams": _object(
        {
            "q": STR,
            "filters": {"type": "object", "propertyNames": {"enum": list(FACETS)}, "additionalProperties": _array(STR)},
            "date_from": OPT_STR,
            "date_to": OPT_STR,
            "as_of": OPT_STR,
            "valid_until_from": OPT_STR,
            "valid_until_to": OPT_STR,
            "sort": {"enum": list(SORTS)},
            "page": {"type": "integer", "minimum": 1},
            "size": {"type": "integer", "minimum": 1},
        }
    ),
    "SearchResult": _object(
        {
            "params": _ref("SearchParams"),
            "query": _ref("QueryInfo"),
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "size": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "sort": {"enum": list(SORTS)},
            "hits": _array(_ref("Hit")),
            "facets": {
                "type": "object",
                "properties": {f: _ref("Facet") for f in FACETS},
                "required": list(FACETS),
                "additionalProperties": False,
            },
            "took_ms": {"type": "number", "minimum": 0},
            "build": STR,
            "answer": {
                "oneOf": [_ref("Answer"), {"type": "null"}],
                "description": "a direct answer: the first article the query cites (刑法264条)",
            },
            "answers": {**_array(_ref("Answer")), "description": "every article the query cites, in order"},
        }
    ),
    "Section": _object(
        {
            "id": STR,
            "heading": STR,
            "level": {"type": "integer", "minimum": 0},
            "path": _array(STR),
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0},
        }
    ),
    "Citation": _object({"kind": {"enum": ["title", "doc_number"]}, "value": STR}),
    "DocLink": _object(DOC_LINK),
    "CitedRef": _object(
        {"kind": {"enum": ["title", "doc_number"]}, "value": STR, "doc": {"oneOf": [_ref("DocLink"), {"type": "null"}]}}
    ),
    "Document": _document(),
    "CheckTarget": _object(
        {
            "id": STR,
            "title": STR,
            "date": OPT_STR,
            "status": STATUS,
            "status_label": OPT_STR,
            "url": {**STR, "description": "/doc/<id>, with #<section_id> for an article"},
            "article": {**OPT_STR, "description": "第十五条, as the statute writes it"},
            "section_id": OPT_STR,
            "text": {**OPT_STR, "description": "the article's text"},
        }
    ),
    "CheckedCitation": _object(
        {
            "text": {**STR, "description": "the citation as written"},
            "start": {"type": "integer", "minimum": 0, "description": "its span in the text (characters)"},
            "end": {"type": "integer", "minimum": 0},
            "kind": {"enum": ["article", "law", "doc_number"]},
            "law": OPT_STR,
            "reference": {**OPT_STR, "description": "第十六条第二款"},
            "version": {**OPT_STR, "description": "the year of a version note (（2018年修正）)"},
            "status": {"enum": list(CHECK_STATUSES)},
            "status_label": STR,
            "note": STR,
            "resolved": {"oneOf": [_ref("CheckTarget"), {"type": "null"}]},
            "current": {
                "oneOf": [_ref("CheckTarget"), {"type": "null"}],
                "description": "superseded: the version in force, at the article now holding the provision",
            },
            "repealed_by": {
                "oneOf": [_ref("CheckTarget"), {"type": "null"}],
                "description": "repealed: the document of the index stating the repeal",
            },
            "candidates": {**_array(_ref("CheckTarget")), "description": "ambiguous: the documents the name fits"},
        }
    ),
    "CheckReport": _object(
        {
            "chars": {"type": "integer", "minimum": 0},
            "day": {**STR, "description": "the day the citations' force was judged on (today)"},
            "counts": _object({s: {"type": "integer", "minimum": 0} for s in CHECK_STATUSES}),
            "citations": _array(_ref("CheckedCitation")),
            "took_ms": {"type": "number"},
        }
    ),
    "ComparedSide": _object(
        {
            "id": STR,
            "title": STR,
            "date": OPT_STR,
            "valid_from": OPT_STR,
            "status": STATUS,
            "status_label": OPT_STR,
            "url": STR,
            "units": {"type": "integer", "minimum": 0, "description": "its articles (or sections, without articles)"},
            "by_article": {"type": "boolean"},
        }
    ),
    "ComparedArticle": _object(
        {
            "heading": {**STR, "description": "第十一条, or a section's heading"},
            "section_id": STR,
            "url": {**STR, "description": "/doc/<id>#<section_id>"},
            "text": {**STR, "description": "the article without its heading"},
            "html": {**STR, "description": "the text escaped, <del> (old) or <ins> (new) around what changed"},
        }
    ),
    "ComparedPair": _object(
        {
            "status": {"enum": ["unchanged", "modified", "moved", "added", "removed"]},
            "status_label": STR,
            "old": {"oneOf": [_ref("ComparedArticle"), {"type": "null"}]},
            "new": {"oneOf": [_ref("ComparedArticle"), {"type": "null"}]},
            "similarity": {"type": "number", "minimum": 0, "maximum": 100},
            "renumbered": {"type": "boolean"},
            "reordered": {"type": "boolean", "description": "paired out of the order of the two texts"},
        }
    ),
    "Comparison": _object(
        {
            "old": _ref("ComparedSide"),
            "new": _ref("ComparedSide"),
            "counts": _object(
                {
                    k: {"type": "integer", "minimum": 0}
                    for k in ("unchanged", "modified", "moved", "added", "removed", "renumbered", "reordered")
                }
            ),
            "pairs": {
                **_array(_ref("ComparedPair")),
                "description": "in the order of the new text; every article of either side exactly once",
            },
            "took_ms": {"type": "number"},
        }
    ),
    "Suggestion": _object({"label": STR, "kind": {"enum": ["title", "doc_number"]}, "url": STR}),
    "Suggestions": _object({"q": STR, "suggestions": {**_array(_ref("Suggestion")), "maxItems": 8}}),
    "ExportRow": _export_row(),
    "Export": _object(
        {
            "total": {"type": "integer", "minimum": 0, "description": "documents matching the search"},
            "exported": {"type": "integer", "minimum": 0, "maximum": EXPORT_LIMIT},
            "limit": {"const": EXPORT_LIMIT},
            "truncated": {"type": "boolean", "description": "total > exported"},
            "params": _ref("SearchParams"),
            "build": STR,
            "columns": {"const": list(EXPORT_COLUMNS)},
            "rows": _array(_ref("ExportRow")),
        }
    ),
    "Health": _object({"status": {"const": "ok"}, "build": STR, "documents": {"type": "integer", "minimum": 0}}),
}


def _param(name: str, description: str, schema: dict[str, Any], repeat: bool = False) -> dict[str, Any]:
    if repeat:
        return {
            "name": name,
            "in": "query",
            "description": description,
            "schema": {**_array(schema), "maxItems": MAX_FILTER_VALUES},
            "style": "form",
            "explode": True,
        }
    return {"name": name, "in": "query", "description": description, "schema": schema}


FACET_VALUE = {"type": "string", "maxLength": MAX_VALUE_CHARS, "pattern": NO_CONTROL_PATTERN}
DATE = {"type": "string", "pattern": DATE_PATTERN}
YEAR = {"type": "string", "pattern": r"^(19\d{2}|20\d{2}|2100)?$", "description": "1900 to 2100 (empty: none)"}
SEARCH_PARAMETERS = [
    _param(
        "q", "the query (quoted phrases, OR, -excluded, field:term)", {"type": "string", "maxLength": MAX_QUERY_CHARS}
    ),
    *[
        _param(f, f"{f} filter; repeat to accept several values", YEAR if f == "year" else FACET_VALUE, repeat=True)
        for f in FACETS
        if f != VALIDITY_FACET
    ],
    _param(
        VALIDITY_FACET,
        "有效期 on the day asked: expired, soon (within 90 days), year (within a year), later, none (no stated "
        "period); repeat to accept several",
        {"enum": list(VALIDITY_VALUES)},
        repeat=True,
    ),
    _param("date_from", "earliest date, YYYY, YYYY-MM or YYYY-MM-DD (empty: none)", DATE),
    _param("date_to", "latest date, YYYY, YYYY-MM or YYYY-MM-DD (empty: none)", DATE),
    _param(
        "as_of",
        "a day, YYYY-MM-DD: only what was in force that day (the version in force then; documents not yet in force,"
        " replaced or repealed by then, and drafts left out)",
        {"type": "string", "pattern": DAY_PATTERN},
    ),
    _param(
        "valid_until_from",
        "the stated period (after extensions) ends on or after, YYYY, YYYY-MM or YYYY-MM-DD (empty: none)",
        DATE,
    ),
    _param(
        "valid_until_to",
        "the stated period (after extensions) ends on or before, YYYY, YYYY-MM or YYYY-MM-DD (empty: none)",
        DATE,
    ),
    _param("sort", "relevance (default) or date (newest first)", {"enum": list(SORTS), "default": "relevance"}),
    _param("page", "page number", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
    _param("size", "hits per page", {"type": "integer", "minimum": 1, "maximum": MAX_SIZE, "default": DEFAULT_SIZE}),
]
CACHE_HEADERS = {
    "ETag": {"description": "weak validator from the build and the URL; send it back as If-None-Match", "schema": STR},
    "Cache-Control": {"schema": {"const": "public, max-age=60"}},
    "X-Govlaw-Build": {"description": "the build the answer came from", "schema": STR},
}


def _json(schema: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}
    if headers:
        out["headers"] = headers
    return out


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in codes}


NOT_MODIFIED = {"304": {"description": "not modified (If-None-Match matched the ETag)"}}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "govlaw",
        "version": "1",
        "description": "Full-text search of Chinese government legal documents. Every parameter of the "
        "search page behaves the same here. Errors are JSON {error, status} with "
        "Cache-Control: no-store.",
    },
    "paths": {
        "/api/search": {
            "get": {
                "summary": "Search: one page of hits, facet counts and how the query was read",
                "parameters": SEARCH_PARAMETERS,
                "responses": {
                    "200": _json("SearchResult", "one page of results", CACHE_HEADERS),
                    **NOT_MODIFIED,
                    **_errors(400, 503),
                },
            }
        },
        "/api/export": {
            "get": {
                "summary": f"The result list from the first hit, at most {EXPORT_LIMIT} rows, as CSV or JSON",
                "description": "The search parameters of /api/search (page and size are ignored). CSV is UTF-8 with "
                "a byte order mark; its X-Govlaw-Export header says how many rows it holds of how many.",
                "parameters": [
                    _param("format", "csv (default) or json", {"enum": ["csv", "json"], "default": "csv"}),
                    *SEARCH_PARAMETERS,
                ],
                "responses": {
                    "200": {
                        "description": "the rows",
                        "headers": CACHE_HEADERS,
                        "content": {
                            "application/json": {"schema": _ref("Export")},
                            "text/csv": {
                                "schema": {"type": "string", "description": "columns: " + ", ".join(EXPORT_COLUMNS)}
                            },
                        },
                    },
                    **NOT_MODIFIED,
                    **_errors(400, 503),
                },
            }
        },
        "/api/doc/{id}": {
            "get": {
                "summary": "A whole document: metadata, text, sections, versions, citations and documents citing it",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": STR},
                    _param(
                        "format",
                        "json (default) or txt (title, metadata lines, text)",
                        {"enum": ["json", "txt"], "default": "json"},
                    ),
                    _param(
                        "as_of",
                        "a day, YYYY-MM-DD: `in_force_on_day` names the version in force that day",
                        {"type": "string", "pattern": DAY_PATTERN},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "the document",
                        "headers": CACHE_HEADERS,
                        "content": {"application/json": {"schema": _ref("Document")}, "text/plain": {"schema": STR}},
                    },
                    **NOT_MODIFIED,
                    **_errors(400, 404, 503),
                },
            }
        },
        "/api/check": {
            "post": {
                "summary": "Check a text's citations: each law, article and 文号 it cites, resolved, with a status",
                "description": "Nothing submitted is stored or logged; answers are never cached. The page's form "
                "posts the same as multipart/form-data, with the text as `text` or a .txt, .docx or .pdf file as "
                "`file`.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _object(
                                {"text": {"type": "string", "maxLength": MAX_TEXT_CHARS, "pattern": NOT_BLANK}}
                            )
                        },
                    },
                },
                "responses": {
                    "200": _json("CheckReport", "every citation found, in the order of the text"),
                    **_errors(400, 413, 503),
                },
            }
        },
        "/api/compare": {
            "get": {
                "summary": "新旧对照: two documents aligned article by article by content (a revision renumbers)",
                "parameters": [
                    {
                        **_param("old", "the older document's id", {"type": "string", "pattern": NOT_BLANK}),
                        "required": True,
                    },
                    _param(
                        "new",
                        "the newer document's id (without it, `old` is compared with its next version)",
                        {"type": "string", "pattern": NOT_BLANK},
                    ),
                ],
                "responses": {
                    "200": _json("Comparison", "the aligned articles and their counts", CACHE_HEADERS),
                    **NOT_MODIFIED,
                    **_errors(400, 404, 503),
                },
            }
        },
        "/api/suggest": {
            "get": {
                "summary": "Titles and 文号 containing what was typed, for a search box",
                "parameters": [_param("q", "what was typed", {"type": "string", "maxLength": MAX_QUERY_CHARS})],
                "responses": {
                    "200": _json("Suggestions", "up to eight suggestions", CACHE_HEADERS),
                    **NOT_MODIFIED,
                    **_errors(400, 503),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "The build served and its number of documents (never cached)",
                "responses": {"200": _json("Health", "the index is open"), **_errors(503)},
            }
        },
        "/api/changes": {
            "get": {
                "summary": "What the nightly updates changed, newest first",
                "parameters": [
                    _param(
                        "limit",
                        f"how many entries (default {CHANGES_DEFAULT})",
                        {"type": "integer", "minimum": 1, "maximum": CHANGES_MAX, "default": CHANGES_DEFAULT},
                    )
                ],
                "responses": {"200": _json("Changes", "the newest entries of the change log"), **_errors(400, 503)},
            }
        },
        "/api/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}
        },
    },
    "components": {
        "schemas": SCHEMAS,
        "responses": {
            f"E{c}": _json("Error", d)
            for c, d in (
                (400, "a bad or unknown parameter"),
                (404, "no such document"),
                (413, "the text is longer than 200,000 characters, or the request larger than 10 MB"),
                (503, "no index has been published, or the server is busy (then with Retry-After)"),
            )
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """A copy of the OpenAPI document (callers may not change the shared one), with the watch endpoints."""
    # web/openapi_watch.py builds on this module's helpers: imported once they exist.
    from web.openapi_watch import WATCH_PATHS, WATCH_SCHEMAS

    out = copy.deepcopy(DOCUMENT)
    out["paths"].update(copy.deepcopy(WATCH_PATHS))
    out["components"]["schemas"].update(copy.deepcopy(WATCH_SCHEMAS))
    return out
