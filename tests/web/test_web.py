"""The pages and the JSON API over the seed index."""

import re

from tests.conftest import SEED_000, SEED_004

API_HIT_FIELDS = {
    "id",
    "source",
    "title",
    "issuer",
    "doc_number",
    "year",
    "date",
    "doc_type",
    "section",
    "snippet",
    "url",
}


def test_api_search_shape(client):
    r = client.get("/api/search", query_string={"q": "放管服"})
    assert r.status_code == 200
    data = r.get_json()
    assert {"total", "page", "size", "hits", "facets", "query"} <= data.keys()
    assert data["total"] >= 4
    assert data["hits"][0].keys() >= API_HIT_FIELDS
    assert data["query"]["tokens"] == ["放管服"]
    assert r.headers["X-Govlaw-Build"]


def test_api_docno_first(client):
    data = client.get("/api/search", query_string={"q": "郑政文[2017]60号"}).get_json()
    assert data["hits"][0]["source"] == SEED_004
    assert data["hits"][0]["doc_number"] == "郑政文〔2017〕60号"


def test_api_errors_are_json_with_error_and_status(client):
    for url, status in [
        ("/api/search?page=0", 400),
        ("/api/search?bogus=1", 400),
        ("/api/search?year=x", 400),
        ("/api/doc/nope", 404),
        ("/api/nothing", 404),
        ("/api/search?q=docno:放管服", 400),
    ]:
        r = client.get(url)
        assert r.status_code == status, url
        body = r.get_json()
        assert set(body) == {"error", "status", "request_id"} and body["status"] == status and body["error"], url


def test_no_index_is_503_json(tmp_path):
    from web.app import create_app

    client = create_app({"INDEX": str(tmp_path / "none"), "TESTING": True}).test_client()
    r = client.get("/api/search?q=x")
    assert r.status_code == 503 and r.get_json()["status"] == 503
    assert client.get("/").status_code == 503
    assert client.get("/healthz").status_code == 503


def test_the_warming_budget_comes_from_govlaw_warm_seconds(seed_index, monkeypatch):
    from search.warm import warm_build
    from web.app import create_app, open_index_early

    monkeypatch.delenv("GOVLAW_WARM_SECONDS", raising=False)
    holder = create_app({"INDEX": str(seed_index)}).extensions["govlaw_index"]
    assert (holder.warm_seconds, holder.warmer) == (10.0, warm_build)
    monkeypatch.setenv("GOVLAW_WARM_SECONDS", "2.5")
    app = create_app({"INDEX": str(seed_index)})
    assert app.extensions["govlaw_index"].warm_seconds == 2.5
    assert app.extensions["govlaw_index"].served_build is None
    open_index_early(app)  # what gunicorn's post_worker_init runs: the build is open (and warm) before a request
    assert app.extensions["govlaw_index"].served_build == seed_index.joinpath("current").readlink().name
    monkeypatch.setenv("GOVLAW_WARM_SECONDS", "0")
    assert create_app({"INDEX": str(seed_index)}).extensions["govlaw_index"].warm_seconds == 0.0
    open_index_early(create_app({"INDEX": str(seed_index / "none")}))  # nothing published: no error here


def test_search_page_shows_marked_hits_and_facet_links(client):
    r = client.get("/", query_string={"q": "法治政府建設"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<mark>法治政府建設</mark>" in html
    assert re.search(r'<a href="\?q=[^"]*&amp;year=2022"', html)
    assert "<script>" not in html.split('<main id="main">')[1]


def test_doc_page_has_sections_as_anchors_and_marks(client, opened):
    doc_id = next(d for d, m in opened.docs.items() if m.source == SEED_000)
    r = client.get(f"/doc/{doc_id}", query_string={"q": "一网通办"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<section id="s1"' in html and 'href="#s1"' in html
    assert "<mark>一網通辦</mark>" in html
    assert client.get("/doc/unknown").status_code == 404


def test_api_doc(client, opened):
    doc_id = next(d for d, m in opened.docs.items() if m.source == SEED_004)
    data = client.get(f"/api/doc/{doc_id}").get_json()
    assert data["source"] == SEED_004 and data["sections"] and "政府常务会议学法次数" in data["text"].replace("\n", "")


def test_security_headers_everywhere(client):
    for url in ("/", "/api/search?q=x", "/api/search?page=0", "/nowhere", "/healthz"):
        r = client.get(url)
        csp = r.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, url
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"]


def test_no_inline_script_or_style(client, opened):
    doc_id = next(iter(opened.docs))
    for url in ("/?q=放管服", f"/doc/{doc_id}"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html, url


def test_healthz(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["documents"] == 5


def test_search_page_explains_the_query(client):
    html = client.get("/", query_string={"q": "法治政府建設 網安法", "year": "2022"}).get_data(as_text=True)
    assert "<summary>检索说明</summary>" in html
    assert "<dd>法治政府建设 网安法</dd>" in html  # normalised text
    assert "網安法 → 网络安全法" in html  # alias added, for the term as typed
    assert "<dt>年份：2022</dt><dd>排除" in html  # what the filter removed


def test_every_page_links_the_change_log(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/changes">更新记录</a>' in html
    assert client.get("/changes").status_code == 200


def test_errors_name_the_build_being_served(client):
    served = client.get("/healthz").headers["X-Govlaw-Build"]
    for url in ("/api/search?page=0", "/nowhere", "/api/doc/nope"):
        assert client.get(url).headers.get("X-Govlaw-Build") == served, url
