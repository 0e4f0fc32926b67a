"""Updating an index root from its sources: only new, changed and removed files are read again.

scan     walk the sources, hash every file, compare with the manifest of the published build
process  read, clean and index the new and changed files: each worker a share of them, into a segment and a
         store of its own in builds/.tmp-<id> (as a parallel full build)
write    link the published build's files into it (indexer/incremental.py); mark the records of changed and
         removed documents deleted and add the workers' segments; their documents into the store's delta (a
         copy); manifest, errors and the build's change list
merge    only when segments have piled up: the small ones merged into one
gate     golden queries and the document count (indexer/gate.py), in a worker process, while this one writes
         the build's opened state (and warm sets)
switch   fsync, rename to builds/<id>, replace `current` in one rename
log      append the change log, prune old builds

An unchanged corpus ends after the scan, with no build written. A failed or refused run deletes its build
and leaves the served one as it was. When the code that turns files into records has changed since the
published build (its manifest's `pipeline`), every file is read again into a build written from scratch.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from indexer.build import (
    ERRORS_FILE,
    KEEP_BUILDS,
    PARALLEL_MIN_FILES,
    TMP_PREFIX,
    WRITER_BULK,
    WRITER_WHOOSH,
    BuildReport,
    LockedError,
    build_manifest,
    current_build_path,
    fsync_dir,
    fsync_tree,
    new_build_id,
    open_written_build,
    operator_digest,
    pipeline_fingerprint,
    prune_builds,
    publish,
    read_history,
    reconcile_history,
    record_published,
    remove_stale_builds,
    root_lock,
    updated_writer,
    write_atomic,
    write_build,
    write_build_parallel,
    write_history,
    write_opened_state,
    write_parts,
)
from indexer.changes import Change, append_changes, log_unlogged_build, write_build_changes
from indexer.gate import GATE_MIN_RATIO, GATE_SAMPLE, GateQuery, GateResult, run_gate, sample_titles
from indexer.incremental import MAX_SMALL_SEGMENTS, merge_small_segments, merge_store_delta, write_incremental
from indexer.pipeline import FileError, SourceFile, doc_id_for, file_hash, iter_documents, iter_sources
from indexer.workers import run_each
from search.backend import manifest_shards
from search.index import BUILDS_DIR, MANIFEST_FILE, BuildVersionError, check_build_whoosh
from search.model import Document
from search.store import STORE_FILE, DocStore
from search.whoosh_fence import WHOOSH_VERSION

PHASES = ("scan", "process", "write", "gate", "switch", "log")
# Tests set GOVLAW_TEST_PAUSE_AT=<phase>: the run prints "govlaw-pause: <phase>" to stderr there and sleeps,
# so that it can be killed at a known point.
PAUSE_ENV = "GOVLAW_TEST_PAUSE_AT"
PAUSE_SECONDS = 600
REPORT_FILE = "report.json"
LAST_RUN_FILE = "last-run.json"
STATUSES = ("published", "unchanged", "refused", "failed", "locked")

log = logging.getLogger("govlaw.indexer")


def event(name: str, **fields) -> None:
    """One structured log record: the CLI renders it as JSON or logfmt on stderr."""
    log.info(name, extra={"govlaw": fields})


def pause_point(phase: str) -> None:
    if os.environ.get(PAUSE_ENV) == phase:
        print(f"govlaw-pause: {phase}", file=sys.stderr, flush=True)
        time.sleep(PAUSE_SECONDS)


@dataclass(frozen=True, slots=True)
class Plan:
    """How the sources differ from the published build, by source ("<folder>/<path>")."""

    new: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    still_failing: tuple[str, ...]  # failed in the published build and not changed since

    @property
    def empty(self) -> bool:
        return not (self.new or self.changed or self.removed)


def plan_changes(found: Mapping[str, tuple[str, str]], manifest: Mapping) -> Plan:
    """Compare files found now (source -> (content hash, operator digest)) with a build's manifest.

    A file whose content or operator metadata changed is `changed`; a hash of "" (the file could not be read)
    always counts as a change, so the file is read and its error reported.
    """
    files = manifest.get("files", {})
    operator = manifest.get("operator", {})
    failed = manifest.get("failed", {})
    new: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    still_failing: list[str] = []
    for source in sorted(found):
        content, op = found[source]
        if source in files:
            same = bool(content) and files[source] == content and operator.get(source, "") == op
            (unchanged if same else changed).append(source)
        elif bool(content) and failed.get(source) == content and operator.get(source, "") == op:
            still_failing.append(source)
        else:
            new.append(source)
    removed = sorted(s for s in files if s not in found)
    return Plan(tuple(new), tuple(changed), tuple(removed), tuple(unchanged), tuple(still_failing))


@dataclass(frozen=True, slots=True)
class UpdateOptions:
    workers: int | None = None
    keep: int = KEEP_BUILDS
    progress: bool | None = None
    use_metadata_file: bool = True
    gate_queries: tuple[GateQuery, ...] = ()
    gate_sample: int = GATE_SAMPLE
    min_ratio: float = GATE_MIN_RATIO
    full: bool = False  # read every file again, as after a change of the indexing code
    max_small_segments: int = MAX_SMALL_SEGMENTS  # past this many small segments they are merged (incremental.py)
    dry_run: bool = False  # scan and report what would change; write nothing
    # Write the warm match sets (search/warm.py) into a build that passes the gate: the web workers warm it
    # faster, the update takes seconds longer (the sets are found over the whole build, not the change).
    warm_sets: bool = False
    # Xapian shards (indexer/shards.py): backend None keeps the published build's (with its number of shards
    # unless `shards` says), "whoosh" writes none, "xapian" writes `shards` (3 if None).
    backend: str | None = None
    shards: int | None = None

    def shards_for(self, previous: Mapping) -> int | None:
        """The shards the new build gets, given the published build's manifest."""
        if self.backend == "whoosh":
            return None
        had = manifest_shards(dict(previous))
        if self.backend == "xapian":
            return self.shards or had or 3
        return self.shards or had


@dataclass(frozen=True, slots=True)
class UpdateReport:
    status: str  # one of STATUSES
    message: str
    build_id: str | None  # the new build (None when none was written)
    previous_build: str | None
    mode: str  # "incremental", "full" or "" (nothing written)
    new: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    failed: tuple[FileError, ...]  # files of this run that could not be read (and metadata-file errors)
    reprocessed: tuple[str, ...]  # the files this run read and cleaned
    files: int  # supported files found
    documents: int | None
    previous_documents: int | None
    sections: int | None
    gate: GateResult | None
    phases: Mapping[str, float]
    recovered: Mapping[str, int]  # what the start of the run repaired after an earlier crash
    seconds: float
    dry_run: bool = False

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "message": self.message,
            "build_id": self.build_id,
            "previous_build": self.previous_build,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "counts": {
                "files": self.files,
                "new": len(self.new),
                "changed": len(self.changed),
                "removed": len(self.removed),
                "failed": len(self.failed),
                "reprocessed": len(self.reprocessed),
            },
            "new": list(self.new),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "failed": [e.to_dict() for e in self.failed],
            "reprocessed": list(self.reprocessed),
            "documents": self.documents,
            "previous_documents": self.previous_documents,
            "sections": self.sections,
            "gate": self.gate.to_dict() if self.gate else None,
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
            "recovered": dict(self.recovered),
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        if self.status == "locked":
            return f"update: not run: {self.message}"
        counts = (
            f"{len(self.new)} new, {len(self.changed)} changed, {len(self.removed)} removed, {len(self.failed)} failed"
        )
        head = {
            "published": f"published build {self.build_id}",
            "unchanged": "unchanged: no new build",
            "refused": f"refused build {self.build_id}",
            "failed": "failed",
            "locked": "not run",
        }[self.status]
        if self.dry_run:
            head = "dry run: nothing written"
        docs = f"; {self.documents} documents" if self.documents is not None else ""
        if self.documents is not None and self.previous_documents is not None:
            docs += f" (was {self.previous_documents})"
        gate = f"; {self.gate.summary()}" if self.gate else ""
        tail = f"; {self.message}" if self.message and self.status in ("failed", "published") else ""
        return f"update: {head}: {self.files} files, {counts}{docs}{gate}{tail}; {self.seconds:.1f} s"


@dataclass
class _Run:
    """What a run has learned so far; turned into an UpdateReport at the end, whatever happened."""

    started: float
    status: str = "failed"
    message: str = ""
    build_id: str | None = None
    previous_build: str | None = None
    mode: str = ""
    plan: Plan | None = None
    errors: list[FileError] = field(default_factory=list)
    reprocessed: list[str] = field(default_factory=list)
    files: int = 0
    documents: int | None = None
    previous_documents: int | None = None
    sections: int | None = None
    gate: GateResult | None = None
    phases: dict[str, float] = field(default_factory=dict)
    recovered: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def timed(self, phase: str, since: float) -> None:
        self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - since

    def report(self) -> UpdateReport:
        plan = self.plan or Plan((), (), (), (), ())
        return UpdateReport(
            status=self.status,
            message=self.message,
            build_id=self.build_id,
            previous_build=self.previous_build,
            mode=self.mode,
            new=plan.new,
            changed=plan.changed,
            removed=plan.removed,
            failed=tuple(self.errors),
            reprocessed=tuple(self.reprocessed),
            files=self.files,
            documents=self.documents,
            previous_documents=self.previous_documents,
            sections=self.sections,
            gate=self.gate,
            phases=dict(self.phases),
            recovered=dict(self.recovered),
            seconds=time.perf_counter() - self.started,
            dry_run=self.dry_run,
        )


def _scan(
    sources: list[Path], use_metadata_file: bool
) -> tuple[list[SourceFile], list[FileError], dict[str, tuple[str, str]]]:
    """Every supported file with its content hash and operator digest ("" hash: unreadable)."""
    files, errors, _ = iter_sources(sources, use_metadata_file=use_metadata_file)
    found: dict[str, tuple[str, str]] = {}
    for sf in files:
        try:
            content = file_hash(sf.path)
        except OSError:
            content = ""
        found[sf.source] = (content, operator_digest(dict(sf.operator)))
    return files, errors, found


def _usable_previous(previous: Path | None, run: _Run) -> tuple[Path | None, dict]:
    """The published build to build on and its manifest; (None, its manifest if readable) when it cannot be
    opened: nothing of it can be trusted, so every file is read into a build written from scratch, and the gate
    has no previous build to compare with (the golden queries still apply)."""
    if previous is None:
        return None, {}
    broken = _unopenable(previous)
    if broken is None:
        return previous, _read_manifest(previous)
    run.message = f"the published build {previous.name} cannot be opened ({broken}): built again from scratch"
    event("previous.unopenable", build=previous.name, error=broken, action="full build from scratch")
    return None, _manifest_or_empty(previous)


def _unopenable(build: Path) -> str | None:
    """Why a published build cannot be opened (its manifest, its Whoosh index, its document store), or None."""
    # Whoosh leaves a file it failed to read open, held by the exception: closed here, quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        reason = _open_error(build)
        if reason is not None:
            gc.collect()
    return reason


def _open_error(build: Path) -> str | None:
    """The files of a build opened as a search opens them, without reading every document (the gate opens the
    new build, which carries them over, in full)."""
    from whoosh import index as whoosh_index

    try:
        manifest = _read_manifest(build)
        if not isinstance(manifest, dict):
            return f"{MANIFEST_FILE} is not a JSON object"
        if manifest.get("whoosh", WHOOSH_VERSION) != WHOOSH_VERSION:
            return None  # another Whoosh's build: refused below with the message to rebuild it
        ix = whoosh_index.open_dir(str(build))
        try:
            ix.reader().close()
        finally:
            ix.close()
        store = DocStore(build / STORE_FILE)
        try:
            store.count()
        finally:
            store.close()
    except Exception as e:  # noqa: BLE001 - whatever is wrong with it, the run starts from scratch
        return f"{type(e).__name__}: {e}"
    return None


def _manifest_or_empty(build: Path) -> dict:
    try:
        manifest = _read_manifest(build)
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _read_manifest(build: Path | None) -> dict:
    if build is None:
        return {}
    return json.loads((build / MANIFEST_FILE).read_text("utf-8"))


def _progress(total: int, enabled: bool | None) -> Callable[[Iterable], Iterable]:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total == 0:
        return lambda it: it
    from tqdm import tqdm  # type: ignore[import-untyped]  # no type information installed (types-tqdm)

    return lambda it: tqdm(it, total=total, unit="doc", file=sys.stderr, desc="indexing")


def _processed(
    files: list[SourceFile], workers: int, progress: bool | None, run: _Run
) -> Iterator[Document | FileError]:
    """build_document over `files`, noting what was read; the `process` pause point after the first file."""
    bar = _progress(len(files), progress)
    for i, item in enumerate(bar(iter_documents(files, workers))):
        run.reprocessed.append(item.source)
        if i == 0:
            pause_point("process")
        yield item


def _changes(
    plan: Plan,
    previous: Mapping,
    indexed: Mapping[str, str],
    errors: Iterable[FileError],
    paths: Mapping[str, str],
    build_id: str,
    when: str,
) -> list[Change]:
    """The change log entries of a build, in source order: `indexed` maps the sources of new and changed
    documents this run indexed to their content hash, `errors` the files that failed to load."""
    old = previous.get("files", {})
    out = [
        Change(
            when,
            build_id,
            "changed" if source in old else "new",
            source,
            doc_id_for(source),
            content,
            old.get(source, ""),
            paths.get(source, ""),
        )
        for source, content in indexed.items()
    ]
    out += [
        Change(
            when,
            build_id,
            "removed",
            e.source,
            doc_id_for(e.source),
            "",
            old[e.source],
            e.path,
            note=f"文件无法读取 ({e.stage}: {e.reason})",
        )
        for e in errors
        if e.source in old
    ]
    out += [
        Change(
            when,
            build_id,
            "removed",
            source,
            doc_id_for(source),
            "",
            old.get(source, ""),
            "",
            note="文件已不在来源目录中",
        )
        for source in plan.removed
    ]
    return sorted(out, key=lambda c: (c.source, c.kind))


def _carried_errors(previous: Path | None, sources: set[str]) -> list[dict]:
    if previous is None or not sources:
        return []
    try:
        lines = (previous / ERRORS_FILE).read_text("utf-8").splitlines()
    except FileNotFoundError:
        return []
    rows = [json.loads(line) for line in lines if line.strip()]
    return [r for r in rows if r.get("source") in sources]


def _write_warm_sets(new, build_id: str) -> None:
    """Warm match sets are an optimisation: failing to write them leaves the build without (it is warmed by
    searching instead), never with a copy of the previous build's."""
    from search.warm import WARM_SETS_FILE, write_warm_sets

    try:
        write_warm_sets(new, build_id)
    except Exception as e:  # noqa: BLE001  the build itself is complete and checked
        (new.path / WARM_SETS_FILE).unlink(missing_ok=True)
        log.warning("warm_sets.failed", extra={"govlaw": {"build": build_id, "error": str(e)}})


def _gate(tmp: Path, previous: Path | None, manifest: Mapping, plan: Plan, options: UpdateOptions) -> GateResult:
    """The gate, in a worker process (_check), while this one writes into the new build what opening it computes
    (its opened state and, with `warm_sets`, its warm match sets: search/warm.py), so that the web workers open
    and warm it quickly; a build the gate refuses is deleted with them."""
    build_id = tmp.name.removeprefix(TMP_PREFIX)

    def opened_state() -> None:
        new = open_written_build(tmp)
        try:
            pause_point("gate")
            # The warm sets first: finding them also finds the common words' champions, which the opened state holds.
            if options.warm_sets:
                _write_warm_sets(new, build_id)
            write_opened_state(new, build_id)
        finally:
            new.close()

    [result] = run_each(_check, [(tmp, previous, manifest, plan, options)], beside=opened_state)
    return result


def _check(tmp: Path, previous: Path | None, manifest: Mapping, plan: Plan, options: UpdateOptions) -> GateResult:
    """The golden queries and the document count of the new build; the previous build is opened only if a golden
    query misses (to ask whether it found the document), and its document count is its manifest's."""
    from search.index import OpenIndex

    new = open_written_build(tmp)
    opened: list[OpenIndex] = []
    try:
        queries = list(options.gate_queries)
        if previous is None:
            return run_gate(new, queries, min_ratio=options.min_ratio)
        path = previous

        def open_previous() -> OpenIndex:
            if not opened:
                opened.append(open_written_build(path))
            return opened[0]

        if options.gate_sample:
            titles = {d: (m.source, m.title) for d, m in new.docs.items()}
            queries += sample_titles(titles, plan.unchanged, options.gate_sample)
        count = manifest.get("documents")
        return run_gate(
            new,
            queries,
            previous=open_previous,
            previous_documents=count if isinstance(count, int) else len(open_previous().docs),
            min_ratio=options.min_ratio,
        )
    finally:
        new.close()
        for o in opened:
            o.close()


def _write_last_run(root: Path, report: UpdateReport) -> None:
    try:
        write_atomic(root / LAST_RUN_FILE, json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n")
    except OSError as e:
        event("report.unwritten", path=str(root / LAST_RUN_FILE), error=str(e))


def update_index(sources: list[Path], root: Path, options: UpdateOptions = UpdateOptions()) -> UpdateReport:
    """Bring the published build of `root` up to date with `sources`; never raises for an expected failure.

    The report's status says what happened: published, unchanged (nothing to do), refused (by the gate),
    failed or locked; in every case but `published` the served build is the one that was served before.
    """
    run = _Run(started=time.perf_counter(), dry_run=options.dry_run)
    root = Path(root)
    try:
        with root_lock(root):
            _locked_update([Path(s) for s in sources], root, options, run)
    except LockedError as e:
        run.status, run.message = "locked", f"{e}; try again when it has finished"
    except KeyboardInterrupt:
        run.status, run.message = "failed", "interrupted; the served build is unchanged"
        event("run.interrupted")
        raise
    except Exception as e:  # noqa: BLE001 - reported as a failed run; the served build is untouched
        what = str(e) if isinstance(e, UpdateError) else f"{type(e).__name__}: {e}"
        served = current_build_path(root)
        if run.build_id and served is not None and served.name == run.build_id:
            # The switch happened; only its bookkeeping failed (the next run repairs the history).
            run.status, run.message = "published", f"the build is served, but: {what}"
        else:
            run.status, run.message = "failed", f"{what}; the served build is unchanged"
        event("run.failed", error=run.message, traceback=traceback.format_exc(limit=8))
    report = run.report()
    event(
        "run.done",
        status=report.status,
        build=report.build_id,
        seconds=round(report.seconds, 3),
        new=len(report.new),
        changed=len(report.changed),
        removed=len(report.removed),
        failed=len(report.failed),
        message=report.message,
    )
    if report.status != "locked" and not report.dry_run:
        _write_last_run(root, report)
    return report


def _recover(root: Path, run: _Run) -> Path | None:
    """Repair what a crashed run left (call with the lock held); returns the served build."""
    stale = remove_stale_builds(root)
    reconcile_history(root)
    previous = current_build_path(root)
    logged = log_unlogged_build(root, previous)
    run.recovered = {"stale_builds_removed": len(stale), "changes_logged": logged}
    if stale or logged:
        event("recovered", stale_builds_removed=[p.name for p in stale], changes_logged=logged)
    return previous


@dataclass(frozen=True, slots=True)
class _Written:
    """What the write phase produced besides the build: the files that failed and what was indexed."""

    failures: tuple[FileError, ...]
    indexed: Mapping[str, str]  # source -> content hash of the new and changed documents indexed


def _write_full(
    tmp: Path,
    files: list[SourceFile],
    meta_errors: list[FileError],
    plan: Plan,
    workers: int,
    options: UpdateOptions,
    run: _Run,
) -> _Written:
    """Every file read again into a build written from scratch, as `build` does."""
    breport = BuildReport(build_id=tmp.name.removeprefix(TMP_PREFIX), path=tmp, errors=list(meta_errors))
    if workers > 1 and len(files) >= PARALLEL_MIN_FILES:
        # As `indexer build` writes: a segment per worker, each from its own share of the files.
        pause_point("process")
        write_build_parallel(tmp, files, breport, workers)
        run.reprocessed.extend(f.source for f in files)
    else:
        write_build(tmp, _processed(files, workers, options.progress, run), breport, files=files)
    run.errors = breport.errors
    run.documents, run.sections = breport.documents, breport.sections
    _write_shards(tmp, None, {}, [], (), options.shards_for({}), workers)
    sources = {f.source for f in files}
    touched = set(plan.new) | set(plan.changed)
    indexed = {s: h for s, h in _read_manifest(tmp)["files"].items() if s in touched}
    return _Written(tuple(e for e in breport.errors if e.source in sources), indexed)


def _write_changes(
    tmp: Path,
    previous: Path,
    manifest: Mapping,
    by_source: Mapping[str, SourceFile],
    found: Mapping[str, tuple[str, str]],
    plan: Plan,
    workers: int,
    options: UpdateOptions,
    run: _Run,
) -> _Written:
    """Only the new and changed files read; the rest carried over from the published build."""
    t = time.perf_counter()
    todo = [by_source[s] for s in plan.new + plan.changed]
    pause_point("process")
    # Each worker reads, cleans and writes the segment of its own share of the files, as a parallel build does.
    parts = write_parts(tmp, todo, workers) if todo else []
    run.reprocessed.extend(f.source for f in todo)
    indexed = {s: h for p in parts for s, h in p.hashes.items()}
    failures = [e for p in parts for e in p.errors]
    run.errors += failures
    run.timed("process", t)
    event(
        "process.done",
        files=len(todo),
        documents=len(indexed),
        failed=len(failures),
        seconds=round(run.phases["process"], 3),
    )

    t = time.perf_counter()
    written = write_incremental(previous, tmp, parts, plan.changed + plan.removed)
    pause_point("write")
    run.timed("write", t)
    event("write.segments", segments=written.segments, deleted_records=written.deleted, records=written.records)
    t = time.perf_counter()
    merged = merge_small_segments(tmp, options.max_small_segments)
    store_merged = merge_store_delta(tmp)
    if merged or store_merged:
        run.timed("merge", t)
        event("merge.done", segments=merged, store=store_merged, seconds=round(run.phases["merge"], 3))

    t = time.perf_counter()
    gone = set(plan.changed) | set(plan.removed)
    files_map = {s: h for s, h in manifest.get("files", {}).items() if s not in gone}
    files_map.update(indexed)
    failed_map = {s: manifest["failed"][s] for s in plan.still_failing}
    failed_map.update({e.source: found[e.source][0] for e in failures if found[e.source][0]})
    carried = _carried_errors(previous, set(plan.still_failing))
    with open(tmp / ERRORS_FILE, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in [e.to_dict() for e in run.errors] + carried)
    new_manifest = build_manifest(
        tmp.name.removeprefix(TMP_PREFIX),
        documents=len(files_map),
        sections=written.records,
        errors=len(run.errors) + len(carried),
        skipped=manifest.get("skipped", 0),
        files=dict(sorted(files_map.items())),
        operator={s: op for s, (_, op) in found.items() if op},
        failed=failed_map,
        pipeline=pipeline_fingerprint(),
        writer=updated_writer(manifest.get("writer"), WRITER_BULK, *([WRITER_WHOOSH] if merged else [])),
    )
    (tmp / MANIFEST_FILE).write_text(json.dumps(new_manifest, ensure_ascii=False, indent=1), "utf-8")
    run.documents, run.sections = len(files_map), written.records
    _write_shards(tmp, previous, manifest, list(indexed), written.doomed, options.shards_for(manifest), workers)
    run.timed("write", t)
    return _Written(tuple(failures), indexed)


def _write_shards(
    tmp: Path,
    previous: Path | None,
    manifest: Mapping,
    added: list[str],
    doomed: Iterable[str],
    shards: int | None,
    workers: int,
) -> None:
    """The new build's Xapian shards (none when `shards` is None): only those of the documents of `added` (sources,
    read back from the new build's store) and `doomed` written again where the published build has as many shards,
    else all of them."""
    from search.backend import XAPIAN_DIR, has_shards, require_xapian

    if shards is None:  # a Whoosh-only build: Xapian (an optional extra) is not imported
        shutil.rmtree(tmp / XAPIAN_DIR, ignore_errors=True)
        return
    require_xapian()  # before indexer.shards, which imports it
    from indexer.shards import note_in_manifest, update_shards, write_shards

    build_id = tmp.name.removeprefix(TMP_PREFIX)
    if previous is not None and manifest_shards(dict(manifest)) == shards and has_shards(previous):
        # The published build's shards were carried over as hard links with the rest of it.
        store = DocStore(tmp / STORE_FILE)
        try:
            docs = [d for s in added if (d := store.get(doc_id_for(s))) is not None]
        finally:
            store.close()
        table, touched = update_shards(previous, tmp, build_id, docs, doomed)
        event("write.shards", shards=shards, written=touched)
    else:
        shutil.rmtree(tmp / XAPIAN_DIR, ignore_errors=True)  # another number of shards
        table = write_shards(tmp, build_id, shards, workers)
        event("write.shards", shards=shards, written=list(range(shards)))
    note_in_manifest(tmp, table)


def _switch(root: Path, tmp: Path, final: Path, changes: list[Change], run: _Run) -> None:
    """Make the checked build durable, then serve it: fsync, rename, one atomic replace of `current`."""
    write_build_changes(tmp, changes)
    write_atomic(tmp / REPORT_FILE, json.dumps(run.report().to_dict(), ensure_ascii=False, indent=1))
    fsync_tree(tmp)
    os.rename(tmp, final)
    fsync_dir(root / BUILDS_DIR)
    pause_point("switch")
    publish(root, final)
    record_published(root, final.name)


def _locked_update(sources: list[Path], root: Path, options: UpdateOptions, run: _Run) -> None:
    t = time.perf_counter()
    previous = _recover(root, run)
    for s in sources:
        if not s.is_dir():
            raise UpdateError(f"the source folder {s} is missing or not a folder (is it mounted?)")
    run.previous_build = previous.name if previous is not None else None
    previous, manifest = _usable_previous(previous, run)
    run.previous_documents = manifest.get("documents") if previous is not None else None
    if previous is not None:
        try:
            check_build_whoosh(manifest, previous)
        except BuildVersionError as e:
            raise UpdateError(str(e)) from None
    files, meta_errors, found = _scan(sources, options.use_metadata_file)
    run.files = len(files)
    run.errors += meta_errors
    plan = run.plan = plan_changes(found, manifest)
    full = previous is None or options.full or manifest.get("pipeline") != pipeline_fingerprint()
    run.timed("scan", t)
    event(
        "scan.done",
        files=len(files),
        new=len(plan.new),
        changed=len(plan.changed),
        removed=len(plan.removed),
        unchanged=len(plan.unchanged),
        still_failing=len(plan.still_failing),
        full=full,
        previous_build=run.previous_build,
        seconds=round(run.phases["scan"], 3),
    )
    pause_point("scan")
    if options.dry_run:
        run.status, run.message = "unchanged", "dry run"
        return
    if plan.empty and not full:
        run.status, run.message = "unchanged", "no file is new, changed or removed"
        run.documents = run.previous_documents
        return

    run.mode = "full" if full else "incremental"
    run.build_id = build_id = new_build_id()
    (root / BUILDS_DIR).mkdir(parents=True, exist_ok=True)
    tmp = root / BUILDS_DIR / f"{TMP_PREFIX}{build_id}"
    final = root / BUILDS_DIR / build_id
    workers = options.workers or min(2, os.cpu_count() or 1)
    try:
        if full or previous is None:  # (full is already true without a previous build)
            t = time.perf_counter()
            written = _write_full(tmp, files, meta_errors, plan, workers, options, run)
            run.timed("write", t)
        else:
            written = _write_changes(
                tmp, previous, manifest, {sf.source: sf for sf in files}, found, plan, workers, options, run
            )
        event(
            "write.done",
            build=build_id,
            mode=run.mode,
            documents=run.documents,
            sections=run.sections,
            seconds=round(run.phases.get("write", 0.0), 3),
        )

        t = time.perf_counter()
        run.gate = _gate(tmp, previous, manifest, plan, options)
        run.timed("gate", t)
        event(
            "gate.done",
            passed=run.gate.passed,
            queries=len(run.gate.checks),
            reasons=list(run.gate.reasons),
            documents=run.gate.documents,
            previous_documents=run.gate.previous_documents,
            seconds=round(run.phases["gate"], 3),
        )
        if not run.gate.passed:
            run.status, run.message = "refused", "; ".join(run.gate.reasons)
            shutil.rmtree(tmp, ignore_errors=True)
            return

        t = time.perf_counter()
        when = datetime.now(UTC).isoformat(timespec="seconds")
        paths = {sf.source: str(sf.path) for sf in files}
        changes = _changes(plan, manifest, written.indexed, written.failures, paths, build_id, when)
        _switch(root, tmp, final, changes, run)
        run.timed("switch", t)
        run.status = "published"  # (the message says when the previous build could not be opened)
        event("switch.done", build=build_id, previous_build=run.previous_build)
    except BaseException:
        if current_build_path(root) != final:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(final, ignore_errors=True)
        raise
    _after_switch(root, final, changes, options.keep, run)


def _after_switch(root: Path, build: Path, changes: list[Change], keep: int, run: _Run) -> None:
    """Log the changes and prune old builds. The new build is served already, so a failure here is reported
    but does not make the run a failure (the next run logs what this one could not)."""
    t = time.perf_counter()
    pause_point("log")
    try:
        append_changes(root, changes)
        pruned = prune_builds(root, keep)
        event("log.done", changes=len(changes), pruned=[p.name for p in pruned])
        write_atomic(build / REPORT_FILE, json.dumps(run.report().to_dict(), ensure_ascii=False, indent=1))
    except OSError as e:
        run.message = f"the build is served, but logging or pruning failed: {e}"
        event("log.failed", error=str(e))
    run.timed("log", t)


def rollback_index(root: Path) -> tuple[str, str]:
    """Re-point `current` at the build published before the served one; returns (from, to) build ids.

    The previous build is the one before the served build in the publish history (builds rolled back from
    are skipped); without a history, the newest finished build older than the served one.
    """
    root = Path(root)
    with root_lock(root):
        remove_stale_builds(root)
        reconcile_history(root)
        current = current_build_path(root)
        if current is None:
            raise RollbackError(f"nothing is published under {root}")
        history = read_history(root)
        builds = root / BUILDS_DIR
        earlier = [b for b in history[:-1] if (builds / b).is_dir() and b != current.name]
        if not earlier:
            earlier = sorted(
                p.name
                for p in builds.iterdir()
                if p.is_dir() and not p.name.startswith(TMP_PREFIX) and p.name < current.name
            )
        if not earlier:
            raise RollbackError(f"no earlier build of {root} is left to roll back to (builds are kept with --keep)")
        target = earlier[-1]
        publish(root, builds / target)
        cut = history.index(target) + 1 if target in history else 0
        write_history(root, history[:cut] if cut else [target])
        when = datetime.now(UTC).isoformat(timespec="seconds")
        append_changes(root, [Change(when, target, "rollback", "", "", "", "", "", note=f"从构建 {current.name} 回滚")])
        event("rollback.done", previous_build=current.name, build=target)
        return current.name, target


class UpdateError(RuntimeError):
    """A run cannot go on for a reason the operator can fix (the message says which)."""


class RollbackError(RuntimeError):
    """There is nothing to roll back to; the served build is unchanged."""
