"""An update's build, made from the published one at a cost that follows the change, not the corpus.

The published build's files are hard-linked into the new build: Whoosh never writes a segment file again once it
is written (every TOC is a new file), and the full document store is never changed either. The records of
changed and removed documents are marked deleted in their segments (the TOC keeps each segment's deleted set),
the new records go into new segments, one from each worker that read a share of the new and changed files (as a
parallel full build writes them: indexer.build.write_parts), and a new TOC lists them all. Their
documents go into the store's delta (search/store.py), a copy of the previous build's delta if it had one, where
the documents they replace are listed as gone.

Both would pile up night after night: once a build has more than MAX_SMALL_SEGMENTS small segments (each under
SMALL_SEGMENT_SHARE of the records of its largest: a full build writes segments of a fixed size, SEGMENT_TOKENS,
and an update's are small beside them), they are merged into one by Whoosh's writer, which also drops their
deleted records; when the store's delta passes DELTA_SHARE of the full store, the two are written into a new
full store. Each costs as much as what it merges, comes every few nights of daily 1 % changes, and is timed on
its own (`merge`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from indexer.build import ERRORS_FILE, WRITER_LIMIT_MB, Part, adopt_parts, remove_parts
from indexer.pipeline import doc_id_for
from search.index import MANIFEST_FILE
from search.store import DELTA_FILE, STORE_FILE, StoreWriter, delta_share, merge_delta
from search.warm import WARM_SETS_FILE
from search.whoosh_fence import cancel_writer, index_segments, write_toc

# A build may have this many small segments before they are merged (an update adds one from each of its workers:
# on two cores the fourth daily update makes eight, and they are merged into one).
MAX_SMALL_SEGMENTS = 6
# A segment with fewer records than this share of the build's largest segment is small: a daily update of 1 % of
# the files writes 2 % of a full build's segment for the laws corpus, 14 % at ten times it (whose full build
# writes segments of SEGMENT_TOKENS).
SMALL_SEGMENT_SHARE = 0.25
# Files of the published build an update does not carry over: Whoosh's lock, the build's own report and change
# list, hidden files, and the manifest, error list and warm match sets (written anew for the new build).
NOT_CARRIED = ("MAIN_WRITELOCK", "report.json", "changes.jsonl", MANIFEST_FILE, ERRORS_FILE, WARM_SETS_FILE)
# Files changed in place by an update: copied, never linked.
COPIED = (DELTA_FILE,)
# The store's delta is written into the full store again when its documents pass this share of the full one's.
DELTA_SHARE = 0.10


@dataclass(frozen=True, slots=True)
class Written:
    """What write_incremental made: the build's index records (deleted ones not counted), its segments, the
    records marked deleted in segments carried over, and the doc_ids whose records were (changed, removed or
    added documents: the Xapian shards drop them too)."""

    records: int
    segments: int
    deleted: int
    doomed: tuple[str, ...]


def carry_over(previous: Path, path: Path) -> None:
    """`path` made from the files of the published build `previous`: hard links, copies of COPIED; `path` may hold
    the parts of the new documents already."""

    def link_or_copy(src: str, dst: str) -> None:
        if Path(src).name not in COPIED:
            try:
                os.link(src, dst)
                return
            except OSError:  # another file system, or one without hard links
                pass
        shutil.copy2(src, dst)

    shutil.copytree(
        previous,
        path,
        ignore=shutil.ignore_patterns(*NOT_CARRIED, ".*"),
        copy_function=link_or_copy,
        dirs_exist_ok=True,  # the new documents' parts are written there first
    )


def delete_records(ix, segments: list, doc_ids: Iterable[str]) -> int:
    """Mark the records of `doc_ids` deleted in `segments` (the index's, from index_segments); returns how many
    were marked. Each segment's term table is asked once per id: the cost follows the ids, not the records."""
    doc_ids = list(doc_ids)
    marked = 0
    for segment in segments:
        reader = SegmentReader(ix.storage, ix.schema, segment)
        try:
            for doc_id in doc_ids:
                if ("doc_id", doc_id) not in reader:
                    continue
                for docnum in reader.postings("doc_id", doc_id).all_ids():
                    if not segment.is_deleted(docnum):
                        segment.delete_document(docnum)
                        marked += 1
        finally:
            reader.close()
    return marked


def write_incremental(previous: Path, path: Path, parts: list[Part], delete_sources: Iterable[str]) -> Written:
    """A build in `path` made from `previous` without the documents of `delete_sources`, with the documents of
    `parts` (write_parts, already in `path`) added: a changed document is in both."""
    carry_over(previous, path)
    added = {s for p in parts for s in p.hashes}
    doomed = sorted({doc_id_for(s) for s in [*delete_sources, *added]})
    ix = whoosh_index.open_dir(str(path))
    try:
        segments = index_segments(ix)
        deleted = delete_records(ix, segments, doomed)
        segments += adopt_parts(path, parts)
        write_toc(str(path), ix.schema, segments, ix.latest_generation() + 1)
    finally:
        ix.close()
    delta = path / DELTA_FILE
    with StoreWriter(delta, existing=delta.exists()) as store:
        store.supersede(doomed)
        for p in parts:
            store.append_store(p.store)
    remove_parts(path, parts)
    return Written(
        records=sum(s.doc_count() for s in segments), segments=len(segments), deleted=deleted, doomed=tuple(doomed)
    )


def small_segments(counts: list[int], limit: int = MAX_SMALL_SEGMENTS, share: float = SMALL_SEGMENT_SHARE) -> list[int]:
    """Which segments (by place; `counts` their records, deleted ones included) to merge: the small ones, each
    under `share` of the largest segment's records, once there are more than `limit` of them (and two at least);
    else none. A full build's segments are never small, however many it wrote."""
    largest = max(counts, default=0)
    small = [i for i, n in enumerate(counts) if n < share * largest]
    return small if len(small) > max(limit, 1) else []


def merge_small_segments(path: Path, limit: int = MAX_SMALL_SEGMENTS, share: float = SMALL_SEGMENT_SHARE) -> int:
    """Merge the small segments of the index in `path` into one when it has more than `limit` of them
    (small_segments); returns how many were merged (0: none)."""
    ix = whoosh_index.open_dir(str(path))
    try:
        segments = index_segments(ix)
        chosen = set(small_segments([s.doc_count_all() for s in segments], limit, share))
        if not chosen:
            return 0
        names = {segments[i].segment_id() for i in chosen}
        readers: list[SegmentReader] = []

        def merge(writer, current: list) -> list:
            kept = []
            for segment in current:
                if segment.segment_id() in names:
                    readers.append(SegmentReader(writer.storage, writer.schema, segment))
                    writer.add_reader(readers[-1])
                else:
                    kept.append(segment)
            return kept

        # Whoosh's writer, one in this process (see indexer.build.write_build), under the index's own lock.
        writer = ix.writer(limitmb=WRITER_LIMIT_MB, procs=1, compound=False)
        try:
            writer.commit(mergetype=merge)
        except BaseException:
            cancel_writer(writer)
            raise
        finally:
            for reader in readers:
                reader.close()
        return len(chosen)
    finally:
        ix.close()


def merge_store_delta(path: Path, share: float = DELTA_SHARE) -> bool:
    """Write the document store of the build in `path` and its delta into one full store when the delta's
    documents (delta_share) have passed `share` of the full store's (the full store is a link to an earlier
    build's: it is replaced, not changed); returns whether it did."""
    delta, full = path / DELTA_FILE, path / STORE_FILE
    if delta_share(full) <= share:
        return False
    merged = path / f".{STORE_FILE}.merged"
    merge_delta(full, merged)
    os.replace(merged, full)
    delta.unlink()
    return True
