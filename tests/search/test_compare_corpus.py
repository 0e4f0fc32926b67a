"""新旧对照 of real versions: 公司法 2018 and 2023, 行政复议法 2017 and 2023 (a build of those four files)."""

from __future__ import annotations

import pytest

from indexer.build import build_index
from search.compare import compare
from search.index import IndexHolder
from tests.conftest import INDEX_OPTIONS, copy_laws

pytestmark = pytest.mark.corpus

FILES = (
    "民法商法/公司法(2018-10-26).md",
    "民法商法/公司法(2023-12-29).md",
    "诉讼与非诉讼程序法/行政复议法(2017-09-01).md",
    "诉讼与非诉讼程序法/行政复议法(2023-09-01).md",
)


@pytest.fixture(scope="module")
def laws(tmp_path_factory):
    src = copy_laws(FILES, tmp_path_factory.mktemp("compare") / "laws")
    root = tmp_path_factory.mktemp("compare-index")
    assert build_index([src], root, **INDEX_OPTIONS).errors == []
    opened = IndexHolder(root).get()
    ids = {m.source.removeprefix("laws/"): d for d, m in opened.docs.items()}
    yield opened, ids
    opened.close()


def _rows(result) -> dict[str, str]:
    """old heading -> new heading ('' for none), and '+<new heading>' for added articles."""
    out = {}
    for p in result.pairs:
        if p.old:
            out[p.old.heading] = p.new.heading if p.new else ""
        else:
            out["+" + p.new.heading] = p.status
    return out


def test_company_law_every_article_once_and_known_pairs(laws):
    opened, ids = laws
    result = compare(opened, ids[FILES[0]], ids[FILES[1]])
    assert (result.old.units, result.new.units) == (218, 266)
    olds = [p.old.heading for p in result.pairs if p.old]
    news = [p.new.heading for p in result.pairs if p.new]
    assert len(olds) == len(set(olds)) == 218 and len(news) == len(set(news)) == 266
    assert sum(result.counts[s] for s in ("unchanged", "modified", "moved", "added", "removed")) == len(result.pairs)
    rows = _rows(result)
    # Renumbered with a word changed (必须 → 应当); renumbered word for word; kept whole inside a longer article;
    # moved to the new chapter on state-funded companies; deleted with the one-person company section; new.
    assert rows["第十一条"] == "第五条"
    assert rows["第十条"] == "第八条"
    assert rows["第三十五条"] == "第五十三条"
    assert rows["第六十六条"] == "第一百七十二条"
    assert rows["第八十七条"] == "第一百五十五条"
    assert rows["第五十七条"] == ""
    assert rows["+第二十条"] == "added"
    statuses = {p.old.heading: p.status for p in result.pairs if p.old}
    assert (statuses["第十一条"], statuses["第十条"], statuses["第五十七条"]) == ("modified", "moved", "removed")
    first = result.pairs[0]
    assert first.new_html.startswith("为了规范公司的组织和行为，保护公司、股东<ins>、职工</ins>和债权人的合法权益")


def test_administrative_reconsideration_law(laws):
    opened, ids = laws
    result = compare(opened, ids[FILES[2]], ids[FILES[3]])
    olds = [p.old.heading for p in result.pairs if p.old]
    news = [p.new.heading for p in result.pairs if p.new]
    assert len(olds) == len(set(olds)) == result.old.units
    assert len(news) == len(set(news)) == result.new.units
    rows = _rows(result)
    assert rows["第一条"] == "第一条"
    assert result.old.units < result.new.units
