"""The benchmark's pure parts: the query mix, the latency summary, the target table. Nothing here is timed."""

from __future__ import annotations

import os
import random
import sys

import click
import pytest

from indexer.build import publish
from search import analysis, questions
from search.citation import find_citations
from search.engine import run_search
from tools.bench import (
    changed_files,
    judge,
    naive_files,
    percentile,
    rss_kb,
    run_measured,
    summarize,
    target_table,
    tree_pids,
)
from tools.bench_switch import switch_pair, switch_ratio, switch_rows
from tools.querymix import (
    KINDS,
    MIXES,
    PHRASE_MAX,
    PHRASE_MIN,
    QUOTAS,
    S2T,
    MixDoc,
    build_query_mix,
    kinds_of,
    loose_docno,
    query_mix,
    to_traditional,
)

PIECES = (
    "安全生产",
    "监督管理",
    "行政复议",
    "食品安全",
    "营商环境",
    "依法行政",
    "环境保护",
    "城乡规划",
    "劳动合同",
    "社会保险",
    "知识产权",
    "数据安全",
    "消防工作",
    "交通运输",
    "义务教育",
    "医疗保障",
    "税收征管",
    "土地管理",
    "森林防火",
    "水土保持",
    "文物保护",
    "广告监管",
    "统计调查",
    "价格监督",
    "档案管理",
    "民族团结",
)
ISSUERS = ("某市人民政府", "某省交通运输厅", "某区司法局")


def tiny_corpus(n: int = 40) -> list[MixDoc]:
    rng = random.Random(1)
    docs = []
    for i in range(n):
        a, b = rng.sample(PIECES, 2)
        title = f"{ISSUERS[i % 3]}关于加强{a}和{b}工作的通知"
        body = (
            "。".join(
                f"各单位要切实做好{x}工作并认真落实{y}有关规定" for x, y in (rng.sample(PIECES, 2) for _ in range(8))
            )
            + "。"
        )
        if i % 2 == 0:
            body += "".join(f"\n第{n}条 {rng.choice(PIECES)}工作由有关部门负责。" for n in ("一", "二", "十二"))
        number = f"某政文〔{2015 + i}〕{i + 3}号" if i % 2 else f"某部令第{i + 1}号"
        docs.append(
            MixDoc(
                title=title,
                text=f"{title}\n\n{body}",
                doc_number=number,
                year=2015 + i,
                level="规范性文件",
                region="某省" if i % 3 else None,
            )
        )
    return docs


def test_the_mix_is_deterministic_and_covers_every_kind():
    docs = tiny_corpus()
    mix = build_query_mix(docs)
    assert mix == build_query_mix(list(docs))
    assert kinds_of(mix) == QUOTAS
    assert set(QUOTAS) == {q.kind for q in mix} == set(KINDS) - {"bare_phrase"}
    assert build_query_mix(docs, seed=2) != mix
    assert len(set(mix)) == len(mix)


def test_each_kind_is_what_it_says():
    docs = tiny_corpus()
    texts = [d.text for d in docs]
    for q in build_query_mix(docs):
        params = q.params()
        assert params.q == q.q
        if q.kind == "phrase":
            inner = q.q.strip('"')
            assert q.q == f'"{inner}"' and PHRASE_MIN <= len(inner) <= PHRASE_MAX
            assert any(inner in t for t in texts)
        elif q.kind in ("and2", "and3"):
            assert len(q.q.split()) == int(q.kind[-1])
        elif q.kind == "traditional":
            assert q.q != analysis.to_simplified(q.q)
            assert analysis.to_simplified(q.q) in {d.title for d in docs}
        elif q.kind == "docno":
            assert "〔" not in q.q or any(c in q.q for c in "０１２３４５６７８９")
        elif q.kind == "article":
            assert find_citations(analysis.normalize(q.q)), q.q
        elif q.kind == "question":
            assert questions.is_question(q.q), q.q
        elif q.kind == "filter":
            assert len(q.filters) == 1 and q.filters[0][0] in ("year", "level", "region")
            assert dict(params.filters)[q.filters[0][0]] == (q.filters[0][1],)
        if q.kind != "filter":
            assert q.filters == ()


def test_the_phrase_heavy_mix_is_a_third_phrases_half_of_them_unquoted():
    docs = tiny_corpus()
    mix = build_query_mix(docs, quotas=MIXES["phrase-heavy"])
    assert kinds_of(mix) == {
        "word": 40,
        "and2": 30,
        "and3": 30,
        "phrase": 65,
        "docno": 30,
        "traditional": 30,
        "filter": 40,
        "article": 30,
        "question": 30,
        "bare_phrase": 65,
    }
    assert len(mix) == 390
    texts = [d.text for d in docs]
    for q in mix:
        if q.kind == "bare_phrase":
            assert '"' not in q.q and PHRASE_MIN <= len(q.q) <= PHRASE_MAX and any(q.q in t for t in texts)
            assert q.params().q == q.q
    usual = build_query_mix(docs)
    # The other kinds are the usual mix's queries, and its 40 quoted phrases are among the 65.
    assert {q for q in mix if "phrase" not in q.kind} == {q for q in usual if q.kind != "phrase"}
    assert {q for q in usual if q.kind == "phrase"} < {q for q in mix if q.kind == "phrase"}


def test_loose_docno_spellings():
    assert [loose_docno("郑政文〔2017〕60号", v) for v in range(4)] == [
        "郑政文[2017]60号",
        "郑政文〔２０１７〕６０号",
        "郑政文2017 60号",
        "郑政文（2017）60号",
    ]
    assert [loose_docno("国务院令第663号", v) for v in range(2)] == ["国务院令663号", "国务院令第６６３号"]
    assert loose_docno("无号", 0) is None


def test_the_traditional_table_maps_back_through_the_analyzer():
    assert all(len(s) == len(t) == 1 and s != t for s, t in S2T.items())
    assert analysis.to_simplified("".join(S2T.values())) == "".join(S2T)
    assert to_traditional("国务院关于行政复议的规定") == "國務院關于行政復議的規定"


def test_the_mix_over_the_seed_index_runs(opened):
    mix = query_mix(opened)
    assert mix == query_mix(opened)
    assert {"word", "and2", "phrase", "docno", "traditional", "filter"} <= {q.kind for q in mix}
    found = [run_search(opened, q.params()).total for q in mix[:40]]
    assert sum(1 for t in found if t) >= 30


def test_percentiles_on_known_numbers():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99 and percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0 and percentile([], 50) == 0.0
    assert percentile([3, 1, 2, 4], 50) == 2 and percentile([3, 1, 2, 4], 99) == 4
    s = summarize([v / 1000 for v in values])
    assert (s.n, s.p50, s.p99, s.max, s.mean) == (100, 50.0, 99.0, 100.0, 50.5)
    assert summarize([]).n == 0


def test_targets_are_judged_and_tabled():
    rows = {r["key"]: r for r in judge({"build_ratio": 0.25, "http_rps": 149.9, "http_errors": 0})}
    assert rows["build_ratio"]["met"] is True
    assert rows["http_rps"]["met"] is False
    assert rows["http_errors"]["met"] is True
    assert rows["search_p50_ms"]["met"] is None
    text = target_table(list(rows.values()))
    assert "| full build time / naive build time" in text and "| no " in text and "| — " in text


def test_changed_files_are_a_fixed_one_percent(tmp_path):
    folder = tmp_path / "laws"
    (folder / "sub").mkdir(parents=True)
    for i in range(250):
        (folder / "sub" / f"{i:03d}.md").write_text("# 标题\n正文", "utf-8")
    (folder / "metadata.jsonl").write_text("{}\n", "utf-8")
    assert len(naive_files([folder])) == 250
    assert naive_files([folder])[0][0] == "laws/sub/000.md"
    chosen = changed_files([folder])
    assert len(chosen) == 3 and chosen == changed_files([folder])


def test_process_tree_memory_is_read_from_proc():
    assert os.getpid() in tree_pids(os.getpid())
    assert rss_kb(os.getpid()) > 0


def test_a_measured_child_reports_its_memory_and_output():
    m = run_measured([sys.executable, "-c", "import time; b = bytearray(64 << 20); print('ok'); time.sleep(0.5)"])
    assert m.returncode == 0 and m.stdout.strip() == "ok"
    assert m.peak_process_mb >= 64 and m.peak_rss_mb >= 64


def test_the_switch_figures_are_tabled_and_judged():
    lat = {"n": 300, "p50": 10.0, "p99": 100.0, "max": 120.0, "mean": 12.0}
    after = {**lat, "p99": 180.0}
    result = {
        "warmed": {
            "warm_seconds": 10.0,
            "reference": lat,
            "other_seed": {**lat, "p99": 70.0},
            "after_switch": after,
            "after_switch_new_build": {**lat, "n": 200},
            "answered_by_old_build": 100,
            "new_build_from_s": 3.5,
        },
        "at once": {
            "warm_seconds": 0.0,
            "reference": lat,
            "after_switch": {**lat, "p99": 400.0},
            "after_switch_new_build": {**lat, "p99": 400.0},
            "answered_by_old_build": 0,
            "new_build_from_s": 0.0,
        },
    }
    assert switch_ratio(result) == 1.8
    assert switch_ratio({}) is None
    assert [r[:4] for r in switch_rows(result)] == [
        ("warm pass, another seed's queries (GOVLAW_WARM_SECONDS=10)", 300, 10.0, 70.0),
        ("warm pass, the same queries (GOVLAW_WARM_SECONDS=10)", 300, 10.0, 100.0),
        ("first pass after a switch (GOVLAW_WARM_SECONDS=10)", 300, 10.0, 180.0),
        ("  of which by the new build from 3.5 s (100 by the old)", 200, 10.0, 100.0),
        # A result written before the other seed's pass was kept has no row for it.
        ("warm pass, the same queries (GOVLAW_WARM_SECONDS=0)", 300, 10.0, 100.0),
        ("first pass after a switch (GOVLAW_WARM_SECONDS=0)", 300, 10.0, 400.0),
        ("  of which by the new build from 0.0 s (0 by the old)", 300, 10.0, 400.0),
    ]
    rows = {r["key"]: r for r in judge({"switch_ratio": 1.8})}
    assert rows["switch_ratio"]["met"] is True


def test_a_switch_needs_another_build(tmp_path):
    builds = tmp_path / "builds"
    for name in ("20260101T000000Z-aaaa", "20260102T000000Z-bbbb", "20260103T000000Z-cccc", ".tmp-x"):
        (builds / name).mkdir(parents=True)
    publish(tmp_path, builds / "20260102T000000Z-bbbb")
    assert switch_pair(tmp_path) == (builds / "20260103T000000Z-cccc", builds / "20260102T000000Z-bbbb")
    alone = tmp_path / "alone"
    (alone / "builds" / "20260101T000000Z-aaaa").mkdir(parents=True)
    publish(alone, alone / "builds" / "20260101T000000Z-aaaa")
    with pytest.raises(click.ClickException, match="holds one build"):
        switch_pair(alone)
