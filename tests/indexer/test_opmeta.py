"""Operator metadata: metadata.jsonl rows, front matter, and the mapping onto Document fields."""

from __future__ import annotations

import json

import pytest

from indexer.opmeta import (
    MetadataFile,
    normalise_date,
    normalise_operator_fields,
    read_metadata_file,
    split_front_matter,
)

# Rows as they appear in ../shared/corpus/laws/metadata.jsonl and traditional/metadata.jsonl.
LAWS_CURRENT = {
    "path": "DLC/上海地方法规/地方性法规/上海/上海口岸服务条例(2020-05-14).md",
    "title": "上海口岸服务条例",
    "heading": "上海口岸服务条例",
    "level": "地方性法规",
    "category": "上海",
    "publish": "2020-05-14",
    "valid_from": "2020-05-15",
    "expired": False,
    "region": "上海",
    "expired_in_db": False,
    "subtitle": None,
    "superseded_by": None,
    "duplicate_of": None,
}
LAWS_OLD_VERSION = {
    "path": "行政法/行政复议法(2017-09-01).md",
    "title": "行政复议法",
    "heading": "中华人民共和国行政复议法",
    "level": "法律",
    "category": "行政法",
    "publish": "2017-09-01",
    "valid_from": None,
    "expired": True,
    "region": None,
    "expired_in_db": True,
    "subtitle": None,
    "superseded_by": "行政法/行政复议法(2023-09-01).md",
    "duplicate_of": None,
}
TRADITIONAL_ABOLISHED = {
    "path": "docs/A0010015.md",
    "pcode": "A0010015",
    "title": "稽勳委員會組織條例",
    "nature": "法律",
    "category": "廢止法規＞總統府",
    "last_amended": "1997-05-07",
    "effective_date": None,
    "abolished": True,
    "english_title": None,
    "url": "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=A0010015",
    "articles": 12,
    "has_attachments": False,
}


def _jsonl(*rows: object) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows)


# ---------------------------------------------------------------------------------------------- metadata.jsonl


def test_read_metadata_file_keeps_good_rows_and_reports_bad_lines(tmp_path):
    (tmp_path / "metadata.jsonl").write_text(
        _jsonl(
            {"path": "a.txt", "title": "甲"},
            "{not json",
            "",
            ["a", "list"],
            {"title": "无路径"},
            {"path": "../outside.txt"},
            {"path": "./a.txt", "title": "重复"},
            {"path": "sub\\b.txt", "title": "乙"},
        ),
        encoding="utf-8",
    )
    parsed = read_metadata_file(tmp_path)
    assert parsed.rows == {
        "a.txt": {"path": "a.txt", "title": "甲"},
        "sub/b.txt": {"path": "sub\\b.txt", "title": "乙"},
    }
    assert parsed.errors == [
        "metadata.jsonl:2: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        "metadata.jsonl:4: expected a JSON object, got list",
        'metadata.jsonl:5: no "path" string naming the file the row describes',
        "metadata.jsonl:6: path '../outside.txt' is not a relative path inside the folder",
        "metadata.jsonl:7: second row for 'a.txt'; the first one is used",
    ]


def test_metadata_files_in_subfolders_are_keyed_from_the_top(tmp_path):
    (tmp_path / "laws" / "行政法").mkdir(parents=True)
    (tmp_path / "metadata.jsonl").write_text(_jsonl({"path": "laws/行政法/a.md", "title": "外层"}), encoding="utf-8")
    (tmp_path / "laws" / "metadata.jsonl").write_text(
        _jsonl({"path": "行政法/a.md", "title": "内层"}, {"path": "行政法/b.md", "title": "乙"}), encoding="utf-8"
    )
    parsed = read_metadata_file(tmp_path)
    assert parsed.rows == {
        "laws/行政法/a.md": {"path": "laws/行政法/a.md", "title": "外层"},
        "laws/行政法/b.md": {"path": "行政法/b.md", "title": "乙"},
    }
    assert parsed.errors == [
        "laws/metadata.jsonl: 'laws/行政法/a.md' is also described by an outer metadata.jsonl; that row is used"
    ]


def test_rows_share_their_keys_and_equal_strings(tmp_path):
    other = {
        **LAWS_CURRENT,
        "path": "DLC/上海地方法规/地方性法规/上海/上海市专利保护条例.md",
        "title": "上海市专利保护条例",
    }
    (tmp_path / "metadata.jsonl").write_text(_jsonl(LAWS_CURRENT, other), encoding="utf-8")
    first, second = read_metadata_file(tmp_path).rows.values()
    assert first == LAWS_CURRENT and second == other
    assert all(a is b for a, b in zip(first, second, strict=True))  # the keys, in the same order
    assert first["level"] is second["level"] and first["region"] is second["region"] is first["category"]
    assert first["title"] is not second["title"]


def test_missing_metadata_file(tmp_path):
    assert read_metadata_file(tmp_path) == MetadataFile(rows={}, errors=[])


def test_metadata_file_not_utf8(tmp_path):
    data = _jsonl({"path": "a.txt", "title": "甲"}).encode("utf-8") + _jsonl(
        {"path": "b.txt", "title": "鼓楼区"}
    ).encode("gbk")
    (tmp_path / "metadata.jsonl").write_bytes(data)
    parsed = read_metadata_file(tmp_path)
    assert parsed.rows == {"a.txt": {"path": "a.txt", "title": "甲"}}
    assert parsed.errors == ["metadata.jsonl:2: not UTF-8 at byte 28 of the line; save the file as UTF-8"]


def test_lookup_tolerates_spelling_of_the_path():
    parsed = MetadataFile(rows={"sub/Café.md": {"title": "x"}})
    assert parsed.lookup("./sub/Café.md") == {"title": "x"}
    assert parsed.lookup("sub\\Cafe\u0301.md") == {"title": "x"}  # decomposed é, as macOS writes it
    assert parsed.lookup("../sub/Café.md") is None


# ---------------------------------------------------------------------------------------------- front matter


def test_front_matter():
    text = (
        "---\ntitle: 关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知\n"
        "issuer: [郑州市人民政府, '中共郑州市委']\ndoc_number: 郑政文〔2017〕60号\nyear: 2017\n"
        "tags:\n  - 依法行政\n  - 法治政府\nexpired: false\nnote:\n# a comment\n---\n正文第一行\n"
    )
    assert split_front_matter(text) == (
        {
            "title": "关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知",
            "issuer": ["郑州市人民政府", "中共郑州市委"],
            "doc_number": "郑政文〔2017〕60号",
            "year": 2017,
            "tags": ["依法行政", "法治政府"],
            "expired": False,
            "note": None,
        },
        "正文第一行\n",
    )


def test_front_matter_with_crlf():
    assert split_front_matter("---\r\ntitle: 通知\r\n---\r\n正文\r\n") == ({"title": "通知"}, "正文\r\n")


@pytest.mark.parametrize(
    "text",
    [
        "正文\n---\ntitle: x\n---\n",  # not at the top
        "---\ntitle: 通知\n正文没有结束线\n",  # a line that is not key: value
        "---\ntitle: 通知\n",  # never closed
        "---\n\n第一条 总则\n\n---\n",  # a Markdown rule around prose
    ],
)
def test_not_front_matter(text):
    assert split_front_matter(text) == ({}, text)


# ---------------------------------------------------------------------------------------------- fields


def test_laws_current_row():
    assert normalise_operator_fields(LAWS_CURRENT) == {
        "title": "上海口岸服务条例",
        "region": "上海",
        "date": "2020-05-14",
        "valid_from": "2020-05-15",
        "level": "地方性法规",
        "status": "current",
        "category": "上海",
        "expired": False,
        "expired_in_db": False,
        "subtitle": None,
        "duplicate_of": None,
    }


def test_laws_superseded_row_prefers_heading_and_keeps_short_title():
    assert normalise_operator_fields(LAWS_OLD_VERSION) == {
        "title": "中华人民共和国行政复议法",
        "short_title": "行政复议法",
        "superseded_by": "行政法/行政复议法(2023-09-01).md",
        "date": "2017-09-01",
        "level": "法律",
        "status": "superseded",
        "category": "行政法",
        "expired": True,
        "expired_in_db": True,
        "subtitle": None,
        "duplicate_of": None,
    }


def test_laws_expired_without_successor_is_repealed():
    row = {**LAWS_OLD_VERSION, "superseded_by": None}
    assert normalise_operator_fields(row)["status"] == "repealed"


def test_traditional_abolished_row():
    assert normalise_operator_fields(TRADITIONAL_ABOLISHED) == {
        "title": "稽勳委員會組織條例",
        "date": "1997-05-07",
        "level": "法律",
        "status": "repealed",
        "pcode": "A0010015",
        "nature": "法律",
        "category": "廢止法規＞總統府",
        "last_amended": "1997-05-07",
        "abolished": True,
        "english_title": None,
        "url": "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=A0010015",
        "articles": 12,
        "has_attachments": False,
    }


def test_traditional_regulation_has_no_level_and_is_current():
    row = {**TRADITIONAL_ABOLISHED, "nature": "命令", "abolished": False, "effective_date": "2024-07-18"}
    fields = normalise_operator_fields(row)
    assert ("level" in fields, fields["status"], fields["valid_from"]) == (False, "current", "2024-07-18")


def test_front_matter_row():
    row = {
        "title": "鼓楼区2023年法治政府建设工作情况的报告",
        "issuer": "中共鼓楼区委、鼓楼区人民政府",
        "date": "2024年2月29日",
        "year": "2023年度",
        "文种": "报告",
        "status": "现行有效",
        "level": "县级文件",
    }
    assert normalise_operator_fields(row) == {
        "title": "鼓楼区2023年法治政府建设工作情况的报告",
        "issuer": ["中共鼓楼区委", "鼓楼区人民政府"],
        "doc_type": "报告",
        "date": "2024-02-29",
        "year": 2023,
        "level_raw": "县级文件",
        "status": "current",
    }


def test_row_without_status_information_gets_none():
    assert normalise_operator_fields({"path": "a.txt", "title": "通知", "status": "暂停"}) == {
        "title": "通知",
        "status_raw": "暂停",
    }


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2017-03-23", "2017-03-23"),
        ("2017/3/23", "2017-03-23"),
        ("2017.03.23", "2017-03-23"),
        ("2017年3月23日", "2017-03-23"),
        ("20170323", "2017-03-23"),
        ("2017-03-23 10:00", "2017-03-23"),
        ("2017-02-30", None),
        ("三月", None),
        (None, None),
        (True, None),
    ],
)
def test_normalise_date(value, iso):
    assert normalise_date(value) == iso


def test_unparseable_date_is_kept_raw():
    assert normalise_operator_fields({"publish": "2017年春"}) == {"date_raw": "2017年春"}
