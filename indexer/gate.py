"""The quality gate a new build must pass before it is switched in.

Two kinds of golden query: the operator's (a JSONL file of {"q": ..., "expect_source": ...}; each must find its
document among the first GATE_TOP hits) and a sample of titles taken from the previous build (each must still
find its document, if it did before); and the new build must keep at least `min_ratio` of the previous build's
documents. Choosing the sample and judging the results are pure functions; `run_gate` runs the searches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from search.params import MAX_QUERY_CHARS

GATE_TOP = 10  # a golden query passes when its document is among this many first hits
GATE_SAMPLE = 20  # titles of the previous build searched by default
GATE_MIN_RATIO = 0.9  # documents of the new build / documents of the previous build
TITLE_MIN_CHARS = 4  # shorter titles ("通知") say nothing about a document
TITLE_MAX_CHARS = 100


class GateFileError(ValueError):
    """The golden-query file cannot be read; the message names the line."""


@dataclass(frozen=True, slots=True)
class GateQuery:
    q: str
    expect_source: str
    origin: str  # "file:<path>:<line>" or "title"

    @property
    def must_hit(self) -> bool:
        """Operator queries must hit; a title sample need only keep hitting what it hit before."""
        return self.origin != "title"


@dataclass(frozen=True, slots=True)
class QueryCheck:
    q: str
    expect_source: str
    origin: str
    hit: bool  # the expected document is among the first GATE_TOP hits of the new build
    hit_before: bool | None  # the same in the previous build (only asked when the new build misses)
    rank: int | None  # 1-based rank in the new build
    error: str = ""

    @property
    def failed(self) -> bool:
        if self.hit:
            return False
        # A title the previous build could not find (or could not search) either says nothing of the new one.
        return True if self.origin != "title" else bool(self.hit_before)

    def to_dict(self) -> dict:
        return {
            "q": self.q,
            "expect_source": self.expect_source,
            "origin": self.origin,
            "hit": self.hit,
            "hit_before": self.hit_before,
            "rank": self.rank,
            "error": self.error,
            "failed": self.failed,
        }


@dataclass(frozen=True, slots=True)
class GateResult:
    passed: bool
    documents: int
    previous_documents: int | None
    min_ratio: float
    checks: tuple[QueryCheck, ...]
    reasons: tuple[str, ...]  # why it refused, one line each

    def to_dict(self) -> dict:
        return {
            "passed": self.passed,
            "documents": self.documents,
            "previous_documents": self.previous_documents,
            "min_ratio": self.min_ratio,
            "queries": len(self.checks),
            "queries_failed": sum(c.failed for c in self.checks),
            "reasons": list(self.reasons),
            "checks": [c.to_dict() for c in self.checks],
        }

    def summary(self) -> str:
        head = "gate passed" if self.passed else "gate refused the build"
        ok = sum(not c.failed for c in self.checks)
        text = f"{head} ({ok}/{len(self.checks)} golden queries"
        if self.previous_documents:
            text += f", {self.documents}/{self.previous_documents} documents"
        text += ")"
        return text + ("" if self.passed else ": " + "; ".join(self.reasons))


def read_gate_queries(path: Path) -> list[GateQuery]:
    """Golden queries from a JSONL file: {"q": "...", "expect_source": "<folder>/<path>"} per line."""
    out = []
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise GateFileError(f"cannot read the golden queries {path}: {e}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
            q, expect = row["q"], row["expect_source"]
            if not isinstance(q, str) or not isinstance(expect, str) or not q.strip() or not expect:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise GateFileError(
                f'{path}:{n}: expected {{"q": "...", "expect_source": "folder/file"}}, got {line[:80]!r}'
            ) from None
        out.append(GateQuery(q=q.strip(), expect_source=expect, origin=f"file:{path}:{n}"))
    return out


def sample_titles(docs: Mapping[str, tuple[str, str]], keep: Iterable[str], n: int = GATE_SAMPLE) -> list[GateQuery]:
    """Up to `n` golden queries from titles: `docs` maps doc_id -> (source, title) of the build searched,
    `keep` the sources carried over unchanged from the previous one (whose documents are the same in both). The
    choice is stable from run to run (by doc_id), and titles shared by several documents are left out (any of
    them would be a right answer).
    """
    keep = set(keep)
    counts: dict[str, int] = {}
    for _, title in docs.values():
        counts[title] = counts.get(title, 0) + 1
    eligible = sorted(
        (hashlib.blake2b(doc_id.encode(), digest_size=8).hexdigest(), source, title)
        for doc_id, (source, title) in docs.items()
        if source in keep
        and counts[title] == 1
        and TITLE_MIN_CHARS <= len(title.strip()) <= min(TITLE_MAX_CHARS, MAX_QUERY_CHARS)
    )
    return [GateQuery(q=title.strip(), expect_source=source, origin="title") for _, source, title in eligible[:n]]


def judge(checks: Iterable[QueryCheck], documents: int, previous_documents: int | None, min_ratio: float) -> GateResult:
    checks = tuple(checks)
    reasons = []
    if previous_documents and documents < min_ratio * previous_documents:
        reasons.append(
            f"{documents} documents is fewer than {min_ratio:.0%} of the previous build's {previous_documents}"
        )
    for c in checks:
        if c.failed:
            why = c.error or ("no longer finds" if c.origin == "title" else "does not find")
            reasons.append(f"query {c.q!r} ({c.origin}) {why} {c.expect_source} in the first {GATE_TOP} hits")
    return GateResult(
        passed=not reasons,
        documents=documents,
        previous_documents=previous_documents,
        min_ratio=min_ratio,
        checks=checks,
        reasons=tuple(reasons),
    )


def _rank(index, q: str, expect_source: str) -> int | None:
    from search.engine import run_search
    from search.params import params_from

    result = run_search(index, params_from(q=q, size=str(GATE_TOP)))
    for i, hit in enumerate(result.hits, 1):
        if hit.source == expect_source:
            return i
    return None


def run_gate(
    new,
    queries: Iterable[GateQuery],
    *,
    previous: Callable[[], object] | None = None,
    previous_documents: int | None = None,
    min_ratio: float = GATE_MIN_RATIO,
) -> GateResult:
    """Search the new build (an OpenIndex) for every golden query. `previous()` gives the previous build (opened
    at its first call: only a miss asks it, whether it found the document) and `previous_documents` its number
    of documents; None for both when there is none."""
    checks = []
    for gq in queries:
        rank, error, before = None, "", None
        try:
            rank = _rank(new, gq.q, gq.expect_source)
        except Exception as e:  # noqa: BLE001 - a query the engine rejects is a failed check, not a crash
            error = f"{type(e).__name__}: {e}"
        if rank is None and previous is not None:
            try:
                before = _rank(previous(), gq.q, gq.expect_source) is not None
            except Exception:  # noqa: BLE001 - the previous build could not answer it either
                before = False
        checks.append(QueryCheck(gq.q, gq.expect_source, gq.origin, rank is not None, before, rank, error))
    return judge(checks, len(new.docs), previous_documents, min_ratio)
