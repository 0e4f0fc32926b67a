"""The held-out sets (tools/heldout/): each line a question or everyday words with the corpus documents that answer
it, or a topic with the documents judged about it; every one of them exists."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SEEDS, require_corpus
from tools.heldout import KINDS, TOPIC_KINDS, set_paths, topic_paths

pytestmark = pytest.mark.corpus


def test_every_accepted_document_is_in_the_corpus():
    corpus = require_corpus()
    missing, bad = [], []
    queries = 0
    for path in set_paths():
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            case = json.loads(line)
            queries += 1
            if case["kind"] not in KINDS or not case["q"].strip() or not case["accept"]:
                bad.append((path.name, n))
            missing += [(path.name, n, a) for a in case["accept"] if not (corpus / a).is_file()]
    assert (bad, missing) == ([], [])
    assert [p.stem for p in set_paths()][-6:] == ["set74", "set75", "set76", "set77", "set78", "set79"]
    assert queries == 6125  # sets 1–79


def test_every_judged_topic_document_exists_and_the_primary_ones_are_judged_relevant():
    corpus = require_corpus()

    def exists(source: str) -> bool:
        seed = source.removeprefix("seeds/")
        return (SEEDS / seed).is_file() if seed != source else (corpus / source).is_file()

    bad, missing = [], []
    kinds: dict[str, int] = {}
    for path in topic_paths():
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            case = json.loads(line)
            kinds[case["kind"]] = kinds.get(case["kind"], 0) + 1
            if (
                case["kind"] not in TOPIC_KINDS
                or not case["primary"]
                or not set(case["primary"]) <= set(case["relevant"])
            ):
                bad.append((path.name, n))
            missing += [(path.name, n, s) for s in case["relevant"] if not exists(s)]
    assert (bad, missing) == ([], [])
    assert [p.stem for p in topic_paths()] == [f"topics{n}" for n in range(1, 13)]
    assert kinds == {"concept": 360, "seed": 90}
