"""新旧对照: two documents (two versions of a law, usually) aligned article by article by their content.

A revision renumbers: an article keeps its place in the order of the law but not its number, and a few move
elsewhere. So the articles are paired in two steps over a similarity matrix of their texts (rapidfuzz's
normalised Indel similarity, 0-100): first the best order-keeping pairing (a dynamic programme, like a diff of
two sequences whose elements are articles), then, among the articles left over, the most similar pairs above a
higher bar, out of order. Each article of either side appears exactly once: in a pair, or alone as added or
removed. The characters that changed within a pair are marked with difflib's matching blocks.

Documents without articles (第N条) are compared section by section the same way.
"""

from __future__ import annotations

import difflib
import itertools
import re
import time
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from search.citation import article_key
from search.index import OpenIndex
from search.results import DOC_URL, STATUS_LABELS

# Similarity (0-100) a pair needs in the order-keeping pass; each pair scores its similarity less BIAS, so a
# weak pair is made only where nothing better keeps the order.
MIN_ORDERED = 45.0
BIAS = 30.0
# An article paired in order is paired out of order instead with an unpaired article this much more similar.
MIN_BETTER = 25.0
# Between two pairs, the articles left on both sides are paired again in order with a lower bar: their place
# is evidence enough that a rewritten article is the same provision.
MIN_IN_GAP = 35.0
BIAS_IN_GAP = 20.0
# Similarity a pair needs out of order (an article moved elsewhere in the law).
MIN_MOVED = 50.0
# A short article kept whole inside a longer one (公司成立后，股东不得抽逃出资。, to which the revision added a
# paragraph) is as similar as the share of its characters found in order in the other, less this, from this
# share on; Indel similarity alone counts the added paragraph against it.
CONTAINED_SHARE = 0.8
CONTAINED_PENALTY = 20.0
MIN_CONTAINED_CHARS = 8
# Equal runs this short between two changes are shown as part of the change: a diff that keeps a lone 的 or
# 和 as "unchanged" between two rewritten phrases is harder to read, not more exact.
MIN_EQUAL_RUN = 2
STATUSES = ("unchanged", "modified", "moved", "added", "removed")
STATUS_NAMES = {"unchanged": "未修改", "modified": "修改", "moved": "移动", "added": "新增", "removed": "删除"}
_SPACE_RE = re.compile(r"\s+")
_HEADING_RE = re.compile(
    r"^\s*第\s*[0-9零〇一二三四五六七八九十百千两]+\s*条(?:\s*之\s*[0-9一二三四五六七八九十]+)?\s*"
)


@dataclass(frozen=True, slots=True)
class Unit:
    """One article (or section) of a side: its heading, its text without the heading, where it is."""

    heading: str
    text: str
    section_id: str
    url: str
    key: tuple[int, int] | None  # (number, 之N) of an article

    def to_dict(self, html: str) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "section_id": self.section_id,
            "url": self.url,
            "text": self.text,
            "html": html,
        }


@dataclass(frozen=True, slots=True)
class Pair:
    """A row of the table: an old unit, a new one, or both."""

    status: str  # one of STATUSES
    old: Unit | None
    new: Unit | None
    similarity: float  # 0-100; 0 for added and removed
    renumbered: bool  # both sides, with different numbers
    reordered: bool  # paired out of the order of the two texts (an article moved elsewhere in the law)
    old_html: str  # the old text, escaped, with <del> around what the new one lacks
    new_html: str  # the new text, escaped, with <ins> around what it adds

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "status_label": STATUS_NAMES[self.status],
            "old": self.old.to_dict(self.old_html) if self.old else None,
            "new": self.new.to_dict(self.new_html) if self.new else None,
            "similarity": round(self.similarity, 1),
            "renumbered": self.renumbered,
            "reordered": self.reordered,
        }


@dataclass(frozen=True, slots=True)
class Side:
    doc_id: str
    title: str
    date: str | None
    valid_from: str | None
    status: str | None
    status_label: str | None
    url: str
    units: int
    by_article: bool  # units are articles (else sections)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "valid_from": self.valid_from,
            "status": self.status,
            "status_label": self.status_label,
            "url": self.url,
            "units": self.units,
            "by_article": self.by_article,
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    old: Side
    new: Side
    pairs: tuple[Pair, ...]
    counts: dict[str, int]  # per status, and how many pairs are "renumbered" and "reordered"
    took_ms: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "counts": dict(self.counts),
            "pairs": [p.to_dict() for p in self.pairs],
            "took_ms": self.took_ms,
        }


def _clean(text: str) -> str:
    return _SPACE_RE.sub("", text)


def units_of(index: OpenIndex, doc_id: str) -> tuple[list[Unit], bool]:
    """A document's articles in order (a text repeating an article number keeps both), or its sections with text
    when it has no articles; and whether they are articles."""
    headings = index.store.headings(doc_id)
    found = index.store.sections(doc_id, [sid for sid, _ in headings]) or []
    url = DOC_URL.format(doc_id=doc_id)
    articles = []
    sections = []
    for section, text in found:
        key = article_key(section.heading)
        body = text.strip()
        if key is not None:
            m = _HEADING_RE.match(body)
            articles.append(
                Unit(
                    m.group(0).strip() if m else section.heading,
                    body[m.end() if m else 0 :].strip(),
                    section.anchor,
                    f"{url}#{section.anchor}",
                    key,
                )
            )
        elif body and body != section.heading.strip():
            first, _, rest = body.partition("\n")
            heading = section.heading or first[:20]
            sections.append(
                Unit(
                    heading, rest.strip() if section.heading else body, section.anchor, f"{url}#{section.anchor}", None
                )
            )
    return (articles, True) if articles else (sections, False)


def similarity(old: list[str], new: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The similarity (0-100) of every old text to every new one: Indel similarity; and the same where a text
    found almost whole in the other counts the share found instead, if higher (see CONTAINED_SHARE)."""
    a = [_clean(t) for t in old]
    b = [_clean(t) for t in new]
    ratio = cdist(a, b, scorer=fuzz.ratio, dtype=np.float32, workers=1).astype(np.float64)
    la = np.asarray([len(t) for t in a], dtype=np.float64)[:, None]
    lb = np.asarray([len(t) for t in b], dtype=np.float64)[None, :]
    shorter = np.minimum(la, lb)
    # Indel similarity is 2·LCS / (la + lb): the longest common subsequence follows from it.
    share = ratio * (la + lb) / 200 / np.maximum(shorter, 1)
    contained = np.where(
        (share >= CONTAINED_SHARE) & (shorter >= MIN_CONTAINED_CHARS), share * 100 - CONTAINED_PENALTY, 0.0
    )
    return ratio, np.maximum(ratio, contained)


def _ordered_pairs(sim: np.ndarray, minimum: float = MIN_ORDERED, bias: float = BIAS) -> list[tuple[int, int]]:
    """The order-keeping pairing with the largest total of (similarity - bias), pairs below `minimum` left out."""
    n, m = sim.shape
    if n == 0 or m == 0:
        return []
    gain = np.where(sim >= minimum, sim - bias, -np.inf)
    best = np.zeros((n + 1, m + 1))
    # best[i][j]: the best total over old[:i] and new[:j]; filled row by row with a running maximum, which is the
    # usual three-way recurrence with free gaps.
    for i in range(1, n + 1):
        row, prev, g = best[i], best[i - 1], gain[i - 1]
        diag = prev[:-1] + g  # pairing old i-1 with new j-1
        cand = np.maximum(prev[1:], diag)  # or leaving old i-1 alone
        # leaving new j-1 alone: a running maximum along the row
        running = 0.0
        for j in range(1, m + 1):
            value = cand[j - 1]
            if running > value:
                value = running
            row[j] = value
            running = value
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        if best[i][j] == best[i - 1][j]:
            i -= 1
        elif best[i][j] == best[i][j - 1]:
            j -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    return pairs[::-1]


def align(old: list[str], new: list[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int]], np.ndarray]:
    """Pairs (old index, new index) kept in order, pairs moved out of order, and the similarity matrix."""
    if not old or not new:
        return [], [], np.zeros((len(old), len(new)))
    # The order-keeping pass on similarity alone: an article split in two keeps the half most like it.
    ratio, sim = similarity(old, new)
    ordered = _ordered_pairs(ratio)
    used_old = {i for i, _ in ordered}
    used_new = {j for _, j in ordered}
    moved = _better_elsewhere(ratio, ordered, used_new)
    ordered = [p for p in ordered if p[0] not in {i for i, _ in moved}]
    used_old = {i for i, _ in ordered + moved}
    used_new = {j for _, j in ordered + moved}
    # Then articles moved elsewhere, most similar first; then, in order, what is left between two pairs, with
    # a lower bar and counting an article kept whole inside another; then what is left, out of order, so.
    moved += _most_similar(ratio, used_old, used_new)
    ordered = sorted(ordered + _fill_gaps(sim, ordered, used_old, used_new))
    # Articles moved together (a section moved to another chapter): the gaps between them, so.
    moved += _fill_gaps(sim, ordered + moved, used_old, used_new)
    moved += _most_similar(sim, used_old, used_new)
    return ordered, moved, sim


def _better_elsewhere(sim: np.ndarray, ordered: list[tuple[int, int]], used_new: set[int]) -> list[tuple[int, int]]:
    """Articles the order-keeping pass paired weakly, for which an article left unpaired elsewhere is far more
    similar (by MIN_BETTER) and is most similar to them: paired with that one, out of order, instead."""
    out = []
    taken = set(used_new)
    for i, j in ordered:
        k = int(sim[i].argmax())
        if k not in taken and sim[i, k] >= sim[i, j] + MIN_BETTER and int(sim[:, k].argmax()) == i:
            out.append((i, k))
            taken.add(k)
    return out


def _most_similar(sim: np.ndarray, used_old: set[int], used_new: set[int]) -> list[tuple[int, int]]:
    """Pairs of articles not yet used, most similar first, from MIN_MOVED on (adds them to the used sets)."""
    rows = [i for i in range(sim.shape[0]) if i not in used_old]
    cols = [j for j in range(sim.shape[1]) if j not in used_new]
    if not rows or not cols:
        return []
    sub = sim[np.ix_(rows, cols)]
    found = []
    for a, b in zip(*np.nonzero(sub >= MIN_MOVED), strict=True):
        found.append((float(sub[a, b]), rows[a], cols[b]))
    out = []
    for _, i, j in sorted(found, reverse=True):
        if i not in used_old and j not in used_new:
            out.append((i, j))
            used_old.add(i)
            used_new.add(j)
    return out


def _fill_gaps(
    sim: np.ndarray, pairs: list[tuple[int, int]], used_old: set[int], used_new: set[int]
) -> list[tuple[int, int]]:
    """The articles left unused between two consecutive pairs (and before the first, after the last), paired
    in order with the lower bar of MIN_IN_GAP (adds them to the used sets)."""
    n, m = sim.shape
    bounds = [(-1, -1), *sorted(pairs), (n, m)]  # by old index
    out: list[tuple[int, int]] = []
    for (i0, j0), (i1, j1) in itertools.pairwise(bounds):
        if j1 <= j0:
            continue  # around an article moved out of order: no gap between the two
        rows = [i for i in range(i0 + 1, i1) if i not in used_old]
        cols = [j for j in range(j0 + 1, j1) if j not in used_new]
        if rows and cols:
            inner = _ordered_pairs(sim[np.ix_(rows, cols)], MIN_IN_GAP, BIAS_IN_GAP)
            out.extend((rows[i], cols[j]) for i, j in inner)
    used_old.update(i for i, _ in out)
    used_new.update(j for _, j in out)
    return out


def mark_changes(old: str, new: str) -> tuple[str, str]:
    """Both texts escaped, with <del> around what only the old one has and <ins> around what only the new one has."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    # Short equal runs between changes are shown as changed (see MIN_EQUAL_RUN); the ends stay as they are.
    kept = [
        b
        for b in blocks
        if b.size >= MIN_EQUAL_RUN or (b.a == b.b == 0) or (b.a + b.size == len(old) and b.b + b.size == len(new))
    ]
    out_old, out_new = [], []
    i = j = 0
    for a, b, size in kept:
        if a > i:
            out_old.append(f"<del>{escape(old[i:a])}</del>")
        if b > j:
            out_new.append(f"<ins>{escape(new[j:b])}</ins>")
        out_old.append(escape(old[a : a + size]))
        out_new.append(escape(new[b : b + size]))
        i, j = a + size, b + size
    if i < len(old):
        out_old.append(f"<del>{escape(old[i:])}</del>")
    if j < len(new):
        out_new.append(f"<ins>{escape(new[j:])}</ins>")
    return "".join(out_old), "".join(out_new)


def _pair(old: Unit, new: Unit, similarity: float, moved: bool) -> Pair:
    renumbered = old.key != new.key if old.key and new.key else old.heading != new.heading
    same = _clean(old.text) == _clean(new.text)
    if same and not renumbered and not moved:
        status = "unchanged"
    elif same:
        status = "moved"
    else:
        status = "modified"
    old_html, new_html = (escape(old.text), escape(new.text)) if same else mark_changes(old.text, new.text)
    return Pair(status, old, new, 100.0 if same else similarity, renumbered, moved, old_html, new_html)


def _side(index: OpenIndex, doc_id: str, units: int, by_article: bool) -> Side:
    meta = index.docs[doc_id]
    return Side(
        doc_id=doc_id,
        title=meta.title,
        date=meta.date,
        valid_from=meta.valid_from,
        status=meta.status,
        status_label=STATUS_LABELS.get(meta.status or ""),
        url=DOC_URL.format(doc_id=doc_id),
        units=units,
        by_article=by_article,
    )


def default_pair(index: OpenIndex, old_id: str | None, new_id: str | None) -> tuple[str, str] | None:
    """The two documents to compare when only one is named: the named one and the version after it (or, for
    the newest, the one before it). None when the named one has no other version."""
    named = old_id or new_id
    if named is None or named not in index.docs:
        return None
    versions = list(index.versions.get(named, ()))  # newest first
    if len(versions) < 2:
        return None
    at = versions.index(named)
    if old_id is not None:
        return (old_id, versions[at - 1]) if at > 0 else (versions[1], old_id)
    return (versions[at + 1], named) if at + 1 < len(versions) else (named, versions[at - 1])


def compare(index: OpenIndex, old_id: str, new_id: str) -> Comparison:
    """The 新旧对照 of two documents of the index (KeyError for an unknown id)."""
    started = time.perf_counter()
    for d in (old_id, new_id):
        if d not in index.docs:
            raise KeyError(d)
    old, old_articles = units_of(index, old_id)
    new, new_articles = units_of(index, new_id)
    ordered, moved, sim = align([u.text for u in old], [u.text for u in new])
    pairs = pairs_in_order(old, new, ordered, moved, sim)
    counts = dict.fromkeys(STATUSES, 0)
    for p in pairs:
        counts[p.status] += 1
    counts["renumbered"] = sum(p.renumbered for p in pairs)
    counts["reordered"] = sum(p.reordered for p in pairs)
    return Comparison(
        old=_side(index, old_id, len(old), old_articles),
        new=_side(index, new_id, len(new), new_articles),
        pairs=tuple(pairs),
        counts=counts,
        took_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def pairs_in_order(
    old: list[Unit], new: list[Unit], ordered: list[tuple[int, int]], moved: list[tuple[int, int]], sim: np.ndarray
) -> list[Pair]:
    """The rows of the table in the order of the new text, each removed article after the row of the old article
    before it; moved pairs at the place of their new article."""
    by_new: dict[int, Pair] = {}
    old_done = set()
    for i, j in ordered:
        by_new[j] = _pair(old[i], new[j], float(sim[i, j]), moved=False)
        old_done.add(i)
    for i, j in moved:
        by_new[j] = _pair(old[i], new[j], float(sim[i, j]), moved=True)
        old_done.add(i)
    removed_after: dict[int, list[int]] = {}  # new index (-1: before all) -> removed old articles
    anchor = -1
    ordered_old_to_new = dict(ordered)
    for i in range(len(old)):
        if i in ordered_old_to_new:
            anchor = ordered_old_to_new[i]
        elif i not in old_done:
            removed_after.setdefault(anchor, []).append(i)
    out: list[Pair] = []
    for j in range(-1, len(new)):
        if j >= 0:
            out.append(by_new.get(j) or Pair("added", None, new[j], 0.0, False, False, "", _ins(new[j].text)))
        out.extend(
            Pair("removed", old[i], None, 0.0, False, False, _del(old[i].text), "") for i in removed_after.get(j, ())
        )
    return out


def _ins(text: str) -> str:
    return f"<ins>{escape(text)}</ins>"


def _del(text: str) -> str:
    return f"<del>{escape(text)}</del>"
