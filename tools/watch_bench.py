"""Latency of the watch endpoints: the Atom feed of every query of the benchmark's mix, the change-log feed, the
quality page and /expiring, answered by the Flask app in this process (server time, one request at a time), beside
the search API's answers to the same mix.

    python -m tools.watch_bench --index ROOT [--passes N] [--json FILE]

Prints p50/p99/max per endpoint and judges them against the HTTP p99 target of tools/bench.py (a request of the
search API under load); the first request of each endpoint (counting a build's figures, the citation map) is
reported apart as `first`. A request answered with another status than 200 is left out of the figures and
listed with its status.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

import click

from search import analysis
from search.index import IndexHolder
from tools.bench import TARGETS, summarize, table
from tools.querymix import query_mix
from web.app import create_app

FIXED_PATHS = ("/changes.atom", "/quality", "/api/quality", "/expiring", "/api/expiring")
# The HTTP p99 target of the benchmark (ms), which these answers are held to.
P99_TARGET_MS = next(t[3] for t in TARGETS if t[0] == "http_p99_ms")


def mix_paths(root: Path) -> tuple[list[str], list[str]]:
    """The search API's request of every query of the benchmark's mix, and the feed of each (sorted by date)."""
    index = IndexHolder(root).get()
    try:
        mix = query_mix(index)
    finally:
        index.close()
    return [q.path() for q in mix], [f"/feed.atom?{urlencode({**q.args(), 'sort': 'date'})}" for q in mix]


def _timed(client, path: str, failed: dict[str, int]) -> float | None:
    """Seconds to answer `path`; None (and the path counted in `failed`) for an answer other than 200."""
    t = time.perf_counter()
    r = client.get(path)
    seconds = time.perf_counter() - t
    if r.status_code != 200:
        failed[path] = r.status_code
        return None
    return seconds


def measure(root: Path, passes: int, feeds: int | None = None, repeat: int = 20) -> dict[str, dict]:
    """endpoint -> {first, p50/p99/max of the measured passes (ms), n}: the feeds of the first `feeds` queries of
    the mix (all by default), each other endpoint `repeat` times a pass."""
    analysis.preload()
    client = create_app({"INDEX": str(root)}).test_client()
    searches, feeds_ = mix_paths(root)
    # The search API over the same mix, measured in the same run: the reference on a machine that is not idle.
    groups: dict[str, Sequence[str]] = {
        "/api/search (query mix)": searches[:feeds],
        "/feed.atom (query mix)": feeds_[:feeds],
    }
    groups.update({p: [p] * repeat for p in FIXED_PATHS})
    out: dict[str, dict] = {}
    for name, paths in groups.items():
        failed: dict[str, int] = {}
        first = _timed(client, paths[0], failed)
        for p in paths:  # warm: every term of the mix read once, as in the benchmark's measured passes
            _timed(client, p, failed)
        timed = [_timed(client, p, failed) for _ in range(passes) for p in paths]
        out[name] = {
            "first_ms": round(first * 1000, 2) if first is not None else None,
            **asdict(summarize([s for s in timed if s is not None])),
            "errors": failed,
        }
    return out


@click.command()
@click.option("--index", "root", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
@click.option("--passes", default=3, show_default=True, help="Measured passes over each endpoint's requests.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the figures here.")
def main(root: Path, passes: int, json_out: Path | None) -> None:
    figures = measure(root, passes)
    rows = [
        (
            name,
            f["n"],
            f["p50"],
            f["p99"],
            f["max"],
            f["first_ms"],
            len(f["errors"]),
            "yes" if f["p99"] <= P99_TARGET_MS else "NO",
        )
        for name, f in figures.items()
    ]
    header = ("endpoint", "n", "p50 ms", "p99 ms", "max ms", "first ms", "errors", f"p99 ≤ {P99_TARGET_MS:g}")
    click.echo(table(rows, header))
    for name, f in figures.items():
        for path, status in f["errors"].items():
            click.echo(f"{name}: {path} answered {status}", err=True)
    if json_out:
        json_out.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
