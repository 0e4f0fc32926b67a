"""The citation checker over a small index written here: a law in two versions (the newer renumbered), a
repealed regulation and the decision repealing it, two local rules of one short name, a draft."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from indexer.build import build_index
from search.checker import MAX_TEXT_CHARS, check_text
from search.index import IndexHolder
from web.app import create_app

DOCS = {
    "law_2010.txt": """---
title: 中华人民共和国测试管理法
date: 2010-06-01
level: 法律
---
中华人民共和国测试管理法

第一条 为了规范测试管理工作，制定本法。
第二条 测试机构应当依法登记，领取测试资格证书后方可开展测试业务。
第三条 本法自2010年6月1日起施行。
""",
    "law_2020.txt": """---
title: 中华人民共和国测试管理法
date: 2020-12-01
level: 法律
---
中华人民共和国测试管理法

第一条 为了规范测试管理工作，保障测试质量，制定本法。
第二条 国家鼓励测试技术创新，支持测试行业发展。
第三条 测试机构应当依法登记，领取测试资格证书后方可开展测试业务。
第四条 本法自2021年1月1日起施行。
""",
    "rules.txt": """---
title: 某市测试服务条例
date: 2012-03-01
level: 地方性法规
region: 某市
status: 已废止
---
某市测试服务条例

第一条 为了规范本市测试服务，制定本条例。
第二条 本条例自2012年5月1日起施行。
""",
    "repeal.txt": """---
title: 某市人民代表大会常务委员会关于废止部分地方性法规的决定
date: 2022-01-10
level: 地方性法规
region: 某市
---
某市人民代表大会常务委员会关于废止部分地方性法规的决定

某市第十六届人民代表大会常务委员会第三十次会议决定，废止下列地方性法规：
一、《某市测试服务条例》
本决定自公布之日起施行。
""",
    "a.txt": """---
title: 甲市档案管理办法
date: 2019-01-01
level: 地方政府规章
region: 甲市
---
甲市档案管理办法

第一条 为了加强档案管理，制定本办法。
""",
    "b.txt": """---
title: 乙市档案管理办法
date: 2019-02-01
level: 地方政府规章
region: 乙市
---
乙市档案管理办法

第一条 为了加强本市档案管理，制定本办法。
""",
    "draft.txt": """---
title: 测试服务规范（征求意见稿）
date: 2024-01-01
doc_number: 测办〔2024〕1号
---
测试服务规范（征求意见稿）

一、总体要求
规范测试服务。
""",
}

DRAFT = (
    "关于规范测试工作的通知\n"
    "一、依据《中华人民共和国测试管理法》第一条、第三条，以及《测试管理法》（2010年）第二条，制定本通知。\n"
    "二、《测试管理法》第九条另有规定的，从其规定；本通知第三条规定的事项，按照《某市测试服务条例》第一条办理。\n"
    "三、参照《档案管理办法》第一条、《测试服务规范（征求意见稿）》和测办〔2024〕1号，并执行《不存在的办法》。\n"
    "四、依照测试管理法第一条执行。"
)
# Each citation of DRAFT as written, and its status.
EXPECTED = [
    ("《中华人民共和国测试管理法》第一条", "ok"),
    ("第三条", "ok"),
    ("《测试管理法》（2010年）第二条", "superseded"),
    ("《测试管理法》第九条", "no_such_article"),
    ("《某市测试服务条例》第一条", "repealed"),
    ("《档案管理办法》第一条", "ambiguous"),
    ("《测试服务规范（征求意见稿）》", "draft"),
    ("测办〔2024〕1号", "draft"),
    ("《不存在的办法》", "not_found"),
    ("测试管理法第一条", "ok"),
]


@pytest.fixture(scope="module")
def check_index(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("check") / "check"
    src.mkdir()
    for name, text in DOCS.items():
        (src / name).write_text(text, "utf-8")
    root = tmp_path_factory.mktemp("check-index")
    report = build_index([src], root, workers=1, progress=False)
    assert report.errors == [] and report.documents == len(DOCS)
    return root


@pytest.fixture(scope="module")
def opened(check_index):
    index = IndexHolder(check_index).get()
    yield index
    index.close()


@pytest.fixture()
def client(check_index):
    return create_app({"INDEX": str(check_index), "TESTING": True}).test_client()


def test_every_citation_of_the_draft_with_its_status(opened):
    report = check_text(opened, DRAFT, day="2026-01-01")
    assert [(c.text, c.status) for c in report.citations] == EXPECTED
    assert [DRAFT[c.start : c.end] for c in report.citations] == [text for text, _ in EXPECTED]
    assert report.counts == {
        "ok": 3,
        "superseded": 1,
        "repealed": 1,
        "no_such_article": 1,
        "not_found": 1,
        "ambiguous": 1,
        "draft": 2,
    }


def test_superseded_names_the_article_now_holding_the_provision(opened):
    (c,) = [c for c in check_text(opened, DRAFT, day="2026-01-01").citations if c.status == "superseded"]
    assert (c.resolved.date, c.resolved.article) == ("2010-06-01", "第二条")
    assert c.resolved.text == "第二条 测试机构应当依法登记，领取测试资格证书后方可开展测试业务。"
    assert (c.current.date, c.current.article) == ("2020-12-01", "第三条")
    assert c.current.text == "第三条 测试机构应当依法登记，领取测试资格证书后方可开展测试业务。"
    assert c.note == "此版本已被修订；现行版本（2020-12-01）中该规定在第三条"


def test_repealed_ambiguous_and_missing_say_why(opened):
    report = check_text(opened, DRAFT, day="2026-01-01")
    by_status = {c.status: c for c in report.citations}
    assert by_status["repealed"].repealed_by.title == "某市人民代表大会常务委员会关于废止部分地方性法规的决定"
    assert sorted(t.title for t in by_status["ambiguous"].candidates) == ["乙市档案管理办法", "甲市档案管理办法"]
    assert by_status["no_such_article"].note == "《中华人民共和国测试管理法》没有第九条（共4条）"


def test_articles_of_the_draft_itself_are_no_citations(opened):
    text = "依照本法第三条、本条例第五条、本实施细则第二条和本通知第一条，以及测试管理法第一条。"
    assert [c.text for c in check_text(opened, text, day="2026-01-01").citations] == ["测试管理法第一条"]


def test_a_version_adopted_but_not_yet_in_force(opened):
    # On 2020-12-15 the 2010 version was in force, the 2020 one adopted only.
    report = check_text(opened, "《测试管理法》（2010年）第二条；《测试管理法》第四条", day="2020-12-15")
    assert [(c.status, c.resolved.date) for c in report.citations] == [("ok", "2010-06-01"), ("ok", "2020-12-01")]
    assert report.citations[1].note == "已公布，自2021-01-01起施行"


def test_api_check(client):
    response = client.post("/api/check", json={"text": DRAFT})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert [(c["text"], c["status"]) for c in data["citations"]] == EXPECTED
    first = data["citations"][0]
    assert (first["start"], first["end"], first["reference"], first["resolved"]["article"]) == (
        DRAFT.index("《中华"),
        DRAFT.index("《中华") + len("《中华人民共和国测试管理法》第一条"),
        "第一条",
        "第一条",
    )
    assert first["resolved"]["url"].startswith("/doc/") and "#s" in first["resolved"]["url"]


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"txt": "x"}, 400, "send JSON"),
        ({"text": 5}, 400, "send JSON"),
        ({"text": "x", "day": "2020"}, 400, "unknown field 'day'"),
        ({"text": "法" * (MAX_TEXT_CHARS + 1)}, 413, "at most 200000"),
    ],
)
def test_api_check_refuses_with_a_message(client, body, status, message):
    response = client.post("/api/check", json=body)
    assert response.status_code == status and message in response.get_json()["error"]


def test_requests_beyond_ten_megabytes_are_413(client):
    response = client.post("/api/check", data=b"x" * (11 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413


def test_page_marks_each_citation_and_lists_problems_first(client):
    html = client.post("/check", data={"text": DRAFT}).get_data(as_text=True)
    assert html.index("<h2>问题（7）</h2>") < html.index("<h2>全文</h2>") < html.index("<h2>全部引用（10）</h2>")
    problems = html.split("<h2>问题（7）</h2>")[1].split("<h2>全文</h2>")[0]
    assert problems.count("<tr class=") == 7 and "st-ok" not in problems
    assert '<mark id="c2" class="cite st-superseded"' in html
    assert ">《测试管理法》（2010年）第二条</mark>" in html


def test_upload_txt_docx_pdf(client, tmp_path):
    import docx
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    text = "依据《测试管理法》第九条。"
    word = docx.Document()
    word.add_paragraph(text)
    buf = io.BytesIO()
    word.save(buf)
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = io.BytesIO()
    page = canvas.Canvas(pdf)
    page.setFont("STSong-Light", 12)
    page.drawString(72, 720, text)
    page.save()
    for name, data in (("a.txt", text.encode("gb18030")), ("a.docx", buf.getvalue()), ("a.pdf", pdf.getvalue())):
        response = client.post("/check", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        assert response.status_code == 200, name
        assert "没有第九条" in response.get_data(as_text=True), name
    bad = client.post("/check", data={"file": (io.BytesIO(b"MZ"), "a.exe")}, content_type="multipart/form-data")
    assert bad.status_code == 400 and "only .txt, .docx, .pdf" in bad.get_data(as_text=True)
    broken = client.post(
        "/check", data={"file": (io.BytesIO(b"not a zip"), "a.docx")}, content_type="multipart/form-data"
    )
    assert broken.status_code == 400 and "not a Word document" in broken.get_data(as_text=True)


def test_nothing_submitted_is_logged(client, caplog):
    secret = "《测试管理法》第一条 机密草稿内容"
    with caplog.at_level("DEBUG"):
        client.post("/api/check", json={"text": secret})
        client.post("/check", data={"text": secret})
    assert "机密草稿" not in caplog.text


def test_empty_form_is_400_and_the_form_page_is_served(client):
    assert client.post("/check", data={"text": "  "}).status_code == 400
    page = client.get("/check")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(as_text=True)


def test_api_check_answer_matches_its_openapi_schema(client):
    from jsonschema import Draft202012Validator

    from web.openapi import openapi_document

    spec = openapi_document()
    validator = Draft202012Validator({"$ref": "#/components/schemas/CheckReport", "components": spec["components"]})
    data = client.post("/api/check", json={"text": DRAFT}).get_json()
    assert [e.message for e in validator.iter_errors(data)] == []
