"""Snippets and marked text, cut from the stored text as written.

Matching runs on the normalised text, which has the same length as the stored text, so a span found there is
the same span in the document's own script. Output is escaped HTML; the only markup added is <mark>.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache
from html import escape

from search import analysis

SNIPPET_CHARS = 160  # length of a snippet window
SNIPPET_LEAD = 36  # characters shown before the first match in a window
MAX_GAP = 3  # punctuation or spaces allowed between two characters of a term
ELLIPSIS = "…"


@lru_cache(maxsize=1024)
def _term_regex(term: str) -> re.Pattern[str] | None:
    units = [u for u, _, _ in analysis.units(term)]
    if not units:
        return None
    parts = []
    for u in units:
        p = re.escape(u)
        if u.isascii():
            p = rf"(?<![0-9a-z]){p}(?![0-9a-z])"
        parts.append(p)
    # Between units: only what the bigram stream skips (punctuation, spaces, line breaks), a few at most.
    return re.compile(rf"[^\w]{{0,{MAX_GAP}}}".join(parts))


def find_spans(text: str, terms: Sequence[str], normalized: str | None = None) -> list[tuple[int, int]]:
    """Merged (start, end) spans of every occurrence of the (normalised) terms in text."""
    norm = normalized if normalized is not None else analysis.normalize(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        rx = _term_regex(term)
        if rx is None:
            continue
        spans.extend(m.span() for m in rx.finditer(norm) if m.end() > m.start())
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def mark(text: str, spans: Sequence[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """text[start:end] as escaped HTML with <mark> around the spans."""
    end = len(text) if end is None else end
    out, pos = [], start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        s, e = max(span_start, start), min(span_end, end)
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def _flat(text: str) -> str:
    return " ".join(text.split())


def snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """The window of `text` with the most matches, as escaped HTML with <mark>; the start when nothing matches."""
    spans = find_spans(text, terms)
    if not spans:
        cut = text[:width]
        return escape(_flat(cut)) + (ELLIPSIS if len(text) > width else "")
    # Spans are merged, so their starts and their ends are both sorted: the spans inside a window are counted
    # by two binary searches (a document repeating a term 40,000 times took minutes counting them one by one).
    starts, ends = [a for a, _ in spans], [b for _, b in spans]
    best_start, best_count = 0, -1
    for s, _ in spans:
        start = max(0, s - SNIPPET_LEAD)
        count = bisect_right(ends, start + width) - bisect_left(starts, start)
        if count > best_count:
            best_start, best_count = start, count
    end = min(len(text), best_start + width)
    html = mark(text, spans, best_start, end)
    html = " ".join(html.split())
    return (ELLIPSIS if best_start > 0 else "") + html + (ELLIPSIS if end < len(text) else "")


def mark_text(text: str, terms: Sequence[str]) -> str:
    """The whole text as escaped HTML with every match marked (the document view)."""
    return mark(text, find_spans(text, terms))
