"""Atom feeds of a search and of the change log, checked with a feed parser (feedparser) against RFC 4287."""

from __future__ import annotations

import json
import re

import feedparser
import pytest

from indexer.build import build_index
from tests.conftest import INDEX_OPTIONS, SEEDS
from web.app import create_app

NEWEST_SEEDS = [
    ("中共鼓楼区委 鼓楼区人民政府关于2023年法治政府建设工作情况的报告", "2024-02-29T00:00:00Z"),
    ("鄭州市人民政府關于2022年度法治政府建設情況的報告", "2023-02-28T00:00:00Z"),
    ("XX市人民政府关于2019年度法治政府建设情况的报告", "2020-01-10T00:00:00Z"),
    ("郑州市人民政府关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知", "2017-03-23T00:00:00Z"),
]


def parse(response) -> feedparser.FeedParserDict:
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")  # well-formed, and read as Atom 1.0
    assert feed.version == "atom10"
    # The elements RFC 4287 requires of a feed and of each entry.
    assert all(feed.feed.get(k) for k in ("id", "title", "updated"))
    assert all(e.get(k) for e in feed.entries for k in ("id", "title", "updated"))
    return feed


def test_a_search_feed_lists_the_newest_documents_with_their_metadata(client, opened):
    feed = parse(client.get("/feed.atom?sort=date"))
    assert feed.feed.title == "govlaw 检索：全部文件（按日期）"
    assert feed.feed.id.startswith("urn:govlaw:feed:search:")
    assert [(e.title, e.published) for e in feed.entries[:4]] == NEWEST_SEEDS
    assert len(feed.entries) == 5
    notice = feed.entries[3]
    doc_id = next(d for d, m in opened.docs.items() if m.doc_number == "郑政文〔2017〕60号")
    assert notice.id == f"urn:govlaw:doc:{doc_id}"
    assert notice.link == f"http://localhost/doc/{doc_id}"
    assert [a.name for a in notice.authors] == ["郑州市人民政府"]
    assert [(t.term, t.scheme, t.label) for t in notice.tags] == [
        ("郑政文〔2017〕60号", "urn:govlaw:doc_number", "文号"),
        ("通知", "urn:govlaw:doc_type", "文种"),
    ]
    assert notice.summary.startswith("发文机关：郑州市人民政府；文号：郑政文〔2017〕60号；日期：2017-03-23\n")
    assert notice.summary_detail.type == "text/plain"


def test_the_feed_takes_the_parameters_of_the_search(client):
    feed = parse(client.get("/feed.atom", query_string={"q": "法治政府", "year": "2022", "sort": "date"}))
    assert feed.feed.title == "govlaw 检索：法治政府 2022（按日期）"
    assert [e.title for e in feed.entries] == [
        "鄭州市人民政府關于2022年度法治政府建設情況的報告",
        "澗西區法治政府建設實施方案(2022-2025年)(征求意見稿)",
    ]
    assert [e.title for e in parse(client.get("/feed.atom?sort=date&size=2")).entries] == [
        t for t, _ in NEWEST_SEEDS[:2]
    ]
    # The feed id is the search's, whatever the order of its parameters, page and size.
    same = parse(client.get("/feed.atom?sort=date&year=2022&q=法治政府&size=3")).feed.id
    assert same == feed.feed.id != parse(client.get("/feed.atom?q=法治政府")).feed.id


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=relevance", "a feed lists the newest documents first: sort must be date"),
        ("date_from=2020-13", "date_from has no month 13"),
        ("bogus=1", None),
    ],
)
def test_a_bad_feed_request_is_400(client, query, message):
    r = client.get("/feed.atom?" + query)
    assert r.status_code == 400
    if message:  # an HTML error page, as everywhere outside /api/
        assert message in r.get_data(as_text=True)


def test_a_reader_polling_gets_304_until_something_changes(client):
    first = client.get("/feed.atom?sort=date")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/feed.atom?sort=date", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/feed.atom?sort=date", headers={"If-Modified-Since": modified}).status_code == 304
    assert (
        client.get("/feed.atom?sort=date", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code
        == 200
    )
    assert client.get("/feed.atom?sort=date&q=法治", headers={"If-None-Match": etag}).status_code == 200


def test_entry_ids_are_the_same_in_another_build(client, tmp_path):
    root = tmp_path / "again"
    build_index([SEEDS], root, **INDEX_OPTIONS)
    again = create_app({"INDEX": str(root), "TESTING": True}).test_client()
    a, b = client.get("/feed.atom?sort=date"), again.get("/feed.atom?sort=date")
    assert a.headers["X-Govlaw-Build"] != b.headers["X-Govlaw-Build"]
    assert [e.id for e in parse(a).entries] == [e.id for e in parse(b).entries]
    assert parse(a).feed.id == parse(b).feed.id


def test_the_page_sorted_by_date_links_its_feed(client):
    page = client.get("/?q=法治政府&sort=date").get_data(as_text=True)
    href = "/feed.atom?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;sort=date"
    assert re.findall(r'<link rel="alternate"[^>]*>', page) == [
        f'<link rel="alternate" type="application/atom+xml" title="订阅：法治政府（按日期）" href="{href}">'
    ]
    assert f'<a class="feed" href="{href}">订阅 (Atom)</a>' in page
    assert "application/atom+xml" not in client.get("/?q=法治政府").get_data(as_text=True)


def test_the_change_log_feed(tmp_path, opened):
    root = tmp_path / "index"
    build_index([SEEDS], root, **INDEX_OPTIONS)
    doc_id = next(d for d, m in opened.docs.items() if m.doc_number == "郑政文〔2017〕60号")
    lines = [
        {
            "time": "2026-01-02T03:04:05+00:00",
            "build_id": "b1",
            "kind": "new",
            "source": "seeds/x.txt",
            "doc_id": "gone",
            "content_hash": "h1",
            "previous_hash": "",
            "path": "/srv/x.txt",
        },
        {
            "time": "2026-01-03T00:00:00+00:00",
            "build_id": "b2",
            "kind": "changed",
            "source": "seeds/004_bcf532dea3b7f34c.txt",
            "doc_id": doc_id,
            "content_hash": "h2",
            "previous_hash": "h0",
            "path": "/srv/seeds/004.txt",
        },
    ]
    (root / "changes.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    client = create_app({"INDEX": str(root), "TESTING": True}).test_client()
    r = client.get("/changes.atom")
    feed = parse(r)
    assert (feed.feed.title, feed.feed.id, feed.feed.updated) == (
        "govlaw 索引更新记录",
        "urn:govlaw:feed:changes:log",
        "2026-01-03T00:00:00Z",
    )
    assert r.headers["Last-Modified"] == "Sat, 03 Jan 2026 00:00:00 GMT"
    changed, new = feed.entries
    assert (changed.id, changed.title, changed.link) == (
        f"urn:govlaw:change:b2:changed:{doc_id}",
        "修改：郑州市人民政府关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知",
        f"http://localhost/doc/{doc_id}",
    )
    assert changed.summary == "修改 seeds/004_bcf532dea3b7f34c.txt；文号：郑政文〔2017〕60号；日期：2017-03-23；构建 b2"
    assert [a.name for a in changed.authors] == ["郑州市人民政府"]
    assert (new.id, new.title, new.get("links", []), new.updated) == (
        "urn:govlaw:change:b1:new:gone",
        "新增：seeds/x.txt",
        [],
        "2026-01-02T03:04:05Z",
    )
    assert "/srv/" not in r.get_data(as_text=True)  # the file's place on the server stays private
    assert client.get("/changes.atom", headers={"If-Modified-Since": r.headers["Last-Modified"]}).status_code == 304
    assert client.get("/changes.atom?limit=0").status_code == 400


def test_the_openapi_document_describes_the_feeds(client):
    from search.params import BASE_PARAMS
    from search.schema import FACETS

    paths = client.get("/api/openapi.json").get_json()["paths"]
    feed = paths["/feed.atom"]["get"]
    assert sorted(p["name"] for p in feed["parameters"]) == sorted({*BASE_PARAMS, *FACETS})
    assert set(feed["responses"]) == {"200", "304", "400"}
    assert list(paths["/changes.atom"]["get"]["responses"]["200"]["content"]) == ["application/atom+xml"]
