"""The request id and the access log: one `http.request` record per request, in the indexer's log format."""

from __future__ import annotations

import json
import logging
import re

import pytest

from search.logs import StructuredFormatter
from web.app import create_app


@pytest.fixture()
def access(caplog):
    caplog.set_level(logging.INFO, logger="govlaw.access")
    return caplog


def _lines(caplog) -> list[dict]:
    return [r.govlaw for r in caplog.records if r.name == "govlaw.access" and r.getMessage() == "http.request"]


def test_every_request_has_an_id_in_its_answer_and_its_access_line(client, access):
    ok = client.get("/api/search?q=放管服", buffered=True)
    bad = client.get("/api/search?page=0", headers={"X-Request-Id": "lb-7f3a.01_x"}, buffered=True)
    lines = _lines(access)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/api/search?q=放管服", 200),
        ("GET", "/api/search?page=0", 400),
    ]
    assert re.fullmatch(r"[0-9a-f]{32}", ok.headers["X-Request-Id"])
    assert bad.headers["X-Request-Id"] == "lb-7f3a.01_x"
    assert bad.get_json()["request_id"] == "lb-7f3a.01_x"
    assert [line["request_id"] for line in lines] == [ok.headers["X-Request-Id"], "lb-7f3a.01_x"]
    assert [line["bytes"] for line in lines] == [len(ok.get_data()), len(bad.get_data())]
    assert [line["build"] for line in lines] == [ok.headers["X-Govlaw-Build"]] * 2
    assert all(isinstance(line["ms"], float) and line["ms"] >= 0 for line in lines)


@pytest.mark.parametrize("incoming", ["x" * 65, "a b", "id\u00e9", "<script>", ""])
def test_an_unsafe_incoming_request_id_is_replaced(client, incoming):
    r = client.get("/api/doc/nope", headers={"X-Request-Id": incoming})
    assert r.status_code == 404
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])
    assert r.get_json()["request_id"] == r.headers["X-Request-Id"]


def test_an_error_page_shows_its_request_id(client):
    r = client.get("/doc/nope", headers={"X-Request-Id": "abc-123"})
    assert r.status_code == 404
    assert "请求编号 abc-123" in r.get_data(as_text=True)


def test_the_access_line_renders_as_one_json_object(client, access):
    client.get("/healthz", headers={"X-Request-Id": "h1"}, buffered=True)
    record = next(r for r in access.records if r.name == "govlaw.access")
    line = json.loads(StructuredFormatter("json").format(record))
    assert line["event"] == "http.request" and line["level"] == "info"
    assert (line["path"], line["status"], line["request_id"], line["remote"]) == ("/healthz", 200, "h1", "127.0.0.1")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_forwarded_headers_are_trusted_for_one_hop_only_when_configured(seed_index, access):
    headers = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7", "X-Forwarded-Proto": "https"}
    plain = create_app({"INDEX": str(seed_index), "TESTING": True})
    plain.test_client().get("/healthz", headers=headers, buffered=True)
    behind = create_app({"INDEX": str(seed_index), "TESTING": True, "PROXY_FIX": True})
    r = behind.test_client().get("/api/export?q=放管服&format=json", headers=headers, buffered=True)
    assert [line["remote"] for line in _lines(access)] == ["127.0.0.1", "198.51.100.7"]
    # The proxy's scheme reaches the links the app makes.
    assert r.get_json()["rows"][0]["url"].startswith("https://localhost/doc/")
