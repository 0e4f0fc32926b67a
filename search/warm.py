"""Warming an opened build before it serves, so that the first requests after a switch are not the slow ones.

What a build's first queries pay for, measured over the laws corpus (`scripts/bench switch`): reading its
files from disk when they are not in the page cache, and matching the runs of characters of common words
(phrases over the bigram postings, the slowest part of a search), whose match sets the build then remembers.
So the nightly update finds the match sets of the words most titles share (条例, 中华人民共和国, 人民法院,
管理 …: the words typed most often) and of the words most frequent in the bodies for the build it writes
(`write_warm_sets`), and a worker warming the build loads them, reads the files searches read (I/O, which leaves
the GIL to requests), then reads the posting arrays that score the title words; one whole search and one
question fill the per-build tables (which the build's opened state, search/snapshot.py, mostly brings already).
A build without such a file (a full `indexer build`) finds the title words' match sets itself while warming, at
a few seconds' more. The words come from the build itself, never from an evaluation set.

Warming runs in the worker that will serve the build, beside its requests: while it runs, the old build's answers
share the process (and its GIL) with it and are slower (`scripts/bench switch` shows by how much).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from search import analysis, rerank
from search.engine import run_search, warm_champions
from search.index import MATCH_CACHE_BYTES, OpenIndex
from search.params import params_from
from search.plan import TermPlan, plan_query
from search.query import QueryError, parse_query
from search.sidecar import SIDECAR_SUFFIX
from search.store import STORE_FILE

# Under "govlaw": the web server logs its info events (search/logs.py).
log = logging.getLogger("govlaw.warm")
# Seconds a web worker gives a new build to warm before serving it (GOVLAW_WARM_SECONDS): long enough for the
# searches below on the laws corpus, short enough that a worker starting up stays far from gunicorn's 30 s
# timeout.
DEFAULT_WARM_SECONDS = 10.0
# Title words searched, most shared first: about 5 s for the laws corpus on two busy cores (a word's first
# search there takes 10–300 ms), and their match sets stay well inside the build's match cache.
WARM_WORDS = 80
# A word of one title only is no common word.
WARM_MIN_TITLES = 2
# Besides the title words, the update finds the match sets of the words most frequent in the bodies (人民政府,
# 主管部门 …), the other words queries share, as many as fit in WARM_SETS_BYTES (half the match cache, so that
# a worker's own queries keep the other half).
WARM_BODY_WORDS = 150
# Only words this frequent are worth it: matching a rarer one is quick anyway (the 150th word of the laws corpus
# occurs about 10,000 times; in a build of a few documents none qualifies, and the update spends nothing on them).
WARM_MIN_FREQUENCY = 1000
WARM_SETS_BYTES = MATCH_CACHE_BYTES // 2
READ_BLOCK = 1 << 20
# The match sets of the warm words, found by the indexer for the build it writes (`write_warm_sets`) and loaded
# by a worker warming that build: the expensive part of warming done once per build, not once per worker and
# not beside requests. Only the build they were found for loads them (a build made from a copy of another
# keeps the copy's file until it writes its own).
WARM_SETS_FILE = "warm-sets.npz"
_WORD_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{2,}$")


def warm_words(titles: Iterable[str], limit: int = WARM_WORDS) -> tuple[str, ...]:
    """The words (two or more Chinese characters) shared by most titles, most shared first, then in order of
    first appearance; words of fewer than WARM_MIN_TITLES titles are left out."""
    counts: Counter[str] = Counter()
    for title in titles:
        for word in dict.fromkeys(w for w in analysis.words(title) if _WORD_RE.match(w)):
            counts[word] += 1
    return tuple(w for w, n in counts.most_common(limit) if n >= WARM_MIN_TITLES)


def _term_plans(word: str) -> tuple[TermPlan, ...]:
    """The term plans a search for `word` runs (none for a word the query language refuses)."""
    try:
        plan = plan_query(parse_query(word))
    except QueryError:
        return ()
    return (*(term for group in plan.groups for term in group), *plan.excluded)


def match_sets(index: OpenIndex, words: Iterable[str]) -> dict[str, np.ndarray]:
    """The sections matching each word's match queries (its exact run and its words), by query repr, as
    `OpenIndex.sections_for` finds and remembers them."""
    return {
        repr(q): index.sections_for(q)
        for word in words
        for term in _term_plans(word)
        for q in (term.exact, term.loose)
        if q is not None
    }


def frequent_body_words(
    index: OpenIndex, limit: int = WARM_BODY_WORDS, min_frequency: float = WARM_MIN_FREQUENCY
) -> tuple[str, ...]:
    """The words (two or more Chinese characters) most frequent in the bodies of a build, most frequent first,
    each occurring at least `min_frequency` times."""
    found = (text for n, text in index.backend.frequent_words("body", 2 * limit) if n >= min_frequency)
    return tuple(w for w in found if _WORD_RE.match(w))[:limit]


def write_warm_sets(index: OpenIndex, build_id: str) -> Path:
    """Find the match sets of an opened build's warm words (its shared title words, then its most frequent body
    words, up to WARM_SETS_BYTES) and write them into it; the build is not yet published, so `build_id` is the
    name it will be published under. The words' champions are found too and kept by `index`. Returns the file."""
    sets: dict[str, np.ndarray] = {}
    size = 0
    words = tuple(dict.fromkeys((*warm_words(index.table.titles), *frequent_body_words(index))))
    for word in words:
        found = match_sets(index, (word,))
        size += sum(a.nbytes for k, a in found.items() if k not in sets)
        if size > WARM_SETS_BYTES:
            break
        sets.update(found)
    # The same words' champions, kept by the opened build (its opened state, written after, holds them).
    warm_champions(index, words)
    keys = list(sets)
    arrays = [sets[k] for k in keys]
    path = index.path / WARM_SETS_FILE
    # Written beside and renamed over: a build made from another by hard links may hold that build's file under
    # this name, which must not be written through.
    partial = path.with_name(f".{WARM_SETS_FILE}.partial")
    with open(partial, "wb") as f:
        np.savez(
            f,
            build=np.array(build_id),
            backend=np.array(index.backend.name),
            sections=np.array(index.section_count),
            keys=np.array(keys, dtype=str),
            sizes=np.array([len(a) for a in arrays], dtype=np.int64),
            docnums=np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int32),
        )
    os.replace(partial, path)
    return path


def load_warm_sets(index: OpenIndex) -> int:
    """Remember the match sets written for this very build and backend (same id, same number of sections, docnums
    of the same backend); returns how many (0 when there is no such file, or it is another build's)."""
    try:
        with np.load(index.path / WARM_SETS_FILE, allow_pickle=False) as data:
            if (
                str(data["build"]) != index.build_id
                or int(data["sections"]) != index.section_count
                or str(data["backend"]) != index.backend.name
            ):
                return 0
            keys, sizes, docnums = data["keys"], data["sizes"], data["docnums"].astype(np.int32, copy=False)
    except (OSError, KeyError, ValueError):
        return 0
    ends = np.cumsum(sizes)
    for key, start, end in zip(keys, ends - sizes, ends, strict=True):
        index.remember_sections(str(key), docnums[start:end].copy())
    return len(keys)


def read_ahead_files(path: Path) -> list[Path]:
    """The files of a build that searches read through: all but the document store (a few of its pages a hit)
    and Whoosh's posting files of segments whose postings are read from their sidecar (search/sidecar.py).
    At ten times the laws corpus that is 4.3 of 8.4 GB: reading the rest as well pushed pages of the build
    still serving out of a full page cache, and its answers waited for the disk."""
    files = [p for p in sorted(path.iterdir()) if p.is_file() and p.name != STORE_FILE]
    return [p for p in files if not (p.suffix == ".pst" and p.with_suffix(SIDECAR_SUFFIX).exists())]


def read_ahead(path: Path, should_stop: Callable[[], bool] = lambda: False) -> int:
    """Read the files searches use once (`read_ahead_files`), so that their pages are in the page cache when
    queries need them (asking the kernel with posix_fadvise(WILLNEED) left them uncached on the file systems
    measured); the GIL is free while a block is read. Stops early when told; returns the bytes read."""
    block = bytearray(READ_BLOCK)
    done = 0
    for p in read_ahead_files(path):
        with open(p, "rb", buffering=0) as f:
            while not should_stop() and (n := f.readinto(block)):
                done += n
    return done


def fill_tables(index: OpenIndex, words: tuple[str, ...] | None = None) -> None:
    """Run one whole search of the commonest title word and one question of the two commonest: they fill the
    per-build tables (`OpenIndex.memo`) every search and every question uses (levels, copied rules, places,
    sections per document, the levels titles raise: 0.2–0.6 s each at ten times the laws corpus; the citing titles
    the order of a question's first documents weighs); then find the champions of the common ones of the words
    (search/engine.py, `warm_champions`)."""
    words = warm_words(index.table.titles) if words is None else words
    if not words:
        return
    run_search(index, params_from(q=words[0]))
    run_search(index, params_from(q=f"{words[0]}{words[1] if len(words) > 1 else words[0]}吗"))
    rerank.fill_tables(index)  # the question may have found too few documents to be put in order again
    warm_champions(index, words)


def warm_build(index: OpenIndex, should_stop: Callable[[], bool]) -> int:
    """Warm an opened build: the match sets written for it loaded, its files read, then its common title words
    matched and scored one by one (the match sets and posting arrays a build remembers; one whole search and one
    question fill its per-build tables), until done or `should_stop()`; returns the number of words warmed.

    The files are read first, with the GIL free: a search over pages not yet read faults them in from the disk
    while it holds the GIL, and over ten times the laws corpus the requests of the build still serving waited
    0.2–0.4 s at a time for the searches that warmed beside the reading."""
    started = time.monotonic()
    loaded = load_warm_sets(index)
    read_ahead(index.path, should_stop)
    words = warm_words(index.table.titles)
    done = 0
    for word in words:
        if should_stop():
            break
        if done == 0:
            fill_tables(index, words)
        for term in _term_plans(word):
            for q in (term.exact, term.loose):
                if q is not None:
                    index.sections_for(q)
            if term.score is not None:
                index.vector.evaluate(term.score)
        done += 1
    log.info(
        "index.warmed",
        extra={
            "govlaw": {
                "build": index.build_id,
                "match_sets_loaded": loaded,
                "words": done,
                "ms": round((time.monotonic() - started) * 1000),
            }
        },
    )
    return done
