"""The JSON API beyond /api/search: suggestions, exports, document formats, caching."""

import csv
import io

from search.engine import run_search
from search.export import EXPORT_COLUMNS, export_csv, export_info, export_params, plain
from search.params import params_from
from search.suggest import suggest, suggestion_table
from tests.conftest import SEED_000, SEED_004

CSV_HEADER = (
    "rank,id,title,issuer,doc_number,date,year,valid_until,doc_type,level,region,status,status_label,section,snippet,"
    "url\r\n"
)


def test_suggest_titles_and_numbers(client, opened):
    ids = {m.source: d for d, m in opened.docs.items()}
    data = client.get("/api/suggest", query_string={"q": "郑州"}).get_json()
    assert data == {
        "q": "郑州",
        "suggestions": [
            {
                "label": "鄭州市人民政府關于2022年度法治政府建設情況的報告",
                "kind": "title",
                "url": f"/doc/{ids[SEED_000]}",
            },
            {
                "label": "郑州市人民政府关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知",
                "kind": "title",
                "url": f"/doc/{ids[SEED_004]}",
            },
        ],
    }
    data = client.get("/api/suggest", query_string={"q": "郑政文[2017]"}).get_json()
    assert data["suggestions"] == [
        {"label": "郑政文〔2017〕60号", "kind": "doc_number", "url": f"/doc/{ids[SEED_004]}"}
    ]
    assert client.get("/api/suggest?q=").get_json() == {"q": "", "suggestions": []}
    assert client.get("/api/suggest?q=%20%20").get_json()["suggestions"] == []
    assert client.get("/api/suggest?q=不存在的标题").get_json()["suggestions"] == []


def test_suggest_order_prefix_first_then_numbers_then_shorter(opened):
    table = suggestion_table(opened.docs)
    assert [(s.kind, s.label) for s in suggest(table, "鄭政文")] == [
        ("doc_number", "鄭政文〔2023〕37号"),
        ("doc_number", "郑政文〔2017〕60号"),
    ]
    assert [s.label for s in suggest(table, "法治政府建设")] == [
        "鄭州市人民政府關于2022年度法治政府建設情況的報告",
        "XX市人民政府关于2019年度法治政府建设情况的报告",
        "澗西區法治政府建設實施方案(2022-2025年)(征求意見稿)",
        "中共鼓楼区委 鼓楼区人民政府关于2023年法治政府建设工作情况的报告",
    ]
    assert len(suggest(table, "法治政府", limit=2)) == 2


def test_suggest_bad_parameters(client):
    assert client.get("/api/suggest?q=x&size=3").status_code == 400
    r = client.get("/api/suggest", query_string={"q": "长" * 501})
    assert r.status_code == 400 and r.get_json()["error"] == "q is longer than 500 characters"


def test_export_csv_has_bom_header_and_one_row_per_document(client, opened):
    r = client.get("/api/export", query_string={"q": "法治政府", "sort": "date"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="govlaw-export.csv"'
    assert r.headers["X-Govlaw-Export"] == "total=5; exported=5; limit=1000; truncated=false"
    body = r.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.startswith(CSV_HEADER)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["date"] for r in rows] == ["2024-02-29", "2023-02-28", "2020-01-10", "2017-03-23", ""]
    assert rows[3]["doc_number"] == "郑政文〔2017〕60号" and rows[3]["issuer"] == "郑州市人民政府"
    assert rows[3]["url"] == f"http://localhost/doc/{rows[3]['id']}"
    assert rows[4]["status"] == "draft" and rows[4]["status_label"] == "征求意见稿"
    assert all("<mark>" not in r["snippet"] and r["snippet"] for r in rows)


def test_export_json_says_how_much_it_holds(client):
    data = client.get(
        "/api/export", query_string={"q": "法治政府", "year": "2022", "format": "json", "page": "3", "size": "1"}
    ).get_json()
    assert {k: data[k] for k in ("total", "exported", "limit", "truncated")} == {
        "total": 2,
        "exported": 2,
        "limit": 1000,
        "truncated": False,
    }
    assert data["columns"] == list(EXPORT_COLUMNS)
    assert [r["rank"] for r in data["rows"]] == [1, 2]
    assert data["params"]["filters"] == {"year": ["2022"]} and data["params"]["page"] == 1


def test_export_is_bounded(opened):
    result = run_search(opened, export_params(params_from({"q": "法治政府"}), limit=2))
    assert len(result.hits) == 2
    assert export_info(result, limit=2) == {"total": 5, "exported": 2, "limit": 2, "truncated": True}


def test_export_bad_format_and_parameters(client):
    for url, message in [
        ("/api/export?format=xls", "format must be one of csv, json, got 'xls'"),
        ("/api/export?format=csv&format=json", "format may be given once"),
        ("/api/export?year=x", "year must be a whole number, got 'x'"),
    ]:
        r = client.get(url)
        body = r.get_json()
        assert r.status_code == 400 and body == {"error": message, "status": 400, "request_id": body["request_id"]}, url


def test_csv_cells_never_start_a_formula(opened):
    result = run_search(opened, params_from({"q": "法治政府", "size": "1"}))
    hit = result.hits[0]
    evil = type(result)(
        **{
            **{f: getattr(result, f) for f in result.__dataclass_fields__},
            "hits": (
                type(hit)(
                    **{
                        **{f: getattr(hit, f) for f in hit.__dataclass_fields__},
                        "title": '=HYPERLINK("x")',
                        "section": "-1+2",
                    }
                ),
            ),
        }
    )
    rows = list(csv.DictReader(io.StringIO(export_csv(evil).removeprefix("\ufeff"))))
    assert rows[0]["title"] == '\'=HYPERLINK("x")' and rows[0]["section"] == "'-1+2"


def test_plain_drops_markup_and_decodes_entities():
    assert plain("a <mark>b&amp;c</mark> &lt;d&gt;") == "a b&c <d>"


def test_doc_as_text(client, opened):
    doc_id = next(d for d, m in opened.docs.items() if m.source == SEED_004)
    r = client.get(f"/api/doc/{doc_id}?format=txt")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = r.get_data(as_text=True).split("\n")
    assert lines[:11] == [
        "郑州市人民政府关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知",
        "",
        "发文机关：郑州市人民政府",
        "文号：郑政文〔2017〕60号",
        "日期：2017-03-23",
        "文种：通知",
        "效力级别：规范性文件",
        "地区：河南省郑州市",
        f"来源：{SEED_004}",
        "",
        "郑州市人民政府文件",
    ]
    assert client.get(f"/api/doc/{doc_id}?format=pdf").status_code == 400
    assert client.get(f"/api/doc/{doc_id}?q=x").status_code == 400
    assert client.get("/api/doc/nope?format=txt").status_code == 404


def test_etag_and_304(client):
    r = client.get("/api/search?q=放管服")
    assert r.headers["Cache-Control"] == "public, max-age=60"
    etag = r.headers["ETag"]
    assert etag.startswith('W/"') and len(etag) == 36
    again = client.get("/api/search?q=放管服", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Content-Security-Policy"]
    other = client.get("/api/search?q=放管服&page=2", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    for url in ("/", "/?q=放管服", "/api/suggest?q=郑", "/api/export?q=x", "/api/doc/" + r.get_json()["hits"][0]["id"]):
        page = client.get(url)
        assert page.headers["Cache-Control"] == "public, max-age=60" and page.headers["ETag"], url
        assert client.get(url, headers={"If-None-Match": page.headers["ETag"]}).status_code == 304, url


def test_errors_and_health_are_never_cached(client):
    for url in ("/api/search?page=0", "/api/doc/nope", "/doc/nope", "/nowhere", "/healthz"):
        r = client.get(url)
        assert r.headers["Cache-Control"] == "no-store", url
        assert "ETag" not in r.headers, url
