"""The browser pages: the search page and the document view."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from search.docview import document_view
from search.engine import run_search
from search.params import parse_params
from web.current import current_index

bp = Blueprint("pages", __name__)


@bp.get("/")
def search_page():
    params = parse_params(request.args)
    result = run_search(current_index(), params)
    return render_template("search.html", params=params, result=result)


@bp.get("/doc/<doc_id>")
def doc_page(doc_id: str):
    view = document_view(current_index(), doc_id, request.args.get("q", ""))
    if view is None:
        abort(404, description=f"no document {doc_id}")
    return render_template("doc.html", view=view)
