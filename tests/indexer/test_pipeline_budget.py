"""The per-file time budget: a file that takes too long becomes an error record, and the build goes on."""

import time

from indexer import pipeline
from indexer.pipeline import FileError, SourceFile, build_document, time_budget


def test_a_slow_file_is_reported_as_a_timeout(tmp_path, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    (src / "slow.txt").write_text("第一条 为了规范管理，制定本办法。\n", "utf-8")

    def slow_clean(text, fmt):
        time.sleep(5)

    monkeypatch.setattr(pipeline, "clean_text", slow_clean)
    result = build_document(SourceFile(path=src / "slow.txt", root=src, source="src/slow.txt"), seconds=0.2)
    assert isinstance(result, FileError)
    assert (result.stage, result.path) == ("timeout", str(src / "slow.txt"))
    assert "0.2 s" in result.reason


def test_budget_is_cleared_after_the_block():
    with time_budget(0.05):
        pass
    time.sleep(0.1)  # no alarm may fire after the block


def test_operator_year_that_is_not_a_number_is_kept_as_written_and_not_used(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("某市人民政府关于2019年度加强管理的通知\n各区：现将有关事项通知如下。\n", "utf-8")
    result = build_document(SourceFile(path=src / "a.txt", root=src, source="src/a.txt", operator={"year": "二〇二〇"}))
    assert not isinstance(result, FileError)
    assert (result.year, result.extra["year_raw"]) == (2019, "二〇二〇")
