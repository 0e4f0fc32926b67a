"""The large variants of tests/hardening, printing their figures as Markdown tables.

    scripts/harden crash [--trials 200]                    kill -9 of the nightly update
    scripts/harden orphans [--trials 20]                   kill -9 of a build's main process: its workers end too
    scripts/harden load [--clients 4 --seconds 180]        load on gunicorn while full reindexes switch in
    scripts/harden malformed [--per-kind 10]               a build with ~30 kinds of malformed files
    scripts/harden queries [--examples 10000]              hostile queries through the page and the API
    scripts/harden faults                                  disk and index faults (the suite's scenarios)
    scripts/harden soak [--minutes 30 --interval 300]      worker memory and open files across switches

Each exits 1 when a figure misses its target. The harnesses are in tools/hardening/, shared with the tests.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from search.exitcodes import ArgumentParser
from tools.bench import TARGETS as BENCH_TARGETS
from tools.hardening.common import SEEDS, children_max_rss_mb, open_published, percentile, stored_text, table

ROOT = Path(__file__).resolve().parents[1]
# The p99 of the requests answered under overload is held to the HTTP target of scripts/bench.
OVERLOAD_P99_MS = next(limit for key, _, _, limit, _ in BENCH_TARGETS if key == "http_p99_ms")


def crash(args: argparse.Namespace) -> bool:
    from tools.hardening.common import MarkerMissedError
    from tools.hardening.crashbench import CrashBench

    with tempfile.TemporaryDirectory() as tmp:
        bench = CrashBench(Path(tmp))
        started = time.perf_counter()
        trials = []
        rng = random.Random(args.seed)
        for i, (mode, phase) in enumerate(bench.plan(args.trials, args.seed)):
            try:
                trials.append(bench.trial(i + 1, mode, phase, rng))
            except MarkerMissedError as e:
                print(f"trial {i + 1} not counted: {e} (the indexer's code changed during the run)")
        seconds = time.perf_counter() - started
    by_kind = Counter(("after marker" if t.kill.startswith("after") else "random moment", t.mode) for t in trials)
    rows: list[list[object]] = []
    totals = [0] * 5
    for (kind, mode), n in sorted(by_kind.items()):
        sel = [t for t in trials if (t.kill.startswith("after") == (kind == "after marker")) and t.mode == mode]
        counts = [
            sum(t.fresh == "before" for t in sel),
            sum(t.fresh == "after" for t in sel),
            sum(t.fresh in ("MIXED", "BROKEN") for t in sel),
            sum(t.held_as_before for t in sel),
            sum(t.recovered for t in sel),
        ]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append([f"{kind}, {mode}", n, *counts])
    rows.append(["all", len(trials), *totals])
    print(
        table(
            rows,
            [
                "kill",
                "trials",
                "as before",
                "as after",
                "mixed/broken",
                "held searcher as before",
                "next run recovered",
            ],
        )
    )
    print(
        f"\n{len(trials)} trials in {seconds:.0f} s; update runs {bench.run_seconds['incremental']:.2f} s "
        f"(incremental), {bench.run_seconds['full']:.2f} s (full)"
    )
    return all(t.ok for t in trials)


def _index_of(sources: list[Path], root: Path) -> None:
    from indexer.update import UpdateOptions, update_index

    assert update_index(sources, root, UpdateOptions(progress=False)).status == "published"


def _corpus_sources(tmp: Path, files: int) -> list[Path]:
    """A slice of ../shared/corpus (laws) when present, else the seeds."""
    corpus = ROOT.parent / "shared" / "corpus" / "laws"
    dst = tmp / "src" / "laws"
    if corpus.is_dir():
        picked = sorted(
            p for p in corpus.rglob("*") if p.is_file() and p.suffix in (".txt", ".md", ".html", ".docx", ".pdf")
        )[:files]
        for p in picked:
            target = dst / p.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, target)
        return [dst]
    shutil.copytree(SEEDS, tmp / "src" / "seeds")
    return [tmp / "src" / "seeds"]


def load_cmd(args: argparse.Namespace) -> bool:
    from tools.hardening.loadgen import Reindex, Server, load, reindex_during, request

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sources = _corpus_sources(tmp, args.files)
        root = tmp / "index"
        _index_of(sources, root)
        with Server(root, tmp / "gunicorn.log", workers=2) as server:
            load(server.port, args.clients, 60, max_requests=50)
            idle = load(server.port, args.clients, args.idle_seconds)
            stop = threading.Event()
            runs: list[Reindex] = []
            reindexing = reindex_during(sources, root, stop, runs, first_after=5)
            busy = load(server.port, args.clients, args.seconds)
            stop.set()
            reindexing.join(timeout=3600)
            over = load(server.port, args.overload_clients, args.overload_seconds)
            time.sleep(2)
            after = [request(server.port, "/api/search?q=%E6%B3%95%E6%B2%BB") for _ in range(50)]
            timeouts, restarts = server.worker_timeouts(), server.worker_restarts()
    switched = [r for r in runs if r.returncode == 0]
    ratio = busy.p(99) / idle.p(99) if idle.p(99) else 0
    rows = [
        [
            f"idle, {args.clients} clients",
            f"{idle.seconds:.0f}",
            len(idle.responses),
            f"{idle.rate:.0f}",
            len(idle.errors),
            f"{idle.p(50) * 1000:.0f}",
            f"{idle.p(99) * 1000:.0f}",
            len(idle.builds),
            "",
        ],
        [
            f"full reindex ×{len(runs)}, {args.clients} clients",
            f"{busy.seconds:.0f}",
            len(busy.responses),
            f"{busy.rate:.0f}",
            len(busy.errors),
            f"{busy.p(50) * 1000:.0f}",
            f"{busy.p(99) * 1000:.0f}",
            len(busy.builds),
            f"{ratio:.2f}× idle p99",
        ],
        [
            f"overload, {args.overload_clients} clients",
            f"{over.seconds:.0f}",
            len(over.responses),
            f"{over.rate:.0f}",
            f"{len(over.errors)} ({dict(Counter(r.status for r in over.errors))})" if over.errors else 0,
            f"{over.p(50) * 1000:.0f}",
            f"{over.p(99) * 1000:.0f}",
            len(over.builds),
            (
                f"after: {sum(r.status == 200 for r in after)}/50 ok, p50 "
                f"{percentile([r.seconds for r in after], 50) * 1000:.0f} ms"
            ),
        ],
    ]
    print(table(rows, ["phase", "s", "requests", "req/s", "errors", "p50 ms", "p99 ms", "builds served", "note"]))
    print(
        f"\nreindexes: {len(runs)} ({len(switched)} switched), "
        f"{', '.join(f'{r.seconds:.0f} s' for r in runs)}; worker timeouts {timeouts}, worker restarts {restarts}; "
        f"corpus: {', '.join(str(s.relative_to(tmp)) for s in sources)} ({args.files} files at most)"
    )
    # Under overload: only answers and sheds, every shed with Retry-After (an API path with the JSON error shape, a
    # page with its HTML page), and the answered requests as fast as the bench's HTTP target.
    over_ok = (
        set(over.statuses) <= {200, 429, 503}
        and all(r.retry_after for r in over.errors)
        and all(r.json_error for r in over.errors if r.path.startswith("/api/"))
        and over.p(99) * 1000 <= OVERLOAD_P99_MS
    )
    return (
        not idle.errors
        and not busy.errors
        and timeouts == 0
        and len(busy.builds) >= 2
        and ratio <= 2.0
        and over_ok
        and all(r.status == 200 for r in after)
    )


def malformed(args: argparse.Namespace) -> bool:
    from tools.hardening.badfiles import outcomes, run_build, write_bad, write_good

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        clean_src, dirty_src = tmp / "clean" / "docs", tmp / "dirty" / "docs"
        good = write_good(clean_src)
        shutil.copytree(clean_src, dirty_src)
        bad = write_bad(dirty_src, args.per_kind)
        clean = run_build([clean_src], tmp / "ci", tmp / "c.json")
        dirty = run_build([dirty_src], tmp / "di", tmp / "d.json")
        a, b = open_published(tmp / "ci"), open_published(tmp / "di")
        docs = {m.source: stored_text(b, d) for d, m in b.docs.items()}
        same = all(b.store.get(d) == a.store.get(d) for d in a.docs)
        a.close()
        b.close()
    wrong = outcomes(bad, dirty, docs)
    errors = Counter(e["source"] for e in dirty.report.get("errors", []))
    rows = []
    for kind in dict.fromkeys(f.kind.name for f in bad):
        files = [f for f in bad if f.kind.name == kind]
        stages = Counter(e["stage"] for e in dirty.report["errors"] if e["source"] in {f.source for f in files})
        rows.append(
            [
                kind,
                len(files),
                sum(errors[f.source] for f in files),
                sum(f.source in docs for f in files),
                ", ".join(f"{s} {n}" for s, n in sorted(stages.items())) or "-",
                len(wrong.get(kind, [])),
            ]
        )
    print(table(rows, ["kind", "files", "error records", "indexed", "stages", "wrong"]))
    print(
        f"\n{len(bad)} bad files of {len(rows)} kinds beside {len(good)} good ones; build exit codes "
        f"{clean.returncode} / {dirty.returncode}; build with them {dirty.seconds:.1f} s, peak RSS "
        f"{dirty.max_rss_mb:.0f} MB (without: {clean.seconds:.1f} s, {clean.max_rss_mb:.0f} MB); "
        f"good documents identical: {same}"
    )
    for kind, problems in wrong.items():
        print(f"  {kind}: {problems[:3]}")
    return clean.returncode == 0 and dirty.returncode == 0 and not wrong and same


def queries(args: argparse.Namespace) -> bool:
    from hypothesis import HealthCheck, given, settings

    from tools.hardening.hostile import check_response, search_urls, timed_get
    from web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        _index_of([SEEDS], Path(tmp) / "index")
        client = create_app({"INDEX": str(Path(tmp) / "index"), "TESTING": True}).test_client()
        seen: list[tuple[str, int, float, list[str]]] = []

        @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(url=search_urls())
        def run(url):
            response, seconds = timed_get(client, url)
            seen.append(
                (
                    url.split("?")[0],
                    response.status_code,
                    seconds,
                    check_response(url, response, seconds, args.max_seconds),
                )
            )

        started = time.perf_counter()
        run()
        total = time.perf_counter() - started
    rows = []
    for path in sorted({s[0] for s in seen}):
        sel = [s for s in seen if s[0] == path]
        statuses = Counter(s[1] for s in sel)
        rows.append(
            [
                path,
                len(sel),
                statuses.get(200, 0),
                statuses.get(400, 0),
                sum(n for st, n in statuses.items() if st >= 500),
                sum(bool(s[3]) for s in sel),
                f"{percentile([s[2] for s in sel], 99) * 1000:.0f}",
                f"{max(s[2] for s in sel) * 1000:.0f}",
            ]
        )
    print(table(rows, ["endpoint", "requests", "200", "400", "5xx", "problems", "p99 ms", "max ms"]))
    print(f"\n{len(seen)} hostile requests in {total:.0f} s")
    for s in [s for s in seen if s[3]][:5]:
        print("  problem:", s[0], s[1], s[3][:3])
    return not any(s[3] for s in seen)


def faults(args: argparse.Namespace) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/hardening/test_disk_faults.py", "-q", "-rA", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in result.stdout.splitlines():
        if line.startswith(("PASSED tests/", "FAILED tests/", "SKIPPED", "ERROR tests/")):
            status, _, name = line.partition(" ")
            rows.append([name.split("::")[-1].removeprefix("test_").replace("_", " "), status])
    print(table(rows, ["scenario", "result"]))
    return result.returncode == 0


def soak(args: argparse.Namespace) -> bool:
    from indexer.update import UpdateOptions, update_index
    from tools.hardening.loadgen import Server
    from tools.hardening.soak import run_soak

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "src" / "seeds"
        shutil.copytree(SEEDS, src)
        root = tmp / "index"
        assert update_index([src], root, UpdateOptions(progress=False)).status == "published"
        with Server(root, tmp / "gunicorn.log", workers=2, extra_args=("--max-requests", "0")) as server:
            result = run_soak(
                server, src, root, seconds=args.minutes * 60, interval=args.interval, clients=args.clients, warmup=30
            )
            timeouts, restarts = server.worker_timeouts(), server.worker_restarts()
    rows = []
    for t, n, status in result.samples:
        rows.append(
            [
                f"{t / 60:.1f}",
                n,
                *[f"{status[p][0] / 1024:.1f} MB / {status[p][1]}" if p in status else "-" for p in result.pids],
            ]
        )
    print(table(rows, ["minute", "switches", *[f"worker {i + 1}: RSS / open files" for i in range(len(result.pids))]]))
    rss, fds = result.growth(0), result.growth(1)
    load = result.load
    print(
        f"\n{len(result.switches)} switches, {len(result.failed_updates)} failed updates; {len(load.responses)} "
        f"requests, {len(load.errors)} errors, p99 {load.p(99) * 1000:.0f} ms; worker timeouts {timeouts}, "
        f"restarts {restarts}; growth after the first switch: RSS "
        f"{', '.join(f'{v / 1024:+.1f} MB' for v in rss.values())}, open files "
        f"{', '.join(f'{v:+d}' for v in fds.values())}"
    )
    return not load.errors and not result.failed_updates and max(fds.values()) <= 4 and max(rss.values()) <= 40 * 1024


def orphans(args: argparse.Namespace) -> bool:
    from tools.hardening.orphans import SCENARIOS, SURVIVAL_LIMIT, OrphanBench

    with tempfile.TemporaryDirectory() as tmp:
        bench = OrphanBench(Path(tmp))
        started = time.perf_counter()
        trials = bench.run(args.trials, on_trial=lambda t: print(t, flush=True))
        seconds = time.perf_counter() - started
    rows = []
    for name, _, _ in SCENARIOS:
        sel = [t for t in trials if t.scenario == name]
        rows.append(
            [
                name,
                len(sel),
                sum(t.workers_seen for t in sel),
                sum(t.survivors for t in sel),
                f"{max(t.last_exit for t in sel):.2f}",
                sum(t.next_exit == 0 for t in sel),
                sum(t.stale_logged for t in sel),
            ]
        )
    print(
        table(
            rows,
            [
                "killed at",
                "trials",
                "workers running",
                f"alive after {SURVIVAL_LIMIT:.0f} s",
                "slowest to end (s)",
                "next run exit 0",
                "stale lock logged",
            ],
        )
    )
    print(f"\n{len(trials)} trials in {seconds:.0f} s")
    return all(t.ok for t in trials)


def main() -> int:
    parser = ArgumentParser(
        prog="scripts/harden", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("crash")
    p.add_argument("--trials", type=int, default=200)
    p.add_argument("--seed", type=int, default=8)
    p.set_defaults(fn=crash)
    p = sub.add_parser("orphans")
    p.add_argument("--trials", type=int, default=20, help="trials per phase")
    p.set_defaults(fn=orphans)
    p = sub.add_parser("load")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seconds", type=float, default=180)
    p.add_argument("--idle-seconds", type=float, default=60)
    p.add_argument("--overload-clients", type=int, default=32)
    p.add_argument("--overload-seconds", type=float, default=30)
    p.add_argument("--files", type=int, default=60, help="corpus files to index (several reindexes fit in the run)")
    p.set_defaults(fn=load_cmd)
    p = sub.add_parser("malformed")
    p.add_argument("--per-kind", type=int, default=10)
    p.set_defaults(fn=malformed)
    p = sub.add_parser("queries")
    p.add_argument("--examples", type=int, default=10_000)
    p.add_argument("--max-seconds", type=float, default=5.0)
    p.set_defaults(fn=queries)
    p = sub.add_parser("faults")
    p.set_defaults(fn=faults)
    p = sub.add_parser("soak")
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--interval", type=float, default=300)
    p.add_argument("--clients", type=int, default=2)
    p.set_defaults(fn=soak)
    args = parser.parse_args()
    ok = args.fn(args)
    print(f"\n{args.command}: {'ok' if ok else 'FAILED'}; peak RSS of child processes {children_max_rss_mb():.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
