"""`scripts/bench --scale N`: the marked copies, the comparison of the two sides and the ×N targets. Nothing here
is timed."""

from __future__ import annotations

import codecs

from tools import bench_scale
from tools.bench import RunOptions, append_line, changed_copies, scaled_folders
from tools.bench_scale import SCALE_TARGETS, compare, comparison_table, scale_figures
from tools.bench_update import scaled_folders as update_scaled_folders

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
METADATA = '{"path": "a.md", "title": "甲"}\n'


def tiny_folder(tmp_path):
    folder = tmp_path / "laws"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text("# 甲条例\n\n第一条 为了规范管理，制定本条例。\n", "utf-8")
    (folder / "sub" / "b.txt").write_bytes("乙办法\n\n第一条 本办法自公布之日起施行。".encode("gb18030"))
    (folder / "sub" / "c.pdf").write_bytes(PDF)
    (folder / "metadata.jsonl").write_text(METADATA, "utf-8")
    return folder


def test_a_scaled_copy_marks_each_text_file_with_its_copy_and_copies_the_rest_as_they_are(tmp_path):
    folder = tiny_folder(tmp_path)
    assert scaled_folders([folder], 1, tmp_path / "work") == [folder]
    assert update_scaled_folders is scaled_folders  # bench update copies with the same function
    (out,) = scaled_folders([folder], 3, tmp_path / "work")
    assert out == tmp_path / "work" / "scaled" / "laws"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        f"copy-{k}/{name}" for k in range(3) for name in ("a.md", "metadata.jsonl", "sub/b.txt", "sub/c.pdf")
    ]
    texts = []
    for k in range(3):
        copy = out / f"copy-{k}"
        md = (copy / "a.md").read_text("utf-8")
        assert md == f"# 甲条例\n\n第一条 为了规范管理，制定本条例。\n\n\n副本 copy-{k}\n"
        txt = (copy / "sub" / "b.txt").read_bytes().decode("gb18030")
        assert txt == f"乙办法\n\n第一条 本办法自公布之日起施行。\n\n副本 copy-{k}\n"
        texts += [md, txt]
        assert (copy / "sub" / "c.pdf").read_bytes() == PDF
        assert (copy / "metadata.jsonl").read_text("utf-8") == METADATA
    assert len(set(texts)) == 6


def test_a_line_is_appended_in_the_files_own_encoding(tmp_path):
    bom16 = tmp_path / "u16.txt"
    bom16.write_bytes(codecs.BOM_UTF16_LE + "丙规定\n".encode("utf-16-le"))
    assert append_line(bom16, "副本 copy-1\n")
    assert bom16.read_bytes() == codecs.BOM_UTF16_LE + "丙规定\n副本 copy-1\n".encode("utf-16-le")
    bom8 = tmp_path / "u8.md"
    bom8.write_bytes(codecs.BOM_UTF8 + "丁\n".encode())
    assert append_line(bom8, "副本 copy-2\n")
    assert bom8.read_bytes() == codecs.BOM_UTF8 + "丁\n副本 copy-2\n".encode()
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02\x03\xff\xfe\x00")
    assert not append_line(binary, "副本 copy-3\n")
    assert binary.read_bytes() == b"\x00\x01\x02\x03\xff\xfe\x00"


def test_the_changed_copies_are_appended_to_in_their_encoding(tmp_path):
    folder = tiny_folder(tmp_path)
    _, touched = changed_copies([folder], tmp_path / "src", share=1.0)
    assert [p.relative_to(tmp_path / "src").as_posix() for p in touched] == ["laws/a.md", "laws/sub/b.txt"]
    assert (
        (tmp_path / "src" / "laws" / "sub" / "b.txt")
        .read_bytes()
        .decode("gb18030")
        .endswith("施行。\n\n本文件末尾的这一句为性能基准测试所追加。\n")
    )


def side(build_s, rss, index_mb, docs, rps, http_p50, http_p99, worker, p50, p99, phrase, update_s, after, warm):
    """A benchmark side (as tools.bench.measure returns it) holding the given figures."""
    lat = lambda p50, p99: {"n": 100, "p50": p50, "p99": p99, "max": p99, "mean": p50}  # noqa: E731
    return {
        "build": {"seconds": build_s, "peak_rss_mb": rss, "index_mb": index_mb, "documents": docs},
        "update": {
            "noop": {"seconds": 1.0, "status": "unchanged"},
            "changed_1pct": {"seconds": update_s, "status": "published"},
        },
        "latency": {
            "measured": lat(p50, p99),
            "measured_by_kind": {"word": lat(p50, p50), "phrase": lat(p50, phrase)},
        },
        "http": {
            "rps": rps,
            "latency": lat(http_p50, http_p99),
            "errors": 0,
            "worker_rss_mb": {"1": worker - 5, "2": worker},
            "worker_rss_anon_mb": {"1": worker - 60, "2": worker - 50},
        },
        "switch": {
            "warmed": {"reference": lat(5.0, warm), "after_switch": lat(6.0, after)},
            "ratio": round(after / warm, 2),
        },
    }


X1 = side(50.0, 960.0, 550.0, 3484, 250.0, 28.0, 80.0, 180.0, 4.5, 25.0, 20.0, 4.0, 60.0, 40.0)
X10 = side(600.0, 1400.0, 5400.0, 34795, 160.0, 40.0, 160.0, 280.0, 6.0, 36.0, 70.0, 45.0, 90.0, 50.0)


def test_the_comparison_gives_both_sides_and_their_ratio():
    result = {"scale": 10, **compare(X1, X10, 10)}
    assert comparison_table(result).splitlines() == [
        "| measure                                       | ×1    | ×10    | ratio |",
        "| --------------------------------------------- | ----- | ------ | ----- |",
        "| full build (s)                                | 50.0  | 600.0  | 12.0  |",
        "| largest build process tree, peak RSS (MB)     | 960.0 | 1400.0 | 1.46  |",
        "| index size (MB)                               | 550.0 | 5400.0 | 9.82  |",
        "| documents                                     | 3484  | 34795  | 9.99  |",
        "| HTTP, 8 clients, 2 workers: req/s             | 250.0 | 160.0  | 0.64  |",
        "| HTTP p50 (ms)                                 | 28.0  | 40.0   | 1.43  |",
        "| HTTP p99 (ms)                                 | 80.0  | 160.0  | 2.0   |",
        "| worker RSS (MB, largest)                      | 180.0 | 280.0  | 1.56  |",
        "| of which its own, RssAnon (MB, largest)       | 130.0 | 230.0  | 1.77  |",
        "| in-process run_search p50 (ms)                | 4.5   | 6.0    | 1.33  |",
        "| in-process run_search p99 (ms)                | 25.0  | 36.0   | 1.44  |",
        "| in-process run_search p99 of phrases (ms)     | 20.0  | 70.0   | 3.5   |",
        "| update with 1 % changed (s)                   | 4.0   | 45.0   | 11.25 |",
        "| update with 1 % changed / full build          | 0.08  | 0.075  | 0.94  |",
        "| first pass after a switch p99 (ms)            | 60.0  | 90.0   | 1.5   |",
        "| warm pass p99 (ms)                            | 40.0  | 50.0   | 1.25  |",
        "| first pass after a switch p99 / warm pass p99 | 1.5   | 1.8    | 1.2   |",
    ]


def test_the_scaled_side_is_judged_against_its_own_targets():
    rows = {r["key"]: (r["value"], r["met"]) for r in compare(X1, X10, 10)["scale_targets"]}
    assert list(rows) == [t[0] for t in SCALE_TARGETS]
    assert rows == {
        "build_per_copy": (1.2, False),
        "build_peak_rss_mb": (1400.0, True),
        "worker_rss_mb": (280.0, True),
        "http_rps": (160.0, True),
        "http_p99_ms": (160.0, False),
        "http_errors": (0, True),
        "search_p99_ms": (36.0, True),
        "phrase_p99_ratio": (3.5, False),
        "update_ratio_x1": (0.08, True),
        "update_ratio_xN": (0.075, True),
        "switch_ratio": (1.8, True),
    }


def test_what_was_not_measured_is_left_unjudged():
    x1 = dict.fromkeys(("build_s", "phrase_p99_ms", "update_ratio"))
    xn = {
        **dict.fromkeys(("build_peak_rss_mb", "worker_rss_mb", "http_rps", "http_p99_ms", "http_errors")),
        "build_s": 600.0,
        "phrase_p99_ms": 70.0,
        "search_p99_ms": 41.0,
        "update_ratio": 0.09,
        "switch_ratio": None,
    }
    assert scale_figures(x1, xn, 10) == {
        "build_per_copy": None,
        "build_peak_rss_mb": None,
        "worker_rss_mb": None,
        "http_rps": None,
        "http_p99_ms": None,
        "http_errors": None,
        "search_p99_ms": 41.0,
        "phrase_p99_ratio": None,
        "update_ratio_x1": None,
        "update_ratio_xN": 0.09,
        "switch_ratio": None,
    }


def test_only_the_x1_side_builds_naively(monkeypatch, tmp_path):
    # The naive build is a ×1 target; on the ×N side it would take as long again as everything else there.
    asked = []

    def fake_measure(folders, options, work, say):
        asked.append((work.name, options.skip_naive, options.passes))
        return {"build": {}}

    monkeypatch.setattr(bench_scale, "measure", fake_measure)
    monkeypatch.setattr(bench_scale, "scaled_folders", lambda folders, scale, work: [work / "scaled" / "laws"])
    monkeypatch.setattr(bench_scale, "compare", lambda x1, xn, scale: {})
    bench_scale.measure_scaled([tmp_path / "laws"], RunOptions(passes=2), 10, tmp_path, keep_work=True, say=print)
    assert asked == [("x1", False, 2), ("x10", True, 2)]
