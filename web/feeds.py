"""Atom feeds: /feed.atom?<the parameters of a search> (its newest documents) and /changes.atom (the change log).

The feed of a search lists what the page lists sorted by date; readers poll it with If-None-Match or
If-Modified-Since and get 304 until a new build is served (web/api.cache_headers answers both).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, request

from search.changelog import Change
from search.engine import run_search
from search.feeds import (
    ATOM_TYPE,
    CHANGE_ENTRY_ID,
    DOC_NUMBER_SCHEME,
    FEED_ID,
    Entry,
    atom,
    latest,
    rfc3339,
    search_entries,
    search_feed_id,
)
from search.index import OpenIndex
from search.params import ParamError, SearchParams, parse_limit, parse_params
from search.results import DOC_URL
from web.changes import DEFAULT_LIMIT, KIND_LABELS, MAX_LIMIT, change_entries
from web.current import current_index

bp = Blueprint("feeds", __name__)

# Entries of a search feed when the URL gives no size (a page shows 10; a reader wants more at once).
FEED_SIZE = 20
CHANGES_TITLE = "govlaw 索引更新记录"


def feed_params(args) -> SearchParams:
    """The search of a feed: the page's parameters, sorted by date (another sort is a 400)."""
    params = parse_params(args)
    if "sort" in args and params.sort != "date":
        raise ParamError("a feed lists the newest documents first: sort must be date")
    return params.with_changes(sort="date", size=params.size if "size" in args else FEED_SIZE)


def _built(index: OpenIndex) -> str | None:
    return rfc3339(index.manifest.get("created"))


def _atom_response(body: bytes, modified: str) -> Response:
    response = Response(body, content_type=f"{ATOM_TYPE}; charset=utf-8")
    response.last_modified = datetime.fromisoformat(modified)
    return response


def _search_title(params: SearchParams) -> str:
    parts = [params.q] if params.q else []
    parts += ["、".join(values) for _, values in params.filters]
    return "govlaw 检索：" + (" ".join(parts) if parts else "全部文件") + "（按日期）"


@bp.get("/feed.atom")
def search_feed():
    params = feed_params(request.args)
    index = current_index()
    result = run_search(index, params)
    base = request.url_root.rstrip("/")
    entries = search_entries(result, base)
    updated = _built(index) or latest(entries, "1970-01-01T00:00:00Z")
    page_query = params.with_changes(size=10, page=1).query_string()
    body = atom(
        feed_id=search_feed_id(params.query_items()),
        title=_search_title(params),
        subtitle=f"共 {result.total} 件，最新的 {len(entries)} 件",
        self_url=request.url,
        alternate_url=f"{base}/?{page_query}" if page_query else f"{base}/",
        updated=updated,
        entries=entries,
    )
    return _atom_response(body, updated)


def change_entry(change: Change, in_index: bool, index: OpenIndex, base: str) -> Entry:
    """A change of the log as an entry, with the document's metadata when the served build holds it."""
    meta = index.docs.get(change.doc_id) if in_index else None
    kind = KIND_LABELS.get(change.kind, change.kind)
    facts = [f"{kind} {change.source or '—'}"]
    if meta is not None:
        facts += [f"{label}：{value}" for label, value in (("文号", meta.doc_number), ("日期", meta.date)) if value]
    facts.append(f"构建 {change.build_id}")
    if change.note:
        facts.append(change.note)
    when = rfc3339(change.time) or "1970-01-01T00:00:00Z"
    return Entry(
        id=CHANGE_ENTRY_ID.format(build_id=change.build_id, kind=change.kind, doc_id=change.doc_id or "-"),
        title=f"{kind}：{meta.title if meta is not None else change.source or change.build_id}",
        updated=when,
        published=when,
        link=base + DOC_URL.format(doc_id=change.doc_id) if meta is not None else "",
        summary="；".join(facts),
        authors=meta.issuer if meta is not None else (),
        categories=((DOC_NUMBER_SCHEME, meta.doc_number, "文号"),) if meta is not None and meta.doc_number else (),
    )


@bp.get("/changes.atom")
def changes_feed():
    limit = parse_limit(request.args, DEFAULT_LIMIT, MAX_LIMIT)
    index = current_index()
    base = request.url_root.rstrip("/")
    logged = change_entries(current_app.extensions["govlaw_index"].root, limit, set(index.docs))
    entries = [change_entry(e.change, e.in_index, index, base) for e in logged]
    updated = latest(entries, _built(index) or "1970-01-01T00:00:00Z")
    body = atom(
        feed_id=FEED_ID.format(kind="changes", key="log"),
        title=CHANGES_TITLE,
        self_url=request.url,
        alternate_url=f"{base}/changes",
        updated=updated,
        entries=entries,
    )
    return _atom_response(body, updated)
