"""Building an index: documents to section records, a new build beside the published one, an atomic switch.

A build is written under builds/.tmp-<id>, fsynced, renamed to builds/<id>, and published by replacing the
`current` symlink in one rename. Until then the served build is untouched; a failed build is deleted.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import inspect
import json
import logging
import os
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import W3Codec

from indexer.pipeline import (
    FileError,
    Prepared,
    SourceFile,
    build_document,
    file_hash,
    iter_documents,
    iter_sources,
    section_records,
)
from indexer.segment import BulkSegmentWriter
from indexer.workers import WorkerError, register_lock_fd, run_each, unregister_lock_fd
from search import analysis
from search.backend import require_xapian
from search.index import BUILDS_DIR, CURRENT_LINK, MANIFEST_FILE, current_build_path
from search.model import Document
from search.schema import make_schema
from search.store import STORE_FILE, StoreWriter
from search.whoosh_fence import WHOOSH_VERSION, cancel_writer, finish_segment, has_documents, segment_writer, write_toc

WRITER_LIMIT_MB = 1024
PARALLEL_MIN_FILES = 8
# Tokens (a term id of 4 bytes for each token of every indexed field) the bulk writer holds for a segment before
# it writes that segment and starts another: a build worker's memory follows this, not the size of its share
# (about 10 bytes a token while adding, and the sorting at the end). A worker's share of the laws corpus on two
# workers is 16–17 million tokens (one segment per worker, and at most a short last one). Ten copies of the
# corpus built in 255–291 s with 16 million (four runs) and 275–282 s with 18 or 24 million (three): the same
# within what runs differ by, at a lower peak (1,286 against 1,368 MB); searches took the same time over the 22
# segments as over 14 (a phrase query spends about a tenth of its time in the per-segment lookups of its terms).
SEGMENT_TOKENS = 16_000_000
# The deflate level of the posting blocks the bulk writer compresses (indexer.postings.compress_block, ISA-L's
# levels 0–3; Whoosh's own writer uses zlib at 3). Searches read postings from the segments' sidecars; the blocks
# are read by Whoosh's own matchers only. Laws corpus, ISA-L: level 1 27.3–27.7 s and 902 MB, level 2 28.6 s and
# 902 MB, level 0 27.3 s and 982 MB (zlib at level 1: 30.9–33.3 s, 892 MB; no compression: 27.2 s, 1,348 MB).
BLOCK_COMPRESSION = 1
PART_PREFIX = ".part-"
KEEP_BUILDS = 3
LOCK_FILE = ".lock"
ERRORS_FILE = "errors.jsonl"
TMP_PREFIX = ".tmp-"
HISTORY_FILE = "history.json"
HISTORY_MAX = 100
# The writers a build's manifest names: worker processes writing segments in bulk (indexer/segment.py), or
# Whoosh's own writer in this process. An update names the previous build's writers and its own: the bulk
# writer for its new segment, Whoosh's when it merged segments ("bulk+whoosh").
WRITER_BULK = "bulk"
WRITER_WHOOSH = "whoosh"
WRITERS = (WRITER_BULK, WRITER_WHOOSH)
# What a document's records depend on besides its file: when any of these change, an update re-reads every file.
PIPELINE_FILES = (
    "indexer/*.py",
    "indexer/data/*",
    "search/analysis.py",
    "search/schema.py",
    "search/model.py",
    "search/fields.py",
    "search/docno.py",
    "search/data/legal_terms.txt",
)
# Modules of the indexer that do not change how a file becomes records (of this one, only section_records
# does, and the fingerprint takes its source).
PIPELINE_EXCLUDE = (
    "indexer/build.py",
    "indexer/cli.py",
    "indexer/update.py",
    "indexer/gate.py",
    "indexer/changes.py",
    "indexer/__main__.py",
    "indexer/segment.py",
    "indexer/postings.py",
    "indexer/incremental.py",
)
# Libraries whose version can change what a file becomes (analysis, decoding, extraction): their versions are
# part of the fingerprint, so that an upgrade re-reads every file on the next update.
PIPELINE_LIBRARIES = (
    "opencc",
    "jieba",
    "rjieba",
    "charset-normalizer",
    "beautifulsoup4",
    "lxml",
    "pypdf",
    "python-docx",
)
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# Tests set GOVLAW_TEST_PAUSE_AT=worker: a build worker prints "govlaw-pause: worker <pid>" to stderr after its
# first file and sleeps, so that the process that started it can be killed while it works.
PAUSE_ENV = "GOVLAW_TEST_PAUSE_AT"
WORKER_PAUSE = "worker"
PAUSE_SECONDS = 600

log = logging.getLogger("govlaw.indexer")


class LockedError(RuntimeError):
    """Another process is building this index root."""


class BuildError(RuntimeError):
    """The build could not be written; the published build is unchanged."""


@dataclass
class BuildReport:
    build_id: str
    path: Path
    documents: int = 0
    sections: int = 0
    skipped: int = 0
    errors: list[FileError] = field(default_factory=list)
    seconds: float = 0.0
    published: bool = False
    shards: int = 0  # Xapian shards written (indexer/shards.py)
    shard_seconds: float = 0.0  # of `seconds`, spent writing them

    def summary(self) -> str:
        return (
            f"build {self.build_id}: {self.documents} documents, {self.sections} sections, "
            f"{len(self.errors)} errors, {self.skipped} skipped, {self.seconds:.1f} s"
            + (f" ({self.shards} Xapian shards: {self.shard_seconds:.1f} s)" if self.shards else "")
            + ("" if self.published else " (not published)")
        )

    def to_dict(self) -> dict:
        return {
            "build_id": self.build_id,
            "documents": self.documents,
            "sections": self.sections,
            "skipped": self.skipped,
            "errors": [e.to_dict() for e in self.errors],
            "seconds": round(self.seconds, 3),
            "published": self.published,
            "shards": self.shards,
            "shard_seconds": round(self.shard_seconds, 3),
        }


@contextmanager
def root_lock(root: Path) -> Iterator[None]:
    """Exclusive lock on an index root; raises LockedError at once if another process holds it.

    The lock is an flock on ROOT/.lock, which the kernel releases when its holder ends, however it ends; worker
    processes close their copy of it (indexer/workers.py), so it never outlives the process that took it. The
    file names the holder's pid while it is held and is emptied on release: a pid found there on taking the lock
    is a holder that was killed, logged as a stale lock taken over.
    """
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    register_lock_fd(fd)
    locked = False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EACCES):
                holder = _lock_holder(fd)
                raise LockedError(
                    f"another build holds the lock on {root}" + (f" (pid {holder})" if holder else "")
                ) from None
            raise
        locked = True
        stale = _lock_holder(fd)
        if stale is not None and stale != os.getpid():
            log.warning(
                "lock.stale",
                extra={"govlaw": {"root": str(root), "previous_pid": stale, "alive": _pid_alive(stale)}},
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        if locked:
            with suppress(OSError):
                os.ftruncate(fd, 0)
        unregister_lock_fd(fd)
        os.close(fd)


def _lock_holder(fd: int) -> int | None:
    """The pid written in a lock file (None when it is empty or unreadable)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_build_id() -> str:
    """A build id that sorts by time (to the millisecond, so two builds in one second keep their order)."""
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{secrets.token_hex(2)}"


def remove_stale_builds(root: Path) -> list[Path]:
    """Delete half-written builds left by a crash, and its half-made links and files (call with the lock held)."""
    for p in [*root.glob(".current-*"), *root.glob(".*.tmp")]:
        if p.is_symlink() or p.is_file():
            p.unlink()
    builds = root / BUILDS_DIR
    removed = []
    if builds.is_dir():
        for p in builds.iterdir():
            if p.name.startswith(TMP_PREFIX):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    return removed


def fsync_tree(path: Path, done: set[tuple[str, int]] | None = None) -> None:
    """fsync every file under `path` and every folder; but the files of `done` (path and inode: one replaced
    since is another), synced already and not written since."""
    for dirpath, _, filenames in os.walk(path):
        for name in filenames:
            f = os.path.join(dirpath, name)
            if done is None or (f, os.stat(f).st_ino) not in done:
                fsync_file(f)
        fsync_dir(Path(dirpath))


def fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_files_behind(path: Path) -> Callable[[], set[tuple[str, int]]]:
    """Start syncing the files under `path` in a thread (fsync waits on the disk, not the interpreter) while the
    caller goes on; the returned function waits for it and gives the files synced, as fsync_tree's `done`
    (raising what the thread raised)."""
    files = [os.path.join(d, n) for d, _, names in os.walk(path) for n in names]
    inodes = [os.stat(f).st_ino for f in files]
    failed: list[BaseException] = []

    def run() -> None:
        try:
            for f in files:
                fsync_file(f)
        except BaseException as e:  # noqa: BLE001  raised again by the caller's wait
            failed.append(e)

    thread = threading.Thread(target=run, name="govlaw-fsync", daemon=True)
    thread.start()

    def wait() -> set[tuple[str, int]]:
        thread.join()
        if failed:
            raise failed[0]
        return set(zip(files, inodes, strict=True))

    return wait


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(root: Path, build: Path) -> None:
    """Point `current` at a finished, checked build in one atomic step."""
    tmp = root / f".current-{build.name}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path(BUILDS_DIR) / build.name, target_is_directory=True)
    os.replace(tmp, root / CURRENT_LINK)
    fsync_dir(root)


def write_atomic(path: Path, text: str) -> None:
    """Replace a small file in one rename, durably (readers see the old or the new content, never a part)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def read_history(root: Path) -> list[str]:
    """Ids of the builds published under `root`, oldest first (a rollback removes the last one)."""
    try:
        data = json.loads((root / HISTORY_FILE).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return []
    return [str(b) for b in data.get("published", [])] if isinstance(data, dict) else []


def write_history(root: Path, ids: list[str]) -> None:
    write_atomic(root / HISTORY_FILE, json.dumps({"published": ids[-HISTORY_MAX:]}, indent=1) + "\n")


def record_published(root: Path, build_id: str) -> None:
    """Note a publish in the history (call with the lock held, after publish())."""
    ids = read_history(root)
    if not ids or ids[-1] != build_id:
        write_history(root, [*ids, build_id])


def reconcile_history(root: Path) -> None:
    """After a crash between publish() and record_published(): make the history end with the served build."""
    current = current_build_path(root)
    if current is not None:
        record_published(root, current.name)


def finished_builds(root: Path) -> list[Path]:
    """Complete build directories, newest first (build ids sort by time)."""
    builds = root / BUILDS_DIR
    if not builds.is_dir():
        return []
    return sorted(
        (p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(TMP_PREFIX)),
        key=lambda p: p.name,
        reverse=True,
    )


def prune_builds(root: Path, keep: int = KEEP_BUILDS) -> list[Path]:
    """Delete all finished builds but the served one and the last `keep` published ones; never the served one.

    Builds that were never published (a crash before the switch) or were rolled back from go first; where the
    history is shorter than `keep`, the newest other builds fill the places.
    """
    current = current_build_path(root)
    done = finished_builds(root)
    by_name = {p.name: p for p in done}
    kept = [b for b in reversed(read_history(root)) if b in by_name][:keep]
    if current is not None and current.name not in kept:
        kept.append(current.name)
    for p in done:
        if len(kept) >= keep:
            break
        if p.name not in kept:
            kept.append(p.name)
    removed = []
    for p in done:
        if p.name in kept or (current is not None and p.resolve() == current.resolve()):
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def operator_digest(row: dict) -> str:
    """A short digest of a file's operator metadata row ("" for none), so a changed row re-reads the file."""
    if not row:
        return ""
    blob = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.blake2b(blob.encode("utf-8"), digest_size=8).hexdigest()


def pipeline_fingerprint() -> str:
    """A digest of the code and data that turn a file into records; builds record it in their manifest."""
    h = hashlib.blake2b(digest_size=8)
    paths = sorted(
        {
            p
            for pattern in PIPELINE_FILES
            for p in PACKAGE_ROOT.glob(pattern)
            if p.is_file() and p.relative_to(PACKAGE_ROOT).as_posix() not in PIPELINE_EXCLUDE
        }
    )
    for p in paths:
        h.update(p.relative_to(PACKAGE_ROOT).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    h.update(inspect.getsource(section_records).encode())
    for name, version in library_versions().items():
        h.update(f"{name}=={version}\0".encode())
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """The installed version of each of PIPELINE_LIBRARIES ("" for one that is not installed)."""
    out = {}
    for name in PIPELINE_LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = ""
    return out


def failed_hashes(errors: Iterable[FileError], sources: set[str]) -> dict[str, str]:
    """Content hashes of files that failed, so an update does not retry them until they change."""
    out = {}
    for e in errors:
        if e.source in sources:
            with suppress(OSError):  # gone or unreadable: tried again next time
                out[e.source] = file_hash(Path(e.path))
    return out


def write_opened_state(index, build_id: str) -> None:
    """Write what opening a build computes into it (search/snapshot.py), after one search and one question have
    filled its per-build tables, so that web workers open it at once. An optimisation: a failure leaves the
    build without the file (opened from its files, as before), never with another build's."""
    from search.snapshot import SNAPSHOT_FILE, write_snapshot
    from search.warm import fill_tables

    try:
        fill_tables(index)
        write_snapshot(index, build_id)
    except Exception as e:  # noqa: BLE001  the build itself is complete
        (index.path / SNAPSHOT_FILE).unlink(missing_ok=True)
        log.warning("snapshot.failed", extra={"govlaw": {"build": build_id, "error": f"{type(e).__name__}: {e}"}})


def open_written_build(path: Path):
    """A build the indexer wrote, opened from disk whatever the service is configured with: a build with Xapian
    shards through them (what a sharded service serves), another through Whoosh."""
    from search.backend import has_shards
    from search.index import OpenIndex

    return OpenIndex.open(path, "xapian" if has_shards(path) else "whoosh", [])


def _snapshot_new_build(path: Path, build_id: str) -> None:
    """Open a build just written and write its opened state."""
    try:
        index = open_written_build(path)
    except Exception as e:  # noqa: BLE001  left to the web workers to open, and to report
        log.warning("snapshot.failed", extra={"govlaw": {"build": build_id, "error": f"{type(e).__name__}: {e}"}})
        return
    try:
        write_opened_state(index, build_id)
    finally:
        index.close()


def build_manifest(
    build_id: str,
    *,
    documents: int,
    sections: int,
    errors: int,
    skipped: int,
    files: dict[str, str],
    operator: dict[str, str],
    failed: dict[str, str],
    pipeline: str,
    writer: str,
) -> dict:
    """A build's manifest; `whoosh` and `writer` say which Whoosh and which writer wrote its index."""
    return {
        "build_id": build_id,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "documents": documents,
        "sections": sections,
        "errors": errors,
        "skipped": skipped,
        "pipeline": pipeline,
        "whoosh": WHOOSH_VERSION,
        "writer": writer,
        "files": files,
        "operator": operator,
        "failed": failed,
    }


def updated_writer(previous: str | None, *added: str) -> str:
    """The writer of a build made from a build of writer `previous` (None for a manifest older than the field:
    "unknown") by adding segments written by the writers `added`."""
    return "+".join(sorted({*(previous or "unknown").split("+"), *added}))


def _progress(total: int, enabled: bool | None) -> Callable[[Iterable], Iterable]:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return lambda it: it
    from tqdm import tqdm  # type: ignore[import-untyped]  # no type information installed (types-tqdm)

    return lambda it: tqdm(it, total=total, unit="doc", file=sys.stderr, desc="indexing")


def write_build(
    path: Path,
    docs: Iterable[Document | Prepared | FileError],
    report: BuildReport,
    *,
    files: list[SourceFile] | None = None,
) -> None:
    """Write the Whoosh index, the document store and the manifest of a new build into `path`.

    `files` (the source files the documents came from) adds their operator-metadata digests and the hashes
    of failed files to the manifest, which `update` compares against.
    """
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), make_schema())
    # Segment files stay separate: a reader of a compound segment copies each part it opens into memory
    # (whoosh.filedb.compound), hundreds of MB per web worker at corpus scale.
    writer = ix.writer(limitmb=WRITER_LIMIT_MB, procs=1, compound=False)
    store = StoreWriter(path / STORE_FILE)
    hashes: dict[str, str] = {}
    try:
        for item in docs:
            if isinstance(item, FileError):
                report.errors.append(item)
                continue
            doc, records = (item.doc, item.records) if isinstance(item, Prepared) else (item, section_records(item))
            for rec in records:
                writer.add_document(**rec)
                report.sections += 1
            store.add(doc)
            hashes[doc.source] = doc.content_hash
        writer.commit(optimize=True)
        store.close()
    except BaseException:
        writer.cancel()
        store.close(commit=False)
        raise
    finally:
        ix.close()
    report.documents = store.count
    _write_report_files(path, report, hashes, files or [], WRITER_WHOOSH)


def _write_report_files(
    path: Path, report: BuildReport, hashes: dict[str, str], files: list[SourceFile], writer: str
) -> None:
    """errors.jsonl and the manifest of a written build."""
    with open(path / ERRORS_FILE, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in report.errors)
    manifest = build_manifest(
        report.build_id,
        documents=report.documents,
        sections=report.sections,
        errors=len(report.errors),
        skipped=report.skipped,
        files=hashes,
        operator={f.source: d for f in files if (d := operator_digest(dict(f.operator)))},
        failed=failed_hashes(report.errors, {f.source for f in files}),
        pipeline=pipeline_fingerprint(),
        writer=writer,
    )
    (path / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")


@dataclass
class Part:
    """What one worker of a parallel build or an update wrote (write_parts): its finished segments in docnum order
    (none if it indexed nothing), its store, the files that failed and the content hashes of those indexed."""

    segments: list[Segment]
    store: Path
    errors: list[FileError]
    hashes: dict[str, str]
    sections: int


def split_files(files: list[SourceFile], parts: int) -> list[list[SourceFile]]:
    """Consecutive shares of `files` with about equal bytes each (documents keep their order across shares)."""
    sizes = [max(_size(f.path), 1) for f in files]
    total = sum(sizes)
    out: list[list[SourceFile]] = [[] for _ in range(parts)]
    seen = 0
    for f, size in zip(files, sizes, strict=True):
        out[min(parts - 1, seen * parts // total)].append(f)
        seen += size
    return [p for p in out if p]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def add_bulk_segments(ix, documents: Iterable[Iterable[dict]], budget: int | None = None) -> list[Segment]:
    """Write the records of `documents` (each document's records together) into new segments of `ix` with the
    bulk writer, in order, a new segment once one holds `budget` tokens (SEGMENT_TOKENS; a document is never
    split), and return them without listing them in a TOC (the caller does, with write_toc). No lock: the
    caller holds the root's."""
    budget = SEGMENT_TOKENS if budget is None else budget
    segments: list[Segment] = []
    writer = None
    try:
        for records in documents:
            if writer is None:
                writer = segment_writer(
                    BulkSegmentWriter, ix, lock=False, compound=False, codec=W3Codec(compression=BLOCK_COMPRESSION)
                )
            for rec in records:
                writer.add_document(**rec)
            if writer.held_tokens() >= budget:
                segments.append(finish_segment(writer))
                writer = None
        if writer is not None and has_documents(writer):
            segments.append(finish_segment(writer))
        elif writer is not None:
            writer.cancel()
        return segments
    except BaseException:
        if writer is not None:
            cancel_writer(writer)
        raise


def _write_part(part_dir: Path, files: list[SourceFile]) -> Part:
    """Index `files` into segments of their own (a new one every SEGMENT_TOKENS) in a folder of its own (run in a
    worker process)."""
    part_dir.mkdir()
    ix = whoosh_index.create_in(str(part_dir), make_schema())
    store_path = part_dir / STORE_FILE
    store = StoreWriter(store_path)
    part = Part(segments=[], store=store_path, errors=[], hashes={}, sections=0)
    try:
        part.segments = add_bulk_segments(ix, _part_records(files, part, store))
        store.close()
    except BaseException:
        store.close(commit=False)
        raise
    finally:
        ix.close()
    return part


def _part_records(files: list[SourceFile], part: Part, store: StoreWriter) -> Iterator[list[dict]]:
    """The index records of `files`, a file's at a time, each file's document added to `store` and noted in
    `part` once its records are taken (a file that fails is noted as an error instead)."""
    for sf in files:
        doc = build_document(sf)
        if isinstance(doc, FileError):
            part.errors.append(doc)
            continue
        try:
            records = list(section_records(doc))
        except Exception as e:  # noqa: BLE001 - one bad file must never stop a build; it is reported instead
            part.errors.append(FileError(sf.source, str(sf.path), "internal", f"{type(e).__name__}: {e}"))
            continue
        yield records
        part.sections += len(records)
        store.add(doc)
        part.hashes[doc.source] = doc.content_hash
        if len(part.hashes) == 1:
            _worker_pause_point()


def _worker_pause_point() -> None:
    if os.environ.get(PAUSE_ENV) == WORKER_PAUSE:
        print(f"govlaw-pause: {WORKER_PAUSE} {os.getpid()}", file=sys.stderr, flush=True)
        time.sleep(PAUSE_SECONDS)


def write_parts(path: Path, files: list[SourceFile], workers: int) -> list[Part]:
    """`files` indexed by up to `workers` processes, each cleaning, analysing and writing segments and a store of its
    own share of them (consecutive, about equal in bytes) in path/.part-<n>; one share is written in this process.
    The dictionary is read before the workers are forked, so that they share it instead of each reading it again
    (and this process needs it afterwards, for the build's opened state or an update's gate)."""
    path.mkdir(parents=True, exist_ok=True)
    analysis.preload(indexing=True)
    args = [(path / f"{PART_PREFIX}{n}", share) for n, share in enumerate(split_files(files, max(1, workers)))]
    return run_each(_write_part, args) if len(args) > 1 else [_write_part(*a) for a in args]


def adopt_parts(path: Path, parts: list[Part]) -> list[Segment]:
    """Move the segment files of `parts` (write_parts) into the index at `path`; their segments, in part order,
    for the TOC to list after the index's own (as Whoosh's multi-segment writer commits its sub-writers')."""
    segments = []
    for n, p in enumerate(parts):
        for segment in p.segments:
            prefix = segment.make_filename("")
            for f in (path / f"{PART_PREFIX}{n}").iterdir():
                if f.name.startswith(prefix):
                    os.rename(f, path / f.name)
            segments.append(segment)
    return segments


def remove_parts(path: Path, parts: list[Part]) -> None:
    """Delete the folders of `parts` (their segment files adopted, their stores appended)."""
    for n in range(len(parts)):
        shutil.rmtree(path / f"{PART_PREFIX}{n}")


def write_build_parallel(path: Path, files: list[SourceFile], report: BuildReport, workers: int) -> None:
    """Like write_build, with `workers` processes each cleaning, analysing and writing segments of its own share
    of the files; the index is their segments side by side, in file order (docnums as a one-writer build)."""
    path.mkdir(parents=True)
    schema = make_schema()
    whoosh_index.create_in(str(path), schema).close()
    parts = write_parts(path, files, workers)
    write_toc(str(path), schema, adopt_parts(path, parts))
    hashes: dict[str, str] = {}
    # The first part's store becomes the build's, and the others are added to it (copying it too would cost
    # about half a second on the laws corpus).
    os.rename(parts[0].store, path / STORE_FILE)
    with StoreWriter(path / STORE_FILE, existing=True) as store:
        for n, p in enumerate(parts):
            report.errors += p.errors
            report.sections += p.sections
            hashes.update(p.hashes)
            if n:
                store.append_store(p.store)
    remove_parts(path, parts)
    report.documents = store.count
    _write_report_files(path, report, hashes, files, WRITER_BULK)


def build_index(
    sources: list[Path],
    root: Path,
    *,
    workers: int | None = None,
    keep: int = KEEP_BUILDS,
    progress: bool | None = None,
    use_metadata_file: bool = True,
    writer: str | None = None,
    shards: int | None = None,
) -> BuildReport:
    """Index every supported file under `sources` into a new build of `root` and publish it.

    The index is written in bulk by `workers` processes when there are several workers and files enough to
    share (PARALLEL_MIN_FILES), else by Whoosh's writer; `writer` (one of WRITERS) chooses instead. With
    `shards`, the build also gets that many Xapian shards (indexer/shards.py)."""
    if writer is not None and writer not in WRITERS:
        raise ValueError(f"unknown writer {writer!r}: one of {', '.join(WRITERS)}")
    if shards is not None and shards < 1:
        raise ValueError(f"--shards must be at least 1, not {shards}")
    if shards is not None:
        require_xapian()  # before anything is read or written
    started = time.perf_counter()
    root = Path(root)
    workers = workers or min(2, os.cpu_count() or 1)
    with root_lock(root):
        remove_stale_builds(root)
        reconcile_history(root)
        build_id = new_build_id()
        (root / BUILDS_DIR).mkdir(parents=True, exist_ok=True)
        tmp = root / BUILDS_DIR / f"{TMP_PREFIX}{build_id}"
        report = BuildReport(build_id=build_id, path=root / BUILDS_DIR / build_id)
        files, errors, skipped = iter_sources([Path(s) for s in sources], use_metadata_file=use_metadata_file)
        report.errors += errors
        report.skipped = skipped
        try:
            if writer == WRITER_BULK or (writer is None and workers > 1 and len(files) >= PARALLEL_MIN_FILES):
                write_build_parallel(tmp, files, report, workers)
            else:
                bar = _progress(len(files), progress)
                write_build(tmp, bar(iter_documents(files, workers, prepared=True)), report, files=files)
            if shards is not None:
                from indexer.shards import note_in_manifest, write_shards  # Xapian: an optional extra

                t = time.perf_counter()
                note_in_manifest(tmp, write_shards(tmp, build_id, shards, workers))
                report.shards, report.shard_seconds = shards, time.perf_counter() - t
            # The written files are synced while the opened state is computed; then whatever it wrote.
            synced = fsync_files_behind(tmp)
            _snapshot_new_build(tmp, build_id)
            fsync_tree(tmp, done=synced())
            os.rename(tmp, report.path)
            fsync_dir(root / BUILDS_DIR)
            publish(root, report.path)
            report.published = True
            record_published(root, build_id)
            prune_builds(root, keep)
        except (OSError, WorkerError) as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise BuildError(f"could not write the build under {root}: {e}") from e
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    report.seconds = time.perf_counter() - started
    return report
