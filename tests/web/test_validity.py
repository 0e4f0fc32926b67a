"""Validity periods through the search, the document view and /expiring, on a day set by GOVLAW_TODAY."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import build_index
from search.index import IndexHolder
from web.app import create_app

DAY = "2025-06-01"


def _doc(title: str, number: str | None, date: str, body: str, extra: str = "") -> str:
    head = f"title: {title}\ndate: {date}\nissuer: 某市人民政府\n" + (f"doc_number: {number}\n" if number else "")
    return f"---\n{head}{extra}---\n{title}\n\n{body}\n"


WATCH_DOCS = {
    "a.txt": _doc(
        "某市甲管理办法",
        "某政〔2021〕3号",
        "2021-01-20",
        "第一条 为了规范甲管理。\n第九条 本办法自2021年3月1日起施行，有效期5年。",
    ),
    "b.txt": _doc(
        "某市乙管理办法",
        "某政〔2020〕7号",
        "2020-03-01",
        "第一条 为了规范乙管理。\n第八条 本办法有效期至2024年12月31日。",
    ),
    "c.txt": _doc(
        "某市丙管理办法",
        "某政〔2019〕5号",
        "2019-06-01",
        "第一条 为了规范丙管理。\n第七条 本办法自印发之日起施行，有效期至2024年6月30日。",
    ),
    "d.txt": _doc(
        "某市人民政府关于延长部分规范性文件有效期的通知",
        "某政〔2024〕2号",
        "2024-05-01",
        "经评估，《某市丙管理办法》（某政〔2019〕5号）有效期延长至2026年12月31日。",
    ),
    "e.txt": _doc(
        "某市乙工作实施方案",
        "某政办〔2025〕1号",
        "2025-01-10",
        "一、总体要求\n根据某政〔2020〕7号文件，做好乙管理工作。",
    ),
    "f.txt": _doc("某市丁管理规定", "某政〔2022〕9号", "2022-02-01", "第一条 本规定自2022年3月1日起施行。"),
    "g.txt": _doc("某市戊管理办法", None, "2023-07-01", "第一条 为了规范戊管理。", extra="valid_until: 2025-07-15\n"),
}


@pytest.fixture(scope="module")
def watch_index(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("watch-src") / "watch"
    src.mkdir()
    for name, text in WATCH_DOCS.items():
        (src / name).write_text(text, "utf-8")
    root = tmp_path_factory.mktemp("watch-index")
    report = build_index([src], root, workers=1, progress=False)
    assert report.errors == [] and report.documents == len(WATCH_DOCS)
    return root


@pytest.fixture(scope="module")
def ids(watch_index) -> dict[str, str]:
    opened = IndexHolder(watch_index).get()
    try:
        return {m.source.split("/")[-1].removesuffix(".txt"): d for d, m in opened.docs.items()}
    finally:
        opened.close()


@pytest.fixture()
def watch(watch_index, monkeypatch):
    monkeypatch.setenv("GOVLAW_TODAY", DAY)
    return create_app({"INDEX": str(watch_index), "TESTING": True}).test_client()


def _by_name(hits, ids):
    names = {v: k for k, v in ids.items()}
    return {names[h["id"]]: h for h in hits}


def test_hits_carry_the_status_and_last_day_on_the_day_asked(watch, ids):
    body = watch.get("/api/search?size=50").get_json()
    hits = _by_name(body["hits"], ids)
    assert {k: (h["status"], h["status_label"], h["valid_until"]) for k, h in hits.items()} == {
        "a": (None, None, "2026-02-28"),
        "b": ("expired", "已过有效期", "2024-12-31"),
        "c": (None, None, "2026-12-31"),  # extended by d (its own period ended 2024-06-30)
        "d": (None, None, None),
        "e": (None, None, None),
        "f": (None, None, None),
        "g": (None, None, "2025-07-15"),  # set by the operator
    }


def test_the_validity_facet_counts_each_bucket(watch):
    facets = watch.get("/api/search").get_json()["facets"]
    assert [(v["value"], v["label"], v["count"]) for v in facets["validity"]["values"]] == [
        ("expired", "已过有效期", 1),
        ("soon", "90天内到期", 1),
        ("year", "一年内到期", 1),
        ("later", "一年后到期", 1),
        ("none", "未载明有效期", 3),
    ]
    assert facets["validity"]["label"] == "有效期"
    assert ("expired", "已过有效期", 1) in [(v["value"], v["label"], v["count"]) for v in facets["status"]["values"]]


def test_filters_by_bucket_status_and_last_day(watch, ids):
    def found(query: str) -> list[str]:
        return sorted(_by_name(watch.get("/api/search?" + query).get_json()["hits"], ids))

    assert found("validity=expired") == ["b"]
    assert found("validity=soon&validity=year") == ["a", "g"]
    assert found("status=expired") == ["b"]
    assert found("valid_until_from=2025-01&valid_until_to=2026-02") == ["a", "g"]
    assert found("valid_until_from=2026") == ["a", "c"]
    assert found("valid_until_to=2024") == ["b"]
    applied = watch.get("/api/search?valid_until_to=2024").get_json()["query"]["filters"]
    assert [(f["name"], f["value"], f["removed"]) for f in applied] == [("valid_until_to", "2024", 6)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("valid_until_from=2025-13", "valid_until_from has no month 13"),
        ("valid_until_to=soon", "valid_until_to must be a date as YYYY, YYYY-MM or YYYY-MM-DD, got 'soon'"),
        ("validity=lapsed", "validity must be one of expired, soon, year, later, none, got 'lapsed'"),
        ("/api/expiring?limit=0", "limit must be a whole number from 1 to 1000, got '0'"),
    ],
)
def test_bad_dates_and_values_are_400(watch, query, message):
    url = query if query.startswith("/") else "/api/search?" + query
    r = watch.get(url)
    body = r.get_json()
    assert r.status_code == 400 and body == {"error": message, "status": 400, "request_id": r.headers["X-Request-Id"]}


def test_a_period_lapses_on_the_day_after_its_last_day(watch, ids, monkeypatch):
    monkeypatch.setenv("GOVLAW_TODAY", "2024-12-31")
    assert watch.get(f"/api/doc/{ids['b']}").get_json()["status"] is None
    monkeypatch.setenv("GOVLAW_TODAY", "2025-01-01")
    doc = watch.get(f"/api/doc/{ids['b']}").get_json()
    assert (doc["status"], doc["status_label"], doc["valid_until"]) == ("expired", "已过有效期", "2024-12-31")


def test_the_document_view_shows_the_extended_period(watch, ids):
    doc = watch.get(f"/api/doc/{ids['c']}").get_json()
    assert (doc["status"], doc["valid_from"], doc["valid_until"]) == (None, "2019-06-01", "2026-12-31")
    assert watch.get(f"/api/doc/{ids['d']}").get_json()["extends"] == ["某政〔2019〕5号 延长至 2026-12-31"]
    assert [d["doc_number"] for d in doc["extended_by"]] == ["某政〔2024〕2号"]
    page = watch.get(f"/doc/{ids['c']}").get_data(as_text=True)
    assert f'有效期经 <a href="/doc/{ids["d"]}">某政〔2024〕2号</a> 延长至 2026-12-31' in page


def test_expiring_lists_what_lapses_next_and_what_lapsed_but_is_cited(watch, ids):
    body = watch.get("/api/expiring").get_json()
    assert body["day"] == DAY and body["upcoming_total"] == 3 and body["lapsed_cited_total"] == 1
    assert [(e["title"], e["valid_until"], e["days"]) for e in body["upcoming"]] == [
        ("某市戊管理办法", "2025-07-15", 44),
        ("某市甲管理办法", "2026-02-28", 272),
        ("某市丙管理办法", "2026-12-31", 578),
    ]
    extended = body["upcoming"][2]
    assert extended["stated_valid_until"] == "2024-06-30"
    assert [d["doc_number"] for d in extended["extended_by"]] == ["某政〔2024〕2号"]
    (lapsed,) = body["lapsed_cited"]
    assert (lapsed["id"], lapsed["status"], lapsed["days"]) == (ids["b"], "expired", -152)
    assert [d["title"] for d in lapsed["cited_by"]] == ["某市乙工作实施方案"]
    page = watch.get("/expiring").get_data(as_text=True)
    assert "即将到期（3 件）" in page and "已过有效期但仍被现行文件引用（1 件）" in page
    assert page.index("某市戊管理办法") < page.index("某市甲管理办法") < page.index("某市丙管理办法")


def test_the_page_shows_the_last_day_and_the_expired_badge(watch):
    page = watch.get("/?validity=expired").get_data(as_text=True)
    assert '<span class="badge status-expired">已过有效期</span>' in page
    assert '有效期至 <time datetime="2024-12-31">2024-12-31</time>' in page


def test_answers_match_the_openapi_document(watch):
    from tests.web.test_openapi import assert_valid
    from web.openapi import openapi_document

    spec = openapi_document()
    assert_valid(spec, "Expiring", watch.get("/api/expiring").get_json())
    assert_valid(spec, "SearchResult", watch.get("/api/search?validity=expired&valid_until_to=2025").get_json())
    params = [p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]]
    assert {"validity", "valid_until_from", "valid_until_to"} <= set(params)


def test_an_expired_document_ranks_as_a_repealed_one_would(watch, ids, monkeypatch):
    def score(day: str) -> float:
        monkeypatch.setenv("GOVLAW_TODAY", day)
        hits = watch.get('/api/search?q="乙管理"').get_json()["hits"]  # quoted: ranked as typed, not as a topic word
        return next(h["score"] for h in hits if h["id"] == ids["b"])

    before, after = score("2024-12-31"), score("2025-01-01")
    assert after == pytest.approx(before * 0.5, abs=1e-3)
