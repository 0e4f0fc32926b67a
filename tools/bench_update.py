"""The nightly update against a full build of the same sources, phase by phase: `scripts/bench update`.

One run, in subprocesses and in this order: a full build of the folders (plus seeds/) into a fresh index root,
then `indexer update` over copies of the folders with 1 % of the files appended to. The table gives both times,
their ratio (target: at most TARGET_RATIO) and the update's seconds per phase. With --baseline CHECKOUT the
same is measured first with the indexer of another checkout (the code before a change), on the same changed
files. With --profile the update runs once more under cProfile, after a full build of its own, and the
functions with the most cumulative time are listed. With --scale N every folder is copied N times side by side (as
<folder>/copy-<k>/..., each text file marked with its copy: tools.bench.scaled_folders), to see which costs grow with
the corpus rather than with the change.
"""

from __future__ import annotations

import json
import pstats
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import click

from indexer.update import PHASES as UPDATE_PHASES
from search.exitcodes import run_click
from tools.bench import (
    CHANGED_SHARE,
    ROOT,
    changed_copies,
    chosen_folders,
    loadavg,
    project_build,
    run_header,
    run_update,
    say,
    scaled_folders,
    table,
    work_options,
)
from tools.hardening.common import update_command

TARGET_RATIO = 0.10  # update with 1 % of the files changed / full build
PROFILE_TOP = 30
# Profiled functions with at least this share of the whole run's time enclose it (the command line's frames).
ENCLOSING_SHARE = 0.8
# The update's phases in the order they run ("merge" only when segments had piled up).
PHASES = (*UPDATE_PHASES[:3], "merge", *UPDATE_PHASES[3:])


def profiled_update(folders: Sequence[Path], root: Path, prof: Path, top: int = PROFILE_TOP) -> list[dict]:
    """The update of `root` from `folders` under cProfile (the main process only; workers read files too),
    saved to `prof`; its `top` functions by cumulative time, less the frames that enclose nearly the whole run
    (the command line's)."""
    cmd = update_command(folders, root, "--report", str(prof.with_suffix(".json")))
    cmd[1:1] = ["-m", "cProfile", "-o", str(prof)]
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
    stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
    total = max(ct for _, _, _, ct, _ in stats.values())
    rows = sorted(
        ((key, row) for key, row in stats.items() if row[3] < ENCLOSING_SHARE * total),
        key=lambda kv: kv[1][3],
        reverse=True,
    )[:top]
    return [
        {
            "function": f"{Path(f).name}:{line}({name})",
            "calls": nc,
            "tottime_s": round(tt, 3),
            "cumtime_s": round(ct, 3),
        }
        for (f, line, name), (_, nc, tt, ct, _) in rows
    ]


def measure(sources: Sequence[Path], copied: Sequence[Path], work: Path, checkout: Path, say) -> dict:
    """A full build of `sources` and the update from the changed copies, with the indexer of `checkout`."""
    root = work / "index"
    say(f"full build ({checkout}) ...")
    build = project_build(sources, root, checkout)
    say(f"  {build['seconds']} s, {build['documents']} documents")
    say("update ...")
    update = run_update(copied, root, work / "update-changed.json", checkout)
    if update["returncode"] != 0 or update["status"] != "published":
        raise click.ClickException(f"the update did not publish: {update}")
    ratio = round(update["seconds"] / build["seconds"], 3)
    say(f"  {update['seconds']} s, ratio {ratio}")
    return {"checkout": str(checkout), "build": build, "update": update, "ratio": ratio}


def run(
    folders: Sequence[Path],
    *,
    scale: int,
    profile: bool,
    baseline: Path | None,
    work: Path,
    out_dir: Path,
    stamp: str,
    say: Callable[[str], None],
) -> dict:
    result: dict = {
        **run_header(folders),
        "scale": scale,
        "share": CHANGED_SHARE,
    }
    say(f"load average at start: {result['loadavg_start']}")
    sources = scaled_folders(folders, scale, work)
    copied, touched = changed_copies(sources, work / "src")
    result["files_touched"] = len(touched)
    say(f"{len(touched)} files changed in copies of the sources")
    if baseline is not None:
        result["baseline"] = measure(sources, copied, work / "baseline", baseline, say)
    result["current"] = measure(sources, copied, work / "current", ROOT, say)
    if profile:
        say("the update again under cProfile, on the full build ...")
        root = work / "profiled"
        project_build(sources, root)
        result["profile"] = str(out_dir / f"bench-update-{stamp}.prof")
        result["profile_top"] = profiled_update(copied, root, Path(result["profile"]))
    result["loadavg_end"] = loadavg()
    return result


def report_text(result: dict) -> str:
    runs = [(name, result[name]) for name in ("baseline", "current") if name in result]
    lines = [
        (
            f"load average at start {result['loadavg_start']}, at end {result['loadavg_end']} "
            f"({result['machine']['cpus']} CPUs); revision {result['revision_start']}; scale {result['scale']}; "
            f"{result['files_touched']} files changed"
        ),
        "",
    ]
    rows: list[tuple] = [("full build (s)", *(r["build"]["seconds"] for _, r in runs))]
    rows.append(("update, 1 % changed (s)", *(r["update"]["seconds"] for _, r in runs)))
    rows.append((f"ratio (target ≤ {TARGET_RATIO})", *(r["ratio"] for _, r in runs)))
    rows += [(f"  {phase}", *((r["update"]["phases"] or {}).get(phase, "—") for _, r in runs)) for phase in PHASES]
    rows.append(("documents", *(r["build"]["documents"] for _, r in runs)))
    lines.append(table(rows, ("", *(f"{name} ({r['checkout']})" for name, r in runs))))
    if "profile_top" in result:
        lines += [
            "",
            f"profile of the update's main process (top {PROFILE_TOP} by cumulative time):",
            table(
                [(r["function"], r["calls"], r["tottime_s"], r["cumtime_s"]) for r in result["profile_top"]],
                ("function", "calls", "tottime s", "cumtime s"),
            ),
        ]
    return "\n".join(lines)


@click.command()
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--scale", type=click.IntRange(1, 50), default=1, show_default=True, help="Copies of each folder.")
@click.option("--profile", is_flag=True, help="Run the update once more under cProfile and list the top functions.")
@click.option(
    "--baseline",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Another checkout of govlaw (e.g. `git archive main`) to measure first, in the same run.",
)
@work_options
def cli(
    folders: tuple[Path, ...],
    scale: int,
    profile: bool,
    baseline: Path | None,
    work: Path | None,
    keep_work: bool,
    out_dir: Path,
) -> None:
    """Time a full build and an update with 1 % of the files changed over FOLDERS (default ../shared/corpus/laws)
    plus seeds/."""
    chosen = chosen_folders(folders)
    scratch = work or Path(tempfile.mkdtemp(prefix="govlaw-bench-update-"))
    scratch.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now():%Y%m%dT%H%M%S}"
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        result = run(
            chosen,
            scale=scale,
            profile=profile,
            baseline=baseline.resolve() if baseline else None,
            work=scratch,
            out_dir=out_dir,
            stamp=stamp,
            say=say,
        )
    finally:
        if not keep_work:
            shutil.rmtree(scratch, ignore_errors=True)
    path = out_dir / f"bench-update-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    click.echo(report_text(result))
    click.echo(f"\nJSON: {path}")


if __name__ == "__main__":
    run_click(cli, "scripts/bench update")
