"""The field declaration (search/fields.py) and every consumer derived from it: a declared field reaches each one."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from dataclasses import dataclass, fields

import pytest

from indexer import build
from indexer.metadata import Metadata
from indexer.pipeline import OPERATOR_FIELDS, section_records
from search import fields as declared
from search.docview import document_text, panel_lines
from search.export import EXPORT_COLUMNS
from search.model import Document
from search.params import ParamError, params_from
from search.results import FACET_LABELS, Hit
from search.schema import FACETS, make_schema
from search.store import DocMeta, DocStore, write_store
from tests.conftest import ROOT
from web.openapi import openapi_document

SAMPLE_VALUES = {
    declared.ID: "d1",
    declared.PATH: "src/a.txt",
    declared.TEXT: "某政文〔2021〕5号",
    declared.NAMES: ("甲市人民政府", "乙局"),
    declared.NUMBER: 2021,
    declared.DATE: "2021-03-01",
    declared.KEYWORD: "报告",
}
SAMPLE_REGION = "河南省郑州市"
SAMPLE_EXTENSION = "某政〔2019〕5号 延长至 2025-12-31"


def _value(f: declared.Field):
    if f.name == "region":
        return SAMPLE_REGION
    if f.name == "extends":
        return (SAMPLE_EXTENSION,)
    if f.name == "repeals":
        return ("《甲市养犬管理办法》", "《甲市养犬规定》")
    return f.values[0] if f.values else SAMPLE_VALUES[f.kind]


def _full_document() -> Document:
    """A document with every declared field set."""
    return Document(text="正文", **{f.name: _value(f) for f in declared.FIELDS})


def _names(cls) -> list[str]:
    return [f.name for f in fields(cls)]


def test_the_shapes_carry_their_declared_fields_in_declaration_order():
    assert [n for n in _names(Document) if n in declared.BY_NAME] == [f.name for f in declared.FIELDS]
    assert [n for n in _names(Metadata) if n in declared.BY_NAME] == [f.name for f in declared.EXTRACTED]
    assert [n for n in _names(DocMeta) if n in declared.BY_NAME] == [f.name for f in declared.TABLE]
    assert [n for n in _names(Hit) if n in declared.BY_NAME] == [f.name for f in declared.HIT]
    assert list(OPERATOR_FIELDS) == [f.name for f in declared.OPERATOR]
    for f in declared.HIT:
        if f.label_name:  # "status_label" right after "status"
            assert _names(Hit)[_names(Hit).index(f.name) + 1] == f.label_name


def test_every_declared_field_is_stored_and_read_back(tmp_path):
    doc = _full_document()
    assert Document.from_dict(doc.to_dict()) == doc
    write_store(tmp_path / "docs.sqlite", [doc])
    store = DocStore(tmp_path / "docs.sqlite")
    try:
        (meta,) = store.metas()
        assert store.get(doc.doc_id) == doc
    finally:
        store.close()
    for f in declared.TABLE:
        assert getattr(meta, f.name) == getattr(doc, f.name), f.name


def test_every_indexed_field_is_in_the_schema_and_the_records():
    schema = make_schema()
    (record,) = section_records(_full_document())
    for f in declared.INDEXED:
        assert f.name in schema.names(), f.name
        assert f.name in record, f.name
    assert record["issuer"] == "甲市人民政府,乙局" and record["year"] == 2021
    assert record["record_id"] == "d1/s0" and record["section_id"] == "s0"


def test_every_facet_is_a_filter_with_a_label():
    # The stored facets of search/fields.py, then 有效期, derived on the day of the question (search/dayview.py).
    assert FACETS == ("issuer", "year", "doc_type", "level", "region", "status", "validity")
    assert FACET_LABELS == {
        "issuer": "发文机关",
        "year": "年份",
        "doc_type": "文种",
        "level": "效力级别",
        "region": "地区",
        "status": "时效性",
        "validity": "有效期",
    }
    for name in declared.FACETS:
        assert params_from({name: "2021"}).filter_values(name) == ("2021",)
    assert params_from({"validity": "soon"}).filter_values("validity") == ("soon",)
    with pytest.raises(ParamError):
        params_from({"expiry_date": "2021"})


def test_every_hit_field_is_in_the_hit_json_and_every_exported_one_in_the_export(client):
    hit = client.get("/api/search", query_string={"q": "法治政府"}).get_json()["hits"][0]
    for f in declared.HIT:
        assert f.key in hit, f.name
        if f.label_name:
            assert f.label_name in hit
    assert "id" in hit and "doc_id" not in hit  # the API has always said "id"
    header = next(csv.reader(io.StringIO(client.get("/api/export?q=法治政府").get_data(as_text=True)[1:])))
    assert header == list(EXPORT_COLUMNS)
    exported = [f.key for f in declared.EXPORTED]
    assert [c for c in header if c in exported] == exported
    assert header[header.index("status") + 1] == "status_label"


def test_every_field_is_in_the_openapi_schemas(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert schemas == openapi_document()["components"]["schemas"]
    for f in declared.FIELDS:
        assert schemas["Document"]["properties"][f.name] == f.schema, f.name
        assert f.name in schemas["Document"]["required"]
    for f in declared.HIT:
        assert schemas["Hit"]["properties"][f.key] == f.schema_in_hits, f.name
    for f in declared.EXPORTED:
        assert schemas["ExportRow"]["properties"][f.key] == f.schema_in_exports, f.name
    for label, f in declared.LABELLED.items():
        assert label in schemas["Document"]["properties"] and (label in schemas["Hit"]["properties"]) == f.hit
    assert schemas["Hit"]["properties"]["level"] == {"type": ["string", "null"]}
    assert schemas["Document"]["properties"]["level"] == {"type": ["string", "null"], "enum": [*declared.LEVELS, None]}


def test_panel_and_plain_text_show_every_field_so_marked_by_its_label():
    doc = _full_document()
    lines = panel_lines(doc)
    assert [(m.label, m.value, m.style) for m in lines] == [
        ("发文机关", "甲市人民政府、乙局", "text"),
        ("文号", "某政文〔2021〕5号", "text"),
        ("日期", "2021-03-01", "time"),
        ("施行日期", "2021-03-01", "text"),
        ("有效期至", "2021-03-01", "text"),
        ("文种", "报告", "text"),
        ("效力级别", "宪法", "text"),
        ("地区", "河南省郑州市", "text"),
        ("时效性", "现行有效", "text"),
        ("延长有效期", SAMPLE_EXTENSION, "text"),
        ("同时废止", "《甲市养犬管理办法》、《甲市养犬规定》", "text"),
        ("来源", "src/a.txt", "path"),
    ]
    assert [m.name for m in lines] == [f.name for f in declared.PANEL]
    undated = panel_lines(Document(doc_id="d", source="s", text="", title="t", year=2019))
    assert [(m.label, m.value) for m in undated if m.value] == [("年份", "2019"), ("来源", "s")]
    assert document_text(doc).split("\n")[2:13] == [
        "发文机关：甲市人民政府、乙局",
        "文号：某政文〔2021〕5号",
        "日期：2021-03-01",
        "有效期至：2021-03-01",
        "文种：报告",
        "效力级别：宪法",
        "地区：河南省郑州市",
        "时效性：现行有效",
        "延长有效期：" + SAMPLE_EXTENSION,
        "同时废止：《甲市养犬管理办法》、《甲市养犬规定》",
        "来源：src/a.txt",
    ]


def test_a_declaration_no_consumer_can_honour_fails_at_import():
    with pytest.raises(ValueError, match=r"'x'.*set table=True"):
        declared._check([declared.Field("x", declared.TEXT, "某", hit=True)])
    with pytest.raises(ValueError, match=r"'x'.*give it a label"):
        declared._check([declared.Field("x", declared.TEXT, table=True, facet=True)])
    with pytest.raises(ValueError, match=r"'x'.*kind 'float'"):
        declared._check([declared.Field("x", "float")])
    with pytest.raises(ValueError, match=r"shown_after: 'nope'"):
        declared._check([declared.Field("x", declared.TEXT, shown_after="nope")])


def test_with_fields_refuses_a_class_that_declares_a_field_again_or_places_an_unknown_one():
    with pytest.raises(TypeError, match=r"declared in search/fields\.py"):

        @dataclass
        @declared.with_fields(declared.FIELDS)
        class Twice:
            title: str

    with pytest.raises(TypeError, match="place names fields"):

        @dataclass
        @declared.with_fields(declared.TABLE, place={"extra": "nope"})
        class Misplaced:
            extra: str


def test_a_change_to_the_declaration_makes_the_next_update_read_every_file(tmp_path, monkeypatch):
    for rel in ("indexer", "search"):
        shutil.copytree(ROOT / rel, tmp_path / rel, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build, "PACKAGE_ROOT", tmp_path)
    original = build.pipeline_fingerprint()
    with open(tmp_path / "search" / "fields.py", "a", encoding="utf-8") as f:
        f.write("\n# a new field\n")
    assert build.pipeline_fingerprint() != original


MYPY_PROBE = """
from indexer.metadata import Metadata
from search.model import Document
from search.store import DocMeta

doc = Document(doc_id="a", source="s", text="", title="t")
reveal_type(doc.issuer)
reveal_type(DocMeta.from_dict({}).year)
reveal_type(Metadata.__init__)
doc.titel
Document(doc_id="a", source="s", text="")
"""


def test_the_type_checker_sees_the_declared_fields(tmp_path):
    """tools/mypy_fields.py gives mypy the fields with_fields adds at import, with their types and defaults."""
    pytest.importorskip("mypy")
    probe = tmp_path / "probe.py"
    probe.write_text(MYPY_PROBE, "utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--follow-imports=silent",
            "--ignore-missing-imports",
            "--no-error-summary",
            str(probe),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line.split(": ", 1)[1] for line in run.stdout.splitlines()]
    assert lines == [
        'note: Revealed type is "tuple[str, ...]"',
        'note: Revealed type is "int | None"',
        (
            'note: Revealed type is "def (self: indexer.metadata.Metadata, title: str, issuer: tuple[str, ...], '
            "doc_number: str | None, doc_number_raw: str | None, year: int | None, date: str | None, doc_type: str | "
            "None, level: str | None, region: str | None, status: str | None, valid_from: str | None, valid_until: "
            "str | None, extends: tuple[str, ...], repeals: tuple[str, ...], citations: "
            'tuple[search.model.Citation, ...])"'
        ),
        'error: "Document" has no attribute "titel"; maybe "title"?  [attr-defined]',
        'error: Missing positional argument "title" in call to "Document"  [call-arg]',
    ], run.stderr
