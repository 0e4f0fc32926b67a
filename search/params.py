"""Search parameters: parsed and checked once, shared by the page, the JSON API and the CLI.

A bad parameter raises `ParamError` (an HTTP 400 in the web layer) with a message a person can act on; an
unknown parameter is an error too, so a misspelt filter is never silently ignored.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol
from urllib.parse import quote_plus, urlencode

from search.schema import FACETS
from search.validity import VALIDITY_FACET, VALIDITY_VALUES

# Facet values and queries repeat from page to page (each result page links up to 30 values of every facet,
# each link with the query): short strings' quoting is remembered.
_quote_cached = lru_cache(maxsize=1 << 14)(quote_plus)
QUOTE_CACHE_MAX_CHARS = 64


def _quote_value(text: str) -> str:
    return _quote_cached(text) if len(text) <= QUOTE_CACHE_MAX_CHARS else quote_plus(text)


def _urlencode(items: Sequence[tuple[str, str]]) -> str:
    """urlencode(items) of str keys and values."""
    return "&".join(f"{_quote_value(k)}={_quote_value(v)}" for k, v in items)


MAX_QUERY_CHARS = 500
MAX_PAGE = 1000
MAX_SIZE = 100
DEFAULT_SIZE = 10
MAX_FILTER_VALUES = 20
MAX_VALUE_CHARS = 200
SORTS = ("relevance", "date")
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Parameters every view accepts besides the facets; a view may declare more (e.g. the export format).
BASE_PARAMS = ("q", "page", "size", "sort", "date_from", "date_to", "as_of", "valid_until_from", "valid_until_to")


class ParamError(ValueError):
    """A request parameter is malformed or unknown."""


class MultiMapping(Protocol):
    def getlist(self, key: str) -> list[str]: ...

    def keys(self) -> Iterable[str]: ...


@dataclass(frozen=True, slots=True)
class SearchParams:
    q: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (facet, values) in FACETS order; values OR-ed
    date_from: str | None = None
    date_to: str | None = None
    as_of: str | None = None  # YYYY-MM-DD: only what was in force that day (search/inforce.py)
    valid_until_from: str | None = None  # the last day of the period (after extensions), as date_from
    valid_until_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    size: int = DEFAULT_SIZE

    def filter_values(self, facet: str) -> tuple[str, ...]:
        return dict(self.filters).get(facet, ())

    def with_filter(self, facet: str, value: str, on: bool) -> SearchParams:
        current = dict(self.filters)
        values = [v for v in current.get(facet, ()) if v != value]
        if on:
            values.append(value)
        current[facet] = tuple(values)
        filters = tuple((f, current[f]) for f in FACETS if current.get(f))
        return replace(self, filters=filters, page=1)

    def toggle_query_strings(self, facet: str, values: Sequence[str]) -> list[str]:
        """`self.with_filter(facet, v, v not selected).query_string()` for each of many values of one facet, at
        the cost of quoting each value once (a result page shows up to 30 values of each facet)."""
        before: list[tuple[str, str]] = []
        after: list[tuple[str, str]] = []
        own: tuple[str, ...] = ()
        for f, vs in self.filters:
            if f == facet:
                own = vs
            else:
                (before if FACETS.index(f) < FACETS.index(facet) else after).extend((f, v) for v in vs)
        base = self._items((), 1)
        head = [kv for kv in base if kv[0] == "q"]
        tail = [kv for kv in base if kv[0] != "q"]
        prefix = _urlencode(head + before)
        suffix = _urlencode(after + tail)
        key = _quote_value(facet)
        own_quoted = {v: _quote_value(v) for v in own}
        out = []
        for value in values:
            chosen = [v for v in own if v != value]
            if value not in own:
                chosen.append(value)
            middle = "&".join(f"{key}={own_quoted.get(v) or _quote_value(v)}" for v in chosen)
            out.append("&".join(p for p in (prefix, middle, suffix) if p))
        return out

    def with_page(self, page: int) -> SearchParams:
        return replace(self, page=page)

    def with_changes(self, **changes) -> SearchParams:
        return replace(self, **changes)

    def query_items(self) -> list[tuple[str, str]]:
        return self._items(self.filters, self.page)

    def _items(self, filters: tuple[tuple[str, tuple[str, ...]], ...], page: int) -> list[tuple[str, str]]:
        """query_items() as if filters and page were those given."""
        items: list[tuple[str, str]] = []
        if self.q:
            items.append(("q", self.q))
        for facet, values in filters:
            items.extend((facet, v) for v in values)
        if self.date_from:
            items.append(("date_from", self.date_from))
        if self.date_to:
            items.append(("date_to", self.date_to))
        if self.as_of:
            items.append(("as_of", self.as_of))
        if self.valid_until_from:
            items.append(("valid_until_from", self.valid_until_from))
        if self.valid_until_to:
            items.append(("valid_until_to", self.valid_until_to))
        if self.sort != "relevance":
            items.append(("sort", self.sort))
        if page != 1:
            items.append(("page", str(page)))
        if self.size != DEFAULT_SIZE:
            items.append(("size", str(self.size)))
        return items

    def query_string(self) -> str:
        return urlencode(self.query_items())

    def to_dict(self) -> dict:
        return {
            "q": self.q,
            "filters": {f: list(v) for f, v in self.filters},
            "date_from": self.date_from,
            "date_to": self.date_to,
            "as_of": self.as_of,
            "valid_until_from": self.valid_until_from,
            "valid_until_to": self.valid_until_to,
            "sort": self.sort,
            "page": self.page,
            "size": self.size,
        }


def _int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ParamError(f"{name} must be a whole number, got {raw[:40]!r}") from None
    if not low <= value <= high:
        raise ParamError(f"{name} must be between {low} and {high}, got {value}")
    return value


def parse_limit(args: MultiMapping, default: int, maximum: int) -> int:
    """The `limit` of a list (1..`maximum` entries, `default` when absent or empty), the only parameter it takes."""
    unknown = sorted(k for k in args.keys() if k != "limit")  # noqa: SIM118  a MultiMapping has keys(), no __iter__
    if unknown:
        raise ParamError(f"unknown parameter {unknown[0]!r}; accepted: limit")
    values = args.getlist("limit")
    if len(values) > 1:
        raise ParamError("limit may be given once")
    raw = (values[0] if values else "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ParamError(f"limit must be a whole number from 1 to {maximum}, got {raw[:20]!r}")
    return int(raw)


def _clean_value(name: str, raw: str) -> str:
    if len(raw) > MAX_VALUE_CHARS:
        raise ParamError(f"{name} is longer than {MAX_VALUE_CHARS} characters")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in raw):
        raise ParamError(f"{name} contains control characters")
    return raw.strip()


def _date(name: str, raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if not _DATE_RE.match(raw):
        raise ParamError(f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD, got {raw[:40]!r}")
    parts = raw.split("-")
    if len(parts) > 1 and not 1 <= int(parts[1]) <= 12:
        raise ParamError(f"{name} has no month {parts[1]}")
    if len(parts) > 2 and not 1 <= int(parts[2]) <= 31:
        raise ParamError(f"{name} has no day {parts[2]}")
    return raw


def parse_day(name: str, raw: str) -> str | None:
    """A calendar day as YYYY-MM-DD (None for nothing), or ParamError saying what is wrong."""
    raw = raw.strip()
    if not raw:
        return None
    if not _DAY_RE.match(raw):
        raise ParamError(f"{name} must be a day as YYYY-MM-DD, got {raw[:40]!r}")
    try:
        return datetime.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise ParamError(f"{name}: {raw} is no day of the calendar") from None


def parse_params(args: MultiMapping, extra: Sequence[str] = ()) -> SearchParams:
    """Read request arguments (a werkzeug MultiDict or anything with getlist/keys) into SearchParams."""
    allowed = set(BASE_PARAMS) | set(FACETS) | set(extra)
    unknown = sorted(k for k in args.keys() if k not in allowed)  # noqa: SIM118  a MultiMapping has keys(), no __iter__
    if unknown:
        raise ParamError(f"unknown parameter {unknown[0]!r}; accepted: {', '.join(sorted(allowed))}")

    def one(name: str) -> str | None:
        values = args.getlist(name)
        if len(values) > 1:
            raise ParamError(f"{name} may be given once")
        return values[0] if values else None

    q = one("q") or ""
    if len(q) > MAX_QUERY_CHARS:
        raise ParamError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in q):
        raise ParamError("the query contains unpaired surrogate characters")
    q = "".join(c if c.isprintable() or c == " " else " " for c in q).strip()

    filters = []
    for facet in FACETS:
        values = [_clean_value(facet, v) for v in args.getlist(facet)]
        values = list(dict.fromkeys(v for v in values if v))
        if len(values) > MAX_FILTER_VALUES:
            raise ParamError(f"at most {MAX_FILTER_VALUES} values of {facet}")
        if facet == "year":
            values = [str(_int("year", v, 1900, 2100)) for v in values]
        if facet == VALIDITY_FACET and (bad := [v for v in values if v not in VALIDITY_VALUES]):
            raise ParamError(f"{facet} must be one of {', '.join(VALIDITY_VALUES)}, got {bad[0][:40]!r}")
        if values:
            filters.append((facet, tuple(values)))

    sort = (one("sort") or "relevance").strip()
    if sort not in SORTS:
        raise ParamError(f"sort must be one of {', '.join(SORTS)}, got {sort[:40]!r}")
    page_raw, size_raw = one("page"), one("size")
    # Given empty, a number is malformed (the page never sends one so); absent, it takes its default.
    page = _int("page", page_raw, 1, MAX_PAGE) if page_raw is not None else 1
    size = _int("size", size_raw, 1, MAX_SIZE) if size_raw is not None else DEFAULT_SIZE
    date_from = _date("date_from", one("date_from") or "")
    date_to = _date("date_to", one("date_to") or "")
    # A range whose start is after its end matches nothing: an empty answer, not an error (its OpenAPI
    # description cannot state the order of two parameters).
    as_of = parse_day("as_of", one("as_of") or "")
    until_from = _date("valid_until_from", one("valid_until_from") or "")
    until_to = _date("valid_until_to", one("valid_until_to") or "")
    return SearchParams(
        q=q,
        filters=tuple(filters),
        date_from=date_from,
        date_to=date_to,
        as_of=as_of,
        valid_until_from=until_from,
        valid_until_to=until_to,
        sort=sort,
        page=page,
        size=size,
    )


class _Args:
    """A plain mapping of lists seen through the getlist interface (CLI and tests)."""

    def __init__(self, data: Mapping[str, Sequence[str] | str]):
        self._data = {k: [v] if isinstance(v, str) else list(v) for k, v in data.items()}

    def getlist(self, key: str) -> list[str]:
        return self._data.get(key, [])

    def keys(self) -> Iterable[str]:
        return self._data.keys()


def params_from(data: Mapping[str, Sequence[str] | str] | None = None, **kwargs) -> SearchParams:
    """SearchParams from a dict (values: a string or a list of strings), checked like a request."""
    merged = dict(data or {}) | kwargs
    return parse_params(_Args(merged))
