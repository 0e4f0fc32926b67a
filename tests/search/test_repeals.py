"""Repeals stated by documents, applied to the statuses when a build is opened (search/repeals.py)."""

from __future__ import annotations

import datetime as dt

from indexer.update import UpdateOptions, update_index
from search.engine import run_search
from search.index import OpenIndex, current_build_path
from search.params import params_from
from search.repeals import apply_repeals, pending, title_keys
from search.snapshot import read_snapshot
from search.store import DocMeta

DAY = dt.date(2026, 12, 6)


def _meta(
    doc_id: str,
    title: str,
    date: str,
    *,
    valid_from: str | None = None,
    status: str | None = "current",
    region: str | None = None,
    repeals: tuple[str, ...] = (),
) -> DocMeta:
    return DocMeta(
        doc_id=doc_id,
        source=f"s/{doc_id}.txt",
        title=title,
        issuer=(),
        doc_number=None,
        year=int(date[:4]),
        date=date,
        doc_type=None,
        level=None,
        region=region,
        status=status,
        valid_from=valid_from,
        valid_until=None,
        extends=(),
        repeals=repeals,
        superseded_by=None,
        content_hash="",
    )


def _statuses(docs: dict[str, DocMeta]) -> dict[str, tuple[str | None, str | None]]:
    return {d: (m.status, m.superseded_by) for d, m in docs.items()}


def test_a_document_in_force_repeals_the_earlier_documents_it_names():
    docs = {
        "old": _meta("old", "人体器官移植条例", "2007-03-31"),
        "new": _meta(
            "new", "人体器官捐献和移植条例", "2023-12-04", valid_from="2024-05-01", repeals=("《人体器官移植条例》",)
        ),
        "other": _meta("other", "医疗机构管理条例", "2016-02-06"),
    }
    assert _statuses(apply_repeals(docs, DAY)) == {
        "old": ("repealed", "s/new.txt"),
        "new": ("current", None),
        "other": ("current", None),
    }
    # Before it enters into force, nothing is repealed yet; its first day is when a repeal is pending.
    assert _statuses(apply_repeals(docs, dt.date(2024, 4, 30)))["old"] == ("current", None)
    assert pending(docs, dt.date(2024, 4, 30)) == "2024-05-01"
    assert pending(docs, DAY) is None


def test_only_earlier_documents_in_force_of_the_same_region_are_repealed():
    named = ("《中华人民共和国甲条例》",)
    docs = {
        "earlier": _meta("earlier", "中华人民共和国甲条例", "2001-01-01"),
        "unprefixed": _meta("unprefixed", "甲条例", "2005-01-01"),
        "later": _meta("later", "中华人民共和国甲条例", "2022-01-01"),  # a newer document of the title
        "superseded": _meta("superseded", "甲条例", "1995-01-01", status="superseded"),
        "local": _meta("local", "甲条例", "2003-01-01", region="浙江"),
        "undated_repealer": _meta("undated_repealer", "乙条例", "2010-01-01", repeals=("《丙规定》",)),
        "law": _meta("law", "中华人民共和国甲法", "2020-01-01", repeals=named),
    }
    assert _statuses(apply_repeals(docs, DAY)) == {
        "earlier": ("repealed", "s/law.txt"),
        "unprefixed": ("repealed", "s/law.txt"),
        "later": ("current", None),
        "superseded": ("superseded", None),
        "local": ("current", None),
        "undated_repealer": ("current", None),
        "law": ("current", None),
    }


def test_a_courts_title_is_found_with_or_without_the_court():
    assert list(title_keys("最高人民法院关于适用〈中华人民共和国民事诉讼法〉若干问题的意见")) == [
        "最高人民法院关于适用《民事诉讼法》若干问题的意见",
        "关于适用《民事诉讼法》若干问题的意见",
    ]
    docs = {
        "opinion": _meta("opinion", "最高人民法院关于适用《中华人民共和国民事诉讼法》若干问题的意见", "1992-07-14"),
        "interpretation": _meta(
            "interpretation",
            "最高人民法院关于适用《中华人民共和国民事诉讼法》的解释",
            "2015-01-30",
            repeals=("《关于适用〈中华人民共和国民事诉讼法〉若干问题的意见》",),
        ),
    }
    assert apply_repeals(docs, DAY)["opinion"].status == "repealed"


def _write(folder, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, "utf-8")


def test_a_build_opened_after_a_repeal_takes_effect_shows_it(tmp_path, monkeypatch):
    src = tmp_path / "docs"
    _write(src, "a_old.txt", "某市养犬管理办法\n发布日期：2010-03-01\n第一条 为了规范养犬，制定本办法。\n")
    _write(
        src,
        "b_new.txt",
        "某市养犬管理条例\n发布日期：2023-06-01\n"
        "第一条 为了规范养犬行为，制定本条例。\n"
        "第三十条 本条例自2099年1月1日起施行。《某市养犬管理办法》同时废止。\n",
    )
    monkeypatch.setenv("GOVLAW_TODAY", "2026-12-06")
    root = tmp_path / "index"
    assert update_index([src], root, UpdateOptions(workers=1, progress=False)).status == "published"
    path = current_build_path(root)

    def statuses() -> dict[str, str | None]:
        index = OpenIndex.open(path)
        try:
            by_source = {m.source: m for m in index.docs.values()}
            return {s: by_source[s].status for s in ("docs/a_old.txt", "docs/b_new.txt")}
        finally:
            index.close()

    assert statuses() == {"docs/a_old.txt": None, "docs/b_new.txt": None}  # in force, as nothing says otherwise
    index = OpenIndex.open(path)
    backend, sections = index.backend.name, index.section_count
    index.close()
    assert read_snapshot(path, backend, sections) is not None
    # On the day the regulation enters into force the state written with the build is stale, and the build
    # opened then shows the repeal.
    monkeypatch.setenv("GOVLAW_TODAY", "2099-01-01")
    assert read_snapshot(path, backend, sections) is None
    assert statuses() == {"docs/a_old.txt": "repealed", "docs/b_new.txt": None}
    # Its articles, cited, say which document repealed them.
    index = OpenIndex.open(path)
    try:
        answer = run_search(index, params_from({"q": "某市养犬管理办法第一条"})).answer
    finally:
        index.close()
    assert answer is not None
    assert (answer.title, answer.status, answer.note) == (
        "某市养犬管理办法",
        "repealed",
        "此为2010-03-01版本（已废止），已由《某市养犬管理条例》（2023-06-01）废止",
    )
