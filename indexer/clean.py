"""Remove conversion junk and page furniture from raw document text, before it is stored.

Every step is a pure function of a string; `clean_text` composes them in a fixed order.  Cleaning
never changes the script (no traditional/simplified conversion) and never touches full-width
punctuation, 〔〕 or 《》: folding for search is the analyzer's job, and it must keep offsets into
the text produced here.

Output convention: one paragraph (or heading, title, signature line) per line, lines separated by
a single "\\n", no blank lines, no leading or trailing spaces on a line, no leading or trailing
newline.  Blank lines carry no meaning after cleaning; the section splitter works on heading lines.
Cleaned text is plain text: cleaning it again with the default format leaves it unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise, repeat

FORMATS = ("text", "markdown", "html", "docx", "pdf")

# ---------------------------------------------------------------------------------------------
# Tuning tables
# ---------------------------------------------------------------------------------------------

# Line separators other than LF that converters leave behind; splitting must not depend on them.
LINE_SEPARATORS = "\v\x85\u2028\u2029\x1c\x1d\x1e"

# Characters that render as nothing: zero-width space/joiners, word joiner, BOM, soft hyphen,
# direction marks.
INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"

# Sentence-final punctuation: a PDF line ending in one of these ends a paragraph.  》 and ）
# are deliberately absent: 《title》 and （year range） are often cut from the rest of a sentence.
FINAL_PUNCT = "。！？；：…”」』.!?;:"

# Punctuation that marks running prose (as opposed to a title, signature or issuer line).
PROSE_PUNCT = "，,、；;：:。！？!?"

# A line cut by a page break is at least about one printed line long (GB/T 9704 pages hold 28
# characters a line); titles, issuers and signatures are shorter or carry no prose punctuation.
MIN_CUT_LINE_CHARS = 20

# Longest line still taken for a heading when it starts with a heading marker.
MAX_HEADING_CHARS = 40

# 第X条 starts a heading only when the line holds little more than the marker; otherwise it is
# the first line of an article and may be cut like any paragraph.
MAX_ARTICLE_HEADING_CHARS = 12

# Longest issuer + date line (`郑州市人民政府办公厅 2017年3月27日印发`).
MAX_DATE_LINE_CHARS = 40

# Endings of document titles: such a line is never continued by the next one.
TITLE_ENDINGS = (
    "通知",
    "通報",
    "通报",
    "报告",
    "報告",
    "决定",
    "決定",
    "意见",
    "意見",
    "办法",
    "辦法",
    "规定",
    "規定",
    "条例",
    "條例",
    "方案",
    "要点",
    "要點",
    "计划",
    "計劃",
    "纲要",
    "綱要",
    "规则",
    "規則",
    "细则",
    "細則",
    "公告",
    "批复",
    "批復",
    "文件",
    "征求意见稿）",
    "征求意见稿)",
    "征求意見稿）",
    "征求意見稿)",
    "试行）",
    "试行)",
    "試行）",
    "試行)",
)

# Navigation labels that scrapers keep as the first line of a page, above the real title.
NAV_LINES = frozenset(
    {
        "政府信息公开",
        "政府信息公開",
        "政务公开",
        "政務公開",
        "信息公开",
        "信息公開",
        "政府信息公开目录",
        "通知公告",
        "政策文件",
        "政策法规",
        "政策法規",
        "首页",
        "首頁",
        "正文",
        "详情",
        "詳情",
    }
)

# Web-footer lines that are furniture only next to a strong marker (below): the same words open
# the 版记 of an official notice (主办：市政府法制办), which is content.
WEAK_FOOTER = re.compile(
    r"^(?:主[办辦]|承[办辦]|[协協][办辦]|主管|(?:网站|網站)?(?:联系|聯繫|聯系)?(?:地址|[电電]话|[电電]話)"
    r"|[邮郵][编編]|[传傳]真|(?:电子|電子)?[邮郵]箱|E-?mail|[办辦]公[时時][间間]"
    r"|(?:技术|技術)支持|(?:网站|網站)?[维維][护護])\s*[:：]"
    r"|^[(（](?:夏季|冬季)[)）]"
    r"|^(?:联系我们|聯繫我們|聯系我們|网站地图|網站地圖|关于我们|關於我們)(?:\s|$)",
    re.IGNORECASE,
)

SITE_ID = re.compile(r"(?:网站|網站)(?:标识码|標識碼)\s*[:：]?\s*([0-9A-Za-z]+)")
ICP = re.compile(r"([\u4e00-\u9fff]{0,2}ICP[备備]\s*\d+\s*[号號]?(?:-\d+)?)")
POLICE_RECORD = re.compile(r"([\u4e00-\u9fff]{0,2}公[网網]安[备備]\s*\d+\s*[号號]?)")
PUBLISHDATE = re.compile(r"publishdate\s*[:：]\s*(\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2}(?::\d{2})?)?)", re.IGNORECASE)
CMS_MARK = re.compile(r"Produced\s+By\s+CMS|publishdate\s*[:：]", re.IGNORECASE)
# `扫描二维码 关注我们`, `手机扫一扫`: the whole line is the prompt, so a sentence about QR codes stays.
QR_LINE = re.compile(
    r"(?=.*(?:[扫掃]|二[维維][码碼]|[关關]注我))(?:(?:用)?手[机機])?(?:扫描|掃描|扫一扫|掃一掃)?\s*(?:二[维維][码碼])?\s*"
    r"(?:(?:关注|關注)我[们們]|在手[机機](?:上)?(?:打开|打開)(?:当前|當前)[页頁]|分享到手[机機])?"
)
COPYRIGHT = re.compile(r"^(?:Copyright|©|\(c\))|版[权權]所有|All Rights Reserved", re.IGNORECASE)
COPYRIGHT_OWNER = re.compile(
    r"(?:Copyright\s*)?(?:©|\(c\))?\s*(?:\d{4}(?:\s*[-–—]\s*\d{4})?)?\s*(\S+?)\s*版[权權]所有",
    re.IGNORECASE,
)
MAX_COPYRIGHT_LINE_CHARS = 80
BREADCRUMB = re.compile(
    r"^(?:当前位置|當前位置|您的位置|您当前的位置|您當前的位置|您现在的位置|您現在的位置)\s*[:：]"
    r"|^(?:首页|首頁)\s*[>＞»›/]"
)
SITE_OWNER = re.compile(r"^主[办辦]\s*[:：]\s*(\S+)")

# A line made only of page fields (发布时间/来源/浏览次数 …) and print/close buttons.
_FIELD_KEY = (
    r"(?:发布时间|發布時間|發佈時間|发布日期|發布日期|發佈日期|信息来源|信息來源|文章来源|文章來源|来源|來源"
    r"|浏览次数|瀏覽次數|浏览量|瀏覽量|点击数|點擊數|点击量|點擊量|阅读次数|閱讀次數|访问量|訪問量"
    r"|责任编辑|責任編輯|编辑|編輯|作者)"
)
_FIELD_VALUE = r"(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?: \d{1,2}:\d{2}(?::\d{2})?)?|[^\s:：]*)"
_UI_TOKEN = (
    r"(?:[【\[](?:打印本页|打印|关闭窗口|关闭|關閉|收藏|分享)[】\]]|打印本页|关闭窗口"
    r"|(?:字号|字號)\s*[:：]?(?:\s*[大中小])*)"
)
FIELD_LINE = re.compile(rf"(?:\s*(?:{_FIELD_KEY}\s*[:：]\s*{_FIELD_VALUE}|{_UI_TOKEN}))+\s*")
FIELD_KEYS_OF_PAGE = re.compile(r"发布|發布|發佈|浏览|瀏覽|点击|點擊|阅读|閱讀|访问|訪問|打印|关闭|關閉|字号|字號")
PUBLISHED = re.compile(
    r"(?:发布时间|發布時間|發佈時間|发布日期|發布日期|發佈日期)\s*[:：]\s*"
    r"(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?: \d{1,2}:\d{2}(?::\d{2})?)?)"
)
SOURCE = re.compile(r"(?:^|\s)(?:信息|文章)?(?:来源|來源)\s*[:：]\s*([^\s:：]+)")

# ---------------------------------------------------------------------------------------------
# Shared patterns
# ---------------------------------------------------------------------------------------------

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_NUM = "一二三四五六七八九十百千零〇两"

# Starts of headings and list items.
HEADING_START = re.compile(
    rf"^(?:[{_CJK_NUM}]+[、.．]"
    rf"|[（(][{_CJK_NUM}]+[)）]"
    r"|\d{1,3}[、.．](?!\d)"
    r"|[（(]\d{1,3}[)）]"
    r"|[①-⑳]"
    rf"|第[{_CJK_NUM}\d]+[编編章节節条條款]"
    r"|附件|附[:：])"
)
ARTICLE_START = re.compile(rf"^第[{_CJK_NUM}\d\s]+[条條]")
# `原因分析：`, `抄送：`: a short label opening a block of its own.
LABEL_START = re.compile(rf"^[{_CJK}]{{2,4}}[:：]")
DATE_END = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日(?:印发|印發|发布|發布)?$")
DOC_NUMBER_LINE = re.compile(rf"^[{_CJK}]{{1,12}}\s*[〔\[［(（]\s*\d{{4}}\s*[〕\]］)）]\s*\d+\s*[号號]$")

PAGE_NUMBER_LINE = re.compile(
    r"^[ \t]*(?:[-—–－―][ \t]*\d{1,4}[ \t]*[-—–－―]"
    r"|第[ \t]*\d{1,4}[ \t]*页(?:[ \t]*[,，/][ \t]*共[ \t]*\d{1,4}[ \t]*页)?"
    r"|\d{1,4}[ \t]*/[ \t]*\d{1,4})[ \t]*$",
    re.MULTILINE,
)
NUMBER_BEFORE_FORMFEED = re.compile(r"(?:^|(?<=\n))[ \t]*\d{1,4}[ \t]*(?=\f)")
NUMBER_AFTER_FORMFEED = re.compile(r"(?<=\f)[ \t]*\d{1,4}[ \t]*(?=\n|\f|$)")

LOST_CHAR_LINE = re.compile(r"^[ ?？]*[?？][ ?？]*$", re.MULTILINE)
LOST_CHAR_AFTER_NUMBER = re.compile(
    rf"(?<![\d.．])(\d{{1,3}}[.．、]|[（(]\d{{1,3}}[)）]|[{_CJK_NUM}]+、)[?？]+(?=[{_CJK}])"
)
LOST_COPYRIGHT_SIGN = re.compile(r"(Copyright)\s*[?？]", re.IGNORECASE)

_PINYIN_VOWELS = "aeiouüêāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ\u0300\u0301\u030c\u0304"
PINYIN_SYLLABLE = re.compile(rf"(?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])?[{_PINYIN_VOWELS}\u0300-\u036f]+(?:ng|n|r)?")
PINYIN_GROUP = re.compile(rf"(?<=[{_CJK}])(?:[(（][a-z{_PINYIN_VOWELS}\u0300-\u036f]+ ?[)）])+")
ROMAN_NUMERAL = re.compile(r"[ivxlcdm]+")
PINYIN_IN_PARENS = re.compile(rf"[(（]([a-z{_PINYIN_VOWELS}\u0300-\u036f]+) ?[)）]")

STRAY_LIST_DIGIT = re.compile(rf"(?<=[、{_CJK}])( ?)\d (?=(?:1[89]|20)\d\d ?年)")

MARKDOWN_HEADING = re.compile(r"^(?:#{1,6}(?:[ \t]+|$))+", re.MULTILINE)
MARKDOWN_COMMENT_LINE = re.compile(r"^[ \t]*<!--.*-->[ \t]*$", re.MULTILINE)
MARKDOWN_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t:|-]*-{3,}[ \t:|-]*$", re.MULTILINE)


# Translating text that holds none of the characters still copies it character by character, and most
# text holds none: the search first makes the common case cheap.
_LINE_SEPARATOR_TABLE = str.maketrans(dict.fromkeys(LINE_SEPARATORS, "\n"))
_LINE_SEPARATOR_RE = re.compile(f"[{re.escape(LINE_SEPARATORS)}]")
_INVISIBLE_TABLE = str.maketrans(dict.fromkeys(INVISIBLE_CHARS))
_INVISIBLE_RE = re.compile(f"[{re.escape(INVISIBLE_CHARS)}]")
_CONTROLS = "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
_CONTROL_RE = re.compile(f"[{_CONTROLS}]")
# What \\s matches in a str pattern (str.isspace) except LF and the ASCII space; a test checks every code point.
_OTHER_SPACES = "\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_OTHER_SPACE_RE = re.compile(f"[{_OTHER_SPACES}]")
# Any character normalize_whitespace removes or replaces.
_UNUSUAL_SPACE_RE = re.compile(f"[{re.escape(INVISIBLE_CHARS)}{_CONTROLS}{_OTHER_SPACES}]")

# Most text holds nothing some steps act on; the steps first look for what every match needs, a search that
# runs through the text in C, and return the text as it is when it is absent.
# PINYIN_GROUP: a parenthesis followed by a pinyin letter.
_PINYIN_HINT = re.compile(rf"[(（][a-z{_PINYIN_VOWELS}\u0300-\u036f]")
# STRAY_LIST_DIGIT: the space after its digit and what its lookahead needs (starting at the space, the search
# skips to the spaces of the text; digits are many more).
_STRAY_DIGIT_HINT = re.compile(r" (?:1[89]|20)\d\d ?年")

# remove_web_furniture reads a line only when it can be furniture (strong or weak); other lines are content.
# A furniture line holds one of these characters: 码 of 网站标识码 (SITE_ID, QR_LINE), 网 of 公网安备
# (POLICE_RECORD) and 网站地图 (WEAK_FOOTER), C of ICP, c/h of Produced By CMS and publishdate (CMS_MARK),
# c/C/h/© of Copyright, (c) and All Rights Reserved, 版 of 版权所有 (COPYRIGHT), 扫/我 of QR_LINE's lookahead,
# 季 of （夏季）and 我 of 联系我们 (WEAK_FOOTER).  No other character matches c or h under IGNORECASE.
_FURNITURE_HINT = re.compile("[码碼网網扫掃我版季cChH©]")
# ... or it starts with what the rest of BREADCRUMB and WEAK_FOOTER (anchored at the line start) begin with,
# or with what FIELD_LINE (a fullmatch) begins with: a field key or a UI token.
_FURNITURE_START = re.compile(
    r"\s*[当當您首"
    r"主承协協网網联聯地电電邮郵传傳Ee办辦技维維"
    r"发發信文来來浏瀏点點阅閱访訪责責编編作【\[打关字]"
)


@dataclass(frozen=True, slots=True)
class Cleaned:
    """What cleaning hands to metadata extraction: the text to store, and facts read off the furniture."""

    text: str  # cleaned text, in the document's own script
    page_meta: dict[str, str] = field(default_factory=dict)  # facts from removed page furniture


# ---------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------


def normalize_newlines(text: str) -> str:
    """CRLF, CR and the rarer line separators become LF; a byte-order mark is dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _LINE_SEPARATOR_RE.search(text):
        text = text.translate(_LINE_SEPARATOR_TABLE)
    return text.replace("\ufeff", "")


def split_form_feeds(text: str) -> str:
    """Form feeds become line breaks; a lone number beside one is a page number and goes."""
    if "\f" not in text:
        return text
    text = NUMBER_BEFORE_FORMFEED.sub("", text)
    text = NUMBER_AFTER_FORMFEED.sub("", text)
    return text.replace("\f", "\n")


def remove_page_numbers(text: str) -> str:
    """Drop page-number lines (`- 3 -`, `第 3 页`, `3/12`, a number beside a form feed) and form feeds."""
    return PAGE_NUMBER_LINE.sub("", split_form_feeds(text))


def normalize_whitespace(text: str) -> str:
    """Remove invisible characters and controls; every other space (NBSP, U+3000, tab) becomes one ASCII space.

    Lines lose leading and trailing spaces: paragraph indentation is layout, not content.
    """
    # One search tells whether any of the three replacements below has work (most texts have none).
    if _UNUSUAL_SPACE_RE.search(text):
        if _INVISIBLE_RE.search(text):
            text = text.translate(_INVISIBLE_TABLE)
        text = _CONTROL_RE.sub("", text)
        # Every space becomes " " here and a run of them one " " below: a whitespace run becomes one space.
        text = _OTHER_SPACE_RE.sub(" ", text)
    while "  " in text:
        text = text.replace("  ", " ")
    # Every space run is now one " ": the spaces at line ends are those beside a newline and at the ends.
    return text.replace(" \n", "\n").replace("\n ", "\n").strip(" ")


def fix_lost_characters(text: str) -> str:
    """Drop the `?` a converter wrote for a character it could not map.

    Only where it cannot be a question mark: alone on a line, between a list number and the
    text (`1.?推进`), and after `Copyright` (the lost ©).
    """
    if "?" not in text and "？" not in text:
        return text  # every pattern needs one
    text = LOST_CHAR_LINE.sub("", text)
    text = LOST_CHAR_AFTER_NUMBER.sub(r"\1", text)
    return LOST_COPYRIGHT_SIGN.sub(r"\1 ©", text)


def _is_pinyin(word: str) -> bool:
    if not PINYIN_SYLLABLE.fullmatch(word):
        return False
    toned = any(c in _TONE_MARKS for c in word)
    # Untoned single letters and roman numerals are list markers more often than pinyin.
    return toned or (len(word) > 1 and not ROMAN_NUMERAL.fullmatch(word))


def remove_pinyin_artifacts(text: str) -> str:
    """Delete pinyin a broken converter put in parentheses after characters: `關(guān)於` -> `關於`.

    Parentheticals that are not one lower-case pinyin syllable stay: (一), (市), (APP), (2021—2025年).
    """

    def strip_group(match: re.Match[str]) -> str:
        parts = PINYIN_IN_PARENS.findall(match.group(0))
        if all(_is_pinyin(p) for p in parts):
            return ""
        # Pinyin before the first real parenthetical goes; from there on the text stays as it is.
        kept = match.group(0)
        for m in PINYIN_IN_PARENS.finditer(kept):
            if not _is_pinyin(m.group(1)):
                return kept[m.start() :]
        return kept

    if not _PINYIN_HINT.search(text):
        return text
    return PINYIN_GROUP.sub(strip_group, text)


def strip_markdown(text: str) -> str:
    """Remove Markdown syntax that is not content: heading marks, comment lines, table rules and pipes."""
    # Each pattern needs its literal; without a line starting with | the loop below changes nothing.
    if "<!--" in text:
        text = MARKDOWN_COMMENT_LINE.sub("", text)
    if "---" in text:
        text = MARKDOWN_TABLE_RULE.sub("", text)
    if "#" in text:
        text = MARKDOWN_HEADING.sub("", text)
    if "\n|" not in text and not text.startswith("|"):
        return text
    lines = []
    for line in text.split("\n"):
        if line.startswith("|"):
            lines.append(" ".join(cell.strip() for cell in line.strip("|").split("|") if cell.strip()))
        else:
            lines.append(line)
    return "\n".join(lines)


def _is_strong_furniture(line: str) -> bool:
    if SITE_ID.search(line) or ICP.search(line) or POLICE_RECORD.search(line) or CMS_MARK.search(line):
        return True
    if BREADCRUMB.search(line):
        return True
    if QR_LINE.fullmatch(line):
        return True
    if COPYRIGHT.search(line) and len(line) <= MAX_COPYRIGHT_LINE_CHARS and "。" not in line:
        return True
    return bool(FIELD_LINE.fullmatch(line) and FIELD_KEYS_OF_PAGE.search(line))


def _furniture_meta(line: str, meta: dict[str, str], owners: list[str]) -> None:
    for key, pattern in (
        ("site_id", SITE_ID),
        ("icp", ICP),
        ("police_record", POLICE_RECORD),
        ("publishdate", PUBLISHDATE),
        ("published", PUBLISHED),
        ("source", SOURCE),
    ):
        found = pattern.search(line)
        if found and found.group(1).strip():
            meta.setdefault(key, found.group(1).strip())
    owner = SITE_OWNER.search(line)
    if owner:
        owners.insert(0, owner.group(1))
    elif COPYRIGHT.search(line):
        owner = COPYRIGHT_OWNER.search(line)
        if owner and not owner.group(1).isdigit():
            owners.append(owner.group(1))


def remove_web_furniture(text: str) -> tuple[str, dict[str, str]]:
    """Remove web-page furniture lines and return the facts they held (published, site_id, icp …).

    A run of consecutive footer lines goes only if it holds a strong marker (网站标识码, ICP备,
    公网安备, Copyright, Produced By CMS …); navigation labels go only as the first line.
    """
    lines = text.split("\n")
    kinds: list[str] = []  # per line: "strong", "weak", "content", or "" for a blank line
    hint, start = _FURNITURE_HINT.search, _FURNITURE_START.match
    for line in lines:
        if not line:
            kinds.append("")
        elif not start(line) and not hint(line):
            kinds.append("content")
        elif _is_strong_furniture(line):
            kinds.append("strong")
        elif WEAK_FOOTER.search(line):
            kinds.append("weak")
        else:
            kinds.append("content")

    if "strong" not in kinds:
        # Nothing is dropped, and no facts are read.
        return _drop_nav_lines(lines), {}
    drop, meta = _furniture_runs(lines, kinds)
    kept = [line for k, line in enumerate(lines) if not drop[k]]
    return _drop_nav_lines(kept), meta


def _furniture_runs(lines: list[str], kinds: list[str]) -> tuple[list[bool], dict[str, str]]:
    """Which lines go (each run of furniture lines, blank lines inside it included, that holds a strong one),
    and the facts the lines that go hold."""
    drop = [False] * len(lines)
    i = 0
    while i < len(lines):
        if kinds[i] not in ("strong", "weak"):
            i += 1
            continue
        j, members = i, []
        while j < len(lines) and kinds[j] in ("strong", "weak", ""):
            if kinds[j]:
                members.append(j)
            j += 1
        if any(kinds[k] == "strong" for k in members):
            for k in members:
                drop[k] = True
        i = j

    meta: dict[str, str] = {}
    owners: list[str] = []
    for k, line in enumerate(lines):
        if drop[k]:
            _furniture_meta(line, meta, owners)
    if owners:
        meta["site_owner"] = owners[0]
    return drop, meta


def _drop_nav_lines(kept: list[str]) -> str:
    """Navigation labels above the title go (more than one can be stacked), while another line is left."""
    first = 0
    while True:
        while first < len(kept) and not kept[first]:
            first += 1
        if first == len(kept) or kept[first] not in NAV_LINES or not any(kept[first + 1 :]):
            break
        del kept[first]
    return "\n".join(kept)


def fix_stray_list_digits(text: str) -> str:
    """Drop a stray digit that PDF conversion glued before a year: `一、9 2019 年度` -> `一、2019 年度`."""
    if not _STRAY_DIGIT_HINT.search(text):
        return text
    return STRAY_LIST_DIGIT.sub(r"\1", text)


def _ends_sentence(line: str) -> bool:
    return line[-1] in FINAL_PUNCT


def _is_heading(line: str) -> bool:
    if ARTICLE_START.match(line):
        return len(line) <= MAX_ARTICLE_HEADING_CHARS
    return (
        bool(HEADING_START.match(line)) and len(line) <= MAX_HEADING_CHARS and not any(c in line for c in "。；;！!？?")
    )


def _is_prose(line: str) -> bool:
    return any(c in line for c in PROSE_PUNCT)


def _is_title(line: str) -> bool:
    return not _is_prose(line) and line.endswith(TITLE_ENDINGS)


def _is_standalone(line: str) -> bool:
    """Date, signature-with-date and 文号 lines are never joined to a neighbour."""
    if DOC_NUMBER_LINE.match(line):
        return True
    return len(line) <= MAX_DATE_LINE_CHARS and not _is_prose(line) and bool(DATE_END.search(line))


def _starts_block(line: str) -> bool:
    return bool(HEADING_START.match(line) or LABEL_START.match(line)) or _is_standalone(line)


def _should_join(para: str, nxt: str, blank_between: bool) -> bool:
    if _ends_sentence(para) or _is_heading(para) or _is_title(para) or _is_standalone(para):
        return False
    if _starts_block(nxt):
        return False
    if blank_between:
        # A blank line is a paragraph break unless the line before it is cut-off prose.
        return len(para) >= MIN_CUT_LINE_CHARS and _is_prose(para)
    return True


def _is_wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80 or ch in "“”‘’—…·"


def _glue(left: str, right: str) -> str:
    if _is_wide(left[-1]) or _is_wide(right[0]):
        return left + right
    return left + " " + right


def _lines_with_gaps(text: str) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    blank = False
    for raw in text.split("\n"):
        line = raw.strip(" ")
        if not line:
            blank = bool(out)
            continue
        out.append((line, blank))
        blank = False
    return out


def looks_like_pdf(text: str) -> bool:
    """True for text laid out like PDF output: paragraphs between blank lines, some cut mid-sentence."""
    lines = _lines_with_gaps(text)
    if len(lines) < 2:
        return False
    blank_gaps = sum(1 for _, blank in lines[1:] if blank)
    if blank_gaps * 2 < len(lines) - 1:
        return False
    return any(blank and _should_join(prev, line, True) for (prev, _), (line, blank) in pairwise(lines))


def join_broken_lines(text: str) -> str:
    """Rejoin paragraphs that PDF conversion cut at line and page breaks.

    A line continues on the next one unless it ends a sentence, is a heading, title, date or 文号,
    or the next line starts a heading or list item.  Across a blank line (a page break) the line
    must also be long prose.  No space is put between two CJK characters.
    """
    paragraphs: list[tuple[str, bool]] = []
    for line, blank in _lines_with_gaps(text):
        if paragraphs and _should_join(paragraphs[-1][0], line, blank):
            para, para_blank = paragraphs[-1]
            paragraphs[-1] = (_glue(para, line), para_blank)
        else:
            paragraphs.append((line, blank))
    return "".join(("\n\n" if blank else "\n") + para for para, blank in paragraphs).lstrip("\n")


def collapse_blank_lines(text: str) -> str:
    """One paragraph per line: blank lines and spaces at line ends go."""
    return "\n".join(filter(None, map(str.strip, text.split("\n"), repeat(" "))))


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def _local_fixes(text: str) -> str:
    # Page-number lines go after the artifacts that can hide one (`第0页(au)`).
    text = normalize_whitespace(split_form_feeds(text))
    text = fix_lost_characters(text)
    text = remove_pinyin_artifacts(text)
    text = remove_page_numbers(text)
    return fix_stray_list_digits(text)


def clean_text(text: str, fmt: str = "text") -> Cleaned:
    """Clean raw text extracted from a file of format `fmt` ("text", "markdown", "html", "docx", "pdf").

    PDF line joining runs for "pdf", and for "text" that `looks_like_pdf`; "docx" and "html" text
    already has one paragraph per line.  Markdown syntax goes only for "markdown".
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    text = normalize_newlines(text)
    text = _local_fixes(text)
    if fmt == "markdown":
        # Markup can hide an artifact (`# -0-` is a page number): the local fixes run once more.
        text = _local_fixes(strip_markdown(text))
    text, meta = remove_web_furniture(text)
    if fmt == "pdf" or (fmt == "text" and looks_like_pdf(text)):
        # Joining can bring pieces of an artifact together; the local fixes run once more.
        text = _local_fixes(join_broken_lines(text))
    return Cleaned(text=collapse_blank_lines(text), page_meta=meta)
