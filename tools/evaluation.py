"""Running a query set through the one search function and writing a run file for a scorer.

python -m tools.evaluation INDEX_ROOT QUERIES RUN     (scripts/eval runs it, then the scorer)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from search.engine import run_search
from search.exitcodes import ArgumentParser
from search.index import IndexHolder, OpenIndex
from search.params import params_from

RUN_DEPTH = 10


def read_queries(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run_queries(index: OpenIndex, queries: Iterable[dict], depth: int = RUN_DEPTH) -> Iterator[dict]:
    """One run row per query: {"id", "q", "results": [source, ...] best first}."""
    for query in queries:
        result = run_search(index, params_from({"q": query["q"], "size": str(depth)}))
        yield {"id": query["id"], "q": query["q"], "results": [h.source for h in result.hits]}


def write_run(rows: Iterable[dict], path: Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m tools.evaluation", description="Run a query set against the served build of an index root."
    )
    parser.add_argument("index", type=Path, help="index root (holds `current`)")
    parser.add_argument("queries", type=Path, help='JSONL query set, one {"id", "q"} per line')
    parser.add_argument("run", type=Path, help='run file to write, one {"id", "q", "results"} per line')
    args = parser.parse_args(argv)
    index = IndexHolder(args.index).get()
    n = write_run(run_queries(index, read_queries(args.queries)), args.run)
    print(f"{n} queries run against build {index.build_id}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
