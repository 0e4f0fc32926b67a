"""Hostile queries through /api/search, /, /api/export and /api/suggest (the Flask test client over the seed
index): never a 500, a 400 with a message for what is over a limit, snippets that are text plus <mark> only,
every answer in bounded time. `scripts/harden queries` runs 10,000 examples and prints the figures."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from search.params import MAX_FILTER_VALUES, MAX_PAGE, MAX_QUERY_CHARS, MAX_SIZE, MAX_VALUE_CHARS
from tools.hardening.hostile import check_response, encode, markup_problems, search_urls, timed_get

EXAMPLES = 2000
# Generous: a request of the seed index takes milliseconds; this catches a runaway, not a slow machine.
MAX_SECONDS = 5.0


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(url=search_urls())
def test_no_hostile_query_gets_a_server_error_bad_markup_or_a_slow_answer(client, url):
    response, seconds = timed_get(client, url)
    assert check_response(url, response, seconds, MAX_SECONDS) == [], url[:300]


@pytest.mark.parametrize(
    "url, message",
    [
        ("/api/search?q=" + "法" * (MAX_QUERY_CHARS + 1), "longer than"),
        ("/api/search?q=" + "(" * 20_000, "longer than"),
        (f"/api/search?page={MAX_PAGE + 1}", "between"),
        ("/api/search?page=0", "between"),
        ("/api/search?page=99999999999999999999999", "between"),
        (f"/api/search?size={MAX_SIZE + 1}", "between"),
        ("/api/search?size=-1", "between"),
        ("/api/search?year=99999", "between"),
        ("/api/search?issuer=" + "x" * (MAX_VALUE_CHARS + 1), "longer than"),
        ("/api/search?" + "&".join(f"region=r{i}" for i in range(MAX_FILTER_VALUES + 1)), "at most"),
        ("/api/search?date_from=2022-13", "no month"),
        ("/api/search?page=", "page must be a whole number"),
        ("/api/search?q=%ED%A0%80" + "a" * 10 + "&q=b", "once"),
        ("/api/search?status=%01", "control"),
        ("/api/search?title=x", "unknown parameter"),
        ("/api/search?q=docno:" + encode("不是文号"), "not a document number"),
        ("/api/search?q=" + encode(" ".join(f"词{i}" for i in range(30))), "more than"),
        ("/api/suggest?q=" + "法" * (MAX_QUERY_CHARS + 1), "longer than"),
    ],
)
def test_over_limit_input_is_a_400_with_a_message(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and message in body["error"]
    page = client.get(url.replace("/api/search", "/", 1))
    if url.startswith("/api/search"):
        assert page.status_code == 400 and message.split()[0] in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "q",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "法治<b>政府</b>",
        "&lt;mark&gt;",
        "</mark><script>",
        "javascript:alert(1)",
    ],
)
def test_markup_in_a_query_is_never_markup_in_an_answer(client, q):
    response = client.get("/api/search?q=" + encode(q + " 法治政府"))
    assert response.status_code == 200
    for hit in response.get_json()["hits"]:
        assert markup_problems(hit["snippet"]) == markup_problems(hit["title_html"]) == []
    page = client.get("/?q=" + encode(q)).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>政府" not in page


def test_the_markup_check_sees_what_it_must():
    assert markup_problems("法治<mark>政府</mark>&lt;b&gt;") == []
    assert markup_problems("<mark onclick=x>a</mark>") != []
    assert markup_problems("<mark>a") != []
    assert markup_problems("<img src=x>") != []
