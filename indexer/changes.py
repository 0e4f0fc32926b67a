"""The change log of an index root: what each published update changed, file by file, with its provenance.

`ROOT/changes.jsonl`, one JSON object per line, appended only after a build is switched in. Each build also
keeps its own list (`builds/<id>/changes.jsonl`, written before the switch), so a run that died between the
switch and the append is logged by the next one. The log is rotated to `changes.jsonl.1`, `.2` … when it
grows past CHANGES_MAX_BYTES. The web app reads the same file (web/changes.py).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

CHANGES_FILE = "changes.jsonl"
CHANGES_MAX_BYTES = 8 * 1024 * 1024
CHANGES_ROTATED = 3
KINDS = ("new", "changed", "removed", "rollback")


@dataclass(frozen=True, slots=True)
class Change:
    time: str                   # ISO 8601, UTC, when the build was switched in
    build_id: str               # the build that carries the change
    kind: str                   # one of KINDS
    source: str                 # "<folder>/<path>" ("" for a rollback)
    doc_id: str
    content_hash: str           # sha256 of the file as indexed ("" when removed)
    previous_hash: str          # sha256 in the previous build ("" when new)
    path: str                   # the file on disk, as found by the run
    note: str = ""              # why, where it is not obvious (a file that now fails to load, a rollback)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Change:
        return cls(**{k: str(d.get(k) or "") for k in cls.__dataclass_fields__})


def encode(changes: Iterable[Change]) -> str:
    return "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in changes)


def write_build_changes(build: Path, changes: Iterable[Change]) -> None:
    """The build's own list of changes, written with the build (before the switch)."""
    (build / CHANGES_FILE).write_text(encode(changes), "utf-8")


def read_build_changes(build: Path) -> list[Change]:
    try:
        lines = (build / CHANGES_FILE).read_text("utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [Change.from_dict(json.loads(line)) for line in lines if line.strip()]


def last_logged_build(root: Path) -> str | None:
    """The build id on the last line of the root log (reads only the file's tail)."""
    path = root / CHANGES_FILE
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            tail = f.read().splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(tail):
        try:
            return str(json.loads(line)["build_id"])
        except (ValueError, KeyError, TypeError):
            continue
    return None


def _rotate(path: Path, keep: int) -> None:
    for n in range(keep, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        newer = path if n == 1 else path.with_name(f"{path.name}.{n - 1}")
        if newer.exists():
            os.replace(newer, older)


def append_changes(root: Path, changes: list[Change], *, max_bytes: int = CHANGES_MAX_BYTES,
                   rotated: int = CHANGES_ROTATED) -> None:
    """Append to the root log (call with the root lock held), rotating it first when it is too large."""
    if not changes:
        return
    path = root / CHANGES_FILE
    try:
        if path.stat().st_size >= max_bytes:
            _rotate(path, rotated)
    except FileNotFoundError:
        pass
    with open(path, "a", encoding="utf-8") as f:
        f.write(encode(changes))
        f.flush()
        os.fsync(f.fileno())


def log_unlogged_build(root: Path, build: Path | None) -> int:
    """Append the served build's changes if a crash after the switch kept them out of the log; returns how many."""
    if build is None:
        return 0
    changes = read_build_changes(build)
    if not changes or last_logged_build(root) == build.name:
        return 0
    append_changes(root, changes)
    return len(changes)
