"""The vectorised scorer gives Whoosh's own matches and scores: on the seeds, on an index with several segments
and deleted records, and on a sample of the corpus."""

from __future__ import annotations

import math
import random
import re
import shutil
from unittest.mock import patch

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher

from indexer.build import build_index
from indexer.pipeline import build_document, iter_sources, section_records
from search import analysis, phrase
from search.backend import WEIGHTING
from search.index import IndexHolder, OpenIndex, current_build_path
from search.phrase import PostingBlocks
from search.plan import plan_query
from search.query import parse_query
from search.vector import TermPostings, VectorScorer, read_lengths, read_postings
from tests.conftest import SEED_002, SEEDS, require_corpus
from tools.querymix import query_mix

SCORED_FIELDS = ("title", "heading", "body", "issuer_text", "body_bi", "title_bi", "docno")


def whoosh_scores(index: OpenIndex, q: wq.Query) -> dict[int, float]:
    s = index.searcher()
    m = q.matcher(s, s.context())
    out = {}
    while m.is_active():
        out[m.id()] = m.score()
        m.next()
    return out


def assert_same(index: OpenIndex, q: wq.Query, scorer: VectorScorer | None = None) -> None:
    got = (scorer or index.vector).evaluate(q)
    assert got is not None, q
    ids, scores = got
    want = whoosh_scores(index, q)
    assert ids.tolist() == sorted(want), q
    for docnum, score in zip(ids.tolist(), scores.tolist(), strict=True):
        assert math.isclose(score, want[docnum], rel_tol=1e-9), (q, docnum, score, want[docnum])
    # Matching without scores (a phrase reads the positions of only the bigrams covering it) finds the same.
    matched = (scorer or index.vector).matches(q)
    assert matched is not None and matched.tolist() == sorted(want), q


def plan_queries(text: str) -> list[wq.Query]:
    """The scoring and matching queries of a query's plan (its exact ones are bigram phrases)."""
    plan = plan_query(parse_query(text))
    out = [q for q in plan.group_score_queries if q is not None]
    out += [q for g in plan.groups for p in g for q in (p.loose, p.exact) if q is not None]
    return out


def generic_postings(reader, fieldname: str, text: bytes) -> tuple[list[int], list[float]]:
    ids, weights = [], []
    for leaf, offset in reader.leaf_readers():
        if (fieldname, text) not in leaf:
            continue
        m = leaf.postings(fieldname, text)
        while m.is_active():
            ids.append(m.id() + offset)
            weights.append(m.weight())
            m.next()
    return ids, weights


def check_postings_and_lengths(index: OpenIndex, sample: int = 400) -> set[type]:
    """Every sampled term's postings and every field's lengths as Whoosh's public interface gives them."""
    reader = index.searcher().reader()
    kinds: set[type] = set()
    rng = random.Random(5)
    for fieldname in SCORED_FIELDS:
        terms = list(reader.lexicon(fieldname))
        for text in rng.sample(terms, min(sample, len(terms))):
            ids, weights = read_postings(reader, fieldname, text)
            want_ids, want_weights = generic_postings(reader, fieldname, text)
            assert ids.tolist() == want_ids and weights.tolist() == pytest.approx(want_weights), (fieldname, text)
            for leaf, _ in reader.leaf_readers():
                if (fieldname, text) in leaf:
                    m = leaf.postings(fieldname, text)
                    kinds.add(type(getattr(m, "child", m)))
        if index.ix.schema[fieldname].scorable:
            lengths = read_lengths(reader, fieldname)
            live = list(reader.all_doc_ids())
            assert [lengths[d] for d in live] == [reader.doc_field_length(d, fieldname, 0) or 0 for d in live]
    return kinds


def test_postings_and_lengths_read_as_whoosh_reads_them(opened):
    # Every posting list is a W3 block list: the block-at-a-time reader is what was compared.
    assert check_postings_and_lengths(opened) == {W3LeafMatcher}


@pytest.mark.parametrize(
    "text",
    [
        "法治政府建设",
        "法治 政府",
        "行政 执法 监督",
        "郑政文〔2017〕60号",
        "issuer:郑州市人民政府",
        "title:报告",
        "關於 法治",
        "依法行政 OR 法治",
        "规划 -郑州",
        "2022",
        "xx市",
        "述法",
        "政府",
        "的",
    ],
)
def test_scores_equal_whoosh_on_seeds(opened, text):
    queries = plan_queries(text)
    assert queries
    for q in queries:
        assert_same(opened, q)


def test_query_mix_scores_equal_whoosh_on_seeds(opened):
    for mq in query_mix(opened):
        for q in plan_queries(mq.params().q):
            assert_same(opened, q)


def test_unsupported_queries_are_left_to_whoosh(opened):
    assert opened.vector.evaluate(wq.Or([wq.Term("body", "法治"), wq.Prefix("body", "法")])) is None
    # A phrase over a field without positions is Whoosh's to refuse (it raises QueryError).
    assert opened.vector.evaluate(wq.Phrase("body", ["法治", "政府"])) is None
    assert opened.vector.evaluate(wq.Phrase("body_bi", [])) is None
    # The match sets the engine asks for still come out right, from Whoosh.
    prefix = wq.Prefix("body", "法治")
    assert opened.sections_for(prefix).tolist() == sorted(opened.searcher().docs_for_query(prefix))


def phrases_from(texts: list[str], seed: int, count: int) -> list[wq.Query]:
    """Phrases cut from the texts' runs of Chinese characters (as a quoted query makes them), and variants: in
    the title field, every second or third bigram with a slop of 1 to 4, reversed, boosted, and in Or and And
    with terms."""
    rng = random.Random(seed)
    runs = [m.group() for t in texts for m in re.finditer(r"[\u4e00-\u9fff]{3,}", analysis.normalize(t))]
    out: list[wq.Query] = []
    for _ in range(count):
        run = rng.choice(runs)
        size = rng.randint(3, min(14, len(run)))
        start = rng.randint(0, len(run) - size)
        grams = analysis.bigrams(run[start : start + size])
        out += [
            wq.Phrase("body_bi", grams),
            wq.Phrase("title_bi", grams),
            wq.Phrase("body_bi", grams[::2], slop=rng.randint(1, 4)),
            wq.Phrase("body_bi", grams[::3], slop=rng.randint(1, 4)),
            wq.Phrase("body_bi", grams[::-1]),
            wq.Phrase("body_bi", grams, boost=0.6),
            wq.Or([wq.Phrase("title_bi", grams), wq.Phrase("body_bi", grams)]),
            wq.And([wq.Phrase("body_bi", grams[:2]), wq.Term("body", grams[-1])]),
        ]
    return out


def seed_texts() -> list[str]:
    return [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def test_phrases_match_and_score_as_whoosh_on_seeds(opened):
    queries = phrases_from(seed_texts(), seed=3, count=60)
    matched = 0
    for q in queries:
        assert_same(opened, q)
        ids, scores = opened.vector.evaluate(q)
        matched += bool(len(ids))
        if isinstance(q, wq.Phrase):
            # To the last bit: the words' scores are added up in Whoosh's order.
            want = whoosh_scores(opened, q)
            assert scores.tolist() == [want[d] for d in ids.tolist()], q
    # Most phrases cut from the text match; reversed ones and wide slops mostly do not: both are compared.
    assert len(queries) // 3 < matched < len(queries)


def test_phrases_of_repeated_and_missing_bigrams(opened):
    for q in (
        wq.Phrase("body_bi", ["法治", "法治"]),
        wq.Phrase("body_bi", ["法治", "治政", "法治"], slop=3),
        wq.Phrase("body_bi", ["法治", "没有这个"]),
        wq.Phrase("body_bi", ["法治"]),
        wq.Phrase("body_bi", ["法治", "治政"], slop=0),
        # Anywhere after it in the same section, never in the next one.
        wq.Phrase("body_bi", ["建设", "法治"], slop=2**40),
        wq.Phrase("no_such_field", ["法治", "治政"]),
    ):
        assert_same(opened, q)
    assert len(opened.vector.matches(wq.Phrase("body_bi", ["法治", "治政", "政府"]))) > 10
    assert len(opened.vector.matches(wq.Phrase("body_bi", ["法治", "没有这个"]))) == 0


def test_a_phrase_is_matched_by_the_rarest_bigrams_that_cover_its_characters():
    words = [w.encode() for w in analysis.bigrams("中华人民共和国")]  # 中华 华人 人民 民共 共和 和国
    by_rarity = [w.encode() for w in ("民共", "华人", "共和", "和国", "中华", "人民")]
    assert phrase.covering(words, by_rarity) == [w.encode() for w in ("民共", "华人", "共和", "和国", "中华")]
    # The first and the last bigram are always needed (only they hold the first and the last character).
    words = [w.encode() for w in analysis.bigrams("人民政府")]
    assert phrase.covering(words, [b"\xe6\xb0\x91\xe6\x94\xbf", *words[::2]]) == [
        "民政".encode(),
        "人民".encode(),
        "政府".encode(),
    ]
    # Units of digits and letters: 2017年 is the units 2017 and 年.
    words = [w.encode() for w in analysis.bigrams("第2017年度")]  # 第2017 2017年 年度
    assert phrase.covering(words, [words[1], words[0], words[2]]) == [words[1], words[0], words[2]]
    assert phrase.covering(words, [words[0], words[2], words[1]]) == [words[0], words[2]]
    # Words that are not the overlapping pairs of one run: every one is needed.
    apart = ["法治".encode(), "政府".encode()]
    assert phrase.covering(apart, apart) == apart


def test_rare_and_common_bigrams_of_a_phrase_are_read_differently(opened):
    # The rarest bigram's postings are read whole; the others are looked up by block in its sections. Decoded
    # from the blocks (tests/search/test_sidecar.py: from posting arrays).
    scorer = VectorScorer(opened.searcher, opened.section_count, WEIGHTING, sidecars=False)
    grams = analysis.bigrams("法治政府建设")
    q = wq.Phrase("body_bi", grams)
    got = scorer.evaluate(q)
    assert got is not None and len(got[0]) > 5
    assert scorer.cached_postings.nbytes == 0
    want = whoosh_scores(opened, q)
    assert got[0].tolist() == sorted(want)
    assert got[1].tolist() == pytest.approx([want[d] for d in got[0].tolist()], rel=1e-9)
    searcher = opened.searcher()
    rarest = min(grams, key=lambda g: searcher.doc_frequency("body_bi", g))
    assert [g for g in grams if ("body_bi", g.encode()) in scorer.cached_for_phrases] == [rarest]
    assert [g for g in grams if ("body_bi", g.encode(), "blocks") in scorer.cached_for_phrases] == [
        g for g in grams if g != rarest
    ]


def test_a_phrase_whose_postings_are_not_in_blocks_is_left_to_whoosh(opened):
    # Read from the posting blocks (a build's positions files would need none).
    scorer = VectorScorer(opened.searcher, opened.section_count, WEIGHTING, sidecars=False)
    q = wq.Or([wq.Term("body", "法治"), wq.Phrase("body_bi", analysis.bigrams("法治政府建设"))])
    with patch.object(phrase, "read_block_table", lambda m: None):
        assert scorer.evaluate(q) is None
    assert_same(opened, q, scorer)


def test_a_compound_of_one_query_takes_its_scores_unboosted(opened):
    # Whoosh's quirk, kept: Or([q], boost=40) scores as q alone.
    q = wq.Or([wq.Term("body", "法治")], boost=40.0)
    assert_same(opened, q)
    assert opened.vector.evaluate(q)[1].tolist() == opened.vector.evaluate(wq.Term("body", "法治"))[1].tolist()


def test_terms_missing_from_the_index_match_nothing(opened):
    for q in (
        wq.Term("body", "没有这个词语啊"),
        wq.And([wq.Term("body", "法治"), wq.Term("body", "没有这个词语啊")]),
        wq.Term("no_such_field", "法治"),
    ):
        ids, scores = opened.vector.evaluate(q)
        assert len(ids) == 0 and len(scores) == 0


def test_several_segments_with_deleted_records(seed_index, tmp_path):
    """An index as an incremental update leaves it: the segments of the build's two workers, a third of the
    update, and deleted records in one of the first two."""
    build = tmp_path / "build"
    shutil.copytree(current_build_path(seed_index), build)
    ix = whoosh_index.open_dir(str(build))
    files, _, _ = iter_sources([SEEDS])
    doc = next(build_document(f) for f in files if f.source == SEED_002)
    writer = ix.writer()
    writer.delete_by_term("doc_id", doc.doc_id)
    for rec in section_records(doc):
        writer.add_document(**rec)
    writer.commit(merge=False)
    ix.close()
    index = OpenIndex.open(build)
    try:
        reader = index.searcher().reader()
        assert len(list(reader.leaf_readers())) == 3 and reader.has_deletions()
        check_postings_and_lengths(index)
        for text in ("法治政府建设", "鼓楼区 法治", "行政 执法", "工作 要点 规划"):
            for q in plan_queries(text):
                assert_same(index, q)
        # Phrases, with sections in every segment and candidates among the deleted records' sections.
        for q in phrases_from(seed_texts(), seed=4, count=40):
            assert_same(index, q)
    finally:
        index.close()


def test_postings_cache_stays_within_its_bytes(opened):
    # What is decoded from posting blocks is cached; what is sliced from posting arrays is not.
    scorer = VectorScorer(opened.searcher, opened.section_count, WEIGHTING, cache_bytes=4096, sidecars=False)
    reader = opened.searcher().reader()
    for text in list(reader.lexicon("body"))[:300]:
        scorer.postings("body", text)
        assert scorer.cached_postings.nbytes <= 4096
    assert scorer.cached_postings.nbytes == sum(found.nbytes for found in scorer.cached_postings.values())


def test_what_phrases_read_is_kept_apart_within_its_bytes(opened):
    scorer = VectorScorer(opened.searcher, opened.section_count, WEIGHTING, phrase_cache_bytes=8192, sidecars=False)
    reader = opened.searcher().reader()
    scorer.postings("body", "法治".encode())
    kept = scorer.cached_postings.nbytes
    for text in list(reader.lexicon("body_bi"))[:300]:
        scorer.term_blocks("body_bi", text)
        scorer.term_postings("body_bi", text, for_phrase=True)
        assert scorer.cached_for_phrases.nbytes <= 8192
    assert scorer.cached_postings.nbytes == kept and ("body", "法治".encode()) in scorer.cached_postings
    found = scorer.cached_for_phrases.values()
    assert scorer.cached_for_phrases.nbytes == sum(f.nbytes for f in found)
    assert {type(f) for f in found} == {TermPostings, PostingBlocks}


@pytest.mark.corpus
def test_scores_equal_whoosh_on_a_corpus_sample(tmp_path_factory):
    corpus = require_corpus()
    laws = sorted((corpus / "laws").rglob("*.md"))
    sample = tmp_path_factory.mktemp("laws") / "laws"
    for p in random.Random(11).sample(laws, 150):
        dst = sample / p.relative_to(corpus / "laws")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
    root = tmp_path_factory.mktemp("sample-index")
    report = build_index([sample], root, workers=2, progress=False)
    assert report.errors == [] and report.documents == 150
    index = IndexHolder(root).get()
    check_postings_and_lengths(index, sample=150)
    compared = 0
    for mq in query_mix(index):
        for q in plan_queries(mq.params().q):
            assert_same(index, q)
            compared += 1
    assert compared >= 200
    # Phrases cut from the sample's texts, some of whose bigrams are looked up by block.
    texts = [p.read_text("utf-8") for p in sorted(sample.rglob("*.md"))]
    for q in phrases_from(texts, seed=5, count=60):
        assert_same(index, q)
    # Common words, where the vectorised path matters most, are in the mix.
    assert max(len(index.vector.evaluate(q)[0]) for q in plan_queries("规定 管理")) > 1000
    np.testing.assert_array_equal(
        index.sections_for(wq.Term("body", "管理")), sorted(index.searcher().docs_for_query(wq.Term("body", "管理")))
    )
