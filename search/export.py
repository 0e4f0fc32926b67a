"""Exporting a result list: one flat row per document, as CSV (for spreadsheets) or JSON.

The export runs the page's search with the same parameters from the first hit, bounded by EXPORT_LIMIT rows.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from html import unescape
from typing import Any

from search.fields import EXPORTED, NAMES, NAMES_SHOWN_JOINED_BY
from search.params import SearchParams
from search.results import Hit, SearchResult

EXPORT_LIMIT = 1000


def _metadata_columns() -> tuple[tuple[str, str, bool], ...]:
    """(column, Hit attribute, several names joined into one cell) of each field search/fields.py marks
    `exported`, a labelled one followed by its label."""
    out = []
    for f in EXPORTED:
        out.append((f.key, f.name, f.kind == NAMES))
        if f.label_name:
            out.append((f.label_name, f.label_name, False))
    return tuple(out)


METADATA_COLUMNS = _metadata_columns()
# Columns of a row, in order; CSV headers are these names.
EXPORT_COLUMNS = ("rank", *(column for column, _, _ in METADATA_COLUMNS), "section", "snippet", "url")
# Excel reads a UTF-8 CSV as the local code page unless it starts with a byte order mark.
CSV_BOM = "\ufeff"
_TAGS = re.compile(r"<[^>]*>")
# A cell starting with one of these is a formula to a spreadsheet; such cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_params(params: SearchParams, limit: int = EXPORT_LIMIT) -> SearchParams:
    """The page's parameters, from the first hit, with room for the whole export."""
    return replace(params, page=1, size=limit)


def plain(html: str) -> str:
    """A snippet or title as plain text: markup dropped, entities decoded."""
    return unescape(_TAGS.sub("", html))


def export_row(rank: int, hit: Hit, base_url: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {"rank": rank}
    for column, name, joined in METADATA_COLUMNS:
        value = getattr(hit, name)
        row[column] = NAMES_SHOWN_JOINED_BY.join(value) if joined else value
    row.update(section=hit.section, snippet=plain(hit.snippet), url=base_url + hit.url.split("#")[0])
    return row


def export_rows(result: SearchResult, base_url: str = "") -> list[dict[str, Any]]:
    return [export_row(i, hit, base_url) for i, hit in enumerate(result.hits, start=1)]


def export_info(result: SearchResult, limit: int = EXPORT_LIMIT) -> dict[str, Any]:
    """What the export holds: every matching document, or the first `limit` of them."""
    return {
        "total": result.total,
        "exported": len(result.hits),
        "limit": limit,
        "truncated": result.total > len(result.hits),
    }


def export_json(result: SearchResult, base_url: str = "", limit: int = EXPORT_LIMIT) -> dict[str, Any]:
    return {
        **export_info(result, limit),
        "params": result.params.to_dict(),
        "build": result.build,
        "columns": list(EXPORT_COLUMNS),
        "rows": export_rows(result, base_url),
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(result: SearchResult, base_url: str = "") -> str:
    """The rows as CSV text with a byte order mark and CRLF line ends, as spreadsheets expect."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in export_rows(result, base_url):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return CSV_BOM + out.getvalue()
