"""The document view: table of contents, versions, citations both ways, downloads; relations as pure functions."""

import re

from search.docview import build_relations, document_relations, resolve, title_key
from search.model import Citation, Document
from search.store import DocMeta
from tests.conftest import SEED_004


def _meta(doc_id, title, number=None, date=None, status=None) -> DocMeta:
    """As the store reads it: the fields not given are empty."""
    return DocMeta.from_dict(
        {
            "doc_id": doc_id,
            "source": f"x/{doc_id}",
            "title": title,
            "doc_number": number,
            "date": date,
            "status": status,
        }
    )


def test_title_key_folds_script_width_spaces_and_the_country_prefix():
    assert title_key("中華人民共和國 測試法（2020）") == "测试法(2020)"
    assert title_key("测试法(2020)") == "测试法(2020)"
    assert title_key("中华人民共和国") == "中华人民共和国"


def test_relations_pure():
    docs = {
        "a": _meta("a", "中华人民共和国甲法", date="2010-01-01", status="amended"),
        "b": _meta("b", "中华人民共和国甲法", date="2020-01-01", status="current"),
        "c": _meta("c", "乙市关于实施甲法的通知", number="乙政〔2021〕1号", date="2021-01-01"),
        "d": _meta("d", "丙报告", date="2022-01-01"),
    }
    cites = {
        "c": (Citation("title", "甲法"), Citation("title", "丁条例")),
        "d": (Citation("doc_number", "乙政[2021]1号"), Citation("title", "丙报告")),
    }
    rel = build_relations(docs, cites)
    assert resolve(rel, Citation("title", "甲法")) == ("b", "a")  # in force first
    assert resolve(rel, Citation("title", "中華人民共和國甲法")) == ("b", "a")
    assert resolve(rel, Citation("doc_number", "乙政〔2021〕1号")) == ("c",)
    assert resolve(rel, Citation("title", "丁条例")) == ()
    assert rel.cited_by == {"a": ("c",), "b": ("c",), "c": ("d",)}  # a document does not cite itself
    versions, refs, cited_by = document_relations(
        docs, rel, Document(doc_id="a", source="x/a", text="", title="中华人民共和国甲法"), ("b", "a")
    )
    assert [v.doc_id for v in versions] == ["b", "a"]
    assert [v.status_label for v in versions] == ["现行有效", "已修改"]
    assert refs == () and [d.doc_id for d in cited_by] == ["c"]
    _, refs, _ = document_relations(
        docs, rel, Document(doc_id="c", source="x/c", text="", title=docs["c"].title, citations=cites["c"])
    )
    assert [(r.value, r.doc.doc_id if r.doc else None) for r in refs] == [("甲法", "b"), ("丁条例", None)]
    versions, _, _ = document_relations(docs, rel, Document(doc_id="d", source="x/d", text="", title="丙报告"))
    assert versions == ()  # one version is no list


def test_doc_page_versions_citations_and_cited_by(related_client, related):
    _, ids = related
    html = related_client.get(f"/doc/{ids['law_2010']}").get_data(as_text=True)
    versions = html.split('<h2 id="versions-h">版本（2）</h2>')[1].split("</section>")[0]
    assert re.findall(r"<li>(.*?)</li>", versions) == [
        (
            f'<a href="/doc/{ids["law_2020"]}">中华人民共和国测试管理法</a> '
            '<span class="badge status-current">现行有效</span> <span class="sub">2020-12-01</span> '
            '<span class="period">2021-01-01 起施行</span>'
        ),
        (
            '<strong aria-current="page">中华人民共和国测试管理法</strong> '
            '<span class="badge status-amended">已修改</span> <span class="sub">2010-06-01</span> '
            '<span class="period">2010-06-01 至 2021-01-01（不含）施行</span> '
            f'<a class="compare-link" href="/compare?old={ids["law_2010"]}&amp;new={ids["law_2020"]}">与新版本对照</a>'
        ),
    ]
    cited_by = html.split('<h2 id="cited-by-h">被引用（1）</h2>')[1].split("</section>")[0]
    assert f'<a href="/doc/{ids["notice"]}">某市人民政府关于贯彻实施测试管理法的通知</a>' in cited_by

    html = related_client.get(f"/doc/{ids['notice']}").get_data(as_text=True)
    cites = html.split('<h2 id="cites-h">引用的文件（3）</h2>')[1].split("</section>")[0]
    assert re.findall(r"<li>(.*?)</li>", cites) == [
        (
            f'<a href="/doc/{ids["law_2020"]}">中华人民共和国测试管理法</a> '
            '<span class="badge status-current">现行有效</span> <span class="sub">2020-12-01</span>'
        ),
        (
            f'<a href="/doc/{ids["law_2020"]}">中华人民共和国测试管理法</a> '
            '<span class="badge status-current">现行有效</span> <span class="sub">2020-12-01</span>'
        ),
        '<span class="unlinked">《不存在的办法》</span>',
    ]
    assert f'<a href="/doc/{ids["followup"]}">某区关于落实测试管理工作的报告</a>' in html
    assert "版本（" not in html


def test_doc_json_has_relations(related_client, related):
    _, ids = related
    data = related_client.get(f"/api/doc/{ids['followup']}").get_json()
    assert data["cites"] == [
        {
            "kind": "doc_number",
            "value": "某政文〔2021〕5号",
            "doc": {
                "id": ids["notice"],
                "title": "某市人民政府关于贯彻实施测试管理法的通知",
                "doc_number": "某政文〔2021〕5号",
                "date": "2021-03-01",
                "status": None,
                "status_label": None,
                "url": f"/doc/{ids['notice']}",
            },
        }
    ]
    assert data["versions"] == [] and data["cited_by"] == [] and data["url"] == f"/doc/{ids['followup']}"
    assert data["cited_by_total"] == 0
    assert related_client.get(f"/api/doc/{ids['notice']}").get_json()["cited_by_total"] == 1
    data = related_client.get(f"/api/doc/{ids['law_2020']}").get_json()
    assert [v["id"] for v in data["versions"]] == [ids["law_2020"], ids["law_2010"]]
    assert data["status"] == "current" and data["status_label"] == "现行有效"


def test_doc_page_metadata_toc_and_downloads(client, opened):
    doc_id = next(d for d, m in opened.docs.items() if m.source == SEED_004)
    html = client.get(f"/doc/{doc_id}", query_string={"q": "行政审批"}).get_data(as_text=True)
    meta = html.split('<dl class="docmeta">')[1].split("</dl>")[0]
    assert re.findall(r"<dt>(.*?)</dt>", meta) == ["发文机关", "文号", "日期", "文种", "效力级别", "地区", "来源"]
    assert "<dd>郑政文〔2017〕60号</dd>" in meta
    assert (
        f'<p class="downloads">下载：<a href="/api/doc/{doc_id}?format=txt">纯文本</a> · '
        f'<a href="/api/doc/{doc_id}">JSON</a></p>'
    ) in html
    toc = html.split('<nav aria-label="目录">')[1].split("</nav>")[0]
    assert '<li class="lvl1"><a href="#s1">一、依法全面履行政府职能</a></li>' in toc
    assert '<li class="lvl2"><a href="#s3">（二）深化行政审批制度改革</a></li>' in toc
    assert '<h2 class="sec-h">一、依法全面履行政府职能</h2>' in html
    assert '<h3 class="sec-h">（二）深化<mark>行政审批</mark>制度改革</h3>' in html
    assert (
        '<p class="back"><a href="/?q=%E8%A1%8C%E6%94%BF%E5%AE%A1%E6%89%B9">‹ 返回“行政审批”的检索结果</a></p>' in html
    )


def test_doc_page_escapes_the_query(client, opened):
    doc_id = next(iter(opened.docs))
    html = client.get(f"/doc/{doc_id}", query_string={"q": '"><script>x</script>'}).get_data(as_text=True)
    assert "<script>x" not in html and "返回“&#34;&gt;&lt;script&gt;x&lt;/script&gt;”的检索结果" in html


def test_relations_are_computed_once_per_build(related, monkeypatch):
    from search import docview

    opened, _ = related
    first = docview.relations_for(opened)
    monkeypatch.setattr(opened.store, "get", lambda doc_id: (_ for _ in ()).throw(AssertionError("store read")))
    assert docview.relations_for(opened) is first
