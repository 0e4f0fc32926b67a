"""The change log of the index: what each nightly update added, changed or removed, newest first.

Reads `<index root>/changes.jsonl`, written by the indexer (indexer/changes.py) after each switch; the same
entries feed the page (/changes) and the JSON (/api/changes?limit=N).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request

from search.index import IndexHolder, NoIndexError
from search.params import ParamError
from web.current import current_index

CHANGES_FILE = "changes.jsonl"      # the indexer's file name (a test keeps the two in step)
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
TAIL_BLOCK = 64 * 1024
KIND_LABELS = {"new": "新增", "changed": "修改", "removed": "删除", "rollback": "回滚"}

bp = Blueprint("changes", __name__)


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    time: str
    build_id: str
    kind: str
    kind_label: str
    source: str
    doc_id: str
    content_hash: str
    previous_hash: str
    note: str
    in_index: bool          # the document is in the served build (the page links to it)

    def to_dict(self) -> dict:
        return asdict(self)


def parse_limit(args) -> int:
    unknown = sorted(k for k in args.keys() if k != "limit")
    if unknown:
        raise ParamError(f"unknown parameter {unknown[0]!r}; accepted: limit")
    values = args.getlist("limit")
    if len(values) > 1:
        raise ParamError("limit may be given once")
    raw = values[0] if values else ""
    if raw == "":
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {raw[:20]!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise ParamError(f"limit must be from 1 to {MAX_LIMIT}, got {value}")
    return value


def tail_lines(path: Path, n: int) -> list[str]:
    """The last `n` non-empty lines of a file, reading backwards from its end in blocks."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return []
    with f:
        f.seek(0, os.SEEK_END)
        pos = f.tell()
        data = b""
        while pos > 0 and data.count(b"\n") <= n:
            step = min(TAIL_BLOCK, pos)
            pos -= step
            f.seek(pos)
            data = f.read(step) + data
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    if pos > 0:
        lines = lines[1:]           # the first line may be cut
    return lines[-n:]


def read_changes(root: Path, limit: int, in_index: set[str] | frozenset[str] = frozenset()
                 ) -> tuple[ChangeEntry, ...]:
    """The newest `limit` entries, newest first; a line that is not a JSON object is skipped."""
    path = root / CHANGES_FILE
    lines = tail_lines(path, limit)
    if len(lines) < limit:          # the log was rotated: the rest is in the previous file
        lines = tail_lines(path.with_name(f"{CHANGES_FILE}.1"), limit - len(lines)) + lines
    out = []
    for line in reversed(lines):
        try:
            d = json.loads(line)
            kind = str(d.get("kind", ""))
            out.append(ChangeEntry(time=str(d.get("time", "")), build_id=str(d.get("build_id", "")), kind=kind,
                                   kind_label=KIND_LABELS.get(kind, kind), source=str(d.get("source", "")),
                                   doc_id=str(d.get("doc_id", "")), content_hash=str(d.get("content_hash", "")),
                                   previous_hash=str(d.get("previous_hash", "")), note=str(d.get("note", "")),
                                   in_index=str(d.get("doc_id", "")) in in_index and kind in ("new", "changed")))
        except (ValueError, AttributeError):
            continue
    return tuple(out)


def _changes(limit: int) -> tuple[ChangeEntry, ...]:
    holder: IndexHolder = current_app.extensions["govlaw_index"]
    try:
        docs = set(current_index().docs)       # also names the served build in the response header
    except NoIndexError:
        docs = set()
    return read_changes(holder.root, limit, docs)


@bp.get("/changes")
def changes_page():
    limit = parse_limit(request.args)
    return render_template("changes.html", changes=_changes(limit), limit=limit)


@bp.get("/api/changes")
def changes_json():
    limit = parse_limit(request.args)
    entries = _changes(limit)
    return jsonify({"limit": limit, "count": len(entries), "changes": [e.to_dict() for e in entries]})
