"""Documents carrying script payloads in title, body and issuer, indexed by the production indexer, searched
and opened in Chromium: no dialog, no script run, no console error or CSP violation; and the security headers
on every page, API answer and error."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from werkzeug.serving import make_server

from indexer.build import build_index
from tests.browser.conftest import DESKTOP, _new_page
from web.app import BUILD_HEADER, SECURITY_HEADERS, create_app

MARK = "跨站脚本测试"
PAYLOADS = (
    "<script>window.__xss='script';alert('xss-script')</script>",
    "<img src=x onerror=\"window.__xss='img';alert('xss-img')\">",
    "<svg onload=\"window.__xss='svg';alert('xss-svg')\"></svg>",
    "javascript:window.__xss='js';alert('xss-js')",
    '"><iframe src="javascript:alert(\'xss-iframe\')"></iframe>',
    "</mark><script>alert('xss-mark')</script><mark>",
    "<a href=\"javascript:alert('xss-a')\">点此查看</a>",
    "'-alert('xss-quote')-'",
    "<style>body{display:none}</style><link rel=stylesheet href=//evil.example/x.css>",
    "<body onload=alert('xss-body')>",
    "<details open ontoggle=alert('xss-toggle')>",
    "{{7*7}}${alert('xss-template')}",
)
HOSTILE_TITLE = f"关于{MARK}的通知<script>alert('xss-title')</script><img src=x onerror=alert('xss-title-img')>"
HOSTILE_ISSUER = "某市<img src=x onerror=alert('xss-issuer')>人民政府"


def _text_doc(i: int, payload: str) -> str:
    return (
        f"某市人民政府关于{MARK}第{i}号的通知 {payload}\n\n各区县人民政府：\n\n一、总体要求\n"
        f"{MARK}要求严格执行。{payload}\n二、工作措施\n加强{MARK}工作，{payload} 落实到位。\n"
    )


def write_hostile_sources(folder: Path) -> None:
    folder.mkdir(parents=True)
    rows = []
    for i, payload in enumerate(PAYLOADS):
        (folder / f"t{i:02d}.txt").write_text(_text_doc(i, payload), "utf-8")
        rows.append(
            {
                "path": f"t{i:02d}.txt",
                "title": f"{MARK}标题{i}{payload}",
                "issuer": f"机关{payload}",
                "doc_number": f"测政发〔2024〕{i + 1}号",
                "region": f"区{payload}"[:40],
            }
        )
    escaped = "".join(f"<p>{MARK}正文 {p.replace('&', '&amp;').replace('<', '&lt;')}</p>" for p in PAYLOADS)
    (folder / "page.html").write_text(
        f"<html><head><title>{MARK}网页&lt;script&gt;alert('xss-html-title')&lt;/script&gt;</title>"
        f'<meta name="ContentSource" content="{HOSTILE_ISSUER.replace("<", "&lt;")}"></head><body>'
        f"<h1>{MARK}网页</h1>{escaped}<script>alert('xss-live-script')</script>"
        f"<img src=x onerror=\"alert('xss-live-img')\"><a href=\"javascript:alert('xss-live-a')\">链接</a>"
        f"</body></html>",
        "utf-8",
    )
    (folder / "notes.md").write_text(
        f"# {MARK}说明 <script>alert('xss-md')</script>\n\n"
        f"[点此](javascript:alert('xss-md-link')) {PAYLOADS[1]}\n\n一、{MARK}内容\n",
        "utf-8",
    )
    rows.append({"path": "notes.md", "title": HOSTILE_TITLE, "issuer": HOSTILE_ISSUER})
    (folder / "metadata.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    write_hostile_sources(base / "hostile")
    report = build_index([base / "hostile"], base / "index", workers=1, progress=False)
    assert report.errors == [] and report.documents == len(PAYLOADS) + 2
    return base / "index"


@pytest.fixture(scope="module")
def hostile_url(hostile_index):
    app = create_app({"INDEX": str(hostile_index), "TESTING": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="module")
def chromium(browser):
    return browser


# What the DOM must never hold after a page loaded: script that is not the app's file, event handler
# attributes, javascript: URLs, frames, and the marker a payload would have set.
DOM_PROBE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(`${el.tagName} ${a.name}`);
      if (/^\\s*javascript:/i.test(a.value)) bad.push(`${el.tagName} ${a.name}=${a.value}`);
    }
  }
  for (const s of document.scripts) if (!s.src || new URL(s.src).origin !== location.origin) bad.push('script');
  for (const t of ['iframe', 'svg script', 'object', 'embed', 'style']) {
    if (document.querySelector(t)) bad.push(t);
  }
  for (const l of document.querySelectorAll('link[rel=stylesheet]')) {
    if (new URL(l.href).origin !== location.origin) bad.push('foreign stylesheet');
  }
  if (window.__xss !== undefined) bad.push('payload ran: ' + window.__xss);
  return bad;
}"""


def _visit(page, url: str, dialogs: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    headers = response.all_headers()
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, (url, name)
    page.wait_for_load_state("networkidle")
    assert page.evaluate(DOM_PROBE) == [], url
    assert dialogs == [], url


@pytest.mark.browser
def test_hostile_documents_searched_and_opened_in_chromium_run_nothing(chromium, hostile_url):
    context, page, problems = _new_page(chromium, hostile_url, DESKTOP)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        _visit(page, "/?q=" + quote(MARK), dialogs)
        links = page.locator("ol.hits > li.hit h3 a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert len(links) == 10  # the first page of the 14 documents
        _visit(page, "/?q=" + quote(MARK) + "&page=2", dialogs)
        links += page.locator("ol.hits > li.hit h3 a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert len(set(links)) == len(PAYLOADS) + 2
        for payload in PAYLOADS[:6]:
            _visit(page, "/?q=" + quote(f"{MARK} {payload}"[:200]), dialogs)
        for href in sorted(set(links)):
            assert href.startswith("/doc/")
            _visit(page, href, dialogs)
            _visit(page, href.split("?")[0].split("#")[0] + "?q=" + quote(f"{MARK} <script>"), dialogs)
        _visit(page, "/changes", dialogs)

        page.goto("/")
        box = page.get_by_role("combobox", name="检索词")
        box.press_sequentially(MARK[:4], delay=30)
        options = page.get_by_role("listbox", name="检索建议").get_by_role("option")
        options.first.wait_for()
        assert options.count() >= 2
        assert "<script>" in options.all_inner_texts()[0] or any("<" in t for t in options.all_inner_texts())
        assert page.evaluate(DOM_PROBE) == [] and dialogs == []
    finally:
        context.close()
    assert problems.messages == []


@pytest.mark.browser
def test_the_hostile_text_is_shown_as_text(chromium, hostile_url):
    context, page, problems = _new_page(chromium, hostile_url, DESKTOP)
    try:
        page.goto("/?q=" + quote(MARK + "标题0"))
        first = page.locator("ol.hits > li.hit h3").first
        assert PAYLOADS[0] in first.inner_text()
        page.locator("ol.hits > li.hit h3 a").first.click()
        page.wait_for_load_state("networkidle")
        assert PAYLOADS[0] in page.locator("main").inner_text()
        assert page.evaluate(DOM_PROBE) == []
    finally:
        context.close()
    assert problems.messages == []


@pytest.fixture(scope="module")
def hostile_client(hostile_index):
    return create_app({"INDEX": str(hostile_index), "TESTING": True}).test_client()


def _assert_headers(response, url: str, build: bool | None) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (url, response.status_code, name)
    if build is not None:
        assert bool(response.headers.get(BUILD_HEADER)) == build, (url, response.status_code)


@pytest.mark.parametrize(
    "url, status",
    [
        ("/?q=" + quote(MARK), 200),
        ("/api/search?q=" + quote(MARK), 200),
        ("/api/export?q=" + quote(MARK), 200),
        ("/api/suggest?q=" + quote(MARK), 200),
        ("/api/openapi.json", 200),
        ("/healthz", 200),
        ("/changes", 200),
        ("/api/changes", 200),
        ("/static/app.js", 200),
        ("/nope", 404),
        ("/doc/nope", 404),
        ("/api/doc/nope", 404),
        ("/api/search?page=0", 400),
        ("/?page=0", 400),
        ("/api/search?q=" + "x" * 600, 400),
        ("/api/export?format=xml", 400),
    ],
)
def test_security_headers_on_every_page_answer_and_error(hostile_client, url, status):
    response = hostile_client.get(url)
    response.close()  # a static file is streamed from an open file
    assert response.status_code == status
    # Answers that read the index name its build; the others (errors before the index is read, static files,
    # the OpenAPI document) need not.
    _assert_headers(
        response, url, build=True if status == 200 and not url.startswith(("/static", "/api/openapi")) else None
    )


def test_security_headers_on_a_document_and_a_405(hostile_client, hostile_index):
    doc = hostile_client.get("/api/search?q=" + quote(MARK)).get_json()["hits"][0]["id"]
    for url in (f"/doc/{doc}", f"/api/doc/{doc}", f"/api/doc/{doc}?format=txt"):
        _assert_headers(hostile_client.get(url), url, build=True)
    response = hostile_client.post("/api/search")
    assert response.status_code == 405
    _assert_headers(response, "POST /api/search", build=None)


@pytest.mark.parametrize("url", ["/", "/api/search?q=x", "/healthz", "/doc/abc", "/api/doc/abc"])
def test_security_headers_on_a_503_when_no_index_is_published(tmp_path, url):
    response = create_app({"INDEX": str(tmp_path), "TESTING": True}).test_client().get(url)
    assert response.status_code == 503
    _assert_headers(response, url, build=False)
    if url.startswith(("/api/", "/healthz")):
        assert response.get_json()["status"] == 503
