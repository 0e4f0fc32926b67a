"""The first pass of queries after a newly published build is switched in, with warming and without.

For each mode (the web app's default warming budget, then GOVLAW_WARM_SECONDS=0), in one process as a gunicorn
worker runs: an `IndexHolder` serves another build of the root (the newest besides the current one) and is
warmed by one pass of the query mix, then answers a pass of another seed's queries (shown for comparison); then
the current build is published again and a third seed's pass runs at once, each query asking the holder for its
build as a request does. The new build's pages are dropped from the page cache before each switch
(`posix_fadvise`), so both modes start from the same state, the worst case of a build written long before or
pushed out of memory. The warm reference is the third seed's pass over the current build opened apart, warmed by
the first pass: the same queries, each new to a warm build. The target compares the warmed mode's after-switch
p99 with its warm reference.

`scripts/bench switch [--index ROOT]` runs this alone over an index root holding at least two builds;
`scripts/bench` runs it over the builds it made.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import click

from indexer.build import publish
from search import analysis
from search.config import index_root
from search.engine import run_search
from search.exitcodes import run_click
from search.index import BUILDS_DIR, IndexHolder, OpenIndex, current_build_path
from search.warm import DEFAULT_WARM_SECONDS, warm_build
from tools.bench import loadavg, summarize, table, timed_pass
from tools.querymix import DEFAULT_MIX, SEED, MixQuery, query_mix

# (mode, warming budget in seconds)
MODES = (("warmed", DEFAULT_WARM_SECONDS), ("at once", 0.0))
# The comparison and the after-switch passes use these seeds after the mix's own, so no query of theirs has been
# seen by the build answering it (an exact-query cache would flatter a repeated pass).
REFERENCE_SEED_OFFSET = 1
SWITCH_SEED_OFFSET = 2
WAIT_SECONDS = 120  # for a warming thread still running after the pass (it stops at its budget)


def drop_from_page_cache(path: Path) -> None:
    """Ask the kernel to forget the cached pages of a build's files (clean pages only; nothing is written)."""
    for p in path.iterdir():
        if p.is_file():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def switch_pair(root: Path) -> tuple[Path, Path]:
    """(the newest build of an index root besides the current one, the current build)."""
    current = current_build_path(root)
    if current is None:
        raise click.ClickException(f"no published index under {root}")
    earlier = sorted(
        p for p in (root / BUILDS_DIR).iterdir() if p.is_dir() and not p.name.startswith(".") and p != current
    )
    if not earlier:
        raise click.ClickException(f"{root} holds one build: a switch needs another (build or update it again)")
    return earlier[-1], current


def holder_pass(holder: IndexHolder, mix: Sequence[MixQuery]) -> tuple[list[float], list[str], list[float]]:
    """Each query as a request runs it: the holder's build, then the search. Seconds, the build that answered,
    and when each query started (seconds from the pass's start)."""
    seconds, builds, starts = [], [], []
    began = time.perf_counter()
    for q in mix:
        params = q.params()
        t = time.perf_counter()
        index = holder.get()
        run_search(index, params)
        seconds.append(time.perf_counter() - t)
        builds.append(index.build_id)
        starts.append(t - began)
    return seconds, builds, starts


def reference_pass(new: Path, mixes: Mapping[str, Sequence[MixQuery]]) -> list[float]:
    """The after-switch pass's own queries over the new build opened apart and warmed by the mix's first pass:
    each query new to a warm build, as in the pass after the switch, and the same queries (another seed's
    queries differ in cost: over ten times the laws corpus the after-switch seed's slowest took 1.5–1.8 times
    the reference seed's on one warm build)."""
    index = OpenIndex.open(new)
    try:
        timed_pass(index, mixes["base"])
        return timed_pass(index, mixes["after"])
    finally:
        index.close()


def one_mode(root: Path, old: Path, new: Path, mixes: Mapping[str, Sequence[MixQuery]], warm_seconds: float) -> dict:
    reference = reference_pass(new, mixes)
    publish(root, old)
    holder = IndexHolder(root, retire_seconds=0, warm_seconds=warm_seconds, warmer=warm_build)
    holder.get()
    holder_pass(holder, mixes["base"])
    other_seed, _, _ = holder_pass(holder, mixes["reference"])
    drop_from_page_cache(new)
    publish(root, new)
    after, builds, starts = holder_pass(holder, mixes["after"])
    warming = holder.warming
    if warming is not None:
        warming.wait(WAIT_SECONDS)
    holder.get().close()  # the old build was closed by this get (retire_seconds=0)
    by_new = [s for s, b in zip(after, builds, strict=True) if b == new.name]
    first_new = next((i for i, b in enumerate(builds) if b == new.name), None)
    return {
        "warm_seconds": warm_seconds,
        "reference": asdict(summarize(reference)),
        "other_seed": asdict(summarize(other_seed)),
        "after_switch": asdict(summarize(after)),
        "after_switch_new_build": asdict(summarize(by_new)),
        "answered_by_old_build": len(after) - len(by_new),
        "new_build_from_s": None if first_new is None else round(starts[first_new], 2),
    }


def switch_latency(
    root: Path, seed: int = SEED, modes: Sequence[tuple[str, float]] = MODES, *, mix: str = DEFAULT_MIX
) -> dict:
    """Every mode's figures over the two newest builds of `root` with the query mix `mix` (a name in
    tools.querymix.MIXES); `current` is left where it was."""
    analysis.preload()
    old, new = switch_pair(root)
    index = OpenIndex.open(old)
    try:
        mixes = {
            "base": query_mix(index, seed=seed, mix=mix),
            "reference": query_mix(index, seed=seed + REFERENCE_SEED_OFFSET, mix=mix),
            "after": query_mix(index, seed=seed + SWITCH_SEED_OFFSET, mix=mix),
        }
    finally:
        index.close()
    result: dict = {
        "old_build": old.name,
        "new_build": new.name,
        "queries": len(mixes["after"]),
        "seed": seed,
        "mix": mix,
    }
    try:
        for name, warm_seconds in modes:
            result[name] = one_mode(root, old, new, mixes, warm_seconds)
    finally:
        publish(root, new)
    return result


def switch_ratio(result: dict) -> float | None:
    """The warmed mode's after-switch p99 over its warm reference's."""
    warmed = result.get("warmed")
    if not warmed or not warmed["reference"]["p99"]:
        return None
    return round(warmed["after_switch"]["p99"] / warmed["reference"]["p99"], 2)


def switch_rows(result: dict) -> list[tuple]:
    """Rows of the latency table (label, n, p50, p99, max)."""
    rows = []
    for name, _ in MODES:
        r = result.get(name)
        if not r:
            continue
        budget = f"GOVLAW_WARM_SECONDS={r['warm_seconds']:g}"
        for key, label in (
            ("other_seed", "warm pass, another seed's queries"),
            ("reference", "warm pass, the same queries"),
            ("after_switch", "first pass after a switch"),
        ):
            d = r.get(key)
            if d is None:
                continue
            rows.append((f"{label} ({budget})", d["n"], d["p50"], d["p99"], d["max"]))
        d = r["after_switch_new_build"]
        old = r["answered_by_old_build"]
        since = "" if r["new_build_from_s"] is None else f" from {r['new_build_from_s']} s"
        rows.append((f"  of which by the new build{since} ({old} by the old)", d["n"], d["p50"], d["p99"], d["max"]))
    return rows


@click.command()
@click.option("--index", "root", type=click.Path(file_okay=False, path_type=Path), default=None, help="Index root.")
@click.option("--seed", type=int, default=SEED, show_default=True, help="Seed of the warming mix (+1, +2 the others).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the JSON here.")
def main(root: Path | None, seed: int, out: Path | None) -> None:
    """The first pass after a switch to the current build of ROOT (GOVLAW_INDEX), warmed and at once."""
    root = index_root(root)
    start = loadavg()
    result = switch_latency(root, seed)
    result["loadavg_start"], result["loadavg_end"] = start, loadavg()
    click.echo(f"load average at start {start}, at end {result['loadavg_end']} ({os.cpu_count()} CPUs)")
    click.echo(f"{result['old_build']} -> {result['new_build']}, {result['queries']} queries a pass\n")
    click.echo(table(switch_rows(result), ("latency (ms)", "n", "p50", "p99", "max")))
    click.echo(f"\nafter-switch p99 / warm p99 (warmed): {switch_ratio(result)} (target ≤ 2)")
    if out:
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    run_click(main, "scripts/bench switch")
