"""The fields of a document's metadata, each declared once: its kind, its label, and where it goes.

Everything that carries or shows metadata is derived from `FIELDS` when its module is imported: the extractor's
`Metadata`, `Document`, the store's `DocMeta` and the search `Hit` (their fields, in declaration order, and
their readers); the index records and the Whoosh schema; the facets and their labels; the export's columns;
the document view's metadata panel and plain-text download; the OpenAPI schemas of hits, export rows and
documents. Adding a field is one row here, plus its extractor in indexer/metadata.py if it is read from the text.

A field's name is its attribute everywhere and its key in the JSON of a document. Hits and export rows use
`hit_key` where the API has always said something else: `doc_id` is "id" there. Two other ids are not document
fields: an index record's `record_id` ("<doc_id>/<anchor>") and a section's `anchor` ("s3", the fragment of its
URL), which the JSON of sections keeps calling "id".
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Kinds of field: the Python type, the JSON schema, the index field and the display follow from the kind.
ID = "id"  # an identifier, always set
PATH = "path"  # a source: "<source folder name>/<path inside it>"
TEXT = "text"  # free text, shown as written
NAMES = "names"  # several names: a tuple in Python, an array in JSON, joined with 、 when shown
NUMBER = "number"  # an integer
DATE = "date"  # ISO YYYY-MM-DD
KEYWORD = "keyword"  # one value out of a small set (文种, 效力级别, 地区, status)
KINDS = (ID, PATH, TEXT, NAMES, NUMBER, DATE, KEYWORD)
# How the metadata panel of the document view shows a value: as text, as a <time>, or as a path (small print).
PANEL_STYLES = ("text", "time", "path")
NAMES_SHOWN_JOINED_BY = "、"

# Values of Document.status, in the order the search page lists them, and how pages show them.
# "expired" is never stored: a document is expired on the day of a query past its valid_until (search/validity.py).
STATUSES = ("current", "amended", "superseded", "repealed", "draft", "trial", "expired")
STATUS_LABELS = {
    "current": "现行有效",
    "amended": "已修改",
    "superseded": "已修改",
    "repealed": "已废止",
    "draft": "征求意见稿",
    "trial": "试行",
    "expired": "已过有效期",
}
# Values of Document.level (效力级别), highest first.
LEVELS = (
    "宪法",
    "法律",
    "行政法规",
    "监察法规",
    "司法解释",
    "部门规章",
    "地方性法规",
    "地方政府规章",
    "规范性文件",
    "工作文件",
    "案例",
)

_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}


@dataclass(frozen=True, slots=True)
class Field:
    """One metadata field of a document. Every field is a field of `Document`; the flags say where else it goes."""

    name: str
    kind: str  # one of KINDS
    label: str = ""  # as pages, filters and downloads show it
    required: bool = False  # always set; otherwise None (names: empty) when unknown
    extracted: bool = False  # read from the text: a field of indexer.metadata.Metadata
    operator: bool = False  # a metadata.jsonl row or front matter may set it
    table: bool = False  # held in memory for every document (DocMeta): hits, facets, links
    indexed: bool = False  # a field of every index record (its Whoosh field follows the kind)
    facet: bool = False  # counted on the search page, and a filter parameter of its name
    hit: bool = False  # in hits (the page, the JSON API, the CLI); needs `table`
    exported: bool = False  # a column of the export; needs `hit`
    panel: str | None = None  # in the document view's metadata panel, shown this way (PANEL_STYLES)
    text: bool = False  # a line of the plain-text download
    hit_key: str | None = None  # its key in hits and export rows, where not its name
    values: tuple[str, ...] = ()  # the values it may take, where the set is fixed (a JSON enum)
    value_labels: Mapping[str, str] | None = None  # values as shown; hits and exports add "<name>_label"
    panel_fallback: str | None = None  # the panel shows this other field in its place when it is empty
    shown_after: str | None = None  # panel, download and export put it after this field
    shown_last: bool = False  # panel, download and export put it after every other field
    hit_schema: Mapping[str, Any] | None = None  # its JSON schema in hits and exports, where looser

    @property
    def annotation(self) -> str:
        """The Python type, as an annotation."""
        if self.kind == NAMES:
            return "tuple[str, ...]"
        base = "int" if self.kind == NUMBER else "str"
        return base if self.required else f"{base} | None"

    @property
    def default(self) -> Any:
        return () if self.kind == NAMES else None

    @property
    def key(self) -> str:
        """The key of the field in hits and export rows."""
        return self.hit_key or self.name

    @property
    def label_name(self) -> str | None:
        """The companion field of hits and export rows that holds the value as shown ("status_label")."""
        return f"{self.name}_label" if self.value_labels else None

    @property
    def schema(self) -> dict[str, Any]:
        """The JSON schema of the value in a document."""
        if self.kind == NAMES:
            return {"type": "array", "items": dict(_STR)}
        base = "integer" if self.kind == NUMBER else "string"
        if self.required:
            return {"type": base}
        if self.values:
            return {"type": [base, "null"], "enum": [*self.values, None]}
        return {"type": [base, "null"]}

    @property
    def schema_in_hits(self) -> dict[str, Any]:
        return dict(self.hit_schema) if self.hit_schema is not None else self.schema

    @property
    def schema_in_exports(self) -> dict[str, Any]:
        return dict(_STR) if self.kind == NAMES else self.schema_in_hits

    def shown(self, value: Any) -> str:
        """The value as a page or a download shows it ("" when there is none)."""
        if value is None or value == "" or value == ():
            return ""
        if self.kind == NAMES:
            return NAMES_SHOWN_JOINED_BY.join(value)
        if self.value_labels:
            return self.value_labels.get(value, value)
        return str(value)

    def label_of(self, value: Any) -> str | None:
        """The value's label, for the "<name>_label" companion (None for no value or one without a label)."""
        return self.value_labels.get(value) if self.value_labels and value is not None else None


# The declaration. Order: the order of the fields in every shape and in the JSON; pages and the export follow it
# too, except where `shown_after` / `shown_last` say otherwise.
FIELDS: tuple[Field, ...] = (
    # A short stable id of the source path; "id" in hits and export rows.
    Field("doc_id", ID, required=True, table=True, indexed=True, hit=True, exported=True, hit_key="id"),
    # "<source folder name>/<path inside it>"
    Field("source", PATH, "来源", required=True, table=True, hit=True, panel="path", text=True, shown_last=True),
    Field("title", TEXT, "标题", required=True, extracted=True, operator=True, table=True, hit=True, exported=True),
    Field(
        "issuer",
        NAMES,
        "发文机关",
        extracted=True,
        operator=True,
        table=True,
        indexed=True,
        facet=True,
        hit=True,
        exported=True,
        panel="text",
        text=True,
    ),
    # Canonical: 郑政文〔2017〕60号; doc_number_raw as written.
    Field(
        "doc_number",
        TEXT,
        "文号",
        extracted=True,
        operator=True,
        table=True,
        hit=True,
        exported=True,
        panel="text",
        text=True,
    ),
    Field("doc_number_raw", TEXT, extracted=True),
    # The year the document is about; the panel shows it for a document without a date.
    Field(
        "year",
        NUMBER,
        "年份",
        extracted=True,
        operator=True,
        table=True,
        indexed=True,
        facet=True,
        hit=True,
        exported=True,
        shown_after="date",
    ),
    # The date of signing or publication.
    Field(
        "date",
        DATE,
        "日期",
        extracted=True,
        operator=True,
        table=True,
        indexed=True,
        hit=True,
        exported=True,
        panel="time",
        text=True,
        panel_fallback="year",
    ),
    # 报告, 实施方案, 通知, 条例 ...
    Field(
        "doc_type",
        KEYWORD,
        "文种",
        extracted=True,
        operator=True,
        table=True,
        indexed=True,
        facet=True,
        hit=True,
        exported=True,
        panel="text",
        text=True,
    ),
    # One of LEVELS; hits and export rows have always described it as any string.
    Field(
        "level",
        KEYWORD,
        "效力级别",
        extracted=True,
        operator=True,
        table=True,
        indexed=True,
        facet=True,
        hit=True,
        exported=True,
        panel="text",
        text=True,
        values=LEVELS,
        hit_schema=_OPT_STR,
    ),
    # 河南省郑州市, XX市 ...
    Field(
        "region",
        KEYWORD,
        "地区",
        extracted=True,
        operator=True,
        table=True,
        indexed=True,
        facet=True,
        hit=True,
        exported=True,
        panel="text",
        text=True,
    ),
    Field(
        "status",
        KEYWORD,
        "时效性",
        extracted=True,
        operator=True,
        table=True,
        indexed=True,
        facet=True,
        hit=True,
        exported=True,
        panel="text",
        text=True,
        values=STATUSES,
        value_labels=STATUS_LABELS,
    ),
    # The day it enters into force: an operator's, or the text's own (本法自…起施行) when not before `date`.
    Field("valid_from", DATE, "施行日期", extracted=True, operator=True, table=True, panel="text", shown_after="date"),
    # The last day of the period it states for itself (有效期5年 from valid_from, 有效期至…, 试行2年), before any
    # extension by a later document; search/validity.py applies extensions and decides "expired" on the day asked.
    Field(
        "valid_until",
        DATE,
        "有效期至",
        extracted=True,
        operator=True,
        table=True,
        hit=True,
        exported=True,
        panel="text",
        text=True,
        shown_after="date",
    ),
    # Extensions of other documents' periods this one makes: "<《title》 or 文号> 延长至 YYYY-MM-DD" or
    # "<target> 延长 N年" / "<target> 延长 N个月" (search/validity.py reads them).
    Field("extends", NAMES, "延长有效期", extracted=True, operator=True, table=True, panel="text", text=True),
    # The documents it repeals as a whole, each "《title》" as its …同时废止 clause names them (indexer/repeals.py);
    # search/versions.py marks the earlier documents of those titles repealed once this one is in force.
    Field("repeals", NAMES, "同时废止", extracted=True, operator=True, table=True, panel="text", text=True),
    # The source of the newer version, where known.
    Field("superseded_by", PATH, operator=True, table=True),
)
BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


def _check(fields: Sequence[Field]) -> None:
    """A declaration that no consumer can honour fails at import, naming the field."""
    for f in fields:
        problems = []
        if f.kind not in KINDS:
            problems.append(f"kind {f.kind!r} is not one of {KINDS}")
        if f.panel is not None and f.panel not in PANEL_STYLES:
            problems.append(f"panel {f.panel!r} is not one of {PANEL_STYLES}")
        if (f.hit or f.facet) and not f.table:
            problems.append("hits and facets are built from DocMeta: set table=True")
        if f.exported and not f.hit:
            problems.append("export rows are built from hits: set hit=True")
        if (f.panel or f.text or f.facet) and not f.label:
            problems.append("it is shown: give it a label")
        if f.panel_fallback is not None and f.panel_fallback not in {g.name for g in fields}:
            problems.append(f"panel_fallback: {f.panel_fallback!r} is not a declared field")
        if f.shown_after is not None and f.shown_after not in {g.name for g in fields if g.shown_after is None}:
            problems.append(f"shown_after: {f.shown_after!r} is not a declared field shown in declaration order")
        if problems:
            raise ValueError(f"search/fields.py: field {f.name!r}: " + "; ".join(problems))


def _shown_order(fields: Sequence[Field]) -> tuple[Field, ...]:
    """`fields` in the order pages, downloads and the export show them."""
    placed = [f for f in fields if f.shown_after is None and not f.shown_last]
    for f in fields:
        if f.shown_after is not None:
            at = next(i for i, g in enumerate(placed) if g.name == f.shown_after) + 1
            while at < len(placed) and placed[at].shown_after == f.shown_after:
                at += 1
            placed.insert(at, f)
    return (*placed, *(f for f in fields if f.shown_last))


_check(FIELDS)
EXTRACTED = tuple(f for f in FIELDS if f.extracted)
OPERATOR = tuple(f for f in FIELDS if f.operator)
DESCRIBED = tuple(f for f in FIELDS if f.extracted or f.operator)  # what extraction and operators give
TABLE = tuple(f for f in FIELDS if f.table)
INDEXED = tuple(f for f in FIELDS if f.indexed)
FACETS = tuple(f.name for f in FIELDS if f.facet)
FACET_LABELS = {f.name: f.label for f in FIELDS if f.facet}
HIT = tuple(f for f in FIELDS if f.hit)
HIT_KEYS = {f.name: f.hit_key for f in FIELDS if f.hit_key}
SHOWN_ORDER = _shown_order(FIELDS)
EXPORTED = tuple(f for f in SHOWN_ORDER if f.exported)
PANEL = tuple(f for f in SHOWN_ORDER if f.panel)
TEXT_LINES = tuple(f for f in SHOWN_ORDER if f.text)
# "status_label" -> the status field: the companions hits and export rows carry.
LABELLED = {f.label_name: f for f in FIELDS if f.label_name}


def with_fields(
    declared: Sequence[Field], *, place: Mapping[str, str] | None = None, defaults: bool = False, labels: bool = False
) -> Callable[[type], type]:
    """Class decorator, applied under @dataclass: the declared fields become the class's fields, in order.

    The class's own annotated fields follow them, except those `place` puts right after a declared field
    ({own field: declared field}). `labels` adds "<name>_label" after each field with value labels; `defaults`
    gives optional fields their default (None, or () for names).
    """

    def apply(cls: type) -> type:
        own = dict(inspect.get_annotations(cls))
        clash = sorted(set(own) & {f.name for f in declared})
        if clash:
            raise TypeError(f"{cls.__name__}: {clash} are declared in search/fields.py; remove them from the class")
        after: dict[str, list[str]] = {}
        for name, anchor in (place or {}).items():
            after.setdefault(anchor, []).append(name)
        annotations: dict[str, Any] = {}
        for f in declared:
            annotations[f.name] = f.annotation
            if defaults and not f.required:
                setattr(cls, f.name, f.default)
            if labels and f.label_name:
                annotations[f.label_name] = "str | None"
            for name in after.pop(f.name, ()):
                annotations[name] = own.pop(name)
        if after:
            raise TypeError(f"{cls.__name__}: place names fields it does not declare: {sorted(after)}")
        annotations.update(own)
        cls.__annotations__ = annotations
        return cls

    return apply
