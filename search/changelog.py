"""The change log of an index root, as a format: its file name, the record of one change, and how it is read back.

`ROOT/changes.jsonl` holds one JSON object per line; the indexer writes it (indexer/changes.py: appending,
rotation to `changes.jsonl.1` …, each build's own list) and the web app shows it (web/changes.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

CHANGES_FILE = "changes.jsonl"
KINDS = ("new", "changed", "removed", "rollback")
TAIL_BLOCK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Change:
    time: str  # ISO 8601, UTC, when the build was switched in
    build_id: str  # the build that carries the change
    kind: str  # one of KINDS
    source: str  # "<folder>/<path>" ("" for a rollback)
    doc_id: str
    content_hash: str  # sha256 of the file as indexed ("" when removed)
    previous_hash: str  # sha256 in the previous build ("" when new)
    path: str  # the file on disk, as found by the run
    note: str = ""  # why, where it is not obvious (a file that now fails to load, a rollback)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Change:
        return cls(**{k: str(d.get(k) or "") for k in cls.__dataclass_fields__})


def encode(changes: Iterable[Change]) -> str:
    return "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in changes)


def parse_line(line: str) -> Change | None:
    """One line of the log as a Change; None for a line that is not a JSON object (a missing field reads as "")."""
    try:
        d = json.loads(line)
    except ValueError:
        return None
    return Change.from_dict(d) if isinstance(d, dict) else None


def tail_lines(path: Path, n: int) -> list[str]:
    """The last `n` non-empty lines of a file, reading backwards from its end in blocks."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            pos = f.tell()
            data = b""
            while pos > 0 and data.count(b"\n") <= n:
                step = min(TAIL_BLOCK, pos)
                pos -= step
                f.seek(pos)
                data = f.read(step) + data
    except FileNotFoundError:
        return []
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    if pos > 0:
        lines = lines[1:]  # the first line may be cut
    return lines[-n:]


def read_changes(root: Path, limit: int) -> tuple[Change, ...]:
    """The changes on the last `limit` lines of the log, newest first; a line that is not a JSON object is skipped."""
    path = root / CHANGES_FILE
    lines = tail_lines(path, limit)
    if len(lines) < limit:  # the log was rotated: the rest is in the previous file
        lines = tail_lines(path.with_name(f"{CHANGES_FILE}.1"), limit - len(lines)) + lines
    return tuple(c for c in map(parse_line, reversed(lines)) if c is not None)
