"""/compare and /api/compare over the related index (测试管理法 2010 and 2020)."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from web.openapi import openapi_document


def test_api_compare_two_versions(related_client, related):
    _, ids = related
    data = related_client.get(f"/api/compare?old={ids['law_2010']}&new={ids['law_2020']}").get_json()
    assert (data["old"]["id"], data["new"]["id"]) == (ids["law_2010"], ids["law_2020"])
    assert data["counts"] == {
        "unchanged": 0,
        "modified": 2,
        "moved": 0,
        "added": 0,
        "removed": 0,
        "renumbered": 0,
        "reordered": 0,
    }
    first, second = data["pairs"]
    assert (first["old"]["heading"], first["new"]["heading"], first["status"]) == ("第一条", "第一条", "modified")
    assert first["new"]["html"] == "为了规范测试管理工作，<ins>保障测试质量，</ins>制定本法。"
    assert second["old"]["html"] == "本法自20<del>10年6</del>月1日起施行。"
    assert second["new"]["html"] == "本法自20<ins>21年1</ins>月1日起施行。"
    assert first["new"]["url"] == f"/doc/{ids['law_2020']}#{first['new']['section_id']}"
    spec = openapi_document()
    validator = Draft202012Validator({"$ref": "#/components/schemas/Comparison", "components": spec["components"]})
    assert [e.message for e in validator.iter_errors(data)] == []


def test_one_version_is_compared_with_the_next(related_client, related):
    _, ids = related
    for query in (f"old={ids['law_2010']}", f"new={ids['law_2020']}", f"old={ids['law_2020']}"):
        data = related_client.get(f"/api/compare?{query}").get_json()
        assert (data["old"]["id"], data["new"]["id"]) == (ids["law_2010"], ids["law_2020"]), query


def test_any_two_documents_can_be_compared(related_client, related):
    _, ids = related
    data = related_client.get(f"/api/compare?old={ids['notice']}&new={ids['followup']}").get_json()
    assert data["old"]["by_article"] is False and data["old"]["units"] == 3  # the preamble and 一、二、


def test_errors(related_client, related):
    _, ids = related
    assert related_client.get("/api/compare").status_code == 400
    assert related_client.get("/api/compare?old=nope&new=nope").status_code == 404
    response = related_client.get(f"/api/compare?old={ids['notice']}")
    assert response.status_code == 400 and "has no other version" in response.get_json()["error"]
    assert related_client.get(f"/api/compare?old={ids['notice']}&x=1").status_code == 400
    assert related_client.get(f"/compare?old={ids['law_2010']}&old={ids['law_2020']}").status_code == 400


def test_page_shows_the_table_with_changes_marked(related_client, related):
    _, ids = related
    html = related_client.get(f"/compare?old={ids['law_2010']}&new={ids['law_2020']}").get_data(as_text=True)
    rows = re.findall(r'<tr class="pair-(\w+)">', html)
    assert rows == ["modified", "modified"]
    assert "为了规范测试管理工作，<ins>保障测试质量，</ins>制定本法。" in html
    assert "修改 2" in html and "新增 0" in html
    assert f'<option value="{ids["law_2010"]}" selected>' in html


def test_document_versions_link_to_the_comparison(related_client, related):
    _, ids = related
    html = related_client.get(f"/doc/{ids['law_2020']}").get_data(as_text=True)
    assert f'href="/compare?old={ids["law_2010"]}&amp;new={ids["law_2020"]}">与新版本对照</a>' in html
