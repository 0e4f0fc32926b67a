"""Format and behaviour checks of the jieba user dictionary and the query alias table in search/data/."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "search" / "data"
TERMS = DATA / "legal_terms.txt"
ALIASES = DATA / "aliases.tsv"
ALIASES_HAND = DATA / "aliases_hand.tsv"
CORPUS_LAWS = ROOT.parent / "shared" / "corpus" / "laws"

# The line format jieba's load_userdict accepts: word, optional frequency, optional lower-case tag.
TERM_LINE = re.compile(r"^(\S+) ([1-9][0-9]*) ([a-z]+)$")
KINDS = {"law", "term", "abbreviation"}

# Sentences from the seed reports (simplified) and the corpus, with the word jieba must keep whole.
KEPT_WHOLE = [
    ("持续深化“放管服效”改革", "放管服效"),
    ("统筹研究推进政府职能转变和“放管服”改革重要领域", "放管服"),
    ("深入推进“证照分离”改革", "证照分离"),
    ("全面推行证明事项告知承诺制", "告知承诺制"),
    ("全面推行“双随机、一公开”监管", "双随机"),
    ("推行“双随机一公开”监管全覆盖", "双随机一公开"),
    ("实现52个事项“一件事一次办”", "一件事一次办"),
    ("323个事项实现“跨省通办”", "跨省通办"),
    ("推进政务服务“一网通办”", "一网通办"),
    ("符合公平竞争审查政策措施15件", "公平竞争审查"),
    ("完善权责清单动态调整机制", "权责清单"),
    ("全面落实行政规范性文件合法性审核机制", "合法性审核"),
    ("全面落实行政规范性文件合法性审核机制", "规范性文件"),
    ("高质量完成法治政府建设各项任务", "法治政府建设"),
    ("严格落实重大行政决策程序", "重大行政决策"),
    ("全面推行行政执法三项制度", "三项制度"),
    ("坚持发展新时代“枫桥经验”", "枫桥经验"),
    ("建立府院联动机制", "府院联动"),
    ("依照《中华人民共和国行政复议法》的规定", "行政复议法"),
    ("根据《食品安全法》第三十条", "食品安全法"),
    ("依照民法典的有关规定", "民法典"),
    ("全国人民代表大会常务委员会关于修改部分法律的决定", "全国人民代表大会常务委员会"),
]

# Sentences around dictionary words that must segment exactly as with jieba's default dictionary.
UNCHANGED = [
    "上述法律规定的情形",
    "公司法人应当依法承担责任",
    "开展安全生产法律法规培训",
    "加强法治宣传教育",
    "县级以上人民政府应急管理部门",
    "采取查封、扣押的行政强制措施",
    "考核中发现工作推进不力的",
    "中华人民共和国建设部令第1号发布",
]


def read_terms() -> list[tuple[str, int, str]]:
    rows = []
    for n, line in enumerate(TERMS.read_text(encoding="utf-8").splitlines(), 1):
        m = TERM_LINE.match(line)
        assert m, f"legal_terms.txt:{n}: {line!r} is not 'word freq tag'"
        rows.append((m.group(1), int(m.group(2)), m.group(3)))
    return rows


def read_aliases(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split("\t")
        assert len(fields) == 3, f"{path.name}:{n}: {line!r} needs exactly 3 tab-separated fields"
        assert all(f and f == f.strip() for f in fields), f"{path.name}:{n}: empty or padded field in {line!r}"
        rows.append((fields[0], fields[1], fields[2]))
    return rows


@pytest.fixture(scope="module")
def default_tokenizer():
    jieba = pytest.importorskip("jieba")
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


@pytest.fixture(scope="module")
def tokenizer(default_tokenizer):
    jieba = pytest.importorskip("jieba")
    tok = jieba.Tokenizer()
    # load_userdict leaves a file it opened itself unclosed (ResourceWarning), so hand it an open file.
    with TERMS.open("rb") as fh:
        tok.load_userdict(fh)
    return tok


def test_terms_format():
    rows = read_terms()
    words = [w for w, _, _ in rows]
    assert len(words) == len(set(words)), "duplicate words"
    assert words == sorted(words), "legal_terms.txt is kept sorted (scripts/build-aliases writes it so)"
    assert 300 <= len(rows) <= 5000
    assert TERMS.read_bytes().endswith(b"\n") and b"\r" not in TERMS.read_bytes()


@pytest.mark.parametrize("path", [ALIASES, ALIASES_HAND], ids=lambda p: p.name)
def test_aliases_format(path):
    rows = read_aliases(path)
    assert rows, f"{path.name} is empty"
    assert len(rows) == len(set(rows)), "duplicate rows"
    for alias, expansion, kind in rows:
        assert kind in KINDS, f"{alias}: unknown kind {kind!r}"
        assert alias != expansion, f"{alias}: maps to itself"


def test_aliases_include_hand_entries_and_are_sorted():
    rows = read_aliases(ALIASES)
    assert rows == sorted(rows)
    assert set(read_aliases(ALIASES_HAND)) <= set(rows)


def test_law_alias_is_not_another_law_title():
    laws = {(a, e) for a, e, k in read_aliases(ALIASES) if k == "law"}
    by_alias = {}
    for alias, expansion in laws:
        by_alias.setdefault(alias, set()).add(expansion)
    assert {a: e for a, e in by_alias.items() if len(e) > 1} == {}, "a law alias must name one law"


@pytest.mark.parametrize("sentence, word", KEPT_WHOLE)
def test_term_kept_whole(tokenizer, sentence, word):
    assert word in tokenizer.lcut(sentence, HMM=False)
    assert word in tokenizer.lcut(sentence)


@pytest.mark.parametrize("sentence", UNCHANGED)
def test_ordinary_segmentation_unchanged(tokenizer, default_tokenizer, sentence):
    assert tokenizer.lcut(sentence) == default_tokenizer.lcut(sentence)


def test_compound_kept_over_its_prefix(tokenizer):
    assert "人民调解员" in tokenizer.lcut("设立人民调解员专家库")


@pytest.fixture(scope="module")
def corpus_names() -> set[str]:
    if not (CORPUS_LAWS / "metadata.jsonl").is_file():
        pytest.skip("../shared/corpus is absent")
    names = set()
    for line in (CORPUS_LAWS / "metadata.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        names |= {row["title"], row["title"].split()[0], row["heading"], row["heading"].removeprefix("中华人民共和国")}
    return names


@pytest.mark.corpus
def test_law_expansions_name_corpus_titles(corpus_names):
    missing = sorted({e for _, e, k in read_aliases(ALIASES) if k == "law"} - corpus_names)
    assert missing == []


@pytest.mark.corpus
def test_law_words_are_corpus_titles(corpus_names):
    aliases = {a for a, _, k in read_aliases(ALIASES) if k == "law"}
    unknown = sorted(w for w, _, tag in read_terms() if tag == "law" and w not in corpus_names | aliases)
    assert unknown == []


# --- colloquial.tsv: everyday words -> statutory words -------------------------------------------------------

COLLOQUIAL = DATA / "colloquial.tsv"
# Entries the table must keep (the kinds of everyday word it exists for).
COLLOQUIAL_KEPT = [
    ("家暴", "家庭暴力"),
    ("高利贷", "民间借贷 利率"),
    ("黑车", "非法营运"),
    ("霸王条款", "格式条款"),
    ("碰瓷", "敲诈勒索"),
    ("彩礼", "彩礼 返还"),
    ("老赖", "失信被执行人"),
    ("年假", "年休假"),
    ("社保", "社会保险"),
    ("醉驾", "醉酒 驾驶机动车"),
]


def read_colloquial() -> list[tuple[int, str, str]]:
    out = []
    for n, line in enumerate(COLLOQUIAL.read_text("utf-8").split("\n"), 1):
        if line.strip() and not line.startswith("#"):
            parts = line.split("\t")
            assert len(parts) == 2, f"line {n}: {line!r} is not colloquial<TAB>expansion"
            out.append((n, parts[0], parts[1]))
    return out


def test_colloquial_format():
    rows = read_colloquial()
    assert len(rows) >= 300  # a maintained table, not a handful of examples
    pairs = [(k, e) for _, k, e in rows]
    assert len(pairs) == len(set(pairs)), "duplicate pairs"
    for n, key, expansion in rows:
        assert key == key.strip() and expansion == expansion.strip() and key and expansion, n
        assert key != expansion, f"line {n} maps {key} to itself"
        assert "  " not in expansion, n


def test_one_character_keys_are_whole_words_only():
    from search import colloquial

    singles = {k for _, k, _ in read_colloquial() if len(k) == 1}
    assert singles >= {"赔", "狗", "偷"}
    assert colloquial.find("赔偿损失") == []  # 赔 is never found inside 赔偿
    assert colloquial.expansions("赔") == ("赔偿", "损害赔偿")


def test_colloquial_kept_entries():
    pairs = {(k, e) for _, k, e in read_colloquial()}
    assert [p for p in COLLOQUIAL_KEPT if p not in pairs] == []


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    if not CORPUS_LAWS.is_dir():
        pytest.skip("../shared/corpus is absent")
    drop = str.maketrans("", "", " \t\n\u3000\u200b")
    return [p.read_text("utf-8").translate(drop) for p in sorted(CORPUS_LAWS.rglob("*.md"))]


@pytest.mark.corpus
def test_colloquial_expansions_are_words_of_the_corpus(corpus_texts):
    """Every expansion names words statutes use: a term occurs in the corpus; the words of a multi-word
    expansion occur together in at least one document."""
    absent = []
    for n, _, expansion in read_colloquial():
        words = expansion.split(" ")
        if not any(all(w in text for w in words) for text in corpus_texts):
            absent.append((n, expansion))
    assert absent == []
