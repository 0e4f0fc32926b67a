"""The change log of the index: what each nightly update added, changed or removed, newest first.

Reads `<index root>/changes.jsonl`, which the indexer appends to after each switch, with the record type and
reader of search/changelog.py; the same entries feed the page (/changes) and the JSON (/api/changes?limit=N).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request

from search.changelog import Change, read_changes
from search.index import IndexHolder, NoIndexError
from search.params import parse_limit
from web.current import current_index

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
KIND_LABELS = {"new": "新增", "changed": "修改", "removed": "删除", "rollback": "回滚"}
# Kinds after which the document is in the build that carries the change (the page links to it).
IN_INDEX_KINDS = ("new", "changed")
# Fields of the log the page and the JSON leave out: the file's location on the server.
PRIVATE_FIELDS = ("path",)

bp = Blueprint("changes", __name__)


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    change: Change
    in_index: bool  # the document is in the served build (the page links to it)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.change.kind, self.change.kind)

    def to_dict(self) -> dict:
        shown = {k: v for k, v in self.change.to_dict().items() if k not in PRIVATE_FIELDS}
        return {**shown, "kind_label": self.kind_label, "in_index": self.in_index}


def change_entries(
    root: Path, limit: int, in_index: set[str] | frozenset[str] = frozenset()
) -> tuple[ChangeEntry, ...]:
    """The newest `limit` entries of the log, newest first; `in_index` holds the served build's document ids."""
    return tuple(ChangeEntry(c, c.doc_id in in_index and c.kind in IN_INDEX_KINDS) for c in read_changes(root, limit))


def _changes(limit: int) -> tuple[ChangeEntry, ...]:
    holder: IndexHolder = current_app.extensions["govlaw_index"]
    try:
        docs = set(current_index().docs)  # also names the served build in the response header
    except NoIndexError:
        docs = set()
    return change_entries(holder.root, limit, docs)


@bp.get("/changes")
def changes_page():
    limit = parse_limit(request.args, DEFAULT_LIMIT, MAX_LIMIT)
    return render_template("changes.html", changes=_changes(limit), limit=limit)


@bp.get("/api/changes")
def changes_json():
    limit = parse_limit(request.args, DEFAULT_LIMIT, MAX_LIMIT)
    entries = _changes(limit)
    return jsonify({"limit": limit, "count": len(entries), "changes": [e.to_dict() for e in entries]})
