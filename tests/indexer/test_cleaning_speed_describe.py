"""The faster metadata, section and decoding steps give what the previous ones gave.

References: the previous _lines, split_sections and _reject_control_bytes (their helpers did not change and are
shared), and normalize itself for the remembered normal form.  Compared on every law of the corpus, the seeds and
generated text.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import encoding, metadata, sections
from indexer.clean import clean_text
from indexer.encoding import CONTROL_BYTES, MAX_CONTROL_RATIO, DecodeError
from indexer.sections import _LEAD, _NUM, MIN_ARTICLES, Section
from search.analysis import normalize
from tests.conftest import SEEDS
from tests.indexer.test_cleaning_speed import law_files

# ---------------------------------------------------------------------------------------------
# The replaced implementations
# ---------------------------------------------------------------------------------------------


def reference_lines(text: str, norm: str) -> list[tuple[int, int, str, str]]:
    out, pos = [], 0
    for raw in text.split("\n"):
        end = pos + len(raw)
        if raw.strip():
            out.append((pos, end, raw.strip(), norm[pos:end].strip()))
        pos = end + 1
    return out


def reference_split_sections(text: str) -> tuple[Section, ...]:
    norm = normalize(text)
    is_law = len(sections._ARTICLE_RE.findall(norm)) >= MIN_ARTICLES or bool(
        re.search(_LEAD + rf"第 *[{_NUM}\d]+ *(?:编|章)[ \n]", norm, re.MULTILINE)
    )
    found = sections._law_headings(text, norm) if is_law else sections._report_headings(text, norm)
    found += sections._label_headings(text, norm)
    return sections._outline(found, len(text))  # unchanged: shared with split_sections


def reference_reject_control_bytes(data: bytes) -> None:
    controls = sum(data.count(code) for code in CONTROL_BYTES)
    if data and controls / len(data) > MAX_CONTROL_RATIO:
        raise DecodeError(
            f"{controls / len(data):.0%} of the bytes are control characters: this looks like binary data, not text"
        )


def _outcome(f, data: bytes) -> str | None:
    try:
        f(data)
    except DecodeError as exc:
        return str(exc)
    return None


def assert_same_text(text: str, label: str = "") -> None:
    norm = normalize(text)
    assert metadata.normalized_text(text) == norm, label
    assert metadata.normalized_text(text) == norm, label  # remembered
    assert metadata.normalized_text("".join(list(text))) == norm, label  # an equal string, another object
    assert [(ln.start, ln.end, ln.text, ln.norm) for ln in metadata._lines(text, norm)] == reference_lines(
        text, norm
    ), label
    assert sections.split_sections(text) == reference_split_sections(text), label


def assert_same_metadata(text: str, label: str = "") -> None:
    # extract_metadata reads the remembered normal form: the same with normalize computed afresh.
    new = metadata.extract_metadata(text, filename=label)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(metadata, "normalized_text", normalize)
        old = metadata.extract_metadata(text, filename=label)
    assert new == old, label


def assert_same_bytes(data: bytes, label: str = "") -> None:
    assert _outcome(encoding._reject_control_bytes, data) == _outcome(reference_reject_control_bytes, data), label


# ---------------------------------------------------------------------------------------------
# Real text
# ---------------------------------------------------------------------------------------------


@pytest.mark.corpus
def test_every_law_of_the_corpus():
    files = law_files()
    laws = 0
    for path in files:
        data = path.read_bytes()
        assert_same_bytes(data, str(path))
        text = clean_text(data.decode("utf-8"), "markdown").text
        assert_same_text(text, str(path))
        assert_same_metadata(text, path.name)
        laws += sections.split_sections(text)[-1].anchor != "s0"
    assert len(files) > 3000 and laws > 3000


def test_seeds():
    seeds = sorted(SEEDS.glob("*.txt"))
    assert len(seeds) == 5
    for path in seeds:
        data = path.read_bytes()
        assert_same_bytes(data, str(path))
        raw = data.decode("utf-8")
        for text in (raw, clean_text(raw).text, clean_text(raw, "pdf").text):
            assert_same_text(text, str(path))
            assert_same_metadata(text, path.name)


# ---------------------------------------------------------------------------------------------
# Generated text
# ---------------------------------------------------------------------------------------------

FRAGMENTS = [
    "第一条",
    "第 2 条",
    "第三章",
    "第一编",
    "第1-2条",
    "第十条之一",
    "一、",
    "（一）",
    "(二)",
    "1.",
    "1、",
    "（1）",
    "附则",
    "附件",
    "序言",
    "目录",
    "\n",
    "\n\n",
    " ",
    "\t",
    "\u3000",
    "\u200b",
    "\ufeff",
    "。",
    "，",
    "：",
    "關於",
    "国务院",
    "2019年1月2日",
    "通过",
    "公布",
    "《中华人民共和国公司法》",
    "国办发〔2019〕1号",
    "條",
]
# No lone surrogates: OpenCC cannot encode them, and decoded text holds none.
chars = (
    st.sampled_from("".join(FRAGMENTS))
    | st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF)
    | st.characters(blacklist_categories=("Cs",))
)
fragment_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(alphabet=chars, max_size=3), max_size=60).map("".join)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(fragment_text, st.text(alphabet=chars, max_size=80)))
def test_generated_text(text):
    assert_same_text(text)
    assert_same_metadata(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(fragment_text, min_size=2, max_size=4))
def test_generated_texts_one_after_another(texts):
    # The remembered normal form is that of the text asked for, whatever was asked before.
    for text in texts + texts[::-1]:
        assert metadata.normalized_text(text) == normalize(text)
        assert sections.split_sections(text) == reference_split_sections(text)


@settings(max_examples=1000, deadline=None)
@given(
    st.binary(max_size=200)
    | st.lists(
        st.sampled_from([b"\x00", b"\x01", b"\x1f", b"\x7f", b"\t", b"\n", b"a", "国".encode()]), max_size=100
    ).map(b"".join)
)
def test_generated_bytes(data):
    assert_same_bytes(data)
