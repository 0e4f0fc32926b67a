"""Fit the model that orders a question's first documents (search/rerank.py) and write search/data's MODEL_FILE.

Every question and everyday word of the judged sets is searched with the model switched off; for each, the
features of its first RERANK_DEPTH documents are kept with whether each is an accepted answer. The model is a
pairwise logistic regression: for every question, each of its first two accepted documents against each of the
first documents that are not accepted and stand as it does (both in force or both out of force: the service puts
those out of force last whatever the model says), the difference of their features should score above zero (weights
scaled by each feature's spread over the pairs, an L2 penalty of L2 / pairs). Before writing, it reports
leave-one-set-out success@3: each set ordered by a model fitted on the others, against the order without it.

    python -m tools.train_ranker INDEX_ROOT [--sets set1 ... set22] [--dry-run]

INDEX_ROOT indexes seeds/ and ../shared/corpus/laws (var/eval-index, as `scripts/eval` builds it). The default
sets are the held-out sets whose misses ranking work has read (docs/relevance.md); the sets still blind measure
the model and are never fitted on.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from search import analysis, rerank
from search.engine import run_search
from search.index import IndexHolder
from search.params import params_from
from tools.heldout import SETS, TOP

MODEL_PATH = Path(rerank.__file__).with_name("data") / rerank.MODEL_FILE
READ_SETS = tuple(f"set{n}" for n in range(1, 23))
POSITIVES_PER_QUERY = 2
NEGATIVES_PER_QUERY = 15
L2 = 10.0
ITERATIONS = 300
STEP = 0.5


@dataclass(frozen=True)
class Case:
    """One judged query: its set, the features of its first documents (best first), which are answers and which
    are out of force (they follow the others whatever the model says)."""

    set_name: str
    rows: np.ndarray
    accepted: np.ndarray
    late: np.ndarray


def collect(index, names: list[str]) -> list[Case]:
    """Search every query of the named sets with the model off; a query read as plain words keeps no rows."""
    seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    rerank.capture = lambda ranked, rows, late: seen.append((ranked.copy(), rows.copy(), late.copy()))
    saved = rerank.weights
    rerank.weights = lambda: np.zeros(len(rerank.FEATURES))  # type: ignore[assignment]
    cases = []
    try:
        for name in names:
            for line in (SETS / f"{name}.jsonl").read_text("utf-8").splitlines():
                if not line.strip():
                    continue
                case = json.loads(line)
                seen.clear()
                run_search(index, params_from({"q": case["q"]}))
                if not seen:
                    none = np.zeros(0, dtype=bool)
                    cases.append(Case(name, np.zeros((0, len(rerank.FEATURES))), none, none))
                    continue
                ranked, rows, late = seen[-1]
                sources = [index.docs[index.table.ids[o]].source for o in ranked]
                cases.append(Case(name, rows, np.asarray([s in case["accept"] for s in sources]), late))
    finally:
        rerank.capture = None
        rerank.weights = saved
    return cases


def fit(cases: list[Case]) -> tuple[np.ndarray, int]:
    """The weights, and the number of pairs they were fitted on."""
    diffs: list[np.ndarray] = []
    for c in cases:
        # Only pairs the model orders: an answer in force against a document out of force is first anyway.
        for late in (False, True):
            good = c.rows[c.accepted & (c.late == late)]
            bad = c.rows[~c.accepted & (c.late == late)]
            for g in good[:POSITIVES_PER_QUERY]:
                diffs.extend(g - b for b in bad[:NEGATIVES_PER_QUERY])
    if not diffs:
        raise SystemExit("no question of these sets has an accepted document among its first ones")
    pairs = np.asarray(diffs)
    spread = pairs.std(axis=0)
    spread[spread == 0] = 1.0  # a feature no pair tells apart keeps its weight at zero
    z = pairs / spread
    w = np.zeros(z.shape[1])
    for _ in range(ITERATIONS):
        p = 0.5 * (1 - np.tanh(z @ w / 2))  # the chance each pair is ordered wrong: 1 / (1 + e^(z·w))
        w -= STEP * (-(z * p[:, None]).mean(axis=0) + L2 * w / len(z))
    return w / spread, len(z)


def successes(cases: list[Case], w: np.ndarray | None) -> int:
    """How many cases have an answer in the first TOP: in the order found (w None) or by the weights."""
    ok = 0
    for c in cases:
        if not len(c.rows):
            continue
        order = np.arange(len(c.rows)) if w is None else np.lexsort((-(c.rows @ w), c.late))
        ok += bool(c.accepted[order[:TOP]].any())
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index", type=Path, help="index root over seeds/ and ../shared/corpus/laws")
    ap.add_argument("--sets", nargs="+", default=list(READ_SETS), help="held-out sets to fit on (tools/heldout/)")
    ap.add_argument("--dry-run", action="store_true", help="report the cross-validation only; write nothing")
    args = ap.parse_args(argv)
    analysis.preload()
    index = IndexHolder(args.index).get()
    cases = collect(index, args.sets)
    print(f"leave-one-set-out success@{TOP} (without the model -> with it):")
    before = after = 0
    for name in args.sets:
        test = [c for c in cases if c.set_name == name]
        w, _ = fit([c for c in cases if c.set_name != name])
        b, a = successes(test, None), successes(test, w)
        before, after = before + b, after + a
        print(f"  {name}: {b} -> {a} of {len(test)}")
    print(f"  all: {before} -> {after} of {len(cases)}")
    w, pairs = fit(cases)
    model = {
        "features": list(rerank.FEATURES),
        "weights": [round(float(x), 6) for x in w],
        "fitted_on": args.sets,
        "pairs": pairs,
        "cross_validated": {"before": before, "after": after, "queries": len(cases)},
    }
    print("weights: " + ", ".join(f"{n} {x:+.3f}" for n, x in zip(rerank.FEATURES, w, strict=True)))
    if not args.dry_run:
        MODEL_PATH.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"written: {MODEL_PATH}")
    index.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
