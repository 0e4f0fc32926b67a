"""The JSON API: the same parameters and data as the page."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from search.engine import run_search
from search.params import parse_params
from web.current import current_index

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search_json():
    return jsonify(run_search(current_index(), parse_params(request.args)).to_dict())


@bp.get("/api/doc/<doc_id>")
def doc_json(doc_id: str):
    doc = current_index().store.get(doc_id)
    if doc is None:
        abort(404, description=f"no document {doc_id}")
    return jsonify(doc.to_dict())


@bp.get("/healthz")
def healthz():
    opened = current_index()
    return jsonify({"status": "ok", "build": opened.build_id, "documents": len(opened.docs)})
