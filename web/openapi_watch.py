"""The OpenAPI description of the watch endpoints: /api/expiring, the Atom feeds and /api/quality.

Kept beside web/openapi.py, which adds these paths and schemas to its document.
"""

from __future__ import annotations

from typing import Any

from search.expiring import MAX_LIMIT
from search.quality import SHARE_FIELDS
from web.openapi import (
    CACHE_HEADERS,
    DOC_LINK,
    NOT_MODIFIED,
    OPT_STR,
    SEARCH_PARAMETERS,
    STR,
    _array,
    _errors,
    _json,
    _object,
    _param,
    _ref,
)

DATE = {"type": "string", "format": "date"}

WATCH_SCHEMAS: dict[str, Any] = {
    "Lapsing": _object(
        {
            **DOC_LINK,
            "issuer": _array(STR),
            "valid_until": {**DATE, "description": "the last day of its period, after extensions"},
            "stated_valid_until": {
                "type": ["string", "null"],
                "description": "the last day the document states for itself (null when only an extension gave one)",
            },
            "days": {"type": "integer", "description": "days from the day asked to valid_until (negative: lapsed)"},
            "extended_by": _array(_ref("DocLink")),
            "cited_by": {**_array(_ref("DocLink")), "description": "documents in force on the day that cite it"},
        }
    ),
    "Expiring": _object(
        {
            "day": {**DATE, "description": "the day the periods are judged on"},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "upcoming_total": {"type": "integer", "minimum": 0},
            "lapsed_cited_total": {"type": "integer", "minimum": 0},
            "upcoming": {**_array(_ref("Lapsing")), "description": "in force, the soonest last day first"},
            "lapsed_cited": {
                **_array(_ref("Lapsing")),
                "description": "expired but cited by documents in force, the most recently lapsed first",
            },
        }
    ),
}

_COUNT = {"type": "integer", "minimum": 0}
_SHARES = _object({name: {"type": "number", "minimum": 0, "maximum": 1} for name in SHARE_FIELDS})
QUALITY_SCHEMAS: dict[str, Any] = {
    "FailedFile": _object({"source": {**STR, "description": "<folder>/<path inside it>"}, "stage": STR, "reason": STR}),
    "FolderQuality": _object(
        {
            "folder": STR,
            "documents": _COUNT,
            "sections": _COUNT,
            "with": _object(dict.fromkeys(SHARE_FIELDS, _COUNT)),
            "share": {**_SHARES, "description": "share of the folder's documents with the field extracted or set"},
            "ocr": {**_COUNT, "description": "documents whose metadata says their text came from OCR"},
            "failed_total": _COUNT,
            "failed": _array(_ref("FailedFile")),
        }
    ),
    "GateCheck": _object(
        {
            "q": STR,
            "expect_source": STR,
            "kind": {"enum": ["golden", "title"], "description": "an operator's golden query or a sampled title"},
            "hit": {"type": "boolean"},
            "rank": {"type": ["integer", "null"]},
            "failed": {"type": "boolean"},
        }
    ),
    "Run": _object(
        {
            "build_id": OPT_STR,
            "status": {"enum": ["published", "unchanged", "refused", "failed", "locked"]},
            "time": {**OPT_STR, "description": "when its report was written (UTC)"},
            "served": {"type": "boolean"},
            "documents": {"type": ["integer", "null"]},
            "gate_passed": {"type": ["boolean", "null"]},
            "golden_passed": _COUNT,
            "golden_failed": _COUNT,
            "titles_passed": _COUNT,
            "titles_failed": _COUNT,
            "reasons": _array(STR),
            "checks": _array(_ref("GateCheck")),
        }
    ),
    "Quality": _object(
        {
            "build_id": STR,
            "created": OPT_STR,
            "documents": _COUNT,
            "sections": _COUNT,
            "failed": _COUNT,
            "folders": _array(_ref("FolderQuality")),
            "runs": {**_array(_ref("Run")), "description": "the last runs, newest first"},
        }
    ),
}
WATCH_SCHEMAS.update(QUALITY_SCHEMAS)

ATOM = {
    "description": "an Atom 1.0 feed (RFC 4287); entry ids (urn:govlaw:…) are the same in every build",
    "headers": {**CACHE_HEADERS, "Last-Modified": {"description": "send it back as If-Modified-Since", "schema": STR}},
    "content": {"application/atom+xml": {"schema": STR}},
}
NOT_MODIFIED_FEED = {"304": {"description": "not modified (If-None-Match or If-Modified-Since matched)"}}

WATCH_PATHS: dict[str, Any] = {
    "/api/quality": {
        "get": {
            "summary": "The served build per source folder (documents, sections, metadata shares, failed files, "
            "OCR) and the last update runs' quality gates",
            "responses": {"200": _json("Quality", "the report", CACHE_HEADERS), **NOT_MODIFIED, **_errors(400, 503)},
        }
    },
    "/feed.atom": {
        "get": {
            "summary": "The newest documents of a search, as a feed: the parameters of /api/search, sorted by date",
            "description": "Entries carry the title, the issuers as authors, the date (published), the 文号 and the "
            "文种 as categories, a text summary (issuer, 文号, date, the start of the text) and the document's URL. "
            "Without size, 20 entries; sort may only be date. Errors are HTML pages, as on the search page.",
            "parameters": [p for p in SEARCH_PARAMETERS if p["name"] != "sort"]
            + [_param("sort", "date (the only order of a feed)", {"enum": ["date"], "default": "date"})],
            "responses": {"200": ATOM, **NOT_MODIFIED_FEED, "400": {"description": "a bad or unknown parameter"}},
        }
    },
    "/changes.atom": {
        "get": {
            "summary": "The change log of the nightly updates as a feed, newest first",
            "parameters": [
                _param("limit", "entries", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})
            ],
            "responses": {"200": ATOM, **NOT_MODIFIED_FEED, "400": {"description": "a bad or unknown parameter"}},
        }
    },
    "/api/expiring": {
        "get": {
            "summary": "Documents whose stated period ends next, and those lapsed but cited by documents in force",
            "parameters": [
                _param(
                    "limit",
                    "entries per list",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100},
                )
            ],
            "responses": {
                "200": _json("Expiring", "the two lists", CACHE_HEADERS),
                **NOT_MODIFIED,
                **_errors(400, 503),
            },
        }
    },
}
