"""Everyday words -> the words statutes use (search/data/colloquial.tsv), applied at query time.

家暴 is searched as 家庭暴力 too, 霸王条款 as 格式条款; the explanation shows each as an alias. A key is looked up
as a run of characters inside the query's text, so a question typed without spaces (被狗咬了怎么赔) finds its
everyday words as well as a query that is just the word.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from search import analysis

COLLOQUIAL_FILE = "colloquial.tsv"


@lru_cache(maxsize=1)
def table() -> dict[str, tuple[str, ...]]:
    """Normalised key -> its statutory expansions, in file order."""
    out: dict[str, list[str]] = {}
    path = resources.files("search") / "data" / COLLOQUIAL_FILE
    if not path.is_file():
        return {}
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            continue
        key, expansion = analysis.normalize(parts[0].strip()), parts[1].strip()
        if expansion not in out.setdefault(key, []):
            out[key].append(expansion)
    return {k: tuple(v) for k, v in out.items()}


# Keys shorter than this apply only as a whole word (赔 in 被狗咬了怎么赔), never inside a longer one.
MIN_SUBSTRING_KEY = 2


@lru_cache(maxsize=1)
def _by_first_char() -> dict[str, tuple[str, ...]]:
    """First character -> the keys starting with it, in table order (a query looks only at the keys that can
    start inside it, not at thousands)."""
    out: dict[str, list[str]] = {}
    for key in table():
        out.setdefault(key[0], []).append(key)
    return {c: tuple(keys) for c, keys in out.items()}


def _candidates(text: str) -> set[str]:
    """The keys whose first character occurs in the text."""
    index = _by_first_char()
    return {k for c in set(text) for k in index.get(c, ())}


def expansions(text: str) -> tuple[str, ...]:
    """The expansions of a whole term (霸王条款 -> 格式条款)."""
    return table().get(analysis.normalize(text).strip(), ())


def extra_terms(text: str) -> tuple[str, ...]:
    """Expansions worth searching for besides the term: not those that contain it (工伤 -> 工伤保险 adds nothing
    that 工伤 does not match)."""
    norm = analysis.normalize(text).strip()
    return tuple(e for e in expansions(text) if norm not in analysis.normalize(e))


def find_all(text: str) -> list[tuple[int, int, str]]:
    """Every key occurring in a normalised text, overlapping or not, as (start, end, key); one-character keys
    too (the text is an everyday phrase already: 狗 in 被狗咬)."""
    found = []
    for key in _candidates(text):
        start = text.find(key)
        while start >= 0:
            found.append((start, start + len(key), key))
            start = text.find(key, start + 1)
    return sorted(found)


# A key of at least this many characters is also found with a few words typed inside it (楼上扔东西 in
# 楼上扔下来的东西, 下班路上 in 下班回家路上): at most GAP_CHARS characters, none of them punctuation or space;
# at most WIDE_GAP_CHARS where both parts around the gap are words of two characters or more (老公打我 in
# 老公喝了酒就动手打我), not where one part is a single character (找 … 中介 in 找兼职的时候中介).
MIN_GAPPED_KEY = 3
GAP_CHARS = 4
WIDE_GAP_CHARS = 8
WIDE_GAP_PART = 2
_NOT_IN_GAP = frozenset(" \t,.;:!?，。；：！？、")


def _gap_limit(head: str, tail: str) -> int:
    """How many characters may be typed between a key's head and tail."""
    return WIDE_GAP_CHARS if min(len(head), len(tail)) >= WIDE_GAP_PART else GAP_CHARS


def _free_or_whole(owner: list[int], spans: list[tuple[int, int, str]], start: int, end: int) -> bool:
    """Is every character of text[start:end] free, or part of a key found whole inside that span?"""
    for i in range(start, end):
        k = owner[i]
        if k >= 0 and not (start <= spans[k][0] and spans[k][1] <= end):
            return False
    return True


def _gapped(
    text: str, key: str, owner: list[int], spans: list[tuple[int, int, str]]
) -> tuple[int, int, int, int] | None:
    """The first span of the text that is the key with one run of 1..`_gap_limit` characters inside it, as (start of
    the key's head, its end, start of its tail, its end): head and tail free or made of shorter keys found whole
    inside them (老公 of 老公打我 in 老公经常动手打我), the run between them free or another key (喝酒 in
    老公一喝酒就打我)."""
    for cut in range(1, len(key)):
        head, tail = key[:cut], key[cut:]
        start = text.find(head)
        while start >= 0:
            after = start + len(head)
            end_limit = after + _gap_limit(head, tail) + len(tail)
            at = text.find(tail, after + 1, end_limit)
            if (
                at >= 0
                and not _NOT_IN_GAP.intersection(text[after:at])
                and _free_or_whole(owner, spans, start, after)
                and _free_or_whole(owner, spans, at, at + len(tail))
            ):
                return start, after, at, at + len(tail)
            start = text.find(head, start + 1)
    return None


def claimed(text: str, start: int, end: int, key: str) -> tuple[tuple[int, int], ...]:
    """The spans of a found key's own characters: the whole span, or for a key found with characters typed inside
    it, its head and tail (the words between them are the query's own: 两岁 in 孩子才两岁会判给)."""
    if text[start:end] == key:
        return ((start, end),)
    # The first cut that fits, as _gapped tries them (abcd in abXcd is ab and cd, not abc and d).
    for cut in range(1, len(key)):
        head_end, tail_start = start + cut, end - (len(key) - cut)
        if (
            text.startswith(key[:cut], start)
            and text.startswith(key[cut:], tail_start)
            and 1 <= tail_start - head_end <= _gap_limit(key[:cut], key[cut:])
        ):
            return (start, head_end), (tail_start, end)
    raise ValueError(f"{text[start:end]!r} is not {key!r} with characters inside it")


def find(text: str) -> list[tuple[int, int, str]]:
    """Keys occurring in a normalised text as (start, end, key), longest first where two overlap, in order; then
    the longer keys found with a few characters typed inside them, where the text is still free or holds shorter
    keys that the gapped one takes in (老公打我 in 老公经常动手打我 takes in 老公; its group keeps 老公's words as
    inner keys)."""
    owner = [-1] * len(text)
    spans: list[tuple[int, int, str]] = []
    candidates = _candidates(text)
    keys = sorted((k for k in candidates if len(k) >= MIN_SUBSTRING_KEY), key=lambda k: (-len(k), k))
    for key in keys:
        start = text.find(key)
        while start >= 0:
            end = start + len(key)
            if all(o < 0 for o in owner[start:end]):
                owner[start:end] = [len(spans)] * len(key)
                spans.append((start, end, key))
            start = text.find(key, end)
    gone: set[int] = set()
    for key in keys:
        if len(key) < MIN_GAPPED_KEY or key[-1] not in text:
            continue
        span = _gapped(text, key, owner, spans)
        if span is None:
            continue
        start, head_end, tail_start, end = span
        me = len(spans)
        for lo, hi in ((start, head_end), (tail_start, end)):
            gone.update(o for o in owner[lo:hi] if o >= 0)
            owner[lo:hi] = [me] * (hi - lo)
        spans.append((start, end, key))
    return sorted(s for i, s in enumerate(spans) if i not in gone)
