"""Questions and everyday words: the first documents put in order again by what else says a document answers one.

The ranking of a question (search/engine.py) multiplies a document's best sections' scores by how broadly it
covers the question's words (breadth), whether its title names them (title topic), its level and its status.
Those factors are tuned one at a time; which of two close documents answers a citizen's question also depends on
how they weigh against each other, and on two things the text of one document does not show: how many other
documents cite it (a statute the interpretations and local rules implement, against a rule nobody refers to)
and how many of the question's words it holds anywhere. A linear model over these features, fitted on judged
questions (`tools/train_ranker.py`, pairs of an answer and a document ranked near it), orders the first
RERANK_DEPTH documents, those out of force on the day asked after the others; the rest follow as they were.

The model is a data file (MODEL_FILE: the feature names in order and a weight each); a file whose names are not
FEATURES is refused when first read, so a model is never applied to features it was not fitted on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from search.answer import law_documents
from search.index import OpenIndex

MODEL_FILE = "question_ranker.json"
# How many of a question's first documents the model orders (the first pages' worth; a judged answer is rarely
# further down than this when the words lead anywhere near it).
RERANK_DEPTH = 30
# The features, in the model file's order. score: the document's score over the first one's; rank: log of its
# place (1 = first); breadth and title_topic: the factors the ranking multiplied it by (1 when none);
# cited_by: log(1 + how many documents of other titles cite its title); coverage: the share of the question's
# content words (weighed by rarity) it holds in any section; statute, interpretation, local, case: its level.
FEATURES = (
    "score",
    "rank",
    "breadth",
    "title_topic",
    "cited_by",
    "coverage",
    "statute",
    "interpretation",
    "local",
    "case",
)
LEVEL_FEATURES = {
    "statute": frozenset(("宪法", "法律")),
    "interpretation": frozenset(("司法解释",)),
    "local": frozenset(("地方性法规", "地方政府规章")),
    "case": frozenset(("案例",)),
}
# A training tool sets this to see each reranked question's documents, features and which of them are out of force
# (ordinals, rows, flags); None in service.
capture: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the ranking of one question computed for every document (arrays over ordinals)."""

    breadth: np.ndarray  # the breadth factor it multiplied the score by
    title_topic: np.ndarray  # the title-topic factor
    coverage: np.ndarray  # the share of the content words' rarity held in any section


@lru_cache(maxsize=1)
def weights() -> np.ndarray:
    """The shipped model's weights in FEATURES order (read once)."""
    return read_model((resources.files("search") / "data" / MODEL_FILE).read_text("utf-8"))


def read_model(text: str) -> np.ndarray:
    """A model file's weights in FEATURES order; ValueError for one fitted on other features."""
    model = json.loads(text)
    names = tuple(model["features"])
    if names != FEATURES or len(model["weights"]) != len(FEATURES):
        raise ValueError(f"search/data/{MODEL_FILE}: fitted on {names}, the ranking computes {FEATURES}")
    return np.asarray(model["weights"], dtype=np.float64)


def cited_by(index: OpenIndex) -> np.ndarray:
    """log(1 + the number of distinct titles whose documents cite each document's title in 《》), by ordinal
    (computed once per build). Versions of one title share it; a title citing itself does not count."""

    def compute() -> np.ndarray:
        table = index.table
        citing: dict[int, set[str]] = {}
        resolved: dict[str, list[int]] = {}  # most cited titles are cited by many documents
        for i, doc_id in enumerate(table.ids):
            own = table.titles[i]
            for cited in index.docs[doc_id].cited_titles:
                targets = resolved.get(cited)
                if targets is None:
                    # A cited title names the documents a query naming the law would (its alias too: 婚姻法).
                    targets = resolved[cited] = law_documents(index, cited)
                for o in targets:
                    if table.titles[o] != own:
                        citing.setdefault(o, set()).add(own)
        counts = np.zeros(len(table.ids))
        for o, titles in citing.items():
            counts[o] = len(titles)
        return np.log1p(counts)

    return index.memo("cited-by", compute)


def fill_tables(index: OpenIndex) -> None:
    """Compute the per-build tables the model reads (a build's opened state keeps them)."""
    cited_by(index)
    _level_flags(index)


def _level_flags(index: OpenIndex) -> np.ndarray:
    """Per ordinal, one 0/1 column per level feature (computed once per build)."""

    def compute() -> np.ndarray:
        return np.asarray(
            [[lv in LEVEL_FEATURES[f] for f in LEVEL_FEATURES] for lv in index.levels()], dtype=np.float64
        )

    return index.memo("rerank-levels", compute)


def features(index: OpenIndex, ranked: np.ndarray, scores: np.ndarray, evidence: Evidence) -> np.ndarray:
    """One row of FEATURES per ranked ordinal (`ranked`: best first)."""
    top = float(scores[ranked[0]]) or 1.0
    return np.column_stack(
        [
            scores[ranked] / top,
            np.log(np.arange(1, len(ranked) + 1, dtype=np.float64)),
            evidence.breadth[ranked],
            evidence.title_topic[ranked],
            cited_by(index)[ranked],
            evidence.coverage[ranked],
            _level_flags(index)[ranked],
        ]
    )


def rerank(
    index: OpenIndex,
    ranked: np.ndarray,
    scores: np.ndarray,
    evidence: Evidence,
    floor: float,
    out_of_force: np.ndarray | None = None,
) -> None:
    """Put `ranked` (the first RERANK_DEPTH documents, best first) in the model's order, in place, those
    `out_of_force` (a boolean array over ordinals) after the others: their scores become evenly spaced between
    the first one's and `floor` (the best score after them), so that every page and every tie-break sees the new
    order. Equal model values keep the order they had."""
    if len(ranked) < 2:
        return
    rows = features(index, ranked, scores, evidence)
    # A question asks what the law is: a superseded or repealed document follows every document in force (the
    # current version of its title too), whatever its text shares with the question.
    late = out_of_force[ranked] if out_of_force is not None else np.zeros(len(ranked), dtype=bool)
    if capture is not None:
        capture(ranked, rows, late)
    order = np.lexsort((-(rows @ weights()), late))
    top = float(scores[ranked[0]])
    span = max(top - floor, abs(top) * 1e-6, 1e-9)
    step = span / len(ranked)
    # The first keeps its score; each next one a step lower, the last still a step above the floor.
    scores[ranked[order]] = top - step * np.arange(len(ranked))


def coverage_of(counts: list[np.ndarray], n_docs: int) -> np.ndarray:
    """The share of the groups' rarity (log(1 + n / df)) each document holds, from each group's per-document
    section counts."""
    covered = np.zeros(n_docs)
    total = 0.0
    for c in counts:
        df = int(np.count_nonzero(c))
        if df:
            weight = math.log(1 + n_docs / df)
            total += weight
            covered += weight * (c > 0)
    return covered / total if total else covered
