"""The Xapian backend beside the Whoosh one, over one build: `scripts/bench --backend xapian --shards N`.

One build of the corpus (and seeds/) is written with N Xapian shards (`indexer build --backend xapian`): its
Whoosh index and its shards hold the same records. The shards are served by `govlaw-shard` on loopback, and the
bench query mix (tools.querymix) is run through `run_search` on both backends: whether every query gets the same
total, facet counts and first ten hits; in-process latency (a cold pass each, then measured passes, alternating
the backends pass by pass so that both see the same machine); then gunicorn (2 workers) under 8 closed-loop
clients on each. With --scale K the corpus is K marked copies of the folders (tools.bench.scaled_folders).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import click

from search import analysis
from search.backend import XAPIAN_DIR
from search.engine import run_search
from search.exitcodes import run_click
from search.index import OpenIndex, current_build_path
from tools.bench import (
    HTTP_SECONDS,
    LATENCY_PASSES,
    ROOT,
    chosen_folders,
    dir_mb,
    http,
    machine,
    revision,
    run_measured,
    say,
    scaled_folders,
    summarize,
    table,
    timed_pass,
    work_options,
)
from tools.querymix import DEFAULT_MIX, SEED, query_mix
from tools.shard_servers import ShardServers

# Targets of the Xapian backend (issue 19): (key, what, target shown, limit, comparison with the Whoosh figure).
HTTP_P99_MS = 100.0


def build(folders: Sequence[Path], root: Path, shards: int) -> dict:
    """One full build with shards, in a subprocess; its time split into the Whoosh build and the shards."""
    shutil.rmtree(root, ignore_errors=True)
    report = root.parent / f"{root.name}-report.json"
    cmd = ["-m", "indexer", "build", *map(str, folders), "--index", str(root), "--keep", "1", "--no-progress"]
    cmd += ["--backend", "xapian", "--shards", str(shards), "--report", str(report)]
    m = run_measured([sys.executable, *cmd], cwd=ROOT)
    if m.returncode != 0:
        raise click.ClickException(f"indexer build failed: {m.stderr_tail}")
    rep = json.loads(report.read_text("utf-8"))
    path = current_build_path(root)
    assert path is not None
    shard_mb = dir_mb(path / XAPIAN_DIR)
    store_mb = sum(f.stat().st_size for f in path.glob("docs.sqlite*")) / (1024 * 1024)
    return {
        "seconds": round(m.seconds, 1),
        "whoosh_seconds": round(m.seconds - rep["shard_seconds"], 1),
        "shard_seconds": round(rep["shard_seconds"], 1),
        "peak_rss_mb": m.peak_rss_mb,
        "documents": rep["documents"],
        "sections": rep["sections"],
        "whoosh_index_mb": round(dir_mb(path) - shard_mb - store_mb, 1),
        "xapian_mb": round(shard_mb, 1),
        "shard_mb": [round(dir_mb(path / XAPIAN_DIR / d.name), 1) for d in sorted((path / XAPIAN_DIR).glob("shard-*"))],
        "store_mb": round(store_mb, 1),
    }


def _answer(index: OpenIndex, q) -> tuple[int, list, list]:
    result = run_search(index, q.params())
    facets = [(f.name, [(v.value, v.count) for v in f.values]) for f in result.facets]
    return result.total, facets, [h.doc_id for h in result.hits[:10]]


def parity(whoosh: OpenIndex, xapian: OpenIndex, mix) -> dict:
    """Of the mix, the queries whose total and facet counts are equal on both backends, and those whose first ten
    hits are the same documents in the same order."""
    counts = top10 = 0
    differ: list[dict] = []
    for q in mix:
        w, x = _answer(whoosh, q), _answer(xapian, q)
        counts += w[:2] == x[:2]
        top10 += w[2] == x[2]
        if w != x and len(differ) < 10:
            differ.append({"q": q.q, "totals": [w[0], x[0]], "same_facets": w[1] == x[1], "same_top10": w[2] == x[2]})
    return {"queries": len(mix), "same_counts": counts, "same_top10": top10, "differ": differ}


def latency(whoosh: OpenIndex, xapian: OpenIndex, mix, passes: int) -> dict:
    """A cold pass on each, then `passes` measured passes on each, alternating."""
    cold = {"whoosh": timed_pass(whoosh, mix), "xapian": timed_pass(xapian, mix)}
    warm: dict[str, list[float]] = {"whoosh": [], "xapian": []}
    for i in range(passes):
        order = (("whoosh", whoosh), ("xapian", xapian)) if i % 2 == 0 else (("xapian", xapian), ("whoosh", whoosh))
        for name, index in order:
            warm[name] += timed_pass(index, mix)
    return {name: {"cold": asdict(summarize(cold[name])), "measured": asdict(summarize(warm[name]))} for name in warm}


def measure(folders: Sequence[Path], shards: int, work: Path, passes: int, http_seconds: float, seed: int) -> dict:
    root = work / "index"
    say(f"full build with {shards} Xapian shards ...")
    built = build(folders, root, shards)
    say(f"  {built['seconds']} s (Whoosh {built['whoosh_seconds']} s, shards {built['shard_seconds']} s)")
    result: dict = {"build": built}
    analysis.preload()
    path = current_build_path(root)
    assert path is not None
    with ShardServers(root, shards) as servers:
        whoosh = OpenIndex.open(path, "whoosh")
        xapian = OpenIndex.open(path, "xapian", servers.addresses)
        try:
            mix = query_mix(whoosh, seed=seed, mix=DEFAULT_MIX)
            say(f"in-process latency, {len(mix)} queries, {passes} passes each ...")
            result["latency"] = latency(whoosh, xapian, mix, passes)
            say("parity over the mix ...")
            result["parity"] = parity(whoosh, xapian, mix)
        finally:
            whoosh.close()
            xapian.close()
        if http_seconds > 0:
            result["http"] = {}
            for name, env in (("whoosh", {}), ("xapian", {"GOVLAW_BACKEND": "xapian", "GOVLAW_SHARDS": servers.env})):
                say(f"HTTP on {name} for {http_seconds:g} s ...")
                result["http"][name] = _http(root, mix, http_seconds, work, env)
    return result


def _http(root: Path, mix, seconds: float, work: Path, env: dict) -> dict:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # gunicorn (tools.hardening.loadgen.Server) inherits this environment
    try:
        return http(root, mix, seconds, work)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def report_text(result: dict) -> str:
    b = result["build"]
    lines = [
        (
            f"corpus: {', '.join(result['folders'])} ×{result['scale']}; {b['documents']} documents, "
            f"{b['sections']} sections; {result['shards']} shards on loopback"
        ),
        "",
        table(
            [
                ["build (s; a sharded build writes both)", b["whoosh_seconds"], b["shard_seconds"]],
                ["index size (MB)", b["whoosh_index_mb"], f"{b['xapian_mb']} ({' + '.join(map(str, b['shard_mb']))})"],
                ["document store (MB, both)", b["store_mb"], b["store_mb"]],
                *[
                    [f"run_search {k} p50 / p99 (ms)", *(_lat(result["latency"][n][k]) for n in ("whoosh", "xapian"))]
                    for k in ("cold", "measured")
                ],
                *(
                    [
                        [f"HTTP {key}", *(result["http"][n][field] for n in ("whoosh", "xapian"))]
                        for key, field in (("requests/s", "rps"), ("errors", "errors"))
                    ]
                    + [["HTTP p50 / p99 (ms)", *(_lat(result["http"][n]["latency"]) for n in ("whoosh", "xapian"))]]
                    + [["worker RSS, of which RssAnon (MB)", *(_rss(result["http"][n]) for n in ("whoosh", "xapian"))]]
                    if "http" in result
                    else []
                ),
            ],
            ["", "Whoosh (one index)", f"Xapian ({result['shards']} shards)"],
        ),
    ]
    p = result["parity"]
    lines += [
        "",
        (
            f"parity over the mix: totals and facet counts equal for {p['same_counts']}/{p['queries']} queries; "
            f"first ten hits the same, in the same order, for {p['same_top10']}/{p['queries']}"
        ),
    ]
    lines += [f"  differs: {d}" for d in p["differ"]]
    w, x = result["latency"]["whoosh"]["measured"], result["latency"]["xapian"]["measured"]
    lines += [
        "",
        "targets:",
        f"  in-process p99 ≤ Whoosh's: {x['p99']} vs {w['p99']} ms: {'met' if x['p99'] <= w['p99'] else 'NOT met'}",
        f"  counts equal for 100 % of the mix: {'met' if p['same_counts'] == p['queries'] else 'NOT met'}",
    ]
    if "http" in result:
        h = result["http"]["xapian"]["latency"]["p99"]
        lines.append(
            f"  HTTP p99 ≤ {HTTP_P99_MS:g} ms at 8 clients: {h} ms: {'met' if h <= HTTP_P99_MS else 'NOT met'}"
        )
    return "\n".join(lines)


def _rss(h: dict) -> str:
    return f"{max(h['worker_rss_mb'].values())}, {max(h['worker_rss_anon_mb'].values())}"


def _lat(d: dict) -> str:
    return f"{d['p50']} / {d['p99']}"


@click.command()
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--shards", type=click.IntRange(1, 64), default=3, show_default=True)
@click.option("--scale", type=click.IntRange(1, 50), default=1, show_default=True, help="Marked copies of FOLDERS.")
@click.option("--passes", type=click.IntRange(1, 50), default=LATENCY_PASSES, show_default=True)
@click.option("--http-seconds", type=click.FloatRange(0), default=HTTP_SECONDS, show_default=True)
@click.option("--seed", type=int, default=SEED, show_default=True, help="Seed of the query mix.")
@work_options
def cli(
    folders: tuple[Path, ...],
    shards: int,
    scale: int,
    passes: int,
    http_seconds: float,
    seed: int,
    work: Path | None,
    keep_work: bool,
    out_dir: Path,
) -> None:
    """The Xapian backend beside the Whoosh one over FOLDERS (default ../shared/corpus/laws) plus seeds/."""
    chosen = chosen_folders(folders)
    scratch = work or Path(tempfile.mkdtemp(prefix="govlaw-bench-backends-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        # seeds/ once, the other folders `scale` times
        corpus = [chosen[0], *scaled_folders(chosen[1:], scale, scratch / "copies")]
        result = {
            "started": datetime.now().isoformat(timespec="seconds"),
            "revision": revision(),
            "machine": machine(),
            "folders": [str(f) for f in chosen],
            "scale": scale,
            "shards": shards,
            **measure(corpus, shards, scratch, passes, http_seconds, seed),
        }
    finally:
        if not keep_work:
            shutil.rmtree(scratch, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench-backends-{datetime.now():%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    click.echo(report_text(result))
    click.echo(f"\nJSON: {path}")


if __name__ == "__main__":
    run_click(cli, "scripts/bench --backend xapian")
