"""Searching the seed index end to end through the one search function."""

import numpy as np
import pytest

from search.engine import AMENDING_TITLE_RE, copied_rules, run_search
from search.params import params_from
from search.query import QueryError
from tests.conftest import SEED_000, SEED_001, SEED_002, SEED_003, SEED_004


def sources(opened, **args):
    return [h.source for h in run_search(opened, params_from(args)).hits]


def test_simplified_query_finds_traditional_documents_and_the_other_way_round(opened):
    simplified = set(sources(opened, q="法治政府建设"))
    traditional = set(sources(opened, q="法治政府建設"))
    assert simplified == traditional == {SEED_000, SEED_001, SEED_002, SEED_003, SEED_004}
    # 議事協調機構 is only in the traditional seed 000 (written with pinyin artifacts in the raw file).
    assert sources(opened, q="议事协调机构设立审核备案") == [SEED_000]
    assert sources(opened, q="議事協調機構設立審核備案") == [SEED_000]


def test_policy_term_and_quoted_phrase(opened):
    assert set(sources(opened, q="放管服")) >= {SEED_000, SEED_001, SEED_002, SEED_003}
    assert set(sources(opened, q='"一网通办"')) == {SEED_000}


def test_substring_inside_a_longer_word_is_found(opened):
    # 述法 appears inside 述法制度 (000) and 述法制度 (003), never as a word on its own.
    assert set(sources(opened, q="述法")) >= {SEED_000, SEED_003}


def test_phrase_across_a_rejoined_pdf_line_break(opened):
    assert sources(opened, q='"切实发挥依法行政考评"') == [SEED_001]
    assert sources(opened, q='"政府常务会议学法次数"') == [SEED_004]


@pytest.mark.parametrize(
    "q", ["郑政文[2017]60号", "郑政文〔2017〕60号", "郑政文2017 60号", "鄭政文〔2017〕60號", "郑政文（2017）60号"]
)
def test_document_number_in_any_spelling_finds_its_document_first(opened, q):
    assert sources(opened, q=q)[0] == SEED_004


def test_document_number_of_a_traditional_document(opened):
    assert sources(opened, q="郑政文〔2023〕37号")[0] == SEED_000


def test_cited_number_finds_the_citing_document_after_none_bearing_it(opened):
    # 中发〔2015〕36号 is cited by 004; no seed bears it.
    assert sources(opened, q="中发〔2015〕36号") == [SEED_004]


def test_exclusion_and_or(opened):
    assert SEED_003 not in sources(opened, q="法治政府 -征求意见稿")
    assert set(sources(opened, q="法德大讲堂 OR 府院联动")) == {SEED_000, SEED_001, SEED_002}


def test_documents_appear_once_with_their_best_sections(opened):
    result = run_search(opened, params_from({"q": "行政复议"}))
    ids = [h.doc_id for h in result.hits]
    assert len(ids) == len(set(ids))
    for hit in result.hits:
        assert 1 <= len(hit.sections) <= 3
        assert hit.section_id == hit.sections[0].section_id


def test_snippets_mark_the_text_as_written(opened):
    hit = run_search(opened, params_from({"q": "法治政府建设", "size": "10"})).hits
    by_source = {h.source: h for h in hit}
    assert "<mark>法治政府建設</mark>" in by_source[SEED_000].snippet
    assert "<mark>法治政府建设</mark>" in by_source[SEED_002].snippet


def test_facet_counts_over_matching_documents(opened):
    result = run_search(opened, params_from({"q": "法治政府"}))
    facets = {f.name: {v.value: v.count for v in f.values} for f in result.facets}
    assert sum(facets["year"].values()) == result.total == 5
    assert facets["status"].get("draft") == 1


def test_filter_toggles_and_reports_what_it_removed(opened):
    result = run_search(opened, params_from({"q": "法治政府", "status": "draft"}))
    assert [h.source for h in result.hits] == [SEED_003]
    assert [(f.name, f.removed) for f in result.query.filters] == [("status", 4)]
    selected = [v for f in result.facets for v in f.values if v.selected]
    assert [(v.value, v.toggle_url) for v in selected] == [("draft", "?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C")]


def test_zero_hits_because_of_a_filter_says_which_to_drop(opened):
    result = run_search(opened, params_from({"q": "法德大讲堂", "year": "2022"}))
    assert result.total == 0
    assert result.query.matched_before_filters == 1
    assert "年份" in result.query.advice[0]


def test_sort_by_date_newest_first(opened):
    result = run_search(opened, params_from({"q": "法治政府", "sort": "date"}))
    dates = [h.date for h in result.hits]
    dated = [d for d in dates if d]
    # Newest first; an undated document (seed 003 states only a deadline for comments) comes last.
    assert dates == sorted(dated, reverse=True) + [None] * (len(dates) - len(dated))
    assert len(dated) == 4


def test_paging(opened):
    first = run_search(opened, params_from({"q": "法治政府", "size": "2"}))
    third = run_search(opened, params_from({"q": "法治政府", "size": "2", "page": "3"}))
    assert (first.total, first.pages, len(first.hits), len(third.hits)) == (5, 3, 2, 1)


def test_query_explanation(opened):
    info = run_search(opened, params_from({"q": '法治政府建設 "一网通办" -征求意见稿'})).query
    assert info.normalized == '法治政府建设 "一网通办" -征求意见稿'
    assert [(t.text, t.phrase, t.excluded) for t in info.terms] == [
        ("法治政府建設", False, False),
        ("一网通办", True, False),
        ("征求意见稿", False, True),
    ]
    assert info.tokens == ("法治政府建设", "一网通办")


def test_bad_query_raises_query_error(opened):
    with pytest.raises(QueryError):
        run_search(opened, params_from({"q": "docno:放管服"}))


def test_zero_hits_with_two_filters_counts_what_dropping_each_one_alone_gives(opened):
    result = run_search(opened, params_from({"q": "法治政府", "year": "2017", "doc_type": "报告"}))
    assert result.total == 0
    assert [(f.name, f.removed) for f in result.query.filters] == [("year", 3), ("doc_type", 1)]
    assert result.query.advice == ("去掉筛选条件“年份：2017”可找到 3 篇文件", "去掉筛选条件“文种：报告”可找到 1 篇文件")


def test_issuer_facet_folds_script_and_its_filter_matches_both_scripts(opened):
    result = run_search(opened, params_from({"q": "法治政府"}))
    issuers = {v.value: v.count for f in result.facets if f.name == "issuer" for v in f.values}
    assert issuers["郑州市人民政府"] == 2 and "鄭州市人民政府" not in issuers
    filtered = run_search(opened, params_from({"q": "法治政府", "issuer": "鄭州市人民政府"}))
    assert {h.source for h in filtered.hits} == {SEED_000, SEED_004}


def test_hit_sections_come_from_the_sections_table_or_the_whole_document(opened, tmp_path):
    """A store written before sections had their own table answers the same (read from the whole document)."""
    import shutil
    import sqlite3

    from search.store import STORE_FILE, DocStore

    old = tmp_path / STORE_FILE
    shutil.copyfile(opened.path / STORE_FILE, old)
    con = sqlite3.connect(old)
    con.execute("DROP TABLE sections")
    con.commit()
    con.close()
    before = DocStore(old)
    try:
        for doc_id in opened.docs:
            doc = opened.store.get(doc_id)
            ids = [s.anchor for s in doc.sections]
            for asked in (ids[:3], list(reversed(ids[-2:])), [], ["s999"], ["s999", ids[-1]]):
                want = [(s, doc.section_text(s)) for s in doc.sections if s.anchor in asked]
                want.sort(key=lambda p: asked.index(p[0].anchor))
                want = want or [(doc.sections[0], doc.section_text(doc.sections[0]))]
                assert opened.store.sections(doc_id, asked) == before.sections(doc_id, asked) == want
        assert opened.store.sections("no-such-doc", ["s0"]) is None
    finally:
        before.close()


@pytest.mark.parametrize(
    "title,amending",
    [
        ("最高人民法院关于修改《关于审理饲养动物损害赔偿案件的规定》等二件司法解释的决定", True),
        ("中华人民共和国刑法修正案(八)", True),
        ("中华人民共和国刑法修正案（十一）", True),
        ("中华人民共和国刑法修正案", True),
        ("中华人民共和国宪法修正案(2018年)", True),
        ("中华人民共和国刑法", False),
        ("最高人民法院关于《中华人民共和国刑法修正案(九)》时间效力问题的解释", False),
        ("全国人民代表大会常务委员会关于修改部分法律的决定的说明", False),
    ],
)
def test_instruments_that_amend_others_are_known_by_their_titles(title, amending):
    assert bool(AMENDING_TITLE_RE.search(title)) is amending


def test_local_copies_of_a_national_rule_are_known_by_their_titles():
    titles = [
        "物业管理条例",  # 0 national regulation
        "温州市物业管理条例",  # 1 a city's copy
        "滨州市住宅物业管理条例",  # 2 a copy with a qualifier between place and title
        "上海市实施《中华人民共和国食品安全法》办法",  # 3 implements the law it names
        "中华人民共和国食品安全法",  # 4 national law
        "河南省食品小作坊小经营店和小摊点管理条例",  # 5 its own rule
        "温州市物业管理条例实施细则",  # 6 a rule of its own city's regulation, not of the national one
        "最高人民法院关于审理物业服务纠纷案件适用法律若干问题的解释",  # 7 not a local document
        "浙江省城市物业管理条例",  # 8 a qualifier of two characters
        "宁波市住宅小区物业管理条例",  # 9 four characters between place and title
        "浙江省水利工程建设物业管理条例",  # 10 six characters between: a rule of its own
    ]
    levels = ["行政法规", "地方性法规", "地方性法规", "地方政府规章", "法律", "地方性法规", "地方政府规章", "司法解释"]
    levels += ["地方性法规", "地方性法规", "地方性法规"]
    assert copied_rules(titles, levels) == [(1, 0), (2, 0), (3, 4), (8, 0), (9, 0)]
    # A national title held by a local document is no rule to copy.
    assert copied_rules(["物业管理条例", "温州市物业管理条例"], ["地方性法规", "地方性法规"]) == []


def test_a_question_naming_no_place_gets_one_local_rule_first():
    from search.engine import LOCAL_FOLLOWER_FACTOR, _one_local_first

    scores = np.array([5.0, 4.0, 3.0, 2.0, 6.0, 5.0])
    docs = np.array([True, True, True, False, True, True])
    local = np.array([True, True, True, True, False, True])
    _one_local_first(scores, docs, local)
    # The best matched local document keeps its score (of equal ones, the first); the other matched ones drop.
    f = LOCAL_FOLLOWER_FACTOR
    assert scores.tolist() == [5.0, 4.0 * f, 3.0 * f, 2.0, 6.0, 5.0 * f]


def test_an_answer_is_empty_only_when_no_word_of_the_query_occurs(opened):
    # 特别 is a stop word of questions (an adverb); 黴黴黴 occurs nowhere. Read for content words the question
    # finds nothing, so it is read for all of its words: the seed that says 特别是民营经济发展.
    result = run_search(opened, params_from({"q": "黴黴黴特别吗"}))
    assert [h.source for h in result.hits] == [SEED_001]
    assert result.query.notes == ("没有同时包含全部检索词的文件，以下按匹配的检索词多少和权重排序",)
    assert run_search(opened, params_from({"q": "黴黴黴吗"})).total == 0


def test_everyday_words_whose_expansion_no_section_holds_are_read_for_their_words(opened):
    # 押一付三 (a deposit and three months' rent) expands to 押金 租金, which no seed holds, and 押 and 一付 are in
    # none either; 三 is (三是…): the answer is the seeds holding it, the explanation says so.
    result = run_search(opened, params_from({"q": "押一付三", "size": "10"}))
    assert result.total == 5  # every seed says 三 somewhere
    assert result.query.notes == ("没有同时包含全部检索词的文件，以下按匹配的检索词多少和权重排序",)


def test_titles_containing_a_string_are_found_in_the_joined_titles(opened):
    from search.engine import _titles_containing

    titles = opened.table.titles
    for text in ("法治政府", "郑州市", "关于", "报告", "市", "没有这样的标题", titles[0], titles[-1][-3:]):
        want = [i for i, t in enumerate(titles) if text in t]
        assert _titles_containing(opened, text).tolist() == want, text
    assert len(_titles_containing(opened, "法治政府")) >= 3


def _table_index(of_section: list[int], documents: int):
    from types import SimpleNamespace

    table = SimpleNamespace(of_section=np.asarray(of_section, dtype=np.int32), ids=[f"d{i}" for i in range(documents)])
    return SimpleNamespace(table=table)


def best_by_document(best) -> dict[int, list[int]]:
    """Each scored document's best section docnums, best first, by ordinal."""
    return {o: best.get(o) for o in sorted(best.runs.tolist())}


def test_a_document_scores_its_best_section_and_a_quarter_of_the_next_two():
    from search.engine import _document_scores

    # Documents 2, 0 and 1 own docnums 0–3, 4–6 and 7 (written in that order).
    index = _table_index([2, 2, 2, 2, 0, 0, 0, 1], 3)
    sections = np.asarray([0, 1, 2, 3, 4, 6, 7], dtype=np.int32)
    scores = np.asarray([4.0, 8.0, 4.0, 2.0, 1.0, 3.0, 5.0])
    doc_scores, best = _document_scores(index, sections, scores)
    assert doc_scores.tolist() == [3.0 + 0.25 * 1.0, 5.0, 8.0 + 0.25 * (4.0 + 4.0)]
    # Grouped by document; best first, equal scores by the higher docnum first; three at most.
    assert best_by_document(best) == {0: [6, 4], 1: [7], 2: [1, 2, 0]}


def test_document_scores_are_the_same_when_a_documents_sections_are_apart():
    from search.engine import _document_scores, _document_scores_sorted

    # Document 0's sections are docnums 0–1 and 4 (an update wrote its last section later): sorted instead.
    index = _table_index([0, 0, 1, 1, 0], 2)
    sections = np.arange(5, dtype=np.int32)
    scores = np.asarray([1.0, 2.0, 7.0, 1.0, 3.0])
    doc_scores, best = _document_scores(index, sections, scores)
    assert doc_scores.tolist() == [3.0 + 0.25 * (2.0 + 1.0), 7.0 + 0.25 * 1.0]
    assert best_by_document(best) == {0: [4, 1, 0], 1: [2, 3]}
    rng = np.random.default_rng(5)
    index = _table_index(np.repeat(np.arange(40), 5).tolist(), 40)
    for _ in range(20):
        sections = np.unique(rng.integers(0, 200, 120)).astype(np.int32)
        scores = rng.choice([1.0, 2.5, 0.7], len(sections))
        fast, slow = _document_scores(index, sections, scores), _document_scores_sorted(index, sections, scores)
        assert fast[0].tolist() == slow[0].tolist()
        assert best_by_document(fast[1]) == best_by_document(slow[1])


def test_document_scores_pick_alike_from_short_and_long_runs():
    from search.engine import _document_scores, _document_scores_sorted

    # Documents of 1 to 12 sections, written in shuffled order: runs of up to three sections are put in order by
    # comparison, longer ones by reduceat, each alone or (mostly long) all by reduceat; all as sorting them gives.
    rng = np.random.default_rng(11)
    sizes = rng.integers(1, 13, 60)
    owners = rng.permutation(60)
    index = _table_index(np.repeat(owners, sizes).tolist(), 60)
    for share in (0.05, 0.3, 0.9):
        for _ in range(10):
            sections = np.flatnonzero(rng.random(int(sizes.sum())) < share).astype(np.int32)
            scores = rng.choice([1.0, 2.5, 0.7, 3.25], len(sections))
            fast, slow = _document_scores(index, sections, scores), _document_scores_sorted(index, sections, scores)
            assert fast[0].tolist() == slow[0].tolist()
            assert best_by_document(fast[1]) == best_by_document(slow[1])


def test_only_the_documents_up_to_the_page_are_put_in_order():
    from search.engine import _first_ranked

    # Ordinals 0–4 scored 1, 3, 3, 0, 3; ranks (newest first) break the tie among the three 3s: 4, then 1, then 2.
    scores = np.asarray([1.0, 3.0, 3.0, 0.0, 3.0])
    rank = np.asarray([0, 3, 4, 1, 2])
    candidates = np.arange(5)
    assert _first_ranked(candidates, scores, rank, 10).tolist() == [4, 1, 2, 0, 3]
    assert _first_ranked(candidates, scores, rank, 0).tolist() == []
    # Many candidates: the k first chosen without ordering the rest, as ordering them all gives (ties at the cut).
    rng = np.random.default_rng(3)
    scores = rng.choice([0.0, 1.5, 2.0, 4.0], 5000)
    rank = rng.permutation(5000)
    candidates = np.flatnonzero(rng.random(5000) < 0.6)
    everything = candidates[np.lexsort((rank[candidates], -scores[candidates]))]
    for k in (1, 10, 30, 200):
        assert _first_ranked(candidates, scores, rank, k).tolist() == everything[:k].tolist()


def test_a_common_words_champions_give_the_best_sections_that_scoring_them_all_gives(seed_index, monkeypatch):
    from search import engine
    from search.index import IndexHolder
    from search.plan import plan_query
    from search.query import parse_query

    # The seeds' 法治 made common: its 12 best sections over the index are kept, 3 scored per query.
    monkeypatch.setattr(engine, "CHAMPION_MIN_SECTIONS", 1)
    monkeypatch.setattr(engine, "CHAMPIONS", 12)
    monkeypatch.setattr(engine, "SCORE_LIMIT", 3)
    index = IndexHolder(seed_index).get()
    try:
        q = plan_query(parse_query("法治")).group_score_queries[0]
        everywhere = engine._ordered_scores(index, q, None, 10_000)
        assert len(everywhere[0]) > 40  # many more sections than the champions
        rng = np.random.default_rng(7)
        answered = []
        for share in (1.0, 0.9, 0.5, 0.3, 0.1):
            allowed = rng.random(len(index.table.of_section)) < share
            expected = engine._ordered_scores(index, q, allowed)
            got = engine._section_scores(index, q, allowed)
            assert got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()
            passing = allowed[everywhere[0][:12]].sum()
            answered.append(bool(passing >= 3))
        champions = index.memos()[("champions", repr(q))]
        assert champions.ids.tolist() == everywhere[0][:12].tolist() and not champions.complete
        assert answered[0] and not answered[-1]  # by the champions, and by scoring the allowed ones
        # A query scored in few of the sections it matches (a phrase's) keeps none.
        rare = np.zeros(len(index.table.of_section), dtype=bool)
        rare[everywhere[0][:5]] = True
        phrase = plan_query(parse_query("政府")).group_score_queries[0]
        assert engine._champions(index, phrase, rare) is None
        assert engine.warm_champions(index, ["法治", "政府"]) == 2
    finally:
        index.close()


def test_a_title_read_as_everyday_words_is_still_a_known_item():
    from search import analysis, questions
    from search.engine import _wanted_titles
    from search.query import parse_query

    # 出國 is an everyday word of the colloquial table, so the title is read for its words; the titles it names
    # come from the query as typed, not from the words read (出國 first, then 中國 …).
    typed = parse_query("中國公民出國旅游管理辦法")
    assert questions.is_everyday_phrase(typed)
    assert "中国公民出国旅游管理办法" in _wanted_titles(typed)
    relaxed = questions.relax(typed)
    assert relaxed.relaxed and "中国公民出国旅游管理办法" not in _wanted_titles(relaxed)
    assert analysis.normalize("".join(t.text for t in relaxed.positive_terms if not t.alias_of)).startswith("出国")


NARROWED_QUERIES = (
    "法治政府 建设",
    "法治政府 建设 工作",
    '"法治政府建设" 行政执法',
    "食品安全法 第二条",
    "刑法第二百六十四条 盗窃",
    "issuer:人民政府 法治",
    "法治 -行政执法",
    "title:食品安全法 生产",
    "没有这个词 法治",
)


def test_a_query_needing_all_its_groups_is_matched_narrowed_with_the_same_answers(fixture_index, monkeypatch):
    """Each next group is matched only in the sections of the documents that can still match (cited laws
    included): the same totals, hits, scores, best sections and facets as matching every group in full."""
    from search import engine
    from search.index import IndexHolder

    index = IndexHolder(fixture_index).get()

    def answers() -> list:
        out = []
        for q in NARROWED_QUERIES:
            r = run_search(index, params_from({"q": q, "size": "20"}))
            facets = [(f.name, [(v.value, v.count) for v in f.values]) for f in r.facets]
            out.append((r.total, [(h.source, h.score, [s.section_id for s in h.sections]) for h in r.hits], facets))
        return out

    narrowed = answers()
    assert [n[0] for n in narrowed] == [5, 5, 5, 1, 2, 4, 0, 3, 5]
    matched_in_full = engine._match
    monkeypatch.setattr(engine, "_match", lambda i, plan, narrow=False, ranked=None: matched_in_full(i, plan))
    index._cache.clear()
    index._cached_bytes = 0
    assert answers() == narrowed
    index.close()


def test_matching_cost_is_estimated_from_the_term_table(opened):
    from whoosh import query as wq

    searcher = opened.searcher()
    vector = opened.vector

    def df(field: str, text: str) -> int:
        return searcher.doc_frequency(field, text)

    assert vector.estimate(wq.Term("body", "法治")) == df("body", "法治")
    grams = ["法治", "治政", "政府"]
    assert vector.estimate(wq.Phrase("body_bi", grams)) == min(df("body_bi", g) for g in grams)
    both = wq.And([wq.Term("body", "法治"), wq.Term("body", "行政")])
    assert vector.estimate(both) == min(df("body", "法治"), df("body", "行政"))
    either = wq.Or([wq.Term("body", "法治"), wq.Term("title", "法治")])
    assert vector.estimate(either) == df("body", "法治") + df("title", "法治")
    assert vector.estimate(wq.Term("no_such_field", "法治")) == 0


def test_sections_within_take_a_remembered_match_set(opened):
    from whoosh import query as wq

    q = wq.Term("body", "法治")
    everywhere = opened.sections_for(q)
    within = np.zeros(opened.section_count, dtype=bool)
    within[everywhere[::2]] = True
    assert opened.cached_sections(q) is everywhere
    assert opened.sections_within(q, within).tolist() == everywhere[::2].tolist()
    other = wq.Term("body", "行政")
    assert opened.cached_sections(other) is None
    assert opened.sections_within(other, within).tolist() == [
        d for d in opened.sections_for(other).tolist() if within[d]
    ]


def test_phrases_match_sets_are_remembered_before_common_words(seed_index, monkeypatch):
    from whoosh import query as wq

    from search import index as index_module
    from search.index import OpenIndex, current_build_path

    opened = OpenIndex.open(current_build_path(seed_index))
    try:
        # Every word's match set counted as large: read again each time, never remembered.
        monkeypatch.setattr(index_module, "REMEMBERED_WORD_SHARE", index_module.MATCH_CACHE_BYTES)
        word = wq.Or([wq.Term("title_bi", "工作"), wq.Term("body_bi", "工作")])
        assert len(opened.sections_for(word)) > 10 and opened.cached_sections(word) is None
        phrase = wq.Or(
            [wq.Phrase("title_bi", ["法治", "治政", "政府"]), wq.Phrase("body_bi", ["法治", "治政", "政府"])]
        )
        everywhere = opened.sections_for(phrase)
        assert len(everywhere) > 10 and opened.cached_sections(phrase) is everywhere
        # Within a few sections a phrase is matched there alone; within a large share of them, everywhere, and
        # remembered. Either way the same sections.
        other = wq.Phrase("body_bi", ["行政", "政执", "执法"])
        whole = opened.vector.matches(other).tolist()
        assert len(whole) > 2
        few = np.zeros(opened.section_count, dtype=bool)
        few[whole[:2]] = True
        assert opened.sections_within(other, few).tolist() == whole[:2]
        assert opened.cached_sections(other) is None
        most = np.ones(opened.section_count, dtype=bool)
        most[whole[0]] = False
        assert opened.sections_within(other, most).tolist() == whole[1:]
        assert opened.cached_sections(other).tolist() == whole
    finally:
        opened.close()


def test_a_reading_as_words_that_keeps_a_part_matching_nothing_is_not_searched(opened):
    from search import questions
    from search.engine import _required_match
    from search.plan import plan_query
    from search.query import parse_query

    # Read for any of its words, a query keeps its quoted part required: where that matches nowhere, the
    # reading can find nothing and is skipped (a citation's article searched as a phrase, say).
    kept = questions.relax(parse_query('"没有这个短语" 法治 建设'))
    assert kept.relaxed and not _required_match(opened, plan_query(kept)).any()
    found = questions.relax(parse_query('"法治政府" 没有这个词'))
    assert _required_match(opened, plan_query(found)).sum() == 5
    assert _required_match(opened, plan_query(questions.relax(parse_query("法治 建设")))).all()
    result = run_search(opened, params_from({"q": '"没有这个短语" 法治 建设'}))
    assert result.total == 0 and result.query.notes == ()


def test_a_title_typed_whole_is_a_known_item_not_everyday_words(fixture_index):
    from search import questions
    from search.index import IndexHolder
    from search.query import parse_query

    index = IndexHolder(fixture_index).get()
    title = "保障农民工工资支付条例"
    # It holds a phrase of the colloquial table: typed alone it would be read for any of its words.
    assert questions.is_everyday_phrase(parse_query(title))
    result = run_search(index, params_from({"q": title}))
    assert (result.total, result.hits[0].source) == (1, "fixtures/labor/保障农民工工资支付条例(2019-12-30).md")
    assert result.query.aliases == ()
    # Asked about, it is a question again: read for any of its words, it finds more.
    assert run_search(index, params_from({"q": "保障农民工工资支付条例怎么规定的"})).total > 1
    index.close()


def test_local_documents_of_other_places_than_those_named(fixture_index):
    from search.engine import _elsewhere
    from search.index import IndexHolder

    index = IndexHolder(fixture_index).get()
    titles = index.table.titles

    def elsewhere(*named: str) -> list[str]:
        flags = _elsewhere(index, frozenset(named))
        return sorted(t for t, flag in zip(titles, flags, strict=True) if flag)

    # 郑州: its own regulation and its province's (河南省…) are of the place, 温州's is not; documents that are no
    # local regulations (the reports, the notices) are never set behind.
    assert elsewhere("郑州") == ["温州市物业管理条例"]
    assert elsewhere("温州") == [
        "河南省食品小作坊小经营店和小摊点管理条例",
        "郑州市优化营商环境条例",
        "郑州市养犬管理条例",
    ]
    # A province named: its own rules are of the place; a city's in it (温州) is a rule of that city alone.
    assert elsewhere("浙江") == [
        "河南省食品小作坊小经营店和小摊点管理条例",
        "温州市物业管理条例",
        "郑州市优化营商环境条例",
        "郑州市养犬管理条例",
    ]
    assert elsewhere("河南") == ["温州市物业管理条例", "郑州市优化营商环境条例", "郑州市养犬管理条例"]
    index.close()


def test_a_title_or_a_law_name_among_short_words_is_a_known_item_not_a_topic(fixture_index):
    from search.engine import _everyday
    from search.index import IndexHolder
    from search.query import parse_query

    index = IndexHolder(fixture_index).get()
    # 物业服务 and 物业服务 费用 are topics: ranked as everyday words are. 民法典 is a title (中华人民共和国民法典) and
    # 食安法 a law's short name, alone or beside another word: ranked as typed.
    queries = ("物业服务", "物业服务 费用", "民法典", "食安法", "中华人民共和国民法典", "民法典 婚姻", "食安法 处罚")
    assert [_everyday(index, parse_query(q)) for q in queries] == [True, True, False, False, False, False, False]
    index.close()


def test_a_question_quoting_words_no_document_holds_is_read_for_them(fixture_index):
    from search.index import IndexHolder

    index = IndexHolder(fixture_index).get()
    quoted = run_search(index, params_from({"q": "邻居在楼道贴了“禁止养狗”的告示，这合法吗"}))
    plain = run_search(index, params_from({"q": "邻居在楼道贴了禁止养狗的告示，这合法吗"}))
    assert quoted.query.notes == ("引号中的文字没有在任何文件中原样出现，已按其中的词检索",)
    assert [h.source for h in quoted.hits] == [h.source for h in plain.hits]
    assert quoted.hits[0].source == "fixtures/civil/侵权责任编.md"
    # Searched alone, a quote stays exact: nothing, with advice.
    alone = run_search(index, params_from({"q": "“禁止养狗”"}))
    assert (alone.total, alone.query.advice[0]) == (0, "去掉引号，按词检索")
    # A quote some document holds stays required in a question.
    held = run_search(index, params_from({"q": "“烈性犬”咬人怎么办"}))
    assert held.query.notes == () and {h.source for h in held.hits} == {"fixtures/civil/侵权责任编.md"}
    index.close()


@pytest.mark.parametrize("n", [300, 301, 2_400, 2_401, 50_000, 600_000])
@pytest.mark.parametrize("shape", ["random", "ties", "ascending", "descending"])
def test_the_kth_largest_score_is_exact_however_the_scores_lie(n, shape):
    from search.engine import _kth_largest

    rng = np.random.default_rng(n)
    values = rng.random(n) * 5
    if shape == "ties":
        values = np.round(values, 1)
    elif shape == "ascending":
        values = np.sort(values)
    elif shape == "descending":
        values = np.sort(values)[::-1].copy()
    assert _kth_largest(values, 300) == np.sort(values)[n - 300]


def test_a_few_docnums_are_taken_out_of_many_and_looked_up_in_them():
    from search.engine import _in_sorted, _without

    members = np.array([3, 8, 9, 20, 41], dtype=np.int32)
    assert _without(members, np.array([41, 5, 3, 99], dtype=np.int32)).tolist() == [8, 9, 20]
    assert _without(members, np.zeros(0, dtype=np.int32)).tolist() == [3, 8, 9, 20, 41]
    # Both ways of looking up (a mask over every docnum, a search in the members) answer alike.
    values = np.array([9, 4, 41, 42, 3], dtype=np.int32)
    assert _in_sorted(values, members, 50).tolist() == [True, False, True, False, True]
    assert _in_sorted(values, members, 10_000).tolist() == [True, False, True, False, True]


def test_coordination_of_one_group_and_of_two():
    from search.engine import MISSING_GROUP_FACTOR as F
    from search.engine import _coordinated

    one = (np.array([7, 2, 5], dtype=np.int32), np.array([3.0, 1.0, 2.0]), np.array([True, True, False]), True)
    # Few sections: every scored one is kept, one the group did not match lowered once.
    sections, scores = _coordinated([one], 1_000, False)
    assert sections.tolist() == [2, 5, 7]
    assert scores.tolist() == [1.0, 2.0 * F, 3.0]
    # Many (against the number of docnums): only those the group matched.
    sections, scores = _coordinated([one], 10, False)
    assert sections.tolist() == [2, 7]
    assert scores.tolist() == [1.0, 3.0]
    other = (np.array([5, 9], dtype=np.int32), np.array([0.5, 4.0]), np.array([True, True]), True)
    sections, scores = _coordinated([one, other], 1_000, False)
    assert sections.tolist() == [2, 5, 7, 9]
    assert scores.tolist() == [1.0 * F, 2.5 * F, 3.0 * F, 4.0 * F]


def test_the_last_sections_of_each_document_are_kept(opened):
    from search.engine import SECTIONS_PER_HIT, _last_of_each_document

    assert SECTIONS_PER_HIT == 3
    first, second = opened.table.sections(0), opened.table.sections(1)
    assert len(first) >= 5 and len(second) >= 2
    sections = np.sort(np.concatenate([first[:5], second[:2]]))
    kept = sections[_last_of_each_document(opened, sections)]
    assert sorted(kept.tolist()) == sorted(first[2:5].tolist() + second[:2].tolist())


def test_an_abbreviation_is_searched_as_the_term_it_stands_for(opened):
    # No seed writes 市监; seed 001 writes 市场监管 (aliases.tsv: 市监 → 市场监管, read from the corpus's words).
    result = run_search(opened, params_from({"q": "市监"}))
    assert "市监 → 市场监管" in result.query.aliases
    assert [h.source for h in result.hits] == [SEED_001]


def test_a_topic_of_several_words_keeps_each_places_rule_and_the_model_orders_only_its_first_documents(
    fixture_index, monkeypatch
):
    from search import engine, rerank
    from search.index import IndexHolder

    index = IndexHolder(fixture_index).get()
    calls: list[object] = []
    ordered = rerank.rerank

    def recorded(index, leading, *rest):
        calls.append(len(leading))
        return ordered(index, leading, *rest)

    monkeypatch.setattr(rerank, "rerank", recorded)
    monkeypatch.setattr(engine, "_one_local_first", lambda *args: calls.append("one local rule first"))
    monkeypatch.setattr(engine, "TOPIC_RERANK_DEPTH", 1)
    # A topic of two words: every place's rule keeps its score, the model orders the first TOPIC_RERANK_DEPTH.
    topic = run_search(index, params_from({"q": "物业服务 费用"}))
    assert (topic.total, calls) == (2, [1])
    calls.clear()
    # A question: one local rule stands for the others, the model orders up to RERANK_DEPTH documents.
    question = run_search(index, params_from({"q": "不交物业费物业能停水停电吗"}))
    assert calls == ["one local rule first", question.total]
    calls.clear()
    # Short words one of which is an everyday word of the table (社保: 社会保险) are everyday words, not a topic.
    everyday = run_search(index, params_from({"q": "社保 缴费"}))
    assert everyday.total > 0 and calls == ["one local rule first", everyday.total]
    index.close()
