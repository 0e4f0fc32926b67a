"""How healthy the served index is: per source folder, what was indexed and what failed, and the last runs' gates.

Read from the served build (its document table, `manifest.json`, `errors.jsonl`) and from what the indexer leaves
under the index root: each published build's `report.json`, `last-run.json` (the last run, published or not) and
`history.json` (the order builds were published in). The names are the indexer's (indexer/build.py,
indexer/update.py; a test checks they agree). Nothing here shows a file's contents or its place on the server: a
failed file is named by its source (`<folder>/<path inside it>`), as search results name documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search.index import BUILDS_DIR, OpenIndex

ERRORS_FILE = "errors.jsonl"
HISTORY_FILE = "history.json"
LAST_RUN_FILE = "last-run.json"
REPORT_FILE = "report.json"
# Runs listed, newest first.
RUNS_SHOWN = 10
# Failed files listed per folder.
FAILED_SHOWN = 200
# Fields whose share of documents the page shows, and the `extra` keys saying a text came from OCR.
SHARE_FIELDS = ("issuer", "date", "doc_number", "status")
OCR_KEYS = ("ocr", "OCR")
_FALSE = {"", "0", "false", "no", "否"}


@dataclass(frozen=True, slots=True)
class FailedFile:
    source: str  # "<folder>/<path inside it>"
    stage: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "stage": self.stage, "reason": self.reason}


@dataclass(slots=True)
class FolderQuality:
    folder: str
    documents: int = 0
    sections: int = 0
    with_field: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHARE_FIELDS, 0))
    ocr: int = 0
    failed: list[FailedFile] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "documents": self.documents,
            "sections": self.sections,
            "with": dict(self.with_field),
            "share": {k: round(v / self.documents, 4) if self.documents else 0.0 for k, v in self.with_field.items()},
            "ocr": self.ocr,
            "failed_total": len(self.failed),
            "failed": [f.to_dict() for f in self.failed[:FAILED_SHOWN]],
        }


@dataclass(frozen=True, slots=True)
class GateCheck:
    q: str
    expect_source: str
    kind: str  # "golden" (the operator's file) or "title" (a sampled title)
    hit: bool
    rank: int | None
    failed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "expect_source": self.expect_source,
            "kind": self.kind,
            "hit": self.hit,
            "rank": self.rank,
            "failed": self.failed,
        }


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One update run as its report tells it."""

    build_id: str | None
    status: str  # published, unchanged, refused, failed, locked
    time: str | None  # when the report was written (UTC)
    served: bool  # its build is the one served
    documents: int | None
    gate_passed: bool | None
    golden_passed: int
    golden_failed: int
    titles_passed: int
    titles_failed: int
    reasons: tuple[str, ...]
    checks: tuple[GateCheck, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "build_id": self.build_id,
            "status": self.status,
            "time": self.time,
            "served": self.served,
            "documents": self.documents,
            "gate_passed": self.gate_passed,
            "golden_passed": self.golden_passed,
            "golden_failed": self.golden_failed,
            "titles_passed": self.titles_passed,
            "titles_failed": self.titles_failed,
            "reasons": list(self.reasons),
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True, slots=True)
class Quality:
    build_id: str
    created: str | None
    documents: int
    sections: int
    failed: int
    folders: tuple[dict[str, Any], ...]
    runs: tuple[RunRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "build_id": self.build_id,
            "created": self.created,
            "documents": self.documents,
            "sections": self.sections,
            "failed": self.failed,
            "folders": list(self.folders),
            "runs": [r.to_dict() for r in self.runs],
        }


def _folder(source: str) -> str:
    return source.split("/", 1)[0]


def _is_true(value: Any) -> bool:
    return str(value).strip().lower() not in _FALSE


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def failed_files(build: Path) -> list[FailedFile]:
    """The files a build could not index (errors.jsonl; a line that is not a JSON object is skipped)."""
    out = []
    try:
        lines = (build / ERRORS_FILE).read_text("utf-8").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict):
            out.append(FailedFile(str(d.get("source", "")), str(d.get("stage", "")), str(d.get("reason", ""))))
    return out


def folder_quality(index: OpenIndex) -> tuple[dict[str, Any], ...]:
    """Per source folder of the served build (computed once per build)."""

    def compute() -> tuple[dict[str, Any], ...]:
        folders: dict[str, FolderQuality] = {}
        for doc_id, meta in index.docs.items():
            q = folders.setdefault(_folder(meta.source), FolderQuality(_folder(meta.source)))
            q.documents += 1
            q.sections += len(index.sections_of(doc_id))
            for name in SHARE_FIELDS:
                if getattr(meta, name):
                    q.with_field[name] += 1
        ocr = {source for key in OCR_KEYS for source, value in index.store.extra_values(key) if _is_true(value)}
        for source in ocr:
            folders.setdefault(_folder(source), FolderQuality(_folder(source))).ocr += 1
        for failed in failed_files(index.path):
            folders.setdefault(_folder(failed.source), FolderQuality(_folder(failed.source))).failed.append(failed)
        return tuple(folders[k].to_dict() for k in sorted(folders))

    return index.memo("quality-folders", compute)


def _time_of(path: Path) -> str | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
    except OSError:
        return None


def run_record(report: dict[str, Any], time: str | None, served_build: str) -> RunRecord:
    gate = report.get("gate") or {}
    checks = tuple(
        GateCheck(
            q=str(c.get("q", "")),
            expect_source=str(c.get("expect_source", "")),
            kind="title" if c.get("origin") == "title" else "golden",
            hit=bool(c.get("hit")),
            rank=c.get("rank") if isinstance(c.get("rank"), int) else None,
            failed=bool(c.get("failed")),
        )
        for c in gate.get("checks") or ()
        if isinstance(c, dict)
    )
    golden = [c for c in checks if c.kind == "golden"]
    titles = [c for c in checks if c.kind == "title"]
    build_id = report.get("build_id")
    return RunRecord(
        build_id=build_id,
        status=str(report.get("status", "")),
        time=time,
        served=build_id == served_build,
        documents=report.get("documents"),
        gate_passed=gate.get("passed") if gate else None,
        golden_passed=sum(not c.failed for c in golden),
        golden_failed=sum(c.failed for c in golden),
        titles_passed=sum(not c.failed for c in titles),
        titles_failed=sum(c.failed for c in titles),
        reasons=tuple(str(r) for r in gate.get("reasons") or ()),
        checks=checks,
    )


def _history(root: Path) -> list[str]:
    data = _read_json(root / HISTORY_FILE) or {}
    published = data.get("published")
    return [str(b) for b in published] if isinstance(published, list) else []


def recent_runs(root: Path, served_build: str, shown: int = RUNS_SHOWN) -> tuple[RunRecord, ...]:
    """The last runs, newest first: the report of each kept published build (in publishing order), and the last
    run when it published nothing (unchanged, refused by its gate, failed)."""
    builds = root / BUILDS_DIR
    kept = [b for b in _history(root) if (builds / b / REPORT_FILE).is_file()]
    if not kept and builds.is_dir():
        kept = sorted(p.name for p in builds.iterdir() if (p / REPORT_FILE).is_file() and not p.name.startswith("."))
    runs: list[RunRecord] = []
    for b in kept:
        report = _read_json(builds / b / REPORT_FILE)
        if report is not None:
            runs.append(run_record(report, _time_of(builds / b / REPORT_FILE), served_build))
    last = _read_json(root / LAST_RUN_FILE)
    if last is not None and not (last.get("status") == "published" and last.get("build_id") in kept):
        runs.append(run_record(last, _time_of(root / LAST_RUN_FILE), served_build))
    return tuple(reversed(runs[-shown:]))


def quality(index: OpenIndex, root: Path) -> Quality:
    """The quality report of the served build under the index root `root`."""
    folders = folder_quality(index)
    manifest = index.manifest
    return Quality(
        build_id=index.build_id,
        created=manifest.get("created"),
        documents=len(index.docs),
        sections=sum(f["sections"] for f in folders),
        failed=sum(f["failed_total"] for f in folders),
        folders=folders,
        runs=recent_runs(root, index.build_id),
    )
