"""The /expiring page and /api/expiring: what lapses next, and what lapsed but is still cited (search/expiring.py)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from search.expiring import DEFAULT_LIMIT, MAX_LIMIT, expiring
from search.params import parse_limit
from web.current import current_index

bp = Blueprint("expiring", __name__)


@bp.get("/expiring")
def expiring_page():
    report = expiring(current_index(), parse_limit(request.args, DEFAULT_LIMIT, MAX_LIMIT))
    return render_template("expiring.html", report=report)


@bp.get("/api/expiring")
def expiring_json():
    return jsonify(expiring(current_index(), parse_limit(request.args, DEFAULT_LIMIT, MAX_LIMIT)).to_dict())
