"""A document's outline: headings found at line starts, turned into `Section`s that tile the text.

Two numbering systems: government documents (一、 / （一） / 1. / （1）) and legal texts (第X编 / 章 / 节 / 条).
A text with at least MIN_ARTICLES article lines is read as a legal text, so the 一、 items inside its articles
stay list items. Matching runs on `analysis.normalize(text)`, which keeps every offset, so one simplified,
half-width pattern serves traditional and full-width spellings alike; headings are cut from the text as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

from indexer.metadata import normalized_text
from search.model import Section

MIN_ARTICLES = 1
# Longest whole line that still reads as a heading; longer lines (or lines with 。) are paragraphs.
MAX_HEADING_LINE = 60
# How far a list number may jump and still count as the next item (a skipped item in the source).
MAX_NUMBER_GAP = 3
# Standalone part labels. Containers nest what follows; the others end at the next heading of any kind.
CONTAINER_LABELS = ("条文", "附则", "附件", "附录", "附表")
CLOSED_LABELS = ("序言", "前言", "沿革", "目录", "生效内容")

_NUM = "零〇一二三四五六七八九十百千两"
_LEAD = r"^[ \t\u200b\ufeff]*"
# Internal rank decides nesting (a smaller rank contains a larger one); level is what Section reports.
_LAW_KINDS = {"编": (10, 1), "分编": (15, 1), "章": (20, 2), "节": (30, 3), "条": (40, 4)}
_LAW_RE = re.compile(
    _LEAD + rf"第 *([{_NUM}\d]+(?:-\d+)?) *(分编|编|章|节|条)(?:之[{_NUM}]+)?(?= |\n|$|(?<!条)[^ \n])", re.MULTILINE
)
_ARTICLE_RE = re.compile(_LEAD + rf"第 *[{_NUM}\d]+(?:-\d+)? *条(?:之[{_NUM}]+)?(?= |\n|$)", re.MULTILINE)
_REPORT_RES = (
    (re.compile(_LEAD + rf"([{_NUM}]+)、", re.MULTILINE), "cn", 10, 1),
    (re.compile(_LEAD + rf"\(([{_NUM}]+)\)", re.MULTILINE), "pcn", 20, 2),
    (re.compile(_LEAD + r"(\d{1,3})(?:[.、](?!\d)|\.(?=\s))", re.MULTILINE), "num", 30, 3),
    (re.compile(_LEAD + r"\((\d{1,3})\)", re.MULTILINE), "pnum", 40, 4),
)
_LABEL_RE = re.compile(
    _LEAD + r"(条文|附则|附件|附录|附表|序言|前言|沿革|目录|生效内容)(?=[ \d一二三四五六七八九十:(]|\n|$)", re.MULTILINE
)
_HEADING_END_RE = re.compile(r"[。:;]")
_CN_VALUES = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


# Not frozen: a frozen dataclass sets each field through object.__setattr__.
@dataclass(slots=True)
class _Heading:
    start: int  # offset of the heading's line
    rank: int
    level: int
    heading: str
    closed: bool = False


def _cn_int(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    total, digit = 0, None
    for ch in s:
        if ch in _CN_VALUES:
            digit = _CN_VALUES[ch]
        elif ch in "十百千":
            total += (1 if digit is None else digit) * {"十": 10, "百": 100, "千": 1000}[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _line_at(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def _heading_text(text: str, norm: str, line_start: int, line_end: int, marker_end: int) -> str:
    """The whole line when it reads as a heading, else the line's text up to the first 。/：/；."""
    line = text[line_start:line_end].strip()
    rest = norm[marker_end:line_end]
    if len(line) <= MAX_HEADING_LINE and not _HEADING_END_RE.search(rest.rstrip("。:; ")):
        return line.rstrip("。：:；; ")
    m = _HEADING_END_RE.search(rest) or re.search(r"[,，]", rest)
    cut = marker_end + m.start() if m else min(line_end, marker_end + MAX_HEADING_LINE)
    return text[line_start:cut].strip()


def _law_headings(text: str, norm: str) -> list[_Heading]:
    out = []
    for m in _LAW_RE.finditer(norm):
        kind = m.group(2)
        rank, level = _LAW_KINDS[kind]
        ls, le = _line_at(norm, m.start())
        if kind == "条":
            heading = text[m.start() : m.end()].strip()
        else:
            line = norm[ls:le].strip()
            # A chapter line is short and has no sentence in it; 第三章规定的… at a line start is prose.
            if len(line) > MAX_HEADING_LINE or "。" in line or "," in line:
                continue
            heading = text[ls:le].strip()
        out.append(_Heading(ls, rank, level, heading))
    # Interpretations grouped by topic (一、关于管辖) without chapters: a short 一、 line with no punctuation.
    if not any(h.rank <= 20 for h in out):
        for m in _REPORT_RES[0][0].finditer(norm):
            ls, le = _line_at(norm, m.start())
            line = norm[ls:le].strip()
            if len(line) <= 30 and not re.search(r"[。;,:、!?]", norm[m.end() : le]):
                out.append(_Heading(ls, 18, 2, text[ls:le].strip()))
    return out


def _report_headings(text: str, norm: str) -> list[_Heading]:
    out = []
    for rx, _kind, rank, level in _REPORT_RES:
        last: int | None = None
        for m in rx.finditer(norm):
            n = _cn_int(m.group(1))
            if n is None or n == 0:
                continue
            # Numbering restarts at 1 under each parent or runs on across parents; anything else is a number
            # that happens to start a line (a wrapped sentence, a table cell).
            if not (n == 1 or (last is not None and last < n <= last + MAX_NUMBER_GAP)):
                continue
            last = n
            ls, le = _line_at(norm, m.start())
            out.append(_Heading(ls, rank, level, _heading_text(text, norm, ls, le, m.end())))
    return out


def _label_headings(text: str, norm: str) -> list[_Heading]:
    out = []
    for m in _LABEL_RE.finditer(norm):
        ls, le = _line_at(norm, m.start())
        line = norm[ls:le].strip()
        if len(line) > MAX_HEADING_LINE or "。" in line:
            continue
        out.append(_Heading(ls, 5, 1, text[ls:le].strip(), closed=m.group(1) in CLOSED_LABELS))
    return out


def split_sections(text: str) -> tuple[Section, ...]:
    """The outline of `text`: s0 for the preamble (when there is one), then one section per heading, in order.

    Sections tile the text: each ends where the next begins, the last at len(text).
    """
    norm = normalized_text(text)
    # Counting stops at MIN_ARTICLES: a law has hundreds of article lines.
    articles = sum(1 for _ in islice(_ARTICLE_RE.finditer(norm), MIN_ARTICLES))
    is_law = articles >= MIN_ARTICLES or bool(
        re.search(_LEAD + rf"第 *[{_NUM}\d]+ *(?:编|章)[ \n]", norm, re.MULTILINE)
    )
    found = _law_headings(text, norm) if is_law else _report_headings(text, norm)
    found += _label_headings(text, norm)
    return _outline(found, len(text))


def _outline(found: list[_Heading], length: int) -> tuple[Section, ...]:
    """Sections of a text of `length` characters from the headings found in it (in any order)."""
    by_start: dict[int, _Heading] = {}
    for h in sorted(found, key=lambda h: (h.start, h.rank)):
        by_start.setdefault(h.start, h)  # one heading per line: the outermost reading wins
    headings = sorted(by_start.values(), key=lambda h: h.start)

    sections: list[Section] = []
    if not headings or headings[0].start > 0:
        sections.append(Section("s0", "", 0, (), 0, headings[0].start if headings else length))
    stack: list[_Heading] = []
    for i, h in enumerate(headings):
        while stack and (stack[-1].rank >= h.rank or stack[-1].closed):
            stack.pop()
        stack.append(h)
        end = headings[i + 1].start if i + 1 < len(headings) else length
        sections.append(Section(f"s{i + 1}", h.heading, h.level, tuple(s.heading for s in stack), h.start, end))
    return tuple(sections)
