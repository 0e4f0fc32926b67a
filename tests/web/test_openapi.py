"""The OpenAPI document describes what the API really answers: real responses are validated against it."""

import pytest
from jsonschema import Draft202012Validator

from search.params import BASE_PARAMS
from search.schema import FACETS
from web.openapi import openapi_document


@pytest.fixture(scope="module")
def spec():
    return openapi_document()


def validator(spec, name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def assert_valid(spec, name: str, data) -> None:
    errors = sorted(validator(spec, name).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_served_document_is_openapi_3_1_with_valid_schemas(client, spec):
    served = client.get("/api/openapi.json").get_json()
    assert served == spec and served["openapi"] == "3.1.0"
    assert sorted(served["paths"]) == [
        "/api/changes",
        "/api/check",
        "/api/compare",
        "/api/doc/{id}",
        "/api/expiring",
        "/api/export",
        "/api/openapi.json",
        "/api/quality",
        "/api/search",
        "/api/suggest",
        "/changes.atom",
        "/feed.atom",
        "/healthz",
    ]
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_api_route_of_the_app_is_documented_with_its_methods(app, spec):
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule in ("/healthz", "/feed.atom", "/changes.atom"):
            path = rule.rule.replace("<doc_id>", "{id}")
            routes[path] = sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: sorted(ops) for path, ops in spec["paths"].items()}
    assert routes == documented
    assert sorted(routes) == sorted(documented)


def test_the_change_log_answers_match_their_schema(client, spec):
    r = client.get("/api/changes?limit=5")
    assert r.status_code == 200
    assert_valid(spec, "Changes", r.get_json())
    assert_valid(spec, "Changes", {"limit": 5, "count": 1, "changes": [CHANGE]})
    assert list(validator(spec, "Change").iter_errors({**CHANGE, "kind": "renamed"}))
    names = [p["name"] for p in spec["paths"]["/api/changes"]["get"]["parameters"]]
    assert names == ["limit"]


CHANGE = {
    "time": "2026-12-03T02:31:00+00:00",
    "build_id": "20261203T023100000Z-ab12",
    "kind": "changed",
    "kind_label": "修改",
    "source": "seeds/000_82c2db1a300160f2.txt",
    "doc_id": "d1",
    "content_hash": "a" * 64,
    "previous_hash": "b" * 64,
    "note": "",
    "in_index": True,
}


def test_search_parameters_are_the_accepted_ones(spec):
    names = [p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]]
    assert sorted(names) == sorted({*BASE_PARAMS, *FACETS})
    export = [p["name"] for p in spec["paths"]["/api/export"]["get"]["parameters"]]
    assert sorted(export) == sorted({*BASE_PARAMS, *FACETS, "format"})


@pytest.mark.parametrize(
    "query",
    [
        {"q": "放管服"},
        {"q": "法治政府", "year": ["2022", "2023"], "sort": "date"},
        {"q": "法治政府", "date_from": "2020", "date_to": "2023-06", "status": "draft"},
        {"q": "量子计算"},
        {"q": "法治政府", "year": "2017", "doc_type": "报告"},
        {"q": "-征求意见稿 title:法治政府"},
        {},
    ],
)
def test_search_responses_match_the_schema(client, spec, query):
    r = client.get("/api/search", query_string=query)
    assert r.status_code == 200
    assert_valid(spec, "SearchResult", r.get_json())


def test_other_responses_match_their_schemas(client, related_client, related, spec, opened):
    for doc_id in opened.docs:
        assert_valid(spec, "Document", client.get(f"/api/doc/{doc_id}").get_json())
    for doc_id in related[1].values():
        assert_valid(spec, "Document", related_client.get(f"/api/doc/{doc_id}").get_json())
    for q in ("郑州", "郑政文[2017]", "", "无"):
        assert_valid(spec, "Suggestions", client.get("/api/suggest", query_string={"q": q}).get_json())
    assert_valid(spec, "Export", client.get("/api/export?format=json&q=法治政府").get_json())
    assert_valid(spec, "Health", client.get("/healthz").get_json())


def test_errors_match_the_error_schema(client, spec):
    for url in (
        "/api/search?page=0",
        "/api/search?bogus=1",
        "/api/doc/nope",
        "/api/suggest?x=1",
        "/api/export?format=xml",
        "/api/nothing",
    ):
        r = client.get(url)
        assert r.status_code in (400, 404)
        assert_valid(spec, "Error", r.get_json())


def test_the_schemas_reject_what_they_should(spec):
    bad_hit = {"id": "x"}
    assert list(validator(spec, "Hit").iter_errors(bad_hit))
    assert list(validator(spec, "Error").iter_errors({"error": "", "status": 404}))
    assert list(validator(spec, "Suggestions").iter_errors({"q": "x", "suggestions": [{"label": "a"}]}))
