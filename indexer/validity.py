"""The period a document states for itself, read from its text: when it takes effect, its last day, and the
periods of other documents it extends.

Pure functions over the normalised text (search/analysis.normalize: simplified, half-width). Normative documents
close with a clause like 本办法自2021年3月1日起施行，有效期5年 or 本通知有效期至2025年12月31日; laws and
licences also speak of 有效期 (许可证有效期为5年), so a clause counts only in a sentence about the document itself:
one naming it (本办法, 此通知) or saying when it takes effect (…起施行), with the 有效期 opening its clause.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from search.docno import chinese_to_int, find_doc_numbers
from search.validity import Extension, add_term

# What a document calls itself after 本 or 此 (本办法, 本实施细则, 此通知).
SELF_WORDS = (
    "办法|规定|细则|通知|意见|决定|方案|规则|条例|制度|标准|规范|指引|指南|文件|公告|通告|规程|准则|守则"
    "|纲要|计划|规划|措施|政策|批复|法"
)
# Verbs of taking effect (…起施行).
EFFECT_VERBS = "施行|实施|执行|试行|生效|暂行"
# The day of issue, where the text says it takes effect from then (自印发之日起施行).
ISSUE_DAYS = "印发|发布|公布|颁布|下发|签发|发文|公告"
# Words after which a 有效期 belongs to something else than the document (许可证有效期, 证书的有效期).
_DATE = (
    r"(?:(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|[〇零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日"
    r"|(?:19|20)\d\d\s*年\s*(?:底|末)"
    r"|(?:19|20)\d\d-\d{1,2}-\d{1,2})"
)
_NUM = r"(\d{1,3}|[一二两三四五六七八九十]{1,3})"
_SENTENCE_RE = re.compile(r"[^。;\n]+")
_CANDIDATE_RE = re.compile(rf"期|起\s*(?:{EFFECT_VERBS})|试行|暂行")
_SELF_RE = re.compile(rf"(?:本|此)(?:[\u4e00-\u9fff]{{0,6}}?)(?:{SELF_WORDS})")
_EFFECT_RE = re.compile(rf"自\s*({_DATE}|(?:{ISSUE_DAYS})之日)\s*起\s*(?:{EFFECT_VERBS})")
_START_RE = re.compile(rf"自\s*({_DATE}|(?:{ISSUE_DAYS})之日)\s*起")
# A period opening its clause: after the sentence start, a comma, or 本办法(的).
_PERIOD = r"(?:有效期|有效期限|执行期|执行期限|实施期|实施期限|施行期|施行期限|试行期|试行期限|暂行期|暂行期限)"
_OPENER = rf"(?:^|[,:]|(?:本|此)[\u4e00-\u9fff]{{0,6}}?(?:{SELF_WORDS})(?:的)?)\s*"
_TERM_RE = re.compile(rf"{_OPENER}{_PERIOD}\s*(?:为|是)?\s*{_NUM}\s*(年|个月)")
# 试行两年, 暂行3年: the verb with its term.
_VERB_TERM_RE = re.compile(rf"(?:试行|暂行)\s*{_NUM}\s*(年|个月)")
_UNTIL_RE = re.compile(
    rf"{_OPENER}{_PERIOD}\s*(?:为|是)?\s*(?:自?\s*{_DATE}\s*(?:起)?)?\s*(?:至|到|截至|截止到|截止至|截止)\s*({_DATE})"
)
# …起施行，至2025年12月31日止 / 自…起至…止.
_UNTIL_AFTER_START_RE = re.compile(rf"起\s*(?:(?:{EFFECT_VERBS})\s*[,]?\s*)?(?:至|到)\s*({_DATE})\s*止?")
_EXTENSION_SENTENCE_RE = re.compile(r"有效期\S*?(?:延长|延续)|(?:延长|延续)\S*?有效期")
_EXT_UNTIL_RE = re.compile(rf"(?:延长|延续)\S*?(?:至|到)\s*({_DATE})")
_EXT_TERM_RE = re.compile(rf"(?:延长|延续)\s*{_NUM}\s*(年|个月)")
_BOOK_RE = re.compile(r"《([^《》\n]{1,120})》")
_YEAR_END_RE = re.compile(r"((?:19|20)\d\d)\s*年\s*(?:底|末)")


@dataclass(frozen=True, slots=True)
class Period:
    """What the text says of its own period, and the extensions it makes (`extends` values)."""

    valid_from: str | None
    valid_until: str | None
    extends: tuple[str, ...]


def _number(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    return chinese_to_int(raw.replace("两", "二"))


def _date(raw: str) -> str | None:
    # indexer.metadata calls this module: its date reader is imported when first needed.
    from indexer.metadata import parse_date

    m = _YEAR_END_RE.fullmatch(raw.strip())
    return f"{int(m.group(1)):04d}-12-31" if m else parse_date(raw)


def _term_end(start: str | None, n: int | None, unit: str) -> str | None:
    if start is None or not n:
        return None
    first = dt.date.fromisoformat(start)
    return (add_term(first, years=n) if unit == "年" else add_term(first, months=n)).isoformat()


def _own(sentence: str) -> bool:
    """A sentence about the document itself: it names it (本办法) or says when it takes effect."""
    return bool(_SELF_RE.search(sentence) or _EFFECT_RE.search(sentence)) and (
        "《" not in sentence or bool(_SELF_RE.search(sentence.split("《", 1)[0]))
    )


def _start(match: re.Match[str] | None, date: str | None) -> str | None:
    if match is None:
        return None
    raw = match.group(1)
    return date if raw.endswith("之日") else _date(raw)


def _extensions(sentence: str, raw_sentence: str) -> list[str]:
    """The `extends` values of one sentence extending other documents' periods."""
    until_m = _EXT_UNTIL_RE.search(sentence)
    term_m = _EXT_TERM_RE.search(sentence)
    targets = [f"《{m.group(1).strip()}》" for m in _BOOK_RE.finditer(raw_sentence)]
    numbers = [d.canonical for d in find_doc_numbers(raw_sentence)]
    # A document named by both title and number is named once, by its number (titles repeat across places).
    chosen = numbers or targets
    out = []
    for target in chosen:
        if until_m and (until := _date(until_m.group(1))):
            out.append(Extension(target, until=until).text())
        elif term_m and (n := _number(term_m.group(1))):
            unit = term_m.group(2)
            out.append(Extension(target, years=n if unit == "年" else 0, months=n if unit != "年" else 0).text())
    return out


def read_period(text: str, norm: str, date: str | None, start: str | None = None) -> Period:
    """The period `text` states for itself (`norm` is its normal form, `date` the document's date, which
    自印发之日起 means), and the extensions of other documents' periods it makes. A `start` (an operator's
    valid_from) is the day a stated term counts from, whatever the text says."""
    valid_from: str | None = None
    valid_until: str | None = None
    extends: list[str] = []
    for m in _SENTENCE_RE.finditer(norm):
        sentence = m.group(0).strip()
        if not _CANDIDATE_RE.search(sentence):
            continue
        if _EXTENSION_SENTENCE_RE.search(sentence) and ("《" in sentence or find_doc_numbers(sentence)):
            extends.extend(_extensions(sentence, text[m.start() : m.end()]))
            continue
        if not _own(sentence):
            continue
        begins = start or _start(_START_RE.search(sentence), date)
        effect = _start(_EFFECT_RE.search(sentence), date)
        if effect:
            valid_from = effect
        until = _UNTIL_RE.search(sentence) or _UNTIL_AFTER_START_RE.search(sentence)
        if until:
            valid_until = _date(until.group(1)) or valid_until
            continue
        term = _TERM_RE.search(sentence) or _VERB_TERM_RE.search(sentence)
        if term:
            end = _term_end(begins or valid_from or date, _number(term.group(1)), term.group(2))
            valid_until = end or valid_until
    return Period(start or valid_from, valid_until, tuple(dict.fromkeys(extends)))
