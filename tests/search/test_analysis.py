import ast
import pathlib
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from search import analysis
from search.analysis import BigramTokenizer, WordTokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]


def tokens(tokenizer, text, mode="index"):
    return [(t.text, t.pos, t.startchar, t.endchar) for t in tokenizer(text, positions=True, chars=True, mode=mode)]


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            "aZ9 ，（）：；！？Ａｚ０～\uff01\uff5e\uff5f\uff00\u3000\u3001中國法\U00020000\ud800"
        ),
        max_size=400,
    )
)
def test_half_width_translates_as_the_width_table_at_any_length(text):
    # Texts of HALF_WIDTH_ARRAY_MIN characters and more go through the array path; both equal str.translate.
    assert analysis.half_width(text) == text.translate(analysis._WIDTH_TABLE)
    assert analysis.half_width(text * 3) == (text * 3).translate(analysis._WIDTH_TABLE)


def test_half_width_of_whole_documents():
    texts = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    assert all(len(t) >= analysis.HALF_WIDTH_ARRAY_MIN for t in texts)
    assert [analysis.half_width(t) for t in texts] == [t.translate(analysis._WIDTH_TABLE) for t in texts]
    assert any(analysis.half_width(t) != t for t in texts)


def test_normalize_keeps_length_and_folds_script_and_width():
    text = "鄭州市人民政府關於法治政府建設，郑政文〔２０１７〕60号　ＡＢＣ"
    norm = analysis.normalize(text)
    assert norm == "郑州市人民政府关于法治政府建设,郑政文〔2017〕60号 abc"
    assert len(norm) == len(text)


def test_to_simplified_never_changes_length_even_when_opencc_would():
    # Every character of a long mixed text keeps its offset.
    text = "乾隆年間頭髮著作權，並於二〇二三年" * 50
    assert len(analysis.to_simplified(text)) == len(text)


def test_word_positions_are_ordinal_and_offsets_point_into_the_original():
    text = "鄭州市人民政府關於2022年度"
    toks = tokens(WordTokenizer(), text, mode="query")
    assert [t[0] for t in toks] == ["郑州市", "人民政府", "关于", "2022", "年度"]
    assert [t[1] for t in toks] == [0, 1, 2, 3, 4]
    for word, _, start, end in toks:
        assert analysis.normalize(text[start:end]) == word


def test_index_mode_adds_subwords_at_the_word_position_query_mode_does_not():
    text = "法治政府建设"
    index = tokens(WordTokenizer(), text, mode="index")
    query = tokens(WordTokenizer(), text, mode="query")
    assert query == [("法治政府建设", 0, 0, 6)]
    assert {t[0] for t in index} >= {"法治政府建设", "法治", "政府", "建设"}
    assert {t[1] for t in index} == {0}
    # Sub-words follow a real split: no 民政 inside 人民政府.
    assert "民政" not in {t[0] for t in tokens(WordTokenizer(), "人民政府")}


def test_single_characters_digits_and_ling_are_kept():
    words = analysis.words("二〇二三年 第5条 的 法")
    assert "〇" in "".join(words)
    assert "5" in words
    assert "的" in words and "法" in words


def test_no_english_stemming():
    assert analysis.words("Policies running") == ["policies", "running"]


def test_domain_dictionary_keeps_policy_terms_whole():
    words = analysis.words("持续深化放管服改革，推行告知承诺制，实现一网通办")
    for term in ("放管服", "告知承诺制", "一网通办"):
        assert term in words


def test_bigrams_skip_punctuation_and_line_breaks():
    toks = tokens(BigramTokenizer(), "探索构\n\n建分类，快审")
    assert [t[0] for t in toks] == ["探索", "索构", "构建", "建分", "分类", "类快", "快审"]
    assert [t[1] for t in toks] == list(range(7))
    assert toks[2][2:] == (2, 6)  # 构 ... 建 spans the line break


def test_bigrams_keep_ascii_runs_apart():
    assert analysis.bigrams(analysis.normalize("郑政文〔2017〕60号")) == ["郑政", "政文", "文2017", "2017 60", "60号"]
    assert analysis.bigrams("法") == ["法"]


def test_analyzers_pickle_and_compare_equal():
    for cls in (WordTokenizer, BigramTokenizer):
        clone = pickle.loads(pickle.dumps(cls()))
        assert clone == cls()


def test_only_the_analyzer_imports_jieba_or_opencc():
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or path == ROOT / "search" / "analysis.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("jieba", "rjieba", "opencc") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_analyzed_text_replays_exactly_the_tokens_of_analysis_and_survives_pickling():
    text = "鄭州市人民政府關於法治政府建設，郑政文〔2017〕60号"
    pre = pickle.loads(pickle.dumps(analysis.analyze(text)))
    assert pre == text and isinstance(pre, analysis.Analyzed)

    def run(tokenizer, value, start_pos, start_char):
        return [
            (t.text, t.pos, t.startchar, t.endchar)
            for t in tokenizer(
                value, positions=True, chars=True, mode="index", start_pos=start_pos, start_char=start_char
            )
        ]

    for tokenizer in (WordTokenizer(), BigramTokenizer()):
        for start_pos, start_char in ((0, 0), (7, 100)):
            assert run(tokenizer, pre, start_pos, start_char) == run(tokenizer, text, start_pos, start_char)
    # Query mode analyses as usual.
    assert tokens(WordTokenizer(), pre, mode="query") == tokens(WordTokenizer(), text, mode="query")
