"""The fast paths of indexer.clean give what the steps gave without them.

The reference functions below are the implementations they replaced (helpers they call, such as
_is_strong_furniture and _furniture_meta, did not change and are shared).  clean_text is compared with the same
pipeline made of the reference steps, in every format, on every law of the corpus, on the seeds and on generated
text: lines that match each furniture pattern (hypothesis.from_regex), and text made of the characters the fast
paths look for.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from indexer import clean
from indexer.clean import Cleaned
from tests.conftest import SEEDS
from tests.indexer.test_cleaning_speed import law_files, reference_normalize_whitespace

# ---------------------------------------------------------------------------------------------
# The replaced implementations
# ---------------------------------------------------------------------------------------------


def reference_split_form_feeds(text: str) -> str:
    text = clean.NUMBER_BEFORE_FORMFEED.sub("", text)
    text = clean.NUMBER_AFTER_FORMFEED.sub("", text)
    return text.replace("\f", "\n")


def reference_remove_page_numbers(text: str) -> str:
    return clean.PAGE_NUMBER_LINE.sub("", reference_split_form_feeds(text))


def reference_fix_lost_characters(text: str) -> str:
    text = clean.LOST_CHAR_LINE.sub("", text)
    text = clean.LOST_CHAR_AFTER_NUMBER.sub(r"\1", text)
    return clean.LOST_COPYRIGHT_SIGN.sub(r"\1 ©", text)


def reference_remove_pinyin_artifacts(text: str) -> str:
    def strip_group(match: re.Match[str]) -> str:
        parts = clean.PINYIN_IN_PARENS.findall(match.group(0))
        if all(clean._is_pinyin(p) for p in parts):
            return ""
        kept = match.group(0)
        for m in clean.PINYIN_IN_PARENS.finditer(kept):
            if not clean._is_pinyin(m.group(1)):
                return kept[m.start() :]
        return kept

    return clean.PINYIN_GROUP.sub(strip_group, text)


def reference_strip_markdown(text: str) -> str:
    text = clean.MARKDOWN_COMMENT_LINE.sub("", text)
    text = clean.MARKDOWN_TABLE_RULE.sub("", text)
    text = clean.MARKDOWN_HEADING.sub("", text)
    lines = []
    for line in text.split("\n"):
        if line.startswith("|"):
            lines.append(" ".join(cell.strip() for cell in line.strip("|").split("|") if cell.strip()))
        else:
            lines.append(line)
    return "\n".join(lines)


def reference_remove_web_furniture(text: str) -> tuple[str, dict[str, str]]:
    lines = text.split("\n")
    kinds: list[str] = []
    for line in lines:
        if not line:
            kinds.append("")
        elif clean._is_strong_furniture(line):
            kinds.append("strong")
        elif clean.WEAK_FOOTER.search(line):
            kinds.append("weak")
        else:
            kinds.append("content")

    # The grouping into runs and the facts read from them are unchanged (shared with clean.py).
    drop, meta = clean._furniture_runs(lines, kinds)

    kept = [line for k, line in enumerate(lines) if not drop[k]]
    while True:
        content = [k for k, line in enumerate(kept) if line]
        if len(content) < 2 or kept[content[0]] not in clean.NAV_LINES:
            break
        del kept[content[0]]
    return "\n".join(kept), meta


def reference_fix_stray_list_digits(text: str) -> str:
    return clean.STRAY_LIST_DIGIT.sub(r"\1", text)


def reference_collapse_blank_lines(text: str) -> str:
    return "\n".join(line.strip(" ") for line in text.split("\n") if line.strip(" "))


def reference_local_fixes(text: str) -> str:
    text = reference_normalize_whitespace(reference_split_form_feeds(text))
    text = reference_fix_lost_characters(text)
    text = reference_remove_pinyin_artifacts(text)
    text = reference_remove_page_numbers(text)
    return reference_fix_stray_list_digits(text)


def reference_clean_text(text: str, fmt: str = "text") -> Cleaned:
    text = clean.normalize_newlines(text)
    text = reference_local_fixes(text)
    if fmt == "markdown":
        # As clean_text since the local fixes run again after Markdown is stripped (`# - 3 -` is a page number).
        text = reference_local_fixes(reference_strip_markdown(text))
    text, meta = reference_remove_web_furniture(text)
    if fmt == "pdf" or (fmt == "text" and clean.looks_like_pdf(text)):
        text = reference_local_fixes(clean.join_broken_lines(text))
    return Cleaned(text=reference_collapse_blank_lines(text), page_meta=meta)


STEPS = [
    (clean.normalize_whitespace, reference_normalize_whitespace),
    (clean.split_form_feeds, reference_split_form_feeds),
    (clean.remove_page_numbers, reference_remove_page_numbers),
    (clean.fix_lost_characters, reference_fix_lost_characters),
    (clean.remove_pinyin_artifacts, reference_remove_pinyin_artifacts),
    (clean.strip_markdown, reference_strip_markdown),
    (clean.remove_web_furniture, reference_remove_web_furniture),
    (clean.fix_stray_list_digits, reference_fix_stray_list_digits),
    (clean.collapse_blank_lines, reference_collapse_blank_lines),
]


def assert_same(text: str, label: str = "", formats=clean.FORMATS) -> None:
    for fast, reference in STEPS:
        assert fast(text) == reference(text), (fast.__name__, label)
    for fmt in formats:
        new, old = clean.clean_text(text, fmt), reference_clean_text(text, fmt)
        assert (new.text, new.page_meta) == (old.text, old.page_meta), (fmt, label)


# ---------------------------------------------------------------------------------------------
# Real text
# ---------------------------------------------------------------------------------------------


@pytest.mark.corpus
def test_every_law_of_the_corpus():
    files = law_files()
    for path in files:
        assert_same(path.read_text(encoding="utf-8"), str(path), formats=("markdown", "text", "pdf"))
    assert len(files) > 3000


def test_seeds():
    seeds = sorted(SEEDS.glob("*.txt"))
    assert len(seeds) == 5
    for path in seeds:
        data = path.read_bytes()
        text = data.decode("utf-8")
        assert_same(text, str(path))
        # Text between the steps: what the later steps see in clean_text.
        assert_same(clean._local_fixes(clean.normalize_newlines(text)), f"{path} fixed")
        for encoding in ("latin-1", "gb18030", "utf-16-le"):
            assert_same(data.decode(encoding, errors="replace"), f"{path} as {encoding}")


def test_seed_furniture_is_found():
    # The comparison of remove_web_furniture means something only if a seed has furniture to remove.
    text = (SEEDS / "002_a6eb94dc626ef6bf.txt").read_text(encoding="utf-8")
    fixed = clean._local_fixes(clean.normalize_newlines(text))
    assert clean.remove_web_furniture(fixed)[1]


def test_other_spaces_are_the_whitespace_of_re():
    # normalize_whitespace names the characters of [^\S\n ] one by one.
    wrong = [
        hex(code)
        for code in range(0x110000)
        if bool(clean._OTHER_SPACE_RE.fullmatch(chr(code))) != bool(re.fullmatch(r"[^\S\n ]", chr(code)))
    ]
    assert wrong == []


# ---------------------------------------------------------------------------------------------
# Generated text
# ---------------------------------------------------------------------------------------------

FURNITURE_PATTERNS = [
    clean.SITE_ID,
    clean.ICP,
    clean.POLICE_RECORD,
    clean.CMS_MARK,
    clean.QR_LINE,
    clean.COPYRIGHT,
    clean.BREADCRUMB,
    clean.FIELD_LINE,
    clean.FIELD_KEYS_OF_PAGE,
    clean.WEAK_FOOTER,
    clean.PUBLISHED,
    clean.SOURCE,
    clean.SITE_OWNER,
    clean.COPYRIGHT_OWNER,
]
OTHER_PATTERNS = [
    clean.NUMBER_BEFORE_FORMFEED,
    clean.NUMBER_AFTER_FORMFEED,
    clean.PAGE_NUMBER_LINE,
    clean.LOST_CHAR_LINE,
    clean.LOST_CHAR_AFTER_NUMBER,
    clean.LOST_COPYRIGHT_SIGN,
    clean.PINYIN_GROUP,
    clean.STRAY_LIST_DIGIT,
    clean.MARKDOWN_HEADING,
    clean.MARKDOWN_COMMENT_LINE,
    clean.MARKDOWN_TABLE_RULE,
]
FRAGMENTS = [
    "网站标识码",
    "網站標識碼",
    "京ICP备12345号",
    "公网安备 1101",
    "Produced By CMS",
    "publishdate:",
    "扫描二维码",
    "关注我们",
    "手机扫一扫",
    "Copyright ©",
    "(c)",
    "版权所有",
    "All Rights Reserved",
    "当前位置：",
    "首页 >",
    "发布时间：2023-01-02",
    "来源：",
    "浏览次数：",
    "【打印】",
    "【关闭】",
    "字号：大 中 小",
    "主办：",
    "联系电话：",
    "（夏季）",
    "联系我们",
    "网站地图",
    "E-mail:",
    "e-mail：",
    "\nemail:",
    "政府信息公开",
    "首页",
    "正文",
    "\n",
    "\n\n",
    " ",
    "\u3000",
    "\f",
    "3",
    "- 3 -",
    "第 3 页",
    "1/12",
    "?",
    "？",
    "1.?",
    "Copyright?",
    "關(guān)",
    "於",
    "(一)",
    "一、9 2019 年",
    "一、9 2019年",
    "2019",
    "1899",
    "年",
    "\t",
    "\xa0",
    "\u2002",
    "\x1c",
    "\x85",
    "\x01",
    "\u200b",
    "\ufeff",
    "   ",
    " \n ",
    "# ",
    "<!-- x -->",
    "| a | b |",
    "|---|---|",
    "。",
    "，",
    "市人民政府",
    "ſ",
    "K",
    "İ",
    "ı",
]
chars = (
    st.sampled_from("".join(FRAGMENTS)) | st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF) | st.characters()
)
line_of = st.one_of(
    *(st.from_regex(p) for p in FURNITURE_PATTERNS + OTHER_PATTERNS), st.text(alphabet=chars, max_size=30)
)
fragment_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(alphabet=chars, max_size=3), max_size=40).map("".join)


@pytest.mark.slow  # 1,500 generated texts: about 30 s
@settings(max_examples=1500, deadline=None)
@given(st.lists(line_of, max_size=8).map("\n".join))
def test_generated_lines(text):
    assert_same(text)


@settings(max_examples=1500, deadline=None)
@given(fragment_text)
@example("# - 3 -")
def test_generated_fragments(text):
    assert_same(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(line_of | fragment_text, min_size=1, max_size=8).map("\n".join))
def test_generated_lines_as_text_between_steps(text):
    # remove_web_furniture and strip_markdown meet text whose lines were already stripped and fixed.
    assert_same(clean._local_fixes(clean.normalize_newlines(text)), formats=())
