"""The fast find_doc_numbers, control_ratio and translations of cleaning give what the slow ones gave.

The reference functions below are the implementations they replaced (the old find_doc_numbers scanned the whole
text; what it made of each match is search.docno._doc_number, unchanged, and shared): equality is checked on
every law of the corpus, on the seeds, and on generated text made of the characters the fast paths hinge on.
"""

from __future__ import annotations

import os
import re
import re._parser as sre_parse
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import clean
from indexer.encoding import SCORE_SAMPLE_CHARS, TEXT_CONTROLS, control_ratio
from search import docno
from search.docno import CLOSE_BRACKETS, DOCNO_RE, OPEN_BRACKETS, DocNumber, _doc_number, find_doc_numbers
from tests.conftest import SEEDS, require_corpus

# ---------------------------------------------------------------------------------------------
# The replaced implementations
# ---------------------------------------------------------------------------------------------


def reference_find_doc_numbers(text: str) -> list[DocNumber]:
    # The old scan of the whole text; each match becomes a DocNumber as before (_doc_number did not change).
    return [d for m in DOCNO_RE.finditer(text) if (d := _doc_number(text, m)) is not None]


def reference_control_ratio(text: str) -> float:
    sample = text[:SCORE_SAMPLE_CHARS]
    total = 0
    controls = 0
    for ch in sample:
        code = ord(ch)
        if ch in TEXT_CONTROLS:
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F:
            controls += 1
        elif ch.isspace():
            continue
        total += 1
    return controls / total if total else 0.0


def reference_normalize_newlines(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate({ord(c): "\n" for c in clean.LINE_SEPARATORS}).replace("\ufeff", "")


def reference_normalize_whitespace(text: str) -> str:
    text = text.translate({ord(c): None for c in clean.INVISIBLE_CHARS})
    text = re.sub(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]", "", text)
    text = re.sub(r"[^\S\n]+", " ", text)
    return "\n".join(line.strip(" ") for line in text.split("\n"))


def assert_same(text: str, label: str = "") -> list[DocNumber]:
    """Compares every function on `text` and returns the numbers found."""
    numbers = reference_find_doc_numbers(text)
    assert find_doc_numbers(text) == numbers, label
    assert control_ratio(text) == reference_control_ratio(text), label
    assert clean.normalize_newlines(text) == reference_normalize_newlines(text), label
    assert clean.normalize_whitespace(text) == reference_normalize_whitespace(text), label
    return numbers


# ---------------------------------------------------------------------------------------------
# Real text
# ---------------------------------------------------------------------------------------------


def law_files() -> list[Path]:
    laws = require_corpus() / "laws"
    files = sorted(laws.rglob("*.md"))
    if not files:
        if os.environ.get("GOVLAW_REQUIRE_CORPUS"):
            pytest.fail(f"no *.md under {laws} but GOVLAW_REQUIRE_CORPUS is set")
        pytest.skip(f"no *.md under {laws}")
    return files


@pytest.mark.corpus
def test_every_law_of_the_corpus():
    files = law_files()
    found = 0
    for path in files:
        found += len(assert_same(path.read_text(encoding="utf-8"), str(path)))
    # The comparison means something only if the corpus holds numbers to find.
    assert len(files) > 3000 and found > 500


def test_seeds():
    seeds = sorted(SEEDS.glob("*.txt"))
    assert len(seeds) == 5
    for path in seeds:
        data = path.read_bytes()
        text = data.decode("utf-8")
        assert_same(text, str(path))
        for line in text.splitlines():
            assert find_doc_numbers(line) == reference_find_doc_numbers(line)
        # Latin-1 maps bytes to code points one to one: C1 controls, NBSP and other whitespace appear.
        for encoding in ("latin-1", "gb18030", "cp950", "utf-16-le"):
            other = data.decode(encoding, errors="replace")
            assert_same(other, f"{path} as {encoding}")
    assert any(reference_find_doc_numbers(p.read_text(encoding="utf-8")) for p in seeds)


# ---------------------------------------------------------------------------------------------
# What the fast paths rely on
# ---------------------------------------------------------------------------------------------


def _accepted(items, out: set[int]) -> None:
    """Code points that any single-character item of a parsed pattern accepts."""
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.add(av)
        elif name == "IN":
            for sub_op, sub_av in av:
                if str(sub_op) == "LITERAL":
                    out.add(sub_av)
                elif str(sub_op) == "RANGE":
                    out.update(range(sub_av[0], sub_av[1] + 1))
                else:
                    raise AssertionError(f"character class item {sub_op} not understood by this test")
        elif name == "BRANCH":
            for branch in av[1]:
                _accepted(branch, out)
        elif name == "SUBPATTERN":
            _accepted(av[3], out)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            _accepted(av[2], out)
        else:
            # Anchors, lookarounds, `.` or negated classes would break the run argument of find_doc_numbers.
            raise AssertionError(f"{name} in DOCNO_RE: find_doc_numbers assumes a match is bounded by the run")


def test_docno_re_consumes_only_run_characters():
    accepted: set[int] = set()
    _accepted(sre_parse.parse(DOCNO_RE.pattern, DOCNO_RE.flags), accepted)
    run = re.compile(f"[{docno._RUN_CHARS}]")
    outside = [hex(code) for code in sorted(accepted) if not run.fullmatch(chr(code))]
    assert outside == []
    assert DOCNO_RE.flags & re.IGNORECASE == 0


def test_str_split_splits_on_exactly_isspace():
    # control_ratio counts the characters str.split() drops as the ones str.isspace() accepts.
    wrong = [
        hex(code) for code in range(0x110000) if (len(("a" + chr(code) + "a").split()) == 2) != chr(code).isspace()
    ]
    assert wrong == []


def test_control_ratio_on_every_code_point():
    # Two NULs and a letter tell a control (3/4), skipped whitespace (2/3) and any other character (2/4) apart.
    wrong = [
        hex(code)
        for code in range(0x110000)
        if control_ratio(chr(code) + "\x00\x00a") != reference_control_ratio(chr(code) + "\x00\x00a")
    ]
    assert wrong == []


def test_control_ratio_sample_boundary():
    for text in ("a" * (SCORE_SAMPLE_CHARS - 1) + "\x00\x00", " " * SCORE_SAMPLE_CHARS + "a", "\x1f" * 3, "", " \n"):
        assert control_ratio(text) == reference_control_ratio(text)


@pytest.mark.parametrize(
    "text",
    [
        "国务院令第663号",
        "2020年12月29日法释〔2020〕17号",
        "29日照市〔2020〕1号",
        "x日照市 〔2020〕1号，2日照市〔 2019 〕 2 号。",
        "郑政文〔2017〕60号郑政文〔2017〕61号令第3号",
        "印发了郑政文 \u3000\u200b〔\t2017〕60号",
        "中华人民共和国国务院令\n第663号",
        "中华人民共和国国务院 " + " " * 500 + "令第663号",
        "财政部 第 12 号令",
        "责令第3号" + "国" * 5000 + "〔2017〕60号",
        "令",
        "〔2",
        "郑政文〔２０１７〕６０号",
    ],
)
def test_find_doc_numbers_examples(text):
    assert find_doc_numbers(text) == reference_find_doc_numbers(text)


# ---------------------------------------------------------------------------------------------
# Generated text
# ---------------------------------------------------------------------------------------------

ALPHABET = (
    "国务院部委员会局署行主席政府厅办公室郑政文法释财中华人民共和國發日照市了的和根据印发"
    "令第号號一二三十百千零〇两兩"
    + OPEN_BRACKETS
    + CLOSE_BRACKETS
    + "0123456789０１２３４５６７８９"
    + " \t\u3000\u200b\n\r"
    + "，。、：a-"
    + "\x00\x01\x08\x0b\x0c\x0e\x1c\x1d\x1e\x1f\x7f\x80\x85\x9f\xa0\u2028\u2029\ufeff\u00ad\u200c\u200d\u2060"
)
FRAGMENTS = [
    "国务院令",
    "第",
    "号",
    "號",
    "令",
    "〔",
    "〕",
    "2017",
    "２０１７",
    "1999",
    "60",
    "二〇",
    "中华人民共和国",
    "郑政文",
    "财政部",
    "主席令",
    "印发了",
    "日",
    "29",
    "  ",
    "\u3000",
    "\u200b",
    "\n",
]
chars = st.sampled_from(ALPHABET) | st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF) | st.characters()
free_text = st.text(alphabet=chars, max_size=80)
number_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(alphabet=chars, max_size=3), max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(free_text, number_text))
def test_generated_text(text):
    assert_same(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(number_text, min_size=1, max_size=20).map("".join))
def test_generated_long_text(text):
    assert_same(text)
