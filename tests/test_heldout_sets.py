"""The held-out question sets (tools/heldout/): each line a question or everyday words with the corpus documents
that answer it, every one of which exists."""

from __future__ import annotations

import json

import pytest

from tests.conftest import require_corpus
from tools.heldout import KINDS, set_paths

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
