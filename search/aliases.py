"""Aliases applied at query time: 简称 -> 全称 of laws, and variants of policy terms (search/data/aliases.tsv)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from search import analysis

ALIAS_FILE = "aliases.tsv"


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[tuple[str, str], ...]]:
    table: dict[str, list[tuple[str, str]]] = {}
    path = resources.files("search") / "data" / ALIAS_FILE
    if not path.is_file():
        return {}
    for line in path.read_text("utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or line.startswith("#"):
            continue
        alias, expansion, kind = (p.strip() for p in parts)
        table.setdefault(analysis.normalize(alias), []).append((expansion, kind))
    return {k: tuple(v) for k, v in table.items()}


def expansions(text: str) -> tuple[tuple[str, str], ...]:
    """(expansion, kind) pairs of a term's aliases."""
    return _table().get(analysis.normalize(text).strip(), ())


def extra_terms(text: str) -> tuple[str, ...]:
    """Expansions worth searching for besides the term: not those that only extend it (already matched)."""
    norm = analysis.normalize(text)
    return tuple(e for e, _ in expansions(text) if norm not in analysis.normalize(e))
