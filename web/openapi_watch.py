"""The OpenAPI description of the watch endpoints: /api/expiring, the Atom feeds and /api/quality.

Kept beside web/openapi.py, which adds these paths and schemas to its document.
"""

from __future__ import annotations

from typing import Any

from search.expiring import MAX_LIMIT
from web.openapi import CACHE_HEADERS, NOT_MODIFIED, OPT_STR, STATUS, STR, _array, _errors, _json, _object, _param, _ref

DATE = {"type": "string", "format": "date"}

WATCH_SCHEMAS: dict[str, Any] = {
    "Lapsing": _object(
        {
            "id": STR,
            "title": STR,
            "doc_number": OPT_STR,
            "date": OPT_STR,
            "status": STATUS,
            "status_label": OPT_STR,
            "url": STR,
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

WATCH_PATHS: dict[str, Any] = {
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
