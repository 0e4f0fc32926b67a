"""The performance benchmark behind `scripts/bench`: builds, nightly updates, in-process and HTTP latency.

One run measures, on this machine and in this order: the project's full build (`python -m indexer build` in a
subprocess) against a naive build with jieba's own Whoosh analyzer; `indexer update` with nothing changed and
with 1 % of the files changed; `run_search` over a seeded query mix (cold pass, then measured passes, one pass
under cProfile); the first pass after a switch from the full build to the updated one, warmed and at once
(tools/bench_switch.py); gunicorn with 2 sync workers under 8 closed-loop clients. Each figure is compared with its
target in TARGETS. Builds and updates run as subprocesses whose whole process tree is polled in /proc for RSS.
`measure` is all of that for one corpus; with --scale N it runs twice, over the corpus and over N marked copies of
it (`scaled_folders`), and tools/bench_scale.py compares the two. --mix chooses the query mix (tools.querymix.MIXES).
"""

from __future__ import annotations

import cProfile
import functools
import importlib
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from indexer.encoding import DecodeError, decode_bytes
from indexer.loaders import LOADERS, load_markdown, load_text
from search import analysis
from search.engine import run_search
from search.exitcodes import run_click
from search.index import OpenIndex, current_build_path
from tools.hardening.common import open_published, update_command
from tools.querymix import DEFAULT_MIX, KINDS, MIXES, SEED, MixQuery, query_mix

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDERS = ("../shared/corpus/laws",)
SEEDS = "seeds"
OUT_DIR = "var/bench"
POLL_SECONDS = 0.1
HTTP_CLIENTS = 8
HTTP_WORKERS = 2
# The workers' size is read this long after the last response: what a worker does once a response has gone
# (gunicorn's post_request: releasing mapped index pages beyond GOVLAW_MAPPED_MB, web/mapped.py) is over by then.
WORKER_SETTLE_SECONDS = 1.0
HTTP_SECONDS = 60
LATENCY_PASSES = 3
CHANGED_SHARE = 0.01
APPENDED = "\n\n本文件末尾的这一句为性能基准测试所追加。\n"
# Appended to each file of a scaled copy, naming the copy; written in the file's own encoding, so its characters
# are ones GB18030 and Big5 both have.
COPY_LINE = "\n\n副本 {name}\n"
# The suffixes whose files the indexer reads as plain text (the others are markup or binary).
TEXT_SUFFIXES = tuple(suffix for suffix, load in LOADERS.items() if load in (load_text, load_markdown))
# The naive build reads these as plain UTF-8, one document per file.
NAIVE_SUFFIXES = (".md", ".txt")
PROFILE_TOP = 10
MB = 1024 * 1024
# (key, what, target shown, limit, comparison): a measured figure meets its target when `value <= limit`
# ("le") or `value >= limit` ("ge").
TARGETS = (
    ("build_ratio", "full build time / naive build time", "≤ 0.30", 0.30, "le"),
    ("build_peak_rss_mb", "full build peak RSS (MB, process tree)", "≤ 1024", 1024, "le"),
    ("update_noop_s", "update, nothing changed (s)", "≤ 2", 2.0, "le"),
    ("search_p50_ms", "run_search p50 (ms)", "≤ 5", 5.0, "le"),
    ("search_p99_ms", "run_search p99 (ms)", "≤ 30", 30.0, "le"),
    ("switch_ratio", "first pass after a switch p99 / warm pass of its queries p99", "≤ 2", 2.0, "le"),
    ("http_rps", "HTTP throughput (requests/s)", "≥ 150", 150.0, "ge"),
    ("http_p99_ms", "HTTP p99 (ms)", "≤ 100", 100.0, "le"),
    ("http_errors", "HTTP errors", "0", 0, "le"),
    ("worker_rss_mb", "gunicorn worker RSS after the run (MB, largest)", "≤ 300", 300.0, "le"),
)


# --- summaries ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Latency:
    """Latencies in milliseconds: nearest-rank percentiles (p99 of 100 values is the 99th smallest)."""

    n: int
    p50: float
    p99: float
    max: float
    mean: float


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q % of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarize(seconds: Sequence[float]) -> Latency:
    ms = [s * 1000 for s in seconds]
    if not ms:
        return Latency(0, 0.0, 0.0, 0.0, 0.0)
    return Latency(
        n=len(ms),
        p50=round(percentile(ms, 50), 2),
        p99=round(percentile(ms, 99), 2),
        max=round(max(ms), 2),
        mean=round(statistics.fmean(ms), 2),
    )


def judge(figures: dict[str, float | None], targets: Sequence[tuple] = TARGETS) -> list[dict]:
    """One row per target (of TARGETS, or a table like it): the figure, the target and whether it is met (None
    when not measured)."""
    rows = []
    for key, what, shown, limit, how in targets:
        value = figures.get(key)
        met = None if value is None else (value <= limit if how == "le" else value >= limit)
        rows.append({"key": key, "what": what, "value": value, "target": shown, "met": met})
    return rows


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A Markdown table."""
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "| " + " | ".join("-" * w for w in widths) + " |", *map(line, cells[1:])])


def target_table(rows: list[dict]) -> str:
    shown = [
        (
            r["what"],
            "—" if r["value"] is None else r["value"],
            r["target"],
            "—" if r["met"] is None else ("yes" if r["met"] else "no"),
        )
        for r in rows
    ]
    return table(shown, ("measure", "value", "target", "met"))


# --- processes ---------------------------------------------------------------------------------------------


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants, from /proc/<pid>/task/<tid>/children."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children", encoding="ascii") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    """A process's resident memory in kB (`VmHWM`: its peak so far), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True, slots=True)
class Measured:
    cmd: tuple[str, ...]
    seconds: float
    peak_rss_mb: float  # the largest sum of RSS over the process tree seen while polling
    peak_process_mb: float  # the largest peak (VmHWM) of any one process of the tree
    returncode: int
    stdout: str
    stderr_tail: str


def run_measured(cmd: Sequence[str], *, cwd: Path = ROOT) -> Measured:
    """Run a command, polling its process tree's resident memory every POLL_SECONDS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=err)
        peak = peak_one = 0
        while proc.poll() is None:
            pids = tree_pids(proc.pid)
            peak = max(peak, sum(rss_kb(p) for p in pids))
            peak_one = max(peak_one, *(rss_kb(p, "VmHWM") for p in pids))
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Measured(
            tuple(map(str, cmd)),
            round(seconds, 3),
            round(peak / 1024, 1),
            round(peak_one / 1024, 1),
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace")[-2000:],
        )


def dir_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / MB, 1)


def _check(m: Measured, what: str) -> Measured:
    if m.returncode != 0:
        raise click.ClickException(f"{what} failed (exit {m.returncode}): {m.stderr_tail}")
    return m


# --- builds ------------------------------------------------------------------------------------------------


def project_build(folders: Sequence[Path], root: Path, checkout: Path = ROOT) -> dict:
    """One full build into a fresh index root with the project's indexer (of `checkout`), in a subprocess."""
    shutil.rmtree(root, ignore_errors=True)
    report = root.parent / f"{root.name}-report.json"
    m = _check(
        run_measured(
            [
                sys.executable,
                "-m",
                "indexer",
                "build",
                *map(str, folders),
                "--index",
                str(root),
                "--keep",
                "1",
                "--no-progress",
                "--report",
                str(report),
            ],
            cwd=checkout,
        ),
        "indexer build",
    )
    rep = json.loads(report.read_text("utf-8"))
    build = current_build_path(root)
    if build is None:
        raise click.ClickException(f"indexer build published nothing under {root}")
    return {
        "seconds": m.seconds,
        "peak_rss_mb": m.peak_rss_mb,
        "peak_process_mb": m.peak_process_mb,
        "index_mb": dir_mb(build),
        "documents": rep["documents"],
        "sections": rep["sections"],
        "errors": len(rep["errors"]),
    }


def naive_files(folders: Sequence[Path]) -> list[tuple[str, Path]]:
    return [
        (f"{folder.name}/{p.relative_to(folder).as_posix()}", p)
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix.lower() in NAIVE_SUFFIXES
    ]


def naive_build(folders: Sequence[Path], out: Path) -> int:
    """The baseline: jieba's own ChineseAnalyzer in a three-field Whoosh schema, one document per file read as
    plain UTF-8, one writer. It is what the project's analysis replaces, so it is loaded here by name and used
    nowhere else (search/analysis.py stays the only module of the project that imports jieba)."""
    from whoosh import fields
    from whoosh import index as whoosh_index

    chinese_analyzer = importlib.import_module("jieba.analyse").ChineseAnalyzer
    schema = fields.Schema(
        path=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True),
        body=fields.TEXT(analyzer=chinese_analyzer(), stored=False),
    )
    out.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(out), schema)
    writer = ix.writer()
    n = 0
    for source, path in naive_files(folders):
        text = path.read_text("utf-8", errors="replace")
        title = next((line.strip().lstrip("#").strip() for line in text.splitlines() if line.strip()), "")
        writer.add_document(path=source, title=title, body=text)
        n += 1
    writer.commit()
    ix.close()
    return n


def naive_build_measured(folders: Sequence[Path], out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    m = _check(
        run_measured([sys.executable, "-m", "tools.bench", "naive-build", str(out), *map(str, folders)]), "naive build"
    )
    return {
        "seconds": m.seconds,
        "peak_rss_mb": m.peak_rss_mb,
        "peak_process_mb": m.peak_process_mb,
        "index_mb": dir_mb(out),
        "documents": int(m.stdout.split()[0]) if m.stdout.strip() else None,
    }


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


# --- nightly update ----------------------------------------------------------------------------------------


def changed_files(folders: Sequence[Path], share: float = CHANGED_SHARE, seed: int = 7) -> list[Path]:
    """A deterministic `share` of the plain-text files under `folders` (at least one)."""
    files = [p for _, p in naive_files(folders)]
    k = max(1, math.ceil(share * len(files)))
    return sorted(random.Random(seed).sample(files, k))


def run_update(folders: Sequence[Path], root: Path, report: Path, checkout: Path = ROOT) -> dict:
    """`indexer update` (of `checkout`) of `root` from `folders`, in a subprocess."""
    m = run_measured(update_command(folders, root, "--report", str(report)), cwd=checkout)
    rep = json.loads(report.read_text("utf-8")) if report.exists() else {}
    return {
        "seconds": m.seconds,
        "peak_rss_mb": m.peak_rss_mb,
        "returncode": m.returncode,
        "status": rep.get("status"),
        "mode": rep.get("mode"),
        "changed": len(rep.get("changed", [])),
        "new": len(rep.get("new", [])),
        "reprocessed": len(rep.get("reprocessed", [])),
        "phases": rep.get("phases"),
        "stderr_tail": m.stderr_tail[-500:] if m.returncode else "",
    }


def changed_copies(
    folders: Sequence[Path], copies: Path, share: float = CHANGED_SHARE
) -> tuple[list[Path], list[Path]]:
    """Copies of `folders` under `copies` (same names) with `share` of their plain-text files appended to:
    (the copied folders, the files changed)."""
    shutil.rmtree(copies, ignore_errors=True)
    copied = []
    for folder in folders:
        dst = copies / folder.name
        shutil.copytree(folder, dst)
        copied.append(dst)
    touched = [p for p in changed_files(copied, share) if append_line(p, APPENDED)]
    return copied, touched


def append_line(path: Path, line: str) -> bool:
    """Append `line` to a text file in the encoding the indexer decodes it with (a byte-order mark is not written
    again); False, and the file left as it was, when it does not decode or the encoding cannot spell the line."""
    try:
        _, codec = decode_bytes(path.read_bytes())
        encoded = line.encode(codec.removesuffix("-sig"))
    except (DecodeError, UnicodeError):
        return False
    with open(path, "ab") as f:
        f.write(encoded)
    return True


def _copy_marked(src: str, dst: str, *, name: str) -> str:
    """shutil.copytree's copy function for a scaled copy: the file, then COPY_LINE if it is read as text."""
    shutil.copy2(src, dst)
    if Path(dst).suffix.lower() in TEXT_SUFFIXES:
        append_line(Path(dst), COPY_LINE.format(name=name))
    return dst


def scaled_folders(folders: Sequence[Path], scale: int, work: Path) -> list[Path]:
    """The folders as they are (scale 1), or each as `scale` copies of itself, work/scaled/<its name>/copy-<k>.

    So that no two files hold the same text, each copied file the indexer reads as text (TEXT_SUFFIXES: .txt, .md,
    .markdown) gets one line naming its copy (COPY_LINE, "副本 copy-<k>") appended in its own encoding. HTML, whose
    text comes from its markup, binary formats (PDF, DOCX, DOC, WPS, OFD) and metadata.jsonl are copied as they are.
    """
    if scale == 1:
        return list(folders)
    out = []
    for folder in folders:
        dst = work / "scaled" / folder.name
        shutil.rmtree(dst, ignore_errors=True)
        for k in range(scale):
            name = f"copy-{k}"
            shutil.copytree(folder, dst / name, copy_function=functools.partial(_copy_marked, name=name))
        out.append(dst)
    return out


def updates(folders: Sequence[Path], root: Path, work: Path) -> dict:
    """`indexer update` with nothing changed, then over copies of the folders with 1 % of the files appended to."""
    noop = run_update(folders, root, work / "update-noop.json")
    copies = work / "src"
    copied, touched = changed_copies(folders, copies)
    changed = run_update(copied, root, work / "update-changed.json")
    changed["files_touched"] = len(touched)
    shutil.rmtree(copies, ignore_errors=True)
    return {"noop": noop, "changed_1pct": changed}


# --- in-process latency ------------------------------------------------------------------------------------


def timed_pass(index: OpenIndex, mix: Sequence[MixQuery]) -> list[float]:
    out = []
    for q in mix:
        params = q.params()
        t = time.perf_counter()
        run_search(index, params)
        out.append(time.perf_counter() - t)
    return out


def by_kind(mix: Sequence[MixQuery], seconds: Sequence[float], passes: int) -> dict[str, dict]:
    per: dict[str, list[float]] = {k: [] for k in KINDS}
    for i, s in enumerate(seconds):
        per[mix[i % len(mix)].kind].append(s)
    return {k: asdict(summarize(v)) for k, v in per.items() if v}


def profile_pass(index: OpenIndex, mix: Sequence[MixQuery], top: int = PROFILE_TOP) -> list[dict]:
    """One pass of the mix under cProfile: the `top` entries by cumulative time."""
    prof = cProfile.Profile()
    prof.enable()
    timed_pass(index, mix)
    prof.disable()
    prof.create_stats()  # what pstats.Stats reads: (primitive calls, calls, tottime, cumtime, callers) per function
    entries = sorted(
        (
            (f"{Path(file).name}:{line}({func})", nc, round(tt, 3), round(ct, 3))
            for (file, line, func), (_, nc, tt, ct, _) in prof.stats.items()
        ),
        key=lambda e: e[3],
        reverse=True,
    )
    return [
        {"function": function, "calls": calls, "tottime_s": tottime, "cumtime_s": cumtime}
        for function, calls, tottime, cumtime in entries
        if not function.startswith(("bench.py", "cProfile", "~:0(<method 'disable'"))
    ][:top]


def latency(root: Path, mix_seed: int, passes: int, mix_name: str = DEFAULT_MIX) -> tuple[dict, tuple[MixQuery, ...]]:
    """The mix over a freshly opened build: a cold first pass, `passes` measured passes, one profiled pass."""
    analysis.preload()  # as a gunicorn worker does in post_fork
    t = time.perf_counter()
    index = open_published(root)
    opened = time.perf_counter() - t
    mix = query_mix(index, seed=mix_seed, mix=mix_name)
    cold = timed_pass(index, mix)
    warm: list[float] = []
    for _ in range(passes):
        warm += timed_pass(index, mix)
    profile = profile_pass(index, mix)
    index.close()
    return {
        "open_s": round(opened, 3),
        "mix": mix_name,
        "queries": len(mix),
        "passes": passes,
        "cold": asdict(summarize(cold)),
        "measured": asdict(summarize(warm)),
        "measured_by_kind": by_kind(mix, warm, passes),
        "cold_by_kind": by_kind(mix, cold, 1),
        "profile_top": profile,
    }, mix


# --- HTTP --------------------------------------------------------------------------------------------------


def http(root: Path, mix: Sequence[MixQuery], seconds: float, work: Path) -> dict:
    """gunicorn (web/gunicorn.conf.py, 2 sync workers) under HTTP_CLIENTS closed-loop clients sending the mix."""
    from tools.hardening.loadgen import Server, load  # the load generator the hardening tests use

    paths = tuple(q.path() for q in mix)
    with Server(root, work / "gunicorn.log", workers=HTTP_WORKERS) as server:
        warm = load(server.port, HTTP_WORKERS, seconds=max(10.0, seconds / 2), max_requests=len(paths), paths=paths)
        result = load(server.port, HTTP_CLIENTS, seconds=seconds, paths=paths)
        time.sleep(WORKER_SETTLE_SECONDS)
        workers = {pid: round(kb / 1024, 1) for pid, (kb, _) in server.worker_status().items()}
        # Of that, the worker's own (not pages of mapped index files, which the page cache shares and can drop).
        private = {pid: round(rss_kb(pid, "RssAnon") / 1024, 1) for pid in workers}
        restarts, timeouts = server.worker_restarts(), server.worker_timeouts()
    ok = [r.seconds for r in result.responses if r.status == 200]
    return {
        "clients": HTTP_CLIENTS,
        "workers": HTTP_WORKERS,
        "seconds": round(result.seconds, 2),
        "requests": len(result.responses),
        "rps": round(result.rate, 1),
        "latency": asdict(summarize(ok)),
        "errors": len(result.errors),
        "statuses": {str(k): v for k, v in result.statuses.items()},
        "warmup_requests": len(warm.responses),
        "worker_rss_mb": workers,
        "worker_rss_anon_mb": private,
        "worker_restarts": restarts,
        "worker_timeouts": timeouts,
    }


# --- the run -----------------------------------------------------------------------------------------------


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "mem_total_mb": _meminfo_mb("MemTotal"),
    }


def _meminfo_mb(key: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def revision() -> str | None:
    """The checked-out commit, with "+dirty" when tracked files differ from it (None outside a checkout)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def chosen_folders(folders: Sequence[str | Path]) -> list[Path]:
    """The folders a benchmark indexes, resolved: seeds/ first, then FOLDERS (default DEFAULT_FOLDERS); each must
    be a folder, and their names must differ (a document's source starts with its folder's name)."""
    chosen = [Path(f) for f in (folders or [ROOT / f for f in DEFAULT_FOLDERS])]
    chosen = [ROOT / SEEDS] + [f for f in chosen if f.resolve() != (ROOT / SEEDS).resolve()]
    for f in chosen:
        if not f.is_dir():
            raise click.ClickException(f"{f} is not a folder")
    names = [f.resolve().name for f in chosen]
    if len(set(names)) != len(names):
        raise click.ClickException("the folders must have different names (a document's source starts with it)")
    return [f.resolve() for f in chosen]


def say(msg: str) -> None:
    """A benchmark's progress line on stderr, with the time."""
    click.echo(f"[{datetime.now():%H:%M:%S}] {msg}", err=True)


def run_header(folders: Sequence[Path]) -> dict:
    """What every benchmark's JSON result opens with: when, on what machine and load, which code, over what."""
    return {
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "loadavg_start": loadavg(),
        "revision_start": revision(),
        "folders": [str(f) for f in folders],
    }


def figures(result: dict) -> dict[str, float | None]:
    b, n = result.get("build", {}), result.get("naive_build")
    u, lat, h = result.get("update", {}), result.get("latency", {}), result.get("http")
    return {
        "build_ratio": round(b["seconds"] / n["seconds"], 3) if b and n else None,
        "build_peak_rss_mb": b.get("peak_rss_mb"),
        # Only a run that found nothing to do is a no-op (the code changing mid-run makes it a full rebuild).
        "update_noop_s": u.get("noop", {}).get("seconds") if u.get("noop", {}).get("status") == "unchanged" else None,
        "search_p50_ms": lat.get("measured", {}).get("p50"),
        "search_p99_ms": lat.get("measured", {}).get("p99"),
        "switch_ratio": result.get("switch", {}).get("ratio"),
        "http_rps": h["rps"] if h else None,
        "http_p99_ms": h["latency"]["p99"] if h else None,
        "http_errors": h["errors"] if h else None,
        "worker_rss_mb": max(h["worker_rss_mb"].values()) if h and h["worker_rss_mb"] else None,
        "worker_rss_anon_mb": max(h["worker_rss_anon_mb"].values()) if h and h.get("worker_rss_anon_mb") else None,
    }


def report_text(result: dict) -> str:
    """The printed report: the load and the code it ran, then each corpus's tables (with --scale, the comparison
    of the two and its targets after them)."""
    lines = [
        (
            f"load average at start {result['loadavg_start']}, at end {result['loadavg_end']} "
            f"({result['machine']['cpus']} CPUs)"
        )
    ]
    if result.get("revision_start") != result.get("revision_end"):
        lines.append(
            f"warning: the code changed during the run ({result.get('revision_start')} -> "
            f"{result.get('revision_end')}); builds and updates may have run different code"
        )
    lines.append("")
    if "scale" not in result:
        return "\n".join([*lines, side_text(result)])
    from tools.bench_scale import scale_text

    return "\n".join([*lines, scale_text(result)])


def side_text(side: dict) -> str:
    """One corpus's tables: builds and updates, latencies, latency by kind, targets."""
    b, n, u = side["build"], side.get("naive_build"), side["update"]
    lat, h = side["latency"], side.get("http")
    lines = []
    rows: list[tuple[object, ...]] = [
        (
            f"full build (median of {b['runs']:d})",
            f"{b['seconds']} s",
            f"{b['peak_rss_mb']} MB",
            f"{b['index_mb']} MB",
            f"{b['documents']} docs, {b['sections']} sections" + _largest(b),
        )
    ]
    if n:
        rows.append(
            (
                f"naive build, jieba ChineseAnalyzer (median of {n['runs']:d})",
                f"{n['seconds']} s",
                f"{n['peak_rss_mb']} MB",
                f"{n['index_mb']} MB",
                f"{n['documents']} docs" + _largest(n),
            )
        )
    for key, label in (("noop", "update, nothing changed"), ("changed_1pct", "update, 1 % of files changed")):
        r = u[key]
        rows.append(
            (
                label,
                f"{r['seconds']} s",
                f"{r['peak_rss_mb']} MB",
                "",
                f"status {r['status']}, mode {r['mode'] or '-'}, {r['changed']} changed",
            )
        )
    lines += [table(rows, ("run", "time", "peak RSS", "index size", "notes")), ""]
    rows = [
        ("run_search, cold first pass", *_lat(lat["cold"])),
        (f"run_search, {lat['passes']} measured passes ({lat.get('mix', DEFAULT_MIX)} mix)", *_lat(lat["measured"])),
    ]
    if side.get("switch"):
        from tools.bench_switch import switch_rows

        rows += switch_rows(side["switch"])
    if h:
        rows.append(
            (
                (
                    f"HTTP /api/search, {h['clients']} clients, {h['workers']} workers, {h['rps']} req/s, "
                    f"{h['errors']} errors"
                ),
                *_lat(h["latency"]),
            )
        )
    lines += [table(rows, ("latency (ms)", "n", "p50", "p99", "max")), ""]
    rows = [
        (k, v["n"], v["p50"], v["p99"], v["max"], lat["cold_by_kind"].get(k, {}).get("p99", "—"))
        for k, v in lat["measured_by_kind"].items()
    ]
    lines += [table(rows, ("run_search by kind (ms)", "n", "p50", "p99", "max", "cold p99")), ""]
    lines += [target_table(side["targets"])]
    return "\n".join(lines)


def profile_text(result: dict) -> str:
    """The profiled in-process pass of each corpus measured."""
    sides = [("×1", result["x1"]), (f"×{result['scale']}", result["xN"])] if "scale" in result else [("", result)]
    return "\n\n".join(
        f"profile of one in-process pass{' at ' + name if name else ''} (top {PROFILE_TOP} by cumulative time):\n"
        + table(
            [(r["function"], r["calls"], r["tottime_s"], r["cumtime_s"]) for r in side["latency"]["profile_top"]],
            ("function", "calls", "tottime s", "cumtime s"),
        )
        for name, side in sides
    )


def _largest(build: dict) -> str:
    each = [r["peak_process_mb"] for r in build.get("each", ()) if "peak_process_mb" in r]
    return f"; largest process {statistics.median(each)} MB" if each else ""


def _lat(d: dict) -> tuple:
    return d["n"], d["p50"], d["p99"], d["max"]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What `scripts/bench` was asked to measure, the same for each side of a scaled run."""

    builds: int = 1
    skip_naive: bool = False
    skip_switch: bool = False
    http_seconds: float = HTTP_SECONDS
    passes: int = LATENCY_PASSES
    seed: int = SEED
    mix: str = DEFAULT_MIX


def measure(folders: Sequence[Path], options: RunOptions, work: Path, say: Callable[[str], None]) -> dict:
    """Every figure of one corpus, in scratch folder `work`: builds, updates, in-process latency, the switch, HTTP;
    and their targets."""
    work.mkdir(parents=True, exist_ok=True)
    side: dict = {}
    root = work / "index"
    runs = []
    for i in range(options.builds):
        say(f"full build {i + 1}/{options.builds} ...")
        runs.append(project_build(folders, root))
        say(f"  {runs[-1]['seconds']} s, peak RSS {runs[-1]['peak_rss_mb']} MB")
    side["build"] = {
        "runs": options.builds,
        "each": runs,
        **{k: median_of(runs, k) for k in ("seconds", "peak_rss_mb")},
        **{k: runs[-1][k] for k in ("index_mb", "documents", "sections", "errors")},
    }
    if not options.skip_naive:
        naive = []
        for i in range(options.builds):
            say(f"naive build {i + 1}/{options.builds} ...")
            naive.append(naive_build_measured(folders, work / "naive"))
            say(f"  {naive[-1]['seconds']} s, peak RSS {naive[-1]['peak_rss_mb']} MB")
        side["naive_build"] = {
            "runs": options.builds,
            "each": naive,
            **{k: median_of(naive, k) for k in ("seconds", "peak_rss_mb")},
            **{k: naive[-1][k] for k in ("index_mb", "documents")},
        }
        shutil.rmtree(work / "naive", ignore_errors=True)
    say("nightly update: nothing changed, then 1 % of files changed ...")
    side["update"] = updates(folders, root, work)
    say(f"in-process latency ({options.mix} mix) ...")
    side["latency"], mix = latency(root, options.seed, options.passes, options.mix)
    side["mix"] = [q.to_dict() for q in mix]
    if not options.skip_switch:
        from tools.bench_switch import switch_latency, switch_ratio

        say("first pass after a switch, warmed and at once ...")
        side["switch"] = switch_latency(root, options.seed, mix=options.mix)
        side["switch"]["ratio"] = switch_ratio(side["switch"])
    if options.http_seconds > 0:
        say(f"HTTP for {options.http_seconds:g} s ...")
        side["http"] = http(root, mix, options.http_seconds, work)
    side["targets"] = judge(figures(side))
    return side


def run(
    folders: Sequence[Path],
    options: RunOptions,
    *,
    scale: int = 1,
    keep_work: bool = False,
    work: Path,
    out_dir: Path,
    say: Callable[[str], None],
) -> dict:
    """One benchmark run, its JSON result written to `out_dir`: the corpus `folders` as it is, or with `scale` > 1
    that corpus and then its ×scale copy measured the same way (tools/bench_scale.py)."""
    result: dict = {**run_header(folders), "options": asdict(options)}
    say(f"load average at start: {result['loadavg_start']}")
    if scale == 1:
        result.update(measure(folders, options, work, say))
    else:
        from tools.bench_scale import measure_scaled

        result.update(measure_scaled(folders, options, scale, work, keep_work=keep_work, say=say))
    result["loadavg_end"] = loadavg()
    result["revision_end"] = revision()
    result["finished"] = datetime.now().isoformat(timespec="seconds")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"bench-{datetime.now():%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    result["json_path"] = str(path)
    return result


def work_options(command: Callable) -> Callable:
    """--work, --keep-work and --out, as every benchmark command takes them."""
    options = (
        click.option(
            "--work",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Scratch directory for indexes and copies (default: a new one under the system temp).",
        ),
        click.option("--keep-work", is_flag=True, help="Leave the scratch directory (the built index) in place."),
        click.option(
            "--out",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=ROOT / OUT_DIR,
            show_default=True,
            help="Where the JSON result goes.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def cli() -> None:
    """govlaw performance benchmark."""


@cli.command("run")
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--builds",
    type=click.IntRange(1, 20),
    default=1,
    show_default=True,
    help="Full builds (and naive builds) to run; the table shows their median.",
)
@click.option("--skip-naive", is_flag=True, help="Do not run the naive build (no build ratio).")
@click.option("--skip-switch", is_flag=True, help="Do not measure the first pass after a switch.")
@click.option(
    "--http-seconds",
    type=click.FloatRange(0),
    default=HTTP_SECONDS,
    show_default=True,
    help="Length of the HTTP load (0: skip it).",
)
@click.option(
    "--passes",
    type=click.IntRange(1, 50),
    default=LATENCY_PASSES,
    show_default=True,
    help="Measured in-process passes over the query mix (after the cold one).",
)
@click.option("--seed", type=int, default=None, help="Seed of the query mix (default: tools.querymix.SEED).")
@click.option(
    "--mix",
    type=click.Choice(tuple(MIXES)),
    default=DEFAULT_MIX,
    show_default=True,
    help="The query mix: phrase-heavy makes a third of the queries 8–14 character phrases, half of them unquoted.",
)
@click.option(
    "--scale",
    type=click.IntRange(1, 50),
    default=1,
    show_default=True,
    help="Measure the corpus, then N copies of it (each text file marked with its copy) the same way, and compare.",
)
@work_options
def run_command(
    folders: tuple[Path, ...],
    seed: int | None,
    work: Path | None,
    keep_work: bool,
    out_dir: Path,
    scale: int,
    **options: Any,
) -> None:
    """Benchmark builds, updates and search over FOLDERS (default ../shared/corpus/laws) plus seeds/."""
    chosen = chosen_folders(folders)
    scratch = work or Path(tempfile.mkdtemp(prefix="govlaw-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        result = run(
            chosen,
            RunOptions(**options, seed=SEED if seed is None else seed),
            scale=scale,
            keep_work=keep_work,
            work=scratch,
            out_dir=out_dir,
            say=say,
        )
    finally:
        if not keep_work:
            shutil.rmtree(scratch, ignore_errors=True)
    click.echo(report_text(result))
    click.echo("\n" + profile_text(result))
    click.echo(f"\nJSON: {result['json_path']}")


@cli.command("report")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def report_command(path: Path) -> None:
    """Print the tables of a saved run (var/bench/bench-*.json) again."""
    result = json.loads(path.read_text("utf-8"))
    click.echo(report_text(result))
    click.echo("\n" + profile_text(result))


@cli.command("naive-build", hidden=True)
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
def naive_build_command(out: Path, folders: tuple[Path, ...]) -> None:
    """Build the naive baseline index (run by `run` in a subprocess, so its memory is measured alone)."""
    click.echo(f"{naive_build(list(folders), out)} documents")


if __name__ == "__main__":
    run_click(cli, "scripts/bench")
