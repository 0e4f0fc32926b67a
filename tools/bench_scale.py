"""The corpus against N copies of itself in one run: `scripts/bench --scale N`.

The corpus is measured as `scripts/bench` measures it (tools.bench.measure: build, updates, in-process latency,
the switch, HTTP), then its ×N copy (tools.bench.scaled_folders: every text file marked with its copy) the same
way, in the same run. The comparison gives each figure at ×1 and ×N and their ratio, and SCALE_TARGETS says how
the ×N side may grow: what a corpus ten times the size asks of the same machine.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from tools.bench import (
    HTTP_CLIENTS,
    HTTP_WORKERS,
    RunOptions,
    figures,
    judge,
    measure,
    scaled_folders,
    side_text,
    table,
    target_table,
)

# (key of side_figures, what the comparison table calls it)
COMPARED = (
    ("build_s", "full build (s)"),
    ("build_peak_rss_mb", "largest build process tree, peak RSS (MB)"),
    ("index_mb", "index size (MB)"),
    ("documents", "documents"),
    ("http_rps", f"HTTP, {HTTP_CLIENTS} clients, {HTTP_WORKERS} workers: req/s"),
    ("http_p50_ms", "HTTP p50 (ms)"),
    ("http_p99_ms", "HTTP p99 (ms)"),
    ("worker_rss_mb", "worker RSS (MB, largest)"),
    ("worker_rss_anon_mb", "of which its own, RssAnon (MB, largest)"),
    ("search_p50_ms", "in-process run_search p50 (ms)"),
    ("search_p99_ms", "in-process run_search p99 (ms)"),
    ("phrase_p99_ms", "in-process run_search p99 of phrases (ms)"),
    ("update_1pct_s", "update with 1 % changed (s)"),
    ("update_ratio", "update with 1 % changed / full build"),
    ("switch_after_p99_ms", "first pass after a switch p99 (ms)"),
    ("switch_warm_p99_ms", "warm pass p99 (ms)"),
    ("switch_ratio", "first pass after a switch p99 / warm pass p99"),
)
# The ×N side's targets, judged as tools.bench.TARGETS are (key of scale_figures, what, shown, limit, comparison).
SCALE_TARGETS = (
    ("build_per_copy", "×N build time / (N × ×1 build time)", "≤ 1", 1.0, "le"),
    ("build_peak_rss_mb", "×N build peak RSS (MB, process tree)", "≤ 1536", 1536.0, "le"),
    ("worker_rss_mb", "×N gunicorn worker RSS (MB, largest)", "≤ 300", 300.0, "le"),
    ("http_rps", "×N HTTP throughput (requests/s)", "≥ 150", 150.0, "ge"),
    ("http_p99_ms", "×N HTTP p99 (ms)", "≤ 150", 150.0, "le"),
    ("http_errors", "×N HTTP errors", "0", 0, "le"),
    ("search_p99_ms", "×N run_search p99 (ms)", "≤ 40", 40.0, "le"),
    ("phrase_p99_ratio", "×N phrase p99 / ×1 phrase p99", "≤ 3", 3.0, "le"),
    ("update_ratio_x1", "×1 update with 1 % changed / full build", "≤ 0.10", 0.10, "le"),
    ("update_ratio_xN", "×N update with 1 % changed / full build", "≤ 0.10", 0.10, "le"),
    ("switch_ratio", "×N first pass after a switch p99 / warm pass p99", "≤ 2", 2.0, "le"),
)


def ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    """a / b, None when either is missing or b is 0."""
    return None if a is None or not b else round(a / b, digits)


def side_figures(side: dict) -> dict[str, float | None]:
    """The figures of one corpus that COMPARED lists (None for what was not measured)."""
    f = figures(side)
    build, update = side["build"], side["update"]["changed_1pct"]
    http, warmed = side.get("http"), side.get("switch", {}).get("warmed")
    published = update.get("status") == "published"
    return {
        "build_s": build["seconds"],
        "build_peak_rss_mb": build["peak_rss_mb"],
        "index_mb": build["index_mb"],
        "documents": build["documents"],
        "http_rps": f["http_rps"],
        "http_p50_ms": http["latency"]["p50"] if http else None,
        "http_p99_ms": f["http_p99_ms"],
        "http_errors": f["http_errors"],
        "worker_rss_mb": f["worker_rss_mb"],
        "worker_rss_anon_mb": f["worker_rss_anon_mb"],
        "search_p50_ms": f["search_p50_ms"],
        "search_p99_ms": f["search_p99_ms"],
        "phrase_p99_ms": side["latency"]["measured_by_kind"].get("phrase", {}).get("p99"),
        "update_1pct_s": update["seconds"] if published else None,
        "update_ratio": ratio(update["seconds"], build["seconds"], 3) if published else None,
        "switch_after_p99_ms": warmed["after_switch"]["p99"] if warmed else None,
        "switch_warm_p99_ms": warmed["reference"]["p99"] if warmed else None,
        "switch_ratio": f["switch_ratio"],
    }


def scale_figures(x1: dict[str, float | None], xn: dict[str, float | None], scale: int) -> dict[str, float | None]:
    """What SCALE_TARGETS judges, from both sides' side_figures."""
    return {
        "build_per_copy": ratio(xn["build_s"], None if x1["build_s"] is None else scale * x1["build_s"], 3),
        **{k: xn[k] for k in ("build_peak_rss_mb", "worker_rss_mb", "http_rps", "http_p99_ms", "http_errors")},
        "search_p99_ms": xn["search_p99_ms"],
        "phrase_p99_ratio": ratio(xn["phrase_p99_ms"], x1["phrase_p99_ms"], 3),
        "update_ratio_x1": x1["update_ratio"],
        "update_ratio_xN": xn["update_ratio"],
        "switch_ratio": xn["switch_ratio"],
    }


def compare(x1: dict, xn: dict, scale: int) -> dict:
    """The comparison rows (each figure at ×1, at ×N, and ×N/×1) and the ×N side's targets."""
    f1, fn = side_figures(x1), side_figures(xn)
    return {
        "comparison": [
            {"key": key, "what": what, "x1": f1[key], "xN": fn[key], "ratio": ratio(fn[key], f1[key])}
            for key, what in COMPARED
        ],
        "scale_targets": judge(scale_figures(f1, fn, scale), SCALE_TARGETS),
    }


def measure_scaled(
    folders: Sequence[Path],
    options: RunOptions,
    scale: int,
    work: Path,
    *,
    keep_work: bool,
    say: Callable[[str], None],
) -> dict:
    """The corpus, then its ×scale copy, measured alike but for the naive build, which only the ×1 side's targets
    ask for (it would take as long again as the rest of the ×scale side); each side's scratch folder (and the
    copy) is removed once measured unless `keep_work`, so that the two never take up the disk at once."""
    say("×1: the corpus as it is")
    x1 = measure(folders, options, work / "x1", say)
    if not keep_work:
        shutil.rmtree(work / "x1", ignore_errors=True)
    say(f"×{scale}: copying the corpus {scale} times ...")
    scaled = scaled_folders(folders, scale, work)
    say(f"×{scale}: {', '.join(map(str, scaled))}")
    xn = measure(scaled, replace(options, skip_naive=True), work / f"x{scale}", say)
    if not keep_work:
        for p in (work / "scaled", work / f"x{scale}"):
            shutil.rmtree(p, ignore_errors=True)
    return {"scale": scale, "scaled_folders": [str(p) for p in scaled], "x1": x1, "xN": xn, **compare(x1, xn, scale)}


def comparison_table(result: dict) -> str:
    """The figures at ×1 and ×N side by side, with their ratio."""
    shown = lambda v: "—" if v is None else v  # noqa: E731
    return table(
        [(r["what"], shown(r["x1"]), shown(r["xN"]), shown(r["ratio"])) for r in result["comparison"]],
        ("measure", "×1", f"×{result['scale']}", "ratio"),
    )


def scale_text(result: dict) -> str:
    """Each side's tables, then the comparison and the ×N targets."""
    n = result["scale"]
    return "\n".join(
        [
            "## ×1: the corpus as it is",
            "",
            side_text(result["x1"]),
            "",
            f"## ×{n}: {n} copies of the corpus, each text file marked with its copy",
            "",
            side_text(result["xN"]),
            "",
            f"## ×1 against ×{n}",
            "",
            comparison_table(result),
            "",
            f"targets at ×{n} (N = {n}):",
            target_table(result["scale_targets"]),
        ]
    )
