"""Abbreviations people type for statutory terms, read from the corpus: 安评 for 安全评价, 领保 for 领事保护, 刑拘 for
刑事拘留.

A Chinese abbreviation of a term of two or three words is, most often, the first character of each word. The corpus
text is cut into words (jieba, with the project's dictionary; a long dictionary word such as 家庭暴力 is taken as the
fewest two- or three-character dictionary words that make it up), and every run of two or three consecutive words
counted under the characters that begin them. An abbreviation is kept for a run that:
- is a term (`vocabulary`: a word of the colloquial table's expansions, of legal_terms.txt, or of jieba's dictionary
  of four characters or more, or a part of a corpus title), not two words that merely meet (进行 强制, 坚持 政府);
- occurs at least MIN_COUNT times and holds at least MIN_SHARE of the runs with the same first characters;
and only while the abbreviation is not a word of its own: rare in the corpus text as written (the kept runs at
least LITERAL_RATIO times as often), not a dictionary word above DICTIONARY_MAX, and not beginning or ending with a
character a question glues to its words (没交, 我能: questions.GLUED_CHARS), which the segmenter cuts off a question's
words before they are looked up.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

from search import analysis, questions

# The runs of words an abbreviation stands for: two or three words.
RUN_LENGTHS = (2, 3)
# A run is an expansion only when it occurs this often, and holds this share of the runs with the same initials.
MIN_COUNT = 5
MIN_SHARE = 0.2
MAX_EXPANSIONS = 3
# The kept runs occur at least this many times as often as the abbreviation's characters do as written.
LITERAL_RATIO = 10
# A word jieba's dictionary holds more often than this is a word of its own (驾校, 股市), not an abbreviation.
DICTIONARY_MAX = 5
# A dictionary word this long is a term (家庭暴力); shorter ones are the words runs are made of.
TERM_MIN_CHARS = 4
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
# A run of numerals is a number (第二百三十六条), not a term.
_NUMBER = re.compile(r"[一二三四五六七八九十百千]{2,}")


def _split(word: str, dictionary: dict[str, int]) -> tuple[str, ...]:
    """A long word as the fewest two- or three-character dictionary words that make it up (家庭暴力: 家庭, 暴力), or
    whole where none do."""
    best: dict[int, tuple[str, ...]] = {0: ()}
    for end in range(2, len(word) + 1):
        options = [
            best[end - size] + (word[end - size : end],)
            for size in (2, 3)
            if end - size in best and dictionary.get(word[end - size : end], 0) > 0
        ]
        if options:
            best[end] = min(options, key=len)
    return best.get(len(word), (word,))


def runs(lines: Iterable[str], dictionary: dict[str, int]) -> Counter[tuple[str, ...]]:
    """How often each run of RUN_LENGTHS consecutive words (of two characters or more) occurs in the lines."""
    split = lru_cache(maxsize=None)(lambda w: _split(w, dictionary) if len(w) >= TERM_MIN_CHARS else (w,))
    counts: Counter[tuple[str, ...]] = Counter()
    for line in lines:
        sequence: list[str | None] = []
        for token, _, _ in analysis.segment(line):
            if _HAN_WORD.fullmatch(token):
                sequence.extend(split(token))
            else:
                sequence.append(None)
        for size in RUN_LENGTHS:
            for i in range(len(sequence) - size + 1):
                run = sequence[i : i + size]
                if all(run):
                    counts[tuple(w for w in run if w)] += 1
    return counts


def abbreviations(
    lines: list[str], vocabulary: set[str], titles: str, dictionary: dict[str, int]
) -> list[tuple[str, str]]:
    """(abbreviation, expansion) pairs read from the lines (normalised corpus text), sorted: `vocabulary` the terms
    besides those of jieba's dictionary (`dictionary`, word -> frequency), `titles` the corpus titles, one a line."""
    by_initials: dict[str, Counter[str]] = defaultdict(Counter)
    for run, n in runs(lines, dictionary).items():
        by_initials["".join(w[0] for w in run)]["".join(run)] += n

    def is_term(text: str) -> bool:
        return text in vocabulary or (len(text) >= TERM_MIN_CHARS and dictionary.get(text, 0) > 0) or text in titles

    glued = questions.GLUED_CHARS
    kept: dict[str, list[tuple[str, int]]] = {}
    for initials, expansions in by_initials.items():
        if dictionary.get(initials, 0) > DICTIONARY_MAX or initials[0] in glued or initials[-1] in glued:
            continue
        total = sum(expansions.values())
        chosen = [
            (e, n)
            for e, n in expansions.most_common()
            if n >= MIN_COUNT and n >= MIN_SHARE * total and is_term(e) and not _NUMBER.search(e)
        ][:MAX_EXPANSIONS]
        if chosen:
            kept[initials] = chosen
    written = _occurrences(lines, set(kept))
    return sorted(
        (initials, e)
        for initials, chosen in kept.items()
        if written[initials] * LITERAL_RATIO <= sum(n for _, n in chosen)
        for e, _ in chosen
    )


def _occurrences(lines: list[str], strings: set[str]) -> Counter[str]:
    """How often each of the strings (two or three characters) occurs in the lines as written."""
    counts: Counter[str] = Counter()
    for line in lines:
        for size in RUN_LENGTHS:
            for i in range(len(line) - size + 1):
                if (s := line[i : i + size]) in strings:
                    counts[s] += 1
    return counts
