"""/quality and /api/quality: the served build's health per source folder and the last runs' gates
(search/quality.py). Readable by anyone who can read the search page; it shows no file contents."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from search.params import ParamError
from search.quality import quality
from web.current import current_index

bp = Blueprint("quality", __name__)


def _report():
    if request.args:
        raise ParamError(f"unknown parameter {min(request.args)!r}; /quality takes none")
    return quality(current_index(), current_app.extensions["govlaw_index"].root)


@bp.get("/quality")
def quality_page():
    return render_template("quality.html", report=_report())


@bp.get("/api/quality")
def quality_json():
    return jsonify(_report().to_dict())
