"""Benchmark of the legal officer's workbench: 新旧对照 of 公司法 2018 and 2023, the citation check of 200,000
characters, and the search as of a day (its cost, and that a search without it costs nothing more).

    scripts/bench workbench [--index ROOT]

Without --index, ../shared/corpus/laws is indexed into a scratch directory first (about a minute here).
Targets: the comparison in at most 1 s; 200,000 characters checked in at most 2 s.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click

from indexer.build import build_index
from search.checker import MAX_TEXT_CHARS, check_text
from search.compare import compare
from search.engine import run_search
from search.index import IndexHolder, OpenIndex
from search.params import params_from
from tools.querymix import query_mix

ROOT = Path(__file__).resolve().parents[1]
LAWS = ROOT.parent / "shared" / "corpus" / "laws"
OLD = "laws/民法商法/公司法(2018-10-26).md"
NEW = "laws/民法商法/公司法(2023-12-29).md"
RUNS = 5
TARGET_COMPARE_S = 1.0
TARGET_CHECK_S = 2.0
# A paragraph of a draft with a citation of each kind and status; repeated to the size checked.
DRAFT = (
    "一、依据《中华人民共和国公司法》第十五条、第二十条和《中华人民共和国行政复议法》第二十条，结合本区实际，制定本通知。"
    "原依照《公司法》（2018年修正）第十六条第二款作出的决议，按照现行规定重新审查；《行政复议法》（2017年修正）第九条规定的"
    "期限，依照新法执行。处理个人信息应当遵守《个人信息保护法》第十三条、第二百条的规定，并按照国务院令第492号做好政府"
    "信息公开。参照《北京市信息化促进条例》第五条、《未成年人保护条例》第十条开展工作；《不存在的公司管理办法》第三条不再"
    "适用。本通知第三条自发布之日起执行，依照公司法第二百六十六条的规定衔接，并落实《中华人民共和国民法典》第一千零八十七条。\n"
)


def _median_s(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """(first run, median of the next `runs`) in seconds."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return first, statistics.median(times)


def _doc(index: OpenIndex, source: str) -> str:
    found = [d for d, m in index.docs.items() if m.source == source]
    if not found:
        raise click.ClickException(f"{source} is not in the index")
    return found[0]


def bench(index: OpenIndex, fresh: OpenIndex) -> list[tuple[str, str, str]]:
    """(what, figure, target) rows; `fresh`, the same build opened again, for the searches."""
    rows = []
    old, new = _doc(index, OLD), _doc(index, NEW)
    first, median = _median_s(lambda: compare(index, old, new))
    result = compare(index, old, new)
    rows.append(
        (
            f"新旧对照 公司法 2018→2023 ({result.old.units}/{result.new.units} articles, {len(result.pairs)} rows)",
            f"{median:.3f} s (first {first:.3f} s)",
            f"≤ {TARGET_COMPARE_S:g} s",
        )
    )
    text = (DRAFT * (MAX_TEXT_CHARS // len(DRAFT) + 1))[:MAX_TEXT_CHARS]
    first, median = _median_s(lambda: check_text(index, text), runs=3)
    report = check_text(index, text)
    rows.append(
        (
            f"check {len(text):,} characters ({len(report.citations):,} citations)",
            f"{median:.3f} s (first {first:.3f} s)",
            f"≤ {TARGET_CHECK_S:g} s",
        )
    )
    rows.extend(as_of_rows(fresh))
    return rows


def as_of_rows(index: OpenIndex) -> list[tuple[str, str, str]]:
    """The query mix without as_of, then with it, on a build nothing else has used: whether the periods were
    computed before the first search with as_of, and what each costs."""
    rows = []
    mix = query_mix(index)[:200]
    plain = [q.params() for q in mix]
    dated = [params_from({**q.args(), "as_of": "2020-01-01"}) for q in mix]

    def run_all(params_list) -> None:
        for p in params_list:
            run_search(index, p)

    for p in plain[:20]:
        run_search(index, p)  # warm the caches of the searches themselves
    _, without = _median_s(lambda: run_all(plain), runs=3)
    computed_before = "periods" in index._memos
    first_dated, with_as_of = _median_s(lambda: run_all(dated), runs=3)
    rows.append(
        (
            f"{len(mix)} searches of the query mix, without as_of (periods computed by them: {computed_before})",
            f"{without / len(mix) * 1000:.2f} ms each",
            "no cost without as_of",
        )
    )
    rows.append(
        (
            f"the same with as_of=2020-01-01 (first pass {first_dated / len(mix) * 1000:.2f} ms each)",
            f"{with_as_of / len(mix) * 1000:.2f} ms each",
            "",
        )
    )
    return rows


@click.command()
@click.option("--index", "index_root", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(index_root: Path | None) -> None:
    """Time the workbench: 新旧对照, the citation check, search as of a day."""
    scratch = None
    if index_root is None:
        if not LAWS.is_dir():
            raise click.ClickException(f"{LAWS} is absent: give --index ROOT of an index holding 公司法 2018 and 2023")
        scratch = Path(tempfile.mkdtemp(prefix="govlaw-workbench-"))
        click.echo(f"indexing {LAWS} ...", err=True)
        build_index([LAWS], scratch, workers=2, progress=False)
        index_root = scratch
    try:
        index = IndexHolder(index_root).get()
        fresh = IndexHolder(index_root).get()
        rows = bench(index, fresh)
        index.close()
        fresh.close()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    for what, figure, target in rows:
        click.echo(f"{what:<{width}}  {figure:<28}  {target}")


if __name__ == "__main__":
    main()
