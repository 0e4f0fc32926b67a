"""The JSON API: the same parameters and data as the page, plus suggestions, exports and the OpenAPI document."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Blueprint, Response, abort, g, jsonify, request
from werkzeug.http import is_resource_modified

from search.docview import document_text, document_view
from search.engine import run_search
from search.export import EXPORT_LIMIT, export_csv, export_info, export_json, export_params
from search.index import OpenIndex
from search.params import MAX_QUERY_CHARS, ParamError, parse_day, parse_params
from search.suggest import suggest, table_for
from web.current import current_index
from web.openapi import openapi_document

bp = Blueprint("api", __name__)

EXPORT_FORMATS = ("csv", "json")
DOC_FORMATS = ("json", "txt")
# Successful answers depend only on the build and the URL: caches may keep them briefly and revalidate by ETag.
CACHE_OK = "public, max-age=60"
CACHE_NEVER = "no-store"
NOT_CACHED_PATHS = ("/healthz",)


def _format(allowed: tuple[str, ...]) -> str:
    values = request.args.getlist("format")
    if len(values) > 1:
        raise ParamError("format may be given once")
    fmt = (values[0] if values else allowed[0]).strip()
    if fmt not in allowed:
        raise ParamError(f"format must be one of {', '.join(allowed)}, got {fmt[:40]!r}")
    return fmt


def _only(*names: str) -> None:
    unknown = sorted(k for k in request.args if k not in names)
    if unknown:
        raise ParamError(f"unknown parameter {unknown[0]!r}; accepted: {', '.join(names)}")


@bp.get("/api/search")
def search_json():
    return jsonify(run_search(current_index(), parse_params(request.args)).to_dict())


@bp.get("/api/export")
def export():
    fmt = _format(EXPORT_FORMATS)
    params = export_params(parse_params(request.args, extra=("format",)))
    result = run_search(current_index(), params)
    base = request.url_root.rstrip("/")
    if fmt == "json":
        return jsonify(export_json(result, base))
    info = export_info(result)
    response = Response(export_csv(result, base), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="govlaw-export.csv"'
    response.headers["X-Govlaw-Export"] = (
        f"total={info['total']}; exported={info['exported']}; "
        f"limit={EXPORT_LIMIT}; truncated={str(info['truncated']).lower()}"
    )
    return response


@bp.get("/api/doc/<doc_id>")
def doc_json(doc_id: str):
    _only("format", "as_of")
    fmt = _format(DOC_FORMATS)
    view = document_view(current_index(), doc_id, as_of=parse_day("as_of", request.args.get("as_of", "")))
    if view is None:
        abort(404, description=f"no document {doc_id}")
    if fmt == "txt":
        response = Response(document_text(view.doc), content_type="text/plain; charset=utf-8")
        response.headers["Content-Disposition"] = f'inline; filename="{doc_id}.txt"'
        return response
    return jsonify(view.to_dict())


@bp.get("/api/suggest")
def suggest_json():
    _only("q")
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        raise ParamError(f"q is longer than {MAX_QUERY_CHARS} characters")
    opened = current_index()
    found = suggest(table_for(opened.build_id, opened.docs), q)
    return jsonify({"q": q, "suggestions": [s.to_dict() for s in found]})


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


@bp.get("/healthz")
def healthz():
    opened = current_index()
    return jsonify({"status": "ok", "build": opened.build_id, "documents": len(opened.docs)})


# Answers that depend only on the served build and the URL: a conditional request for one of them is answered
# before any search (the change list is left out: its file grows after its build is served).
EARLY_CONDITIONAL = frozenset(
    {
        "pages.search_page",
        "pages.doc_page",
        "api.search_json",
        "api.export",
        "api.doc_json",
        "api.suggest_json",
    }
)


def _etag(build: str) -> str:
    url = request.full_path if request.query_string else request.path
    return hashlib.sha256(f"{build}\n{url}".encode()).hexdigest()[:32]


def _last_modified(opened: OpenIndex) -> datetime | None:
    try:
        return datetime.fromisoformat(str(opened.manifest["created"]))
    except (KeyError, ValueError):
        return None


def not_modified_early() -> Response | None:
    """304 for an If-None-Match or If-Modified-Since that the served build still satisfies, without searching."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in EARLY_CONDITIONAL:
        return None
    if not request.if_none_match and request.if_modified_since is None:
        return None
    opened = current_index()
    tag, modified = _etag(opened.build_id), _last_modified(opened)
    if is_resource_modified(request.environ, etag=tag, last_modified=modified):
        return None
    response = Response(status=304)
    response.set_etag(tag, weak=True)
    if modified is not None:
        response.last_modified = modified
    response.headers["Cache-Control"] = CACHE_OK
    return response


def cache_headers(response: Response) -> Response:
    """Cache-Control on every answer; an ETag (build + URL), Last-Modified (the build's time, unless the response
    has its own) and 304 for If-None-Match or If-Modified-Since on successful GETs."""
    if response.status_code >= 400 or request.path in NOT_CACHED_PATHS:
        response.headers["Cache-Control"] = CACHE_NEVER
        return response
    build = g.get("build_id")
    if build and response.status_code == 200 and request.method in ("GET", "HEAD"):
        # Weak: a repeated search is the same answer, though its timing field may differ.
        response.set_etag(_etag(build), weak=True)
        opened = g.get("opened_index")
        modified = _last_modified(opened) if opened is not None else None
        # A response that knows its own time (the change log's feed: its last change) keeps it.
        if modified is not None and response.last_modified is None:
            response.last_modified = modified
        response.headers["Cache-Control"] = CACHE_OK
        response.make_conditional(request)
    return response
