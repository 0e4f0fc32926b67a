"""One source file to one cleaned `Document`, or to a `FileError` that says which stage failed and why.

file -> loaded text -> cleaned text (+ page facts) -> metadata and sections -> operator metadata on top.
Runs in worker processes: everything here is picklable and free of index state.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import stat
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.clean import clean_text
from indexer.loaders import Loaded, LoadError, is_supported, load_file
from indexer.metadata import extract_metadata, normalized_text
from indexer.opmeta import normalise_operator_fields, read_metadata_file, split_front_matter
from indexer.sections import split_sections
from indexer.validity import read_period
from search import analysis
from search.docno import canonical_doc_number
from search.fields import DESCRIBED, INDEXED, NAMES, NUMBER, OPERATOR, Field
from search.model import ATTACHMENTS_KEY, PAGE_FIELDS_KEY, Document, Section

METADATA_FILE = "metadata.jsonl"
# Formats cleaned as another: converted Word text has a paragraph a line, OFD text a line of the page a line.
CLEAN_AS = {"doc": "docx", "wps": "docx", "ofd": "pdf"}
# Time budget for reading, cleaning and describing one file (a pathological file must not stall a build).
FILE_SECONDS = 60.0
# Fields an operator may set (search/fields.py); anything else in a metadata row is kept in Document.extra.
OPERATOR_FIELDS = tuple(f.name for f in OPERATOR)
_NAMES_DESCRIBED = tuple(f.name for f in DESCRIBED if f.kind == NAMES)


@dataclass(frozen=True, slots=True)
class FileError:
    source: str
    path: str
    stage: str  # read, size, symlink, decode, parse, empty, metadata, internal
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "path": self.path, "stage": self.stage, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.path}: {self.stage}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path  # the file
    root: Path  # the source folder it was found under
    source: str  # "<root name>/<relative path>"
    operator: Mapping[str, Any] = field(default_factory=dict)


def doc_id_for(source: str) -> str:
    """A short stable id: the same source path always gets the same id, across builds."""
    return hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest()


def file_hash(path: Path) -> str:
    """sha256 of a regular file; OSError for anything else (reading a FIFO waits for a writer forever, and a
    link to /dev/zero never ends). O_NONBLOCK only keeps the open of a FIFO from waiting."""
    h = hashlib.sha256()
    with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO, a device or a directory)", str(path))
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(root: Path, *, use_metadata_file: bool = True) -> tuple[list[SourceFile], list[FileError], int]:
    """Supported files under a source folder (sorted), metadata-file errors, and the count of skipped files."""
    root = Path(root)
    errors: list[FileError] = []
    metadata = read_metadata_file(root) if use_metadata_file else None
    if metadata is not None:
        errors += [
            FileError(f"{root.name}/{METADATA_FILE}", str(root / METADATA_FILE), "metadata", e) for e in metadata.errors
        ]
    found: list[SourceFile] = []
    skipped = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if name.startswith(".") or name == METADATA_FILE:
                continue
            if not is_supported(path):
                skipped += 1
                continue
            row = (metadata.lookup(rel) if metadata is not None else None) or {}
            found.append(SourceFile(path=path, root=root, source=f"{root.name}/{rel}", operator=row))
    return found, errors, skipped


def iter_sources(roots: list[Path], *, use_metadata_file: bool = True) -> tuple[list[SourceFile], list[FileError], int]:
    files: list[SourceFile] = []
    errors: list[FileError] = []
    skipped = 0
    names = [Path(r).name for r in roots]
    if len(set(names)) != len(names):
        raise ValueError(f"source folders must have distinct names (they prefix every source): {names}")
    for root in roots:
        f, e, s = discover(Path(root), use_metadata_file=use_metadata_file)
        files += f
        errors += e
        skipped += s
    return files, errors, skipped


def _operator_fields(row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a metadata row into Document fields that override extraction and the rest (kept as extra)."""
    fields_ = normalise_operator_fields(dict(row)) if row else {}
    known = {k: v for k, v in fields_.items() if k in OPERATOR_FIELDS and v not in (None, "", [])}
    extra = {k: v for k, v in fields_.items() if k not in OPERATOR_FIELDS and v not in (None, "", [])}
    return known, extra


class FileTimeoutError(Exception):
    """A file took longer than its time budget."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise FileTimeoutError in this block after `seconds` (main thread only; elsewhere no budget applies)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise FileTimeoutError()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def build_document(sf: SourceFile, seconds: float = FILE_SECONDS) -> Document | FileError:
    """Load, clean and describe one file within its time budget; never raises for a bad file."""
    try:
        with time_budget(seconds):
            return _build_document(sf)
    except FileTimeoutError:
        return FileError(sf.source, str(sf.path), "timeout", f"reading and cleaning took longer than {seconds:g} s")
    except RecursionError:
        return FileError(sf.source, str(sf.path), "parse", "structure nested too deeply to read")
    except Exception as e:  # noqa: BLE001 - one bad file must never stop a build; it is reported instead
        return FileError(sf.source, str(sf.path), "internal", f"{type(e).__name__}: {e}")


def _build_document(sf: SourceFile) -> Document | FileError:
    try:
        # Loaded first: load_file refuses links out of the folder and non-regular files with the reason.
        loaded = load_file(sf.path, root=sf.root)
        content_hash = file_hash(sf.path)
    except LoadError as e:
        return FileError(sf.source, str(sf.path), e.stage, e.reason)
    except OSError as e:
        return FileError(sf.source, str(sf.path), "read", e.strerror or str(e))
    try:
        front, body = split_front_matter(loaded.text)
        cleaned = clean_text(body, CLEAN_AS.get(loaded.format, loaded.format))
        if not cleaned.text.strip():
            return FileError(sf.source, str(sf.path), "empty", "no text left after cleaning")
        page_meta = {**loaded.meta, **cleaned.page_meta}
        meta = extract_metadata(cleaned.text, filename=sf.path.name, page_meta=page_meta, page=loaded.page)
        sections = split_sections(cleaned.text)
        overrides, extra = _operator_fields({**front, **sf.operator})
    except FileTimeoutError:
        raise
    values: dict[str, Any] = {f.name: getattr(meta, f.name) if f.extracted else f.default for f in DESCRIBED}
    values.update(overrides)
    if "date" in overrides or "valid_from" in overrides:
        # 自印发之日起施行，有效期5年 counts from the operator's date, or from the operator's valid_from.
        period = read_period(
            cleaned.text, normalized_text(cleaned.text), values["date"], start=overrides.get("valid_from")
        )
        values.setdefault("valid_from", None)
        if "valid_from" not in overrides:
            values["valid_from"] = period.valid_from
        if "valid_until" not in overrides:
            values["valid_until"] = period.valid_until
    if "doc_number" in overrides:
        values["doc_number"] = canonical_doc_number(str(overrides["doc_number"])) or overrides["doc_number"]
    if isinstance(values["issuer"], str):
        values["issuer"] = (values["issuer"],)
    if values.get("year") is not None:
        try:
            values["year"] = int(values["year"])
        except (TypeError, ValueError):
            return FileError(sf.source, str(sf.path), "metadata", f"year {values['year']!r} is not a number")
    if values["year"] is None and values["date"]:
        values["year"] = int(str(values["date"])[:4])
    for name in _NAMES_DESCRIBED:
        values[name] = tuple(values[name] or ())
    return Document(
        doc_id=doc_id_for(sf.source),
        source=sf.source,
        text=cleaned.text,
        **values,
        sections=tuple(sections),
        citations=tuple(meta.citations),
        content_hash=content_hash,
        extra={**{k: str(v) for k, v in page_meta.items()}, **_page_extra(loaded), **extra},
    )


def _page_extra(loaded: Loaded) -> dict[str, Any]:
    """A web page's 信息公开 table (label, value pairs in page order) and its attachments, and whether OCR read
    the text, for Document.extra."""
    out: dict[str, Any] = {}
    if loaded.fields:
        out[PAGE_FIELDS_KEY] = [[label, value] for label, value in loaded.fields]
    if loaded.attachments:
        out[ATTACHMENTS_KEY] = list(loaded.attachments)
    if loaded.ocr:
        out["ocr"] = True
    return out


def _record_value(f: Field, value: Any) -> Any:
    """A metadata value as an index record holds it (None: the record leaves the field out)."""
    if f.kind == NAMES:
        return ",".join(v.replace(",", " ") for v in value)
    if f.kind == NUMBER:
        return value
    return value or ""


def section_records(doc: Document, analyzed: bool = False) -> Iterator[dict]:
    """The index records of one document: one per section; the first also carries the title.

    With `analyzed`, text fields carry their tokens (search.analysis.Analyzed), computed here, so that the
    process writing the index replays them instead of segmenting the text itself.
    """
    common = {}
    for f in INDEXED:
        value = _record_value(f, getattr(doc, f.name))
        if value is not None:
            common[f.name] = value

    def both(text: str) -> str:
        return analysis.analyze(text) if analyzed else text

    def words(text: str) -> str:
        return analysis.analyze(text, grams=False) if analyzed else text

    sections = doc.sections or (Section(anchor="s0", heading="", level=0, path=(), start=0, end=len(doc.text)),)
    for i, s in enumerate(sections):
        body = both(doc.text[s.start : s.end])
        rec = dict(
            common,
            record_id=f"{doc.doc_id}/{s.anchor}",
            section_id=s.anchor,
            heading=words(" ".join(s.path)),
            body=body,
            body_bi=body,
        )
        if i == 0:
            title = both(doc.title)
            rec.update(is_title_record=True, title=title, title_bi=title, issuer_text=words(" ".join(doc.issuer)))
            if doc.doc_number:
                rec["docno"] = analysis.normalize(doc.doc_number)
        yield rec


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document with its index records, analysed in a worker process."""

    doc: Document
    records: tuple[dict, ...]

    @property
    def source(self) -> str:
        return self.doc.source


def prepare_document(sf: SourceFile) -> Prepared | FileError:
    """build_document plus the document's analysed index records."""
    result = build_document(sf)
    if isinstance(result, FileError):
        return result
    try:
        return Prepared(result, tuple(section_records(result, analyzed=True)))
    except Exception as e:  # noqa: BLE001 - one bad file must never stop a build; it is reported instead
        return FileError(sf.source, str(sf.path), "internal", f"{type(e).__name__}: {e}")


def iter_documents(
    files: list[SourceFile], workers: int, prepared: bool = False
) -> Iterator[Document | Prepared | FileError]:
    """build_document (or prepare_document) over files, in a process pool when workers > 1; in input order."""
    work = prepare_document if prepared else build_document
    if workers <= 1 or len(files) < 8:
        yield from map(work, files)
        return
    from indexer.workers import worker_pool

    with worker_pool(workers) as pool:
        yield from pool.imap(work, files, chunksize=4)
