"""The change log of an index root: what each published update changed, file by file, with its provenance.

`ROOT/changes.jsonl`, one JSON object per line, appended only after a build is switched in. Each build also
keeps its own list (`builds/<id>/changes.jsonl`, written before the switch), so a run that died between the
switch and the append is logged by the next one. The log is rotated to `changes.jsonl.1`, `.2` … when it
grows past CHANGES_MAX_BYTES. The record and its reader are in search/changelog.py, which the web app reads
the log with too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from search.changelog import CHANGES_FILE, Change, encode

__all__ = [
    "CHANGES_FILE",
    "CHANGES_MAX_BYTES",
    "CHANGES_ROTATED",
    "Change",
    "append_changes",
    "last_logged_build",
    "log_unlogged_build",
    "read_build_changes",
    "write_build_changes",
]

CHANGES_MAX_BYTES = 8 * 1024 * 1024
CHANGES_ROTATED = 3


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


def append_changes(
    root: Path, changes: list[Change], *, max_bytes: int = CHANGES_MAX_BYTES, rotated: int = CHANGES_ROTATED
) -> None:
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
