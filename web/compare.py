"""新旧对照: two documents aligned article by article, as a page (/compare) and as JSON (/api/compare)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request

from search.compare import STATUS_NAMES, STATUSES, Comparison, compare, default_pair
from search.docview import doc_link
from search.params import ParamError
from web.current import current_index

bp = Blueprint("compare", __name__)

PARAMS = ("old", "new")


def _comparison() -> Comparison:
    """The comparison the request asks for: ?old=<id>&new=<id>, or one of them and the adjacent version."""
    unknown = sorted(k for k in request.args if k not in PARAMS)
    if unknown:
        raise ParamError(f"unknown parameter {unknown[0]!r}; accepted: {', '.join(PARAMS)}")
    values = {}
    for name in PARAMS:
        given = request.args.getlist(name)
        if len(given) > 1:
            raise ParamError(f"{name} may be given once")
        values[name] = given[0].strip() if given and given[0].strip() else None
    old_id, new_id = values["old"], values["new"]
    if old_id is None and new_id is None:
        raise ParamError(
            "give the two documents to compare: old=<id>&new=<id> (or one of them, to compare it with its next version)"
        )
    index = current_index()
    for d in (old_id, new_id):
        if d is not None and d not in index.docs:
            abort(404, description=f"no document {d}")
    if old_id is None or new_id is None:
        pair = default_pair(index, old_id, new_id)
        if pair is None:
            raise ParamError(f"document {old_id or new_id} has no other version: give both old=<id> and new=<id>")
        old_id, new_id = pair
    return compare(index, old_id, new_id)


@bp.get("/api/compare")
def compare_json():
    return jsonify(_comparison().to_dict())


@bp.get("/compare")
def compare_page():
    result = _comparison()
    index = current_index()
    # The versions offered in the form: of either document, newest first.
    ids = dict.fromkeys([*index.versions.get(result.new.doc_id, ()), *index.versions.get(result.old.doc_id, ())])
    ids = ids or dict.fromkeys([result.new.doc_id, result.old.doc_id])
    choices = [doc_link(index.docs[d]) for d in ids]
    return render_template("compare.html", result=result, choices=choices, statuses=STATUSES, status_names=STATUS_NAMES)
