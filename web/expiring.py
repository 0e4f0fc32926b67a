"""The /expiring page and /api/expiring: what lapses next, and what lapsed but is still cited (search/expiring.py)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from search.expiring import DEFAULT_LIMIT, MAX_LIMIT, expiring
from search.params import MultiMapping, ParamError
from web.current import current_index

bp = Blueprint("expiring", __name__)


def parse_limit(args: MultiMapping) -> int:
    """`limit` (1..MAX_LIMIT entries per list), the only parameter."""
    unknown = sorted(k for k in args.keys() if k != "limit")  # noqa: SIM118  a MultiMapping has keys(), no __iter__
    if unknown:
        raise ParamError(f"unknown parameter {unknown[0]!r}; accepted: limit")
    values = args.getlist("limit")
    if len(values) > 1:
        raise ParamError("limit may be given once")
    raw = (values[0] if values else "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ParamError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {raw[:20]!r}")
    return int(raw)


@bp.get("/expiring")
def expiring_page():
    report = expiring(current_index(), parse_limit(request.args))
    return render_template("expiring.html", report=report)


@bp.get("/api/expiring")
def expiring_json():
    return jsonify(expiring(current_index(), parse_limit(request.args)).to_dict())
