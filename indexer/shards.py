"""Writing a build's Xapian shards (search/xapian_backend.py reads them), beside its Whoosh index and store.

A document's records go to the shard its id hashes to (shard_of), so that an update rewrites only the shards
of the documents it changes; the others stay hard links to the previous build's files. Each shard is written
into a folder of its own and compacted into place; its `govlaw.build` metadata names the build that wrote it.
The record table (xapian/records.json, lengths.npy) is read back from the shards once they are written.

Terms are made as indexer/segment.py makes the Whoosh index's (the same analyzer functions, field by field):
word fields' terms with their frequencies, bigram fields' terms at their positions (1, 2, …), every other field
through the field's own `index`; a scored field's length is its number of terms.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import xapian  # type: ignore[import-untyped]  # no type information published
from whoosh import formats

from indexer.pipeline import section_records
from indexer.postings import _length_bytes
from indexer.segment import _field_kind, _index_terms
from indexer.workers import run_each
from search.analysis import index_bigrams, index_segments, word_terms
from search.backend import MANIFEST_KEY, WhooshBackend
from search.index import MANIFEST_FILE
from search.model import Document
from search.schema import make_schema
from search.store import STORE_FILE, DocStore
from search.xapian_backend import (
    BUILD_METADATA,
    XAPIAN_DIR,
    RecordTable,
    shard_of,
    shard_path,
    xapian_term,
)

log = logging.getLogger("govlaw.indexer")
# Words kept in the record table as the body's most frequent (search/warm.py warms some of them).
FREQUENT_WORDS = 200
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


class _Fields:
    """How each indexed field of the schema becomes Xapian terms."""

    def __init__(self) -> None:
        schema = make_schema()
        self.plans = []
        for name, field in schema.items():
            if not field.indexed:
                continue
            kind = _field_kind(field)
            self.plans.append((name, field, kind, type(field.format) is formats.Positions, field.scorable))
        self.length_fields = tuple(sorted(name for name, *_, scorable in self.plans if scorable))
        self._terms: dict[tuple[str, object], bytes] = {}

    def term(self, fieldname: str, text) -> bytes:
        key = (fieldname, text)
        found = self._terms.get(key)
        if found is None:
            if len(self._terms) > 500_000:
                self._terms.clear()
            raw = text if isinstance(text, bytes) else text.encode("utf-8")
            found = self._terms[key] = xapian_term(fieldname, raw)
        return found

    def document(self, rec: dict, doc_id: str) -> xapian.Document:
        """The Xapian document of one index record; its data: [doc_id, section_id, lengths of length_fields]."""
        doc = xapian.Document()
        lengths = dict.fromkeys(self.length_fields, 0)
        for name, field, kind, positional, scorable in self.plans:
            value = rec.get(name)
            if value is None:
                continue
            if kind == "words":
                terms: Sequence = [t for w in index_segments(value) for t in word_terms(w)]
            elif kind == "grams":
                terms = index_bigrams(value)
            elif kind == "id" and type(value) is str:
                terms = (value,)
            else:
                terms = _index_terms(field, kind, value)
            if positional:
                for pos, t in enumerate(terms, 1):
                    doc.add_posting(self.term(name, t), pos)
            else:
                for t, n in Counter(terms).items():
                    doc.add_term(self.term(name, t), n)
            if scorable:
                lengths[name] = len(terms)
        doc.set_data(json.dumps([doc_id, rec["section_id"], [lengths[f] for f in self.length_fields]]))
        return doc


def _add_documents(db: xapian.WritableDatabase, fields: _Fields, docs: Iterable[Document]) -> int:
    added = 0
    for doc in docs:
        for rec in section_records(doc):
            db.add_document(fields.document(rec, doc.doc_id))
            added += 1
    return added


def _compact_into(sources: Sequence[Path], final: Path, build_id: str) -> None:
    """Set the build metadata of `sources`, compact them into `final` (replaced; their records in that order,
    renumbered) and remove them."""
    for source in sources:
        db = xapian.WritableDatabase(str(source), xapian.DB_OPEN)
        db.set_metadata(BUILD_METADATA, build_id)
        db.commit()
        db.close()
    if final.exists():
        shutil.rmtree(final)
    combined = xapian.Database()
    for source in sources:
        combined.add_database(xapian.Database(str(source)))
    combined.compact(str(final))
    combined.close()
    for source in sources:
        shutil.rmtree(source)


def _part_path(build: Path, part: int, k: int) -> Path:
    return build / XAPIAN_DIR / f".part-{part}-{k}"


def _write_part(build: Path, part: int, groups: list[list[str]]) -> int:
    """Worker `part`'s share of every shard: the records of the documents `groups[k]` of shard k (read from the
    build's store), in that order, each shard's in a database of its own."""
    fields = _Fields()
    store = DocStore(build / STORE_FILE)
    added = 0
    try:
        for k, doc_ids in enumerate(groups):
            db = xapian.WritableDatabase(str(_part_path(build, part, k)), xapian.DB_CREATE_OR_OVERWRITE)
            try:
                added += _add_documents(db, fields, filter(None, map(store.get, doc_ids)))
                db.commit()
            finally:
                db.close()
    finally:
        store.close()
    return added


def write_shards(build: Path, build_id: str, shards: int, workers: int = 1) -> RecordTable:
    """The Xapian shards of a build whose store is written, and its record table. Each of `workers` processes
    writes its consecutive share of every shard's documents (so that the work is shared evenly whatever the
    number of shards); each shard is then its shares compacted into one, in order."""
    if shards < 1:
        raise ValueError(f"--shards must be at least 1, not {shards}")
    (build / XAPIAN_DIR).mkdir(exist_ok=True)
    store = DocStore(build / STORE_FILE)
    try:
        ids = sorted(m.doc_id for m in store.metas())
    finally:
        store.close()
    groups: list[list[str]] = [[] for _ in range(shards)]
    for doc_id in ids:
        groups[shard_of(doc_id, shards)].append(doc_id)
    parts = max(1, min(workers, len(ids)))
    shares = [[g[len(g) * p // parts : len(g) * (p + 1) // parts] for g in groups] for p in range(parts)]
    if parts > 1:
        run_each(_write_part, [(build, p, shares[p]) for p in range(parts)])
    else:
        _write_part(build, 0, shares[0])
    for k in range(shards):
        _compact_into([_part_path(build, p, k) for p in range(parts)], shard_path(build, k), build_id)
    return write_table(build, [build_id] * shards)


def update_shards(
    previous: Path, build: Path, build_id: str, docs: list[Document], doomed: Iterable[str]
) -> tuple[RecordTable, list[int]]:
    """The shards of a build made from `previous` (whose files the build already holds as hard links) without
    the records of `doomed` doc_ids, with `docs` added: only the shards holding any of them are written again,
    from a copy. Returns the table and the shards written."""
    before = RecordTable.load(previous / XAPIAN_DIR)
    n = before.shards
    doomed = sorted(set(doomed))
    touched = sorted({shard_of(d, n) for d in doomed} | {shard_of(d.doc_id, n) for d in docs})
    fields = _Fields()
    for k in touched:
        final = shard_path(build, k)
        tmp = build / XAPIAN_DIR / f".writing-{k}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(shard_path(previous, k), tmp)  # copies: the linked files are the published build's
        db = xapian.WritableDatabase(str(tmp), xapian.DB_OPEN)
        try:
            for doc_id in doomed:
                if shard_of(doc_id, n) == k:
                    db.delete_document(xapian_term("doc_id", doc_id.encode("utf-8")))
            _add_documents(db, fields, (d for d in docs if shard_of(d.doc_id, n) == k))
            db.commit()
        finally:
            db.close()
        _compact_into([tmp], final, build_id)
    builds = [build_id if k in touched else before.shard_builds[k] for k in range(n)]
    return write_table(build, builds), touched


def write_table(build: Path, shard_builds: list[str]) -> RecordTable:
    """Read every record's data back from the shards into the record table, and write it into the build.

    The table numbers the records as the build's Whoosh index does (a document's sections there and in its shard
    are in the same order), so that both backends rank the same docnums: ties, broken by lower docnum, fall
    alike. A build without a Whoosh index keeps Xapian's numbering."""
    n = len(shard_builds)
    length_fields = _Fields().length_fields
    per_shard = []
    last = 0
    for k in range(n):
        db = xapian.Database(str(shard_path(build, k)))
        rows = {}
        for item in db.postlist(b""):
            rows[item.docid] = json.loads(db.get_document(item.docid).get_data())
        per_shard.append(rows)
        last = max(last, db.get_lastdocid())
        db.close()
    ids = sorted({row[0] for rows in per_shard for row in rows.values()})
    ordinal = {d: i for i, d in enumerate(ids)}
    of_xapian = np.full(last * n, -1, dtype=np.int32)  # Xapian docnum -> ordinal of its document
    for k, rows in enumerate(per_shard):
        for docid, row in rows.items():
            of_xapian[(docid - 1) * n + k] = ordinal[row[0]]
    numbered = _whoosh_numbering(build, ids, of_xapian)
    if numbered is None:
        docnums = np.where(of_xapian >= 0, np.arange(len(of_xapian)), -1).astype(np.int32)
        count = len(of_xapian)
    else:
        docnums, count = numbered
    doc_ids = [""] * count
    section_ids = [""] * count
    lengths = np.zeros((len(length_fields), count), dtype=np.int64)
    for k, rows in enumerate(per_shard):
        for docid, (doc_id, section_id, field_lengths) in rows.items():
            docnum = docnums[(docid - 1) * n + k]
            doc_ids[docnum] = doc_id
            section_ids[docnum] = section_id
            lengths[:, docnum] = field_lengths
    table = RecordTable(
        shards=n,
        shard_builds=tuple(shard_builds),
        doc_ids=tuple(doc_ids),
        section_ids=tuple(section_ids),
        docnums=docnums,
        records=sum(len(rows) for rows in per_shard),
        totals={f: int(lengths[i].sum()) for i, f in enumerate(length_fields)},
        length_fields=length_fields,
        lengths=np.stack([_length_bytes(row) for row in lengths]).astype(np.uint8)
        if count
        else lengths.astype(np.uint8),
        frequent=_frequent_body_words(build, n),
    )
    table.save(build / XAPIAN_DIR)
    return table


def _whoosh_numbering(build: Path, ids: list[str], of_xapian: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Of every Xapian docnum, the docnum of the same record in the build's Whoosh index (-1: no record), and
    the number of the index's docnums; None where the build has no Whoosh index, or its documents' records are
    not the shards' (then Xapian's own numbering is kept)."""
    from whoosh import index as whoosh_index

    if not whoosh_index.exists_in(str(build)):
        return None
    backend = WhooshBackend.open(build)
    try:
        of_whoosh = backend.section_ordinals(ids)
    finally:
        backend.close()
    live_x, live_w = np.flatnonzero(of_xapian >= 0), np.flatnonzero(of_whoosh >= 0)
    # Each document's records in order, the documents in ordinal order, on both sides.
    x_order = live_x[np.argsort(of_xapian[live_x], kind="stable")]
    w_order = live_w[np.argsort(of_whoosh[live_w], kind="stable")]
    if not np.array_equal(of_xapian[x_order], of_whoosh[w_order]):
        log.warning("shards.numbering", extra={"govlaw": {"build": build.name, "reason": "records differ"}})
        return None
    out = np.full(len(of_xapian), -1, dtype=np.int32)
    out[x_order] = w_order
    return out, len(of_whoosh)


def _frequent_body_words(build: Path, n: int) -> tuple[tuple[int, str], ...]:
    """The body's words of two or more Chinese characters most frequent over all shards (collection frequency)."""
    db = xapian.Database()
    for k in range(n):
        db.add_database(xapian.Database(str(shard_path(build, k))))
    prefix = b"body:"
    found = (
        (db.get_collection_freq(item.term), item.term[len(prefix) :].decode("utf-8")) for item in db.allterms(prefix)
    )
    best = heapq.nlargest(FREQUENT_WORDS, ((f, w) for f, w in found if _CJK_WORD.match(w)))
    db.close()
    return tuple(best)


def note_in_manifest(build: Path, table: RecordTable) -> None:
    """Say in the build's manifest that it has Xapian shards (`update` keeps a build's backend)."""
    path = build / MANIFEST_FILE
    manifest = json.loads(path.read_text("utf-8"))
    manifest[MANIFEST_KEY] = {
        "shards": table.shards,
        "shard_builds": list(table.shard_builds),
        "records": table.records,
        "xapian": xapian.version_string(),
    }
    tmp = path.with_name(f".{MANIFEST_FILE}")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, path)
