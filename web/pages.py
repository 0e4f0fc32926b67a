"""The browser pages: the search page and the document view."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from search.docview import document_view
from search.engine import run_search
from search.export import EXPORT_LIMIT
from search.params import parse_day, parse_params
from web.current import current_index

bp = Blueprint("pages", __name__)

# Page links around the current page, and at both ends.
PAGE_WINDOW = 2


def page_numbers(page: int, pages: int, window: int = PAGE_WINDOW) -> list[int | None]:
    """Page numbers to link, None where a run of pages is left out: 1 … 4 5 [6] 7 8 … 20."""
    shown = sorted({1, pages, *range(max(1, page - window), min(pages, page + window) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


@bp.get("/")
def search_page():
    params = parse_params(request.args)
    result = run_search(current_index(), params)
    export_query = params.with_changes(page=1).query_string()
    return render_template(
        "search.html",
        params=params,
        result=result,
        export_limit=EXPORT_LIMIT,
        export_query=export_query + "&" if export_query else "",
        page_numbers=page_numbers(result.page, result.pages),
    )


@bp.get("/doc/<doc_id>")
def doc_page(doc_id: str):
    as_of = parse_day("as_of", request.args.get("as_of", ""))
    view = document_view(current_index(), doc_id, request.args.get("q", ""), as_of)
    if view is None:
        abort(404, description=f"no document {doc_id}")
    return render_template("doc.html", view=view)
