"""Edges of the HTTP layer: conditional requests answered before any search, load shed with 503 and Retry-After
past the queue's bound, 405 with Allow."""

from __future__ import annotations

import socket
import time

import pytest

import web.api
import web.pages
from web import overload
from web.app import create_app


@pytest.fixture()
def no_search(monkeypatch):
    """Every search from here on is counted, and fails (a 500): what is asked must be answered without one."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("searched")

    for module in (web.api, web.pages):
        monkeypatch.setattr(module, "run_search", refuse)
        monkeypatch.setattr(module, "document_view", refuse)
    monkeypatch.setattr(web.api, "suggest", refuse)
    return calls


URLS = ("/api/search?q=放管服", "/?q=法治政府", "/api/export?q=法治&format=json", "/api/suggest?q=郑")


@pytest.mark.parametrize("url", URLS)
def test_if_none_match_is_answered_before_searching(client, request, url):
    first = client.get(url)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    searches = request.getfixturevalue("no_search")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=60"
    assert again.headers["X-Govlaw-Build"] == first.headers["X-Govlaw-Build"]
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert searches == []
    # A tag of another build or URL still searches (which fails here, as it must).
    other = client.get(url, headers={"If-None-Match": 'W/"0123456789abcdef0123456789abcdef"'})
    assert other.status_code == 500 and len(searches) == 1


def test_if_modified_since_before_the_build_gets_the_answer(client):
    first = client.get("/api/search?q=放管服")
    again = client.get("/api/search?q=放管服", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert again.status_code == 200
    assert again.get_json()["total"] == first.get_json()["total"] > 0


def test_a_method_not_allowed_says_which_are(client):
    r = client.post("/api/search?q=x")
    assert r.status_code == 405
    assert r.get_json()["status"] == 405
    assert sorted(m.strip() for m in r.headers["Allow"].split(",")) == ["GET", "HEAD", "OPTIONS"]
    page = client.delete("/")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


@pytest.fixture()
def listener():
    """A listening socket with connections waiting to be accepted, as gunicorn's is under overload."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    waiting = [socket.create_connection(sock.getsockname()) for _ in range(5)]
    deadline = time.monotonic() + 5
    overload.set_listeners([sock])
    while overload.waiting() != 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    yield sock
    overload.set_listeners([])
    for c in waiting:
        c.close()
    sock.close()


def test_the_accept_queue_is_read_from_the_listening_socket(listener):
    assert overload.waiting() == 5
    listener.accept()[0].close()
    assert overload.waiting() == 4


def test_requests_past_the_queue_bound_are_shed_with_503_and_retry_after(seed_index, listener, no_search):
    app = create_app({"INDEX": str(seed_index), "TESTING": True, "QUEUE_MAX": 4})
    client = app.test_client()
    r = client.get("/api/search?q=放管服")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "1"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.get_json() == {
        "error": "the server is busy (5 requests waiting); try again in 1 s",
        "status": 503,
        "request_id": r.headers["X-Request-Id"],
    }
    page = client.get("/?q=放管服")
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    assert "the server is busy" in page.get_data(as_text=True)
    assert no_search == []
    # The health check is answered whatever the queue.
    assert client.get("/healthz").status_code == 200


def test_within_the_bound_nothing_is_shed(seed_index, listener):
    app = create_app({"INDEX": str(seed_index), "TESTING": True, "QUEUE_MAX": 5})
    assert app.test_client().get("/api/search?q=放管服").status_code == 200
    app = create_app({"INDEX": str(seed_index), "TESTING": True, "QUEUE_MAX": 0})
    assert app.test_client().get("/api/search?q=放管服").status_code == 200
