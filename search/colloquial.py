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
# 楼上扔下来的东西, 下班路上 in 下班回家路上): at most GAP_CHARS characters, none of them punctuation or space.
MIN_GAPPED_KEY = 3
GAP_CHARS = 3
_NOT_IN_GAP = frozenset(" \t,.;:!?，。；：！？、")


def _gapped(text: str, key: str, taken: list[bool]) -> tuple[int, int] | None:
    """The first free span of the text that is the key with one run of 1..GAP_CHARS characters inside it."""
    for cut in range(1, len(key)):
        head, tail = key[:cut], key[cut:]
        start = text.find(head)
        while start >= 0:
            after = start + len(head)
            end_limit = after + GAP_CHARS + len(tail)
            at = text.find(tail, after + 1, end_limit)
            if at >= 0 and not _NOT_IN_GAP.intersection(text[after:at]) and not any(taken[start : at + len(tail)]):
                return start, at + len(tail)
            start = text.find(head, start + 1)
    return None


def find(text: str) -> list[tuple[int, int, str]]:
    """Keys occurring in a normalised text as (start, end, key), longest first where two overlap, in order;
    then the longer keys found with a few characters typed inside them, where the text is still free."""
    taken = [False] * len(text)
    found = []
    candidates = _candidates(text)
    keys = sorted((k for k in candidates if len(k) >= MIN_SUBSTRING_KEY), key=lambda k: (-len(k), k))
    for key in keys:
        start = text.find(key)
        while start >= 0:
            end = start + len(key)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(key)
                found.append((start, end, key))
            start = text.find(key, end)
    for key in keys:
        if len(key) < MIN_GAPPED_KEY or key[-1] not in text:
            continue
        span = _gapped(text, key, taken)
        if span is not None:
            taken[span[0] : span[1]] = [True] * (span[1] - span[0])
            found.append((span[0], span[1], key))
    return sorted(found)
