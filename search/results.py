"""What a search returns: one object that is both the JSON body (`to_dict`) and the template's data.

JSON keys are the dataclass field names, which are the template's variable names; a class may rename a few
keys for the JSON (`_json_keys`), as hits do where the API has always said "id" for `doc_id`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

# The label tables of the pages, from here too.
from search.fields import HIT, HIT_KEYS, with_fields
from search.fields import STATUS_LABELS as STATUS_LABELS
from search.params import SearchParams
from search.schema import FACET_LABELS as FACET_LABELS

DOC_URL = "/doc/{doc_id}"


_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)


def _plain(value: Any) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Dict:
    _json_keys: ClassVar[dict[str, str]] = {}  # field name -> JSON key, where they differ

    def to_dict(self) -> dict[str, Any]:
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            keys = self._json_keys
            names = _FIELD_NAMES[type(self)] = tuple((f.name, keys.get(f.name, f.name)) for f in fields(self))  # type: ignore[arg-type]
        out = {}
        for name, key in names:
            value = getattr(self, name)
            out[key] = value if type(value) in _SCALAR_TYPES else _plain(value)
        return out


_FIELD_NAMES: dict[type, tuple[tuple[str, str], ...]] = {}


@dataclass(frozen=True, slots=True)
class SectionHit(_Dict):
    section_id: str
    section: str  # heading path, outermost first, joined with " › "
    snippet: str  # escaped HTML, only <mark> added


@dataclass(frozen=True, slots=True)
@with_fields(HIT, place={"title_html": "title"}, labels=True)
class Hit(_Dict):
    """One document of a result list: the fields search/fields.py marks `hit` (each labelled one followed by its
    label, "status_label"), the title marked, the score and the best matching sections."""

    _json_keys = HIT_KEYS  # doc_id is "id" in the JSON
    title_html: str  # the title as escaped HTML with the query's words marked
    score: float
    section_id: str
    section: str
    snippet: str
    url: str
    sections: tuple[SectionHit, ...]  # the document's best matching sections, best first (the first is above)


@dataclass(frozen=True, slots=True)
class FacetValue(_Dict):
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


@dataclass(frozen=True, slots=True)
class Facet(_Dict):
    name: str
    label: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True, slots=True)
class AppliedFilter(_Dict):
    name: str
    label: str
    value: str
    removed: int  # matching documents this filter took away
    remove_url: str


@dataclass(frozen=True, slots=True)
class TermInfo(_Dict):
    text: str
    normalized: str
    words: tuple[str, ...]
    phrase: bool
    field: str | None
    doc_number: str | None
    excluded: bool
    alias_of: str | None  # set on terms added from the alias table


@dataclass(frozen=True, slots=True)
class QueryInfo(_Dict):
    text: str
    normalized: str
    tokens: tuple[str, ...]
    terms: tuple[TermInfo, ...]
    aliases: tuple[str, ...]  # "道交法 → 道路交通安全法"
    fields: tuple[str, ...]
    ignored: tuple[str, ...]
    matched_before_filters: int
    filters: tuple[AppliedFilter, ...]
    advice: tuple[str, ...]  # for a page with no hits: which filter or term to drop
    # How the query was read beyond its terms: citations resolved (or not), a question read for any word.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerLine(_Dict):
    html: str  # escaped HTML of one line (款 or 项) of the article
    marked: bool  # the 款 or 项 the citation names


@dataclass(frozen=True, slots=True)
class ArticleLink(_Dict):
    """The same article in another version of the law."""

    doc_id: str
    title: str
    date: str | None
    status: str | None
    status_label: str | None
    url: str


@dataclass(frozen=True, slots=True)
class Answer(_Dict):
    """An article the query cites, shown above the result list: its text, its law and where to read it."""

    citation: str  # the part of the query that cites it
    reference: str  # 第二百六十四条, with 第M款 / 第（K）项 when cited
    article: str  # the article's heading as the statute writes it
    doc_id: str
    source: str
    title: str
    date: str | None
    level: str | None
    status: str | None
    status_label: str | None
    section_id: str
    section: str  # heading path, outermost first, joined with " › "
    paragraph: int | None  # the 款 cited
    item: int | None  # the 项 cited
    lines: tuple[AnswerLine, ...]
    url: str  # /doc/<doc_id>#<section_id>
    note: str | None  # set when this is not the version in force, or stands for a repealed statute's article
    other_versions: tuple[ArticleLink, ...]


@dataclass(frozen=True, slots=True)
class SearchResult(_Dict):
    params: SearchParams
    query: QueryInfo
    total: int
    page: int
    size: int
    pages: int
    sort: str
    hits: tuple[Hit, ...]
    facets: tuple[Facet, ...]
    took_ms: float
    build: str
    answer: Answer | None = None  # the first article the query cites (a direct answer)
    answers: tuple[Answer, ...] = ()  # every article the query cites, in the order typed

    def to_dict(self) -> dict[str, Any]:
        out = _Dict.to_dict(self)
        out["params"] = self.params.to_dict()
        out["facets"] = {f.name: _plain(f) for f in self.facets}
        return out

    def page_url(self, page: int) -> str:
        return "?" + self.params.with_page(page).query_string()
