"""The JSON API: the same parameters and data as the page, plus suggestions, exports and the OpenAPI document."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, g, jsonify, request

from search.docview import document_text, document_view
from search.engine import run_search
from search.export import EXPORT_LIMIT, export_csv, export_info, export_json, export_params
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


def cache_headers(response: Response) -> Response:
    """Cache-Control on every answer; an ETag (build + URL) and 304 for If-None-Match on successful GETs."""
    if response.status_code >= 400 or request.path in NOT_CACHED_PATHS:
        response.headers["Cache-Control"] = CACHE_NEVER
        return response
    build = g.get("build_id")
    if build and response.status_code == 200 and request.method in ("GET", "HEAD"):
        url = request.full_path if request.query_string else request.path
        tag = hashlib.sha256(f"{build}\n{url}".encode()).hexdigest()[:32]
        # Weak: a repeated search is the same answer, though its timing field may differ.
        response.set_etag(tag, weak=True)
        response.headers["Cache-Control"] = CACHE_OK
        response.make_conditional(request)
    return response
