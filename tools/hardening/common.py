"""What the hardening tests and `scripts/harden` share: small source folders, what an index answers, tables."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from indexer.update import PAUSE_ENV
from search.engine import run_search
from search.index import NoIndexError, OpenIndex, current_build_path
from search.params import params_from

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

# A tiny source folder: three short documents, so that a run of the indexer takes about a second.
TINY_DOCS = {
    "a_notice.txt": "某市人民政府关于推进法治政府建设的通知\n\n各区县人民政府：\n\n一、总体要求\n"
    "深入推进依法行政，加快建设法治政府。\n二、工作措施\n落实放管服改革，优化营商环境。\n",
    "b_report.txt": "某区2022年法治政府建设情况报告\n\n一、主要成效\n行政复议和行政诉讼工作稳步推进。\n"
    "二、存在问题\n基层执法力量不足。\n",
    "c_plan.txt": "某县关于开展普法宣传的实施方案\n\n一、目标任务\n开展宪法宣传周活动，推动全民守法。\n",
}
TINY_CHANGED = "b_report.txt"
TINY_NEW = "d_new.txt"
TINY_TERM = "量子纠缠治理试点"
TINY_NEW_TEXT = "关于开展星际航行法治宣传的通知\n\n一、星际航行宣传要求\n请于年底前完成。\n"
TINY_QUERIES = ("法治政府", "放管服", TINY_TERM, "星际航行", "行政复议 OR 宪法", "-普法 法治")
# How long a run may take to reach the marker it is to stop at before it is killed.
PAUSE_TIMEOUT = 120


class MarkerMissedError(AssertionError):
    """The run ended without passing the marker it was to stop at."""


def start_paused(command: Sequence[str], marker: str) -> subprocess.Popen:
    """Start an indexer run that stops at a pause marker (GOVLAW_TEST_PAUSE_AT) and return it stopped there: its
    stderr has printed `govlaw-pause: <marker>` (the line may go on after the marker) and stays open for the
    caller to close. A run that ends first, or takes longer than PAUSE_TIMEOUT, raises MarkerMissedError with
    the end of what it printed."""
    proc = subprocess.Popen(
        list(command),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, PAUSE_ENV: marker},
    )
    stderr = proc.stderr
    assert stderr is not None  # stderr=PIPE
    timer = threading.Timer(PAUSE_TIMEOUT, proc.kill)
    timer.start()
    seen: list[str] = []
    wanted = f"govlaw-pause: {marker}"
    try:
        for line in stderr:
            seen.append(line)
            if line.rstrip("\n") == wanted or line.startswith(wanted + " "):
                return proc
        proc.wait()
        stderr.close()
        raise MarkerMissedError(
            f"the run ended (exit {proc.returncode}) without reaching the {marker} marker: {''.join(seen)[-2000:]}"
        )
    finally:
        timer.cancel()


def update_command(sources: Sequence[Path], root: Path, *extra: str) -> list[str]:
    """The nightly update of `root` from `sources` as a subprocess runs it: JSON log lines, no progress bar."""
    return [
        sys.executable,
        "-m",
        "indexer",
        "update",
        *map(str, sources),
        "--index",
        str(root),
        "--no-progress",
        "--log-format",
        "json",
        *extra,
    ]


def write_tiny(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TINY_DOCS.items():
        (folder / name).write_text(text, "utf-8")
    return folder


def change_tiny(folder: Path) -> None:
    """One changed file and one new one."""
    path = folder / TINY_CHANGED
    path.write_text(path.read_text("utf-8") + f"\n三、下一步\n开展{TINY_TERM}工作。\n", "utf-8")
    (folder / TINY_NEW).write_text(TINY_NEW_TEXT, "utf-8")


def open_published(root: Path) -> OpenIndex:
    """The build published under `root`, opened; NoIndexError when nothing is published."""
    path = current_build_path(root)
    if path is None:
        raise NoIndexError(f"no published index under {root}")
    return OpenIndex.open(path)


def stored_text(opened: OpenIndex, doc_id: str) -> str:
    """The stored text of a document the build lists (a listed document missing from the store is a finding)."""
    doc = opened.store.get(doc_id)
    if doc is None:
        raise LookupError(f"{doc_id} is listed in {opened.path} but not in its store")
    return doc.text


def answers(opened: OpenIndex, queries: Sequence[str] = TINY_QUERIES) -> tuple:
    """Everything an opened build answers that a reader could notice: documents, their text and hits."""
    docs = tuple(sorted((m.source, m.content_hash) for m in opened.docs.values()))
    texts = tuple(sorted((d, stored_text(opened, d)) for d in opened.docs))
    hits = tuple(
        tuple((h.source, h.section_id) for h in run_search(opened, params_from(q=q, size="50")).hits) for q in queries
    )
    return docs, texts, hits, opened.ix.doc_count()


def served_answers(root: Path, queries: Sequence[str] = TINY_QUERIES) -> tuple | None:
    """What a fresh open of the published build answers; None when nothing (or nothing readable) is published."""
    path = current_build_path(root)
    if path is None:
        return None
    try:
        opened = OpenIndex.open(path)
    except Exception:  # noqa: BLE001 - a broken build is a finding, reported by the caller
        return None
    try:
        return answers(opened, queries)
    finally:
        opened.close()


def copy_root(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def proc_status(pid: int) -> tuple[int, int]:
    """(resident memory in kB, open file descriptors) of a process, from /proc."""
    rss = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def children_max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def self_max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A Markdown table (the figures the scripts print, pasted into the README as they are)."""
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "| " + " | ".join("-" * w for w in widths) + " |", *map(line, cells[1:])])


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
