"""The quality gate's searches: the new build answers every golden query; the previous one only about misses."""

from __future__ import annotations

from indexer.gate import GateQuery, run_gate
from search.index import OpenIndex, current_build_path
from tests.conftest import SEED_003, SEED_004


def test_the_previous_build_is_opened_only_when_a_query_misses(seed_index):
    new = OpenIndex.open(current_build_path(seed_index))
    previous = OpenIndex.open(current_build_path(seed_index))
    asked: list[str] = []

    def open_previous() -> OpenIndex:
        asked.append("previous")
        return previous

    try:
        hit = GateQuery("郑政文〔2017〕60号", SEED_004, "title")
        result = run_gate(new, [hit], previous=open_previous, previous_documents=5)
        assert (result.passed, asked, [(c.rank, c.hit_before) for c in result.checks]) == (True, [], [(1, None)])

        miss = GateQuery("郑政文〔2017〕60号", SEED_003, "title")  # the 文号 of another document
        result = run_gate(new, [hit, miss], previous=open_previous, previous_documents=5)
        # Neither build finds it: a title the previous build did not find either says nothing of the new one.
        assert [(c.hit, c.hit_before, c.failed) for c in result.checks] == [(True, None, False), (False, False, False)]
        assert (result.passed, asked) == (True, ["previous"])

        result = run_gate(new, [hit], previous=open_previous, previous_documents=100, min_ratio=0.9)
        assert result.reasons == ("5 documents is fewer than 90% of the previous build's 100",)
        assert asked == ["previous"]
    finally:
        new.close()
        previous.close()
