"""Search as of a day, on the page, the API, the export, the CLI and the document view (the related index:
测试管理法 2010, in force from 2010-06-01, and 2020, adopted 2020-12-01 and in force from 2021-01-01)."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.engine import run_search
from search.params import params_from


def _sources(data) -> list[str]:
    return sorted(h["source"].split("/")[-1] for h in data["hits"])


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2010-05-31", []),
        ("2010-06-01", ["law_2010.txt"]),
        ("2020-12-31", ["law_2010.txt"]),  # adopted, not yet in force
        ("2021-01-01", ["law_2020.txt"]),
        ("2026-01-01", ["law_2020.txt"]),
    ],
)
def test_api_gives_the_version_in_force_that_day(related_client, day, expected):
    data = related_client.get("/api/search", query_string={"q": "测试管理法", "as_of": day}).get_json()
    laws = [s for s in _sources(data) if s.startswith("law_")]
    assert laws == expected
    assert data["params"]["as_of"] == day


def test_without_as_of_both_versions_are_found(related_client):
    data = related_client.get("/api/search", query_string={"q": "测试管理法"}).get_json()
    assert [s for s in _sources(data) if s.startswith("law_")] == ["law_2010.txt", "law_2020.txt"]


def test_facets_count_only_what_the_day_keeps(related_client):
    data = related_client.get("/api/search", query_string={"q": "测试管理", "as_of": "2021-02-01"}).get_json()
    assert _sources(data) == ["law_2020.txt"]  # the notice (2021-03-01) and the report (2022) are later
    years = {v["value"]: v["count"] for v in data["facets"]["year"]["values"]}
    assert years == {"2020": 1}
    (applied,) = [f for f in data["query"]["filters"] if f["name"] == "as_of"]
    assert (applied["value"], applied["removed"]) == ("2021-02-01", 3)


def test_a_cited_article_is_answered_from_the_version_in_force(related_client):
    data = related_client.get("/api/search", query_string={"q": "测试管理法第一条", "as_of": "2015-01-01"}).get_json()
    assert data["answer"]["date"] == "2010-06-01"
    data = related_client.get("/api/search", query_string={"q": "测试管理法第一条"}).get_json()
    assert data["answer"]["date"] == "2020-12-01"


@pytest.mark.parametrize("day", ["2010-01-1", "2010-02-30", "01/01/2010"])
def test_a_bad_day_is_a_400_everywhere(related_client, related, day):
    _, ids = related
    for url in ("/api/search", "/", "/api/export", f"/doc/{ids['law_2010']}", f"/api/doc/{ids['law_2010']}"):
        response = related_client.get(url, query_string={"q": "测试", "as_of": day})
        assert response.status_code == 400, url
        assert "as_of" in response.get_data(as_text=True)


def test_page_keeps_the_day_in_its_forms_and_shows_it_as_a_filter(related_client):
    html = related_client.get("/?q=测试管理法&as_of=2015-01-01").get_data(as_text=True)
    assert '<input type="hidden" name="as_of" value="2015-01-01">' in html
    assert 'name="as_of" value="2015-01-01" inputmode="numeric"' in html
    assert "去掉筛选条件 有效日期：2015-01-01" in html


def test_export_has_only_what_was_in_force(related_client):
    body = related_client.get("/api/export?format=csv&q=测试管理法&as_of=2015-01-01").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r["date"] for r in rows if r["title"] == "中华人民共和国测试管理法"] == ["2010-06-01"]
    data = related_client.get("/api/export?format=json&q=测试管理法&as_of=2021-06-01").get_json()
    assert [r["date"] for r in data["rows"] if r["title"] == "中华人民共和国测试管理法"] == ["2020-12-01"]
    assert data["params"]["as_of"] == "2021-06-01"


def test_cli_as_of(related_index):
    runner = CliRunner()
    out = runner.invoke(cli, ["测试管理法", "--index", str(related_index), "--as-of", "2015-01-01", "--json"])
    assert out.exit_code == 0, out.output
    assert '"as_of": "2015-01-01"' in out.output and '"date": "2020-12-01"' not in out.output
    bad = runner.invoke(cli, ["测试管理法", "--index", str(related_index), "--as-of", "2015-13-01"])
    assert bad.exit_code == 2 and "as_of" in bad.output


def test_document_view_says_which_version_was_in_force(related_client, related):
    _, ids = related
    html = related_client.get(f"/doc/{ids['law_2020']}?as_of=2020-12-31").get_data(as_text=True)
    assert "2010-06-01 至 2021-01-01（不含）施行" in html and "2021-01-01 起施行" in html
    assert html.count("2020-12-31 有效") == 1
    assert html.index("2020-12-31 有效") > html.index(f'href="/doc/{ids["law_2010"]}"')
    data = related_client.get(f"/api/doc/{ids['law_2020']}?as_of=2021-01-01").get_json()
    assert data["in_force_on_day"] == ids["law_2020"]
    assert data["periods"][ids["law_2010"]] == {"from": "2010-06-01", "until": "2021-01-01", "known": True}
    html = related_client.get(f"/doc/{ids['law_2020']}?as_of=2001-01-01").get_data(as_text=True)
    assert "2001-01-01 没有有效的版本" in html


def test_no_as_of_is_the_same_search(related):
    opened, _ = related
    a = run_search(opened, params_from({"q": "测试管理"}))
    assert a.params.as_of is None and [f.name for f in a.query.filters] == []
