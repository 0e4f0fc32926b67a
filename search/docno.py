"""Document numbers (文号) and order numbers (令号): finding them in text and folding their spellings.

Shared by the indexer (a document's own number, the numbers it cites) and the query side (a typed number matched
against the canonical one). Canonical form: the issuer prefix as written, brackets folded to 〔〕, half-width digits,
no spaces, 號 -> 号, and for orders `…令第N号` with an Arabic N: 郑政文〔2017〕60号, 国务院令第663号.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Brackets that stand for 〔〕 around the year in the wild (PDF exports, web pages, typed queries).
OPEN_BRACKETS = "〔[【（(［〖"
CLOSE_BRACKETS = "〕]】）)］〗"
# Words that introduce a number in running text and so are not part of its issuer prefix.
LEAD_INS = (
    "根据",
    "按照",
    "依据",
    "依照",
    "参照",
    "对照",
    "贯彻",
    "落实",
    "执行",
    "印发",
    "转发",
    "发布",
    "公布",
    "颁布",
    "通过",
    "详见",
    "見",
    "见",
    "即",
    "的",
    "了",
    "和",
    "及",
    "与",
    "或",
    "是",
    "在",
    "将",
    "由",
    "以",
    "经",
    "據",
    "根據",
    "依據",
    "依照",
    "印發",
    "轉發",
    "發布",
    "頒布",
    "通過",
)
# An order's issuer ends like an organisation; this keeps 责令/命令/指令 + a number out.
ORDER_ISSUER_END = (
    "部",
    "院",
    "委员会",
    "委員會",
    "委",
    "局",
    "署",
    "行",
    "主席",
    "政府",
    "厅",
    "廳",
    "办公室",
    "辦公室",
    "会",
    "會",
    "总署",
    "總署",
)
# Prefixes dropped when building search keys: 国务院令 and 中华人民共和国国务院令 are the same order series.
COUNTRY_PREFIXES = ("中华人民共和国", "中華人民共和國")

_CJK = "\u4e00-\u9fff\u3400-\u4dbf"
_S = r"[ \t\u3000\u200b]*"  # spaces are allowed anywhere inside a number
_DIGIT = "0-9０-９"
_CN_NUM = "零〇一二三四五六七八九十百千两兩"
_OPEN = "[" + re.escape(OPEN_BRACKETS) + "]"
_CLOSE = "[" + re.escape(CLOSE_BRACKETS) + "]"
_HAO = "[号號]"

_BRACKET_PART = (
    rf"(?P<prefix>[{_CJK}](?:{_S}[{_CJK}]){{0,9}}){_S}{_OPEN}{_S}"
    rf"(?P<year>[12１２]{_S}[{_DIGIT}]{_S}[{_DIGIT}]{_S}[{_DIGIT}]){_S}{_CLOSE}{_S}"
    rf"(?P<num>[{_DIGIT}](?:{_S}[{_DIGIT}]){{0,5}})(?:{_S}(?P<hao>{_HAO}))?"
)
_ORDER_PART = (
    rf"(?P<oprefix>[{_CJK}](?:{_S}[{_CJK}]){{0,19}}?){_S}"
    rf"(?:令{_S}(?P<di>第)?{_S}(?P<onum>[{_DIGIT}{_CN_NUM}](?:{_S}[{_DIGIT}{_CN_NUM}]){{0,5}})(?:{_S}(?P<ohao>{_HAO}))?"
    rf"|第{_S}(?P<onum2>[{_DIGIT}{_CN_NUM}](?:{_S}[{_DIGIT}{_CN_NUM}]){{0,5}}){_S}{_HAO}{_S}令)"
)
DOCNO_RE = re.compile(f"{_BRACKET_PART}|{_ORDER_PART}")

# Every character DOCNO_RE can consume; tests check this against the pattern itself.
_RUN_CHARS = _CJK + r" \t\u3000\u200b" + re.escape(OPEN_BRACKETS + CLOSE_BRACKETS) + _DIGIT + _CN_NUM + "号號令第"
_NON_RUN_RE = re.compile(f"[^{_RUN_CHARS}]")
_LAST_NON_RUN_RE = re.compile(f"(?s).*[^{_RUN_CHARS}]")
# Every match holds one of these: the bracket before the year, or the 令 of an order number.
_TRIGGER_RE = re.compile(f"{_OPEN}{_S}[12１２]|令")

# A typed query may drop the brackets: 郑政文2017 60号, 郑政文 2017-60.
_LOOSE_RE = re.compile(
    rf"(?P<prefix>[{_CJK}](?:{_S}[{_CJK}]){{0,9}}){_S}(?P<year>(?:19|20|１９|２０)[{_DIGIT}]{{2}})"
    rf"(?:{_S}[-－—–/第]{_S}|[\s\u3000]+)(?P<num>[{_DIGIT}]{{1,6}}){_S}(?P<hao>{_HAO})?"
)

_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_SPACE_RE = re.compile(r"[\s\u3000\u200b]+")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


@dataclass(frozen=True, slots=True)
class DocNumber:
    """One number found in a text: as written (`raw`, = text[start:end]) and canonical."""

    raw: str
    canonical: str
    start: int
    end: int


def chinese_to_int(s: str) -> int | None:
    """一百二十三 -> 123, 十二 -> 12, 二〇二三 -> 2023 (digit by digit); None for anything else."""
    if not s or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in s):
        return None
    if not any(ch in _CN_UNITS for ch in s):
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def _number(s: str) -> str | None:
    s = _SPACE_RE.sub("", s).translate(_WIDTH)
    if s.isdigit():
        return str(int(s))
    n = chinese_to_int(s)
    return None if n is None else str(n)


def _prefix_cut(prefix: str, *, order: bool) -> int:
    """How many leading (non-space) characters of a prefix run are words of the sentence: 印发了郑政文 -> 3."""
    # 共和国 holds 和, which is a lead-in elsewhere.
    p = _SPACE_RE.sub("", prefix).replace("共和国", "□□□").replace("共和國", "□□□")
    cut = 0
    for word in LEAD_INS:
        # Single characters are cut only in 文号 prefixes: order issuers (对外贸易经济合作部) contain them.
        if order and len(word) == 1 and word not in "的了和及与或":
            continue
        i = p.rfind(word)
        if i >= 0:
            cut = max(cut, i + len(word))
    return cut


def _date_day(m: re.Match[str], prefix: str) -> int:
    """1 when the prefix run starts with the 日 of a date (2020年12月29日 法释〔2020〕17号); 日照市 stays."""
    return int(prefix.startswith("日") and m.start() > 0 and m.string[m.start() - 1].isdigit())


def _parts(m: re.Match[str]) -> tuple[str, int, str] | None:
    """(canonical, non-space characters of the prefix run to skip) for a DOCNO_RE match, or None."""
    if m.group("prefix") is not None:
        cut = _prefix_cut(m.group("prefix"), order=False) or _date_day(m, m.group("prefix"))
        prefix = _SPACE_RE.sub("", m.group("prefix"))[cut:]
        year = _SPACE_RE.sub("", m.group("year")).translate(_WIDTH)
        num = _number(m.group("num"))
        if not prefix or not year.startswith(("19", "20")) or num is None:
            return None
        return f"{prefix}〔{year}〕{num}号", cut, prefix
    cut = _prefix_cut(m.group("oprefix"), order=True) or _date_day(m, m.group("oprefix"))
    prefix = _SPACE_RE.sub("", m.group("oprefix"))[cut:]
    num = _number(m.group("onum") or m.group("onum2"))
    if not prefix or num is None or not prefix.endswith(ORDER_ISSUER_END):
        return None
    # Without 第 and without 号 a 令 + number is too weak a signal (命令10日内).
    if m.group("onum") is not None and not (m.group("di") or m.group("ohao")):
        return None
    return f"{prefix}令第{num}号", cut, prefix


def _from_match(m: re.Match[str]) -> str | None:
    parts = _parts(m)
    return None if parts is None else parts[0]


def _doc_number(text: str, m: re.Match[str]) -> DocNumber | None:
    parts = _parts(m)
    if parts is None:
        return None
    canonical, cut, _ = parts
    start = m.start()
    seen = 0
    while seen < cut or text[start] in " \t\n\u3000\u200b":
        if text[start] not in " \t\n\u3000\u200b":
            seen += 1
        start += 1
    return DocNumber(raw=text[start : m.end()], canonical=canonical, start=start, end=m.end())


def _run_start(text: str, pos: int, lo: int) -> int:
    """Where the run of _RUN_CHARS holding text[pos] starts, looking back no further than `lo`."""
    m = _LAST_NON_RUN_RE.match(text, lo, pos)
    return lo if m is None else m.end()


def find_doc_numbers(text: str) -> list[DocNumber]:
    """Every 文号 / 令号 in `text`, in order, with offsets; `raw` starts at the issuer prefix proper."""
    # Trying the prefix at every CJK position of a long text is slow, and numbers are rare. A match never
    # crosses a character outside _RUN_CHARS and always holds a trigger, so DOCNO_RE only runs over the
    # runs of such characters that hold one. Scanning a whole run from its start keeps the matches
    # (leftmost, non-overlapping) those of a scan of the whole text, and finditer(text, start, end) keeps
    # the character before a match visible to _date_day.
    out: list[DocNumber] = []
    pos = 0
    while True:
        trigger = _TRIGGER_RE.search(text, pos)
        if trigger is None:
            return out
        start = _run_start(text, trigger.start(), pos)
        stop = _NON_RUN_RE.search(text, trigger.end())
        end = len(text) if stop is None else stop.start()
        for m in DOCNO_RE.finditer(text, start, end):
            found = _doc_number(text, m)
            if found is not None:
                out.append(found)
        pos = end


def canonical_doc_number(s: str) -> str | None:
    """The canonical form of `s` if `s` (stripped) is one document number, else None."""
    s = s.strip()
    if not s:
        return None
    m = DOCNO_RE.fullmatch(s)
    if m is not None:
        return _from_match(m)
    m = _LOOSE_RE.fullmatch(s)
    if m is not None:
        return _loose_canonical(m)
    return None


def _loose_canonical(m: re.Match[str]) -> str | None:
    prefix = _SPACE_RE.sub("", m.group("prefix"))[_prefix_cut(m.group("prefix"), order=False) :]
    num = _number(m.group("num"))
    if not prefix or num is None:
        return None
    return f"{prefix}〔{m.group('year').translate(_WIDTH)}〕{num}号"


def doc_number_keys(s: str) -> set[str]:
    """Search keys for every number written in `s` (a query or a stored canonical number).

    A document indexes the keys of its own number; a query's keys are looked up among them. Keys are canonical
    numbers, plus the order number without 中华人民共和国 (国务院令第663号 is how it is usually typed).
    """
    keys: set[str] = set()
    found = [d.canonical for d in find_doc_numbers(s)]
    if not found:
        for m in _LOOSE_RE.finditer(s):
            c = _loose_canonical(m)
            if c is not None:
                found.append(c)
    for c in found:
        keys.add(c)
        for country in COUNTRY_PREFIXES:
            if c.startswith(country) and len(c) > len(country) + 3:
                keys.add(c[len(country) :])
    return keys
