"""Latency of the watch endpoints: the Atom feed of every query of the benchmark's mix, the change-log feed, the
quality page and /expiring, answered by the Flask app in this process (server time, one request at a time).

    python -m tools.watch_bench --index ROOT [--passes N] [--json FILE]

Prints p50/p99/max per endpoint and judges them against the HTTP p99 target of tools/bench.py (a request of the
search API under load); the first request of each endpoint (counting a build's figures, the citation map) is
reported apart as `first`.
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


def feed_paths(root: Path) -> list[str]:
    """The feed of every query of the benchmark's mix (its filters kept, sorted by date)."""
    index = IndexHolder(root).get()
    try:
        return [f"/feed.atom?{urlencode({**q.args(), 'sort': 'date'})}" for q in query_mix(index)]
    finally:
        index.close()


def _timed(client, path: str) -> float:
    t = time.perf_counter()
    r = client.get(path)
    seconds = time.perf_counter() - t
    if r.status_code != 200:
        raise click.ClickException(f"{path} answered {r.status_code}")
    return seconds


def measure(root: Path, passes: int, feeds: int | None = None, repeat: int = 20) -> dict[str, dict]:
    """endpoint -> {first, p50/p99/max of the measured passes (ms), n}: the feeds of the first `feeds` queries of
    the mix (all by default), each other endpoint `repeat` times a pass."""
    analysis.preload()
    client = create_app({"INDEX": str(root)}).test_client()
    groups: dict[str, Sequence[str]] = {"/feed.atom (query mix)": feed_paths(root)[:feeds]}
    groups.update({p: [p] * repeat for p in FIXED_PATHS})
    out = {}
    for name, paths in groups.items():
        first = _timed(client, paths[0])
        for p in paths:  # warm: every term of the mix read once, as in the benchmark's measured passes
            _timed(client, p)
        seconds = [_timed(client, p) for _ in range(passes) for p in paths]
        out[name] = {"first_ms": round(first * 1000, 2), **asdict(summarize(seconds))}
    return out


@click.command()
@click.option("--index", "root", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
@click.option("--passes", default=3, show_default=True, help="Measured passes over each endpoint's requests.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the figures here.")
def main(root: Path, passes: int, json_out: Path | None) -> None:
    figures = measure(root, passes)
    rows = [
        (name, f["n"], f["p50"], f["p99"], f["max"], f["first_ms"], "yes" if f["p99"] <= P99_TARGET_MS else "NO")
        for name, f in figures.items()
    ]
    click.echo(table(rows, ("endpoint", "n", "p50 ms", "p99 ms", "max ms", "first ms", f"p99 ≤ {P99_TARGET_MS:g}")))
    if json_out:
        json_out.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
