"""Golden queries: literal expected top results, so that a change in ranking shows as a diff of golden.jsonl.

To review a ranking change: `GOVLAW_GOLDEN_WRITE=1 scripts/test tests/golden` rewrites the file; read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from search.engine import run_search
from search.index import IndexHolder
from search.params import params_from

GOLDEN = Path(__file__).with_name("golden.jsonl")
TOP = 3


@pytest.fixture(scope="module")
def golden_index(fixture_index):
    index = IndexHolder(fixture_index).get()
    yield index
    index.close()


def _cases() -> list[dict]:
    return [json.loads(line) for line in GOLDEN.read_text("utf-8").splitlines() if line.strip()]


def _top(index, q: str) -> list[str]:
    return [f"{h.source} [{h.status or '-'}]" for h in run_search(index, params_from({"q": q})).hits[:TOP]]


def test_golden_queries(golden_index):
    cases = _cases()
    actual = [dict(case, top=_top(golden_index, case["q"])) for case in cases]
    if os.environ.get("GOVLAW_GOLDEN_WRITE"):
        GOLDEN.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in actual), "utf-8")
    assert [(a["q"], a["top"]) for a in actual] == [(c["q"], c["top"]) for c in cases]


def test_a_question_finds_the_law_its_title_names(golden_index, monkeypatch):
    """The ranking of 孩子能办身份证吗 is the doing of the title topic and of 孩子 naming whom the question is about
    (a party word, left out of breadth): either puts the law first; without both the household-registration
    regulation, which names minors and the card in its articles, comes first. (小孩能办身份证吗 holds a phrase of the
    table, 小孩办身份证, whose statutory words only the law has.)"""
    from search import engine, questions

    law, regulation = "fixtures/identity/居民身份证法(2011-10-29).md", "fixtures/identity/户口登记条例(1958-01-09).md"
    assert [s.split(" ")[0] for s in _top(golden_index, "孩子能办身份证吗")[:2]] == [law, regulation]
    monkeypatch.setattr(engine, "TITLE_TOPIC_WEIGHT", 0.0)
    assert [s.split(" ")[0] for s in _top(golden_index, "孩子能办身份证吗")[:2]] == [law, regulation]
    monkeypatch.setattr(questions, "PARTY_WORDS", frozenset())
    assert [s.split(" ")[0] for s in _top(golden_index, "孩子能办身份证吗")[:2]] == [regulation, law]
