"""Metadata of a cleaned document: title, issuers, own number, dates, type, 效力级别, region, status, citations.

Pure functions over the cleaned text. Patterns run on `analysis.normalize(text)` (simplified, half-width, same
offsets), so one spelling covers traditional and full-width text; every value shown to a reader is cut from the
text as written. Two shapes of document are read: legal texts with a title line and dated history lines
(`2015年2月9日 中华人民共和国国务院令第659号公布`), and government documents (reports, plans, notices) with a
header, a 关于…的报告 title line and a signature block.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from indexer.repeals import read_repeals
from indexer.validity import read_period
from search.analysis import normalize
from search.docno import DocNumber, canonical_doc_number, chinese_to_int, find_doc_numbers
from search.fields import EXTRACTED, with_fields
from search.model import Citation

# Title endings -> doc_type, longest first (办法 before 法). Matched on the simplified title, parentheses removed.
DOC_TYPES = (
    ("宪法修正案", "宪法修正案"),
    ("实施方案", "实施方案"),
    ("工作要点", "工作要点"),
    ("实施细则", "细则"),
    ("实施办法", "办法"),
    ("司法解释", "解释"),
    ("方案", "方案"),
    ("要点", "要点"),
    ("报告", "报告"),
    ("通知", "通知"),
    ("意见", "意见"),
    ("决定", "决定"),
    ("决议", "决议"),
    ("条例", "条例"),
    ("细则", "细则"),
    ("办法", "办法"),
    ("规定", "规定"),
    ("规则", "规则"),
    ("规程", "规程"),
    ("准则", "准则"),
    ("通则", "通则"),
    ("标准", "标准"),
    ("守则", "守则"),
    ("纲要", "纲要"),
    ("规划", "规划"),
    ("计划", "计划"),
    ("解释", "解释"),
    ("批复", "批复"),
    ("答复", "答复"),
    ("公告", "公告"),
    ("通告", "通告"),
    ("安排", "安排"),
    ("宪法", "宪法"),
    ("法典", "法"),
    ("法", "法"),
)
# doc_types that are working documents (工作文件) whatever number they carry.
WORK_DOC_TYPES = ("报告", "实施方案", "方案", "工作要点", "要点", "计划", "规划", "纲要")
# How an organisation's name ends (matched on the simplified form).
ORG_ENDINGS = (
    "人民政府",
    "政府",
    "委员会",
    "常委会",
    "党委",
    "区委",
    "市委",
    "县委",
    "省委",
    "中央",
    "国务院",
    "人民法院",
    "人民检察院",
    "法院",
    "检察院",
    "办公厅",
    "办公室",
    "部",
    "局",
    "厅",
    "署",
    "院",
    "委",
    "中心",
    "会",
    "办",
)
# Lines of a web page or PDF header that are never the title.
CHROME_LINES = ("政府信息公开", "信息公开", "当前位置", "首页", "索引号")
# Section labels of case reports (案例): two of them make a document a case.
CASE_LABELS = ("基本案情", "裁判结果", "裁判要点", "裁判理由", "典型意义", "裁判要旨", "案例分析", "关键词")
# Lines scanned from the top for the title and the header.
TITLE_SCAN_LINES = 15
MAX_TITLE_CHARS = 120
REGIONS_FILE = "regions.tsv"  # in indexer/data/
# What a web page states outside its text (indexer.webpage, through the loader), by key: its 信息公开 table's
# title, issuer, doc_number, written (成文日期), published (发布日期), status (有效性); the spec meta tags'
# article_title, meta_published, content_source; the article heading; html_title (<title> without the site).
# Titles in order of trust:
PAGE_TITLE_KEYS = ("title", "article_title", "heading", "html_title")
# Organisation names a page title may open with (国家金融监督管理总局浙江监管局行政处罚信息公开表), and the
# characters before a 局 that make it an ordinary word (布局, 格局, 大局 …).
TITLE_ORG_ENDINGS = ("人民政府", "政府", "委员会", "办公厅", "办公室", "局", "厅", "署", "部", "院", "中心")
NOT_ORG_BEFORE_ENDING = frozenset("布格结开大全当书赌饭棋僵骗残时变胜邮中干外内细")
MIN_TITLE_ORG_CHARS = 4
# 有效性 as pages write it -> status.
PAGE_STATUS = (
    (("现行有效", "有效"), "current"),
    (("已修改", "已修订", "已修正"), "amended"),
    (("废止", "已废止", "失效", "已失效", "无效"), "repealed"),
    (("试行",), "trial"),
)
_TITLE_OWN_NUMBER = re.compile(r"[(（]([^()（）]{3,30}号)[)）]\s*$")


@dataclass(frozen=True, slots=True)
@with_fields(EXTRACTED)
class Metadata:
    """What the text says of itself: the fields search/fields.py marks `extracted`, then the citations."""

    citations: tuple[Citation, ...]


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and every line of a text is one.
@dataclass(slots=True)
class _Line:
    start: int
    end: int
    text: str  # stripped, as written
    norm: str  # stripped, normalised


_DATE_RE = re.compile(r"((?:19|20)\d\d) *年 *(\d{1,2}) *月 *(\d{1,2}) *日")
_CN_DATE_RE = re.compile(
    r"([〇零一二三四五六七八九]{4}) *年 *([一二三四五六七八九十]{1,3}) *月 *([一二三四五六七八九十]{1,3}) *日"
)
_ISO_RE = re.compile(r"((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})")
_HISTORY_RE = re.compile(r"^((?:19|20)\d\d) *年 *\d{1,2} *月 *\d{1,2} *日")
_HISTORY_VERBS = ("通过", "公布", "发布", "批准", "施行", "修正", "修订", "颁布", "公告", "修改", "废止")
_TAIWAN_DATE_RE = re.compile(r"^(?:最新异动日期|最新異動日期):\s*(\d{4}-\d\d-\d\d)", re.MULTILINE)
_FILENAME_DATE_RE = re.compile(r"\((\d{4}-\d\d-\d\d)\)(?:\.\w+)?$")
_TITLE_YEAR_RE = re.compile(r"((?:19|20)\d\d) *(?:年|-|—|–|~|至)")
_TRAILING_PARENS_RE = re.compile(r"\s*[(（][^()（）]{0,20}[)）]\s*$")
_BOOK_RE = re.compile(r"《([^《》\n]{1,120})》")
_INNER_RE = re.compile(r"[〈<]([^〈〉<>\n]{1,100})[〉>]")
_ABOUT_RE = re.compile(r"关于")
# The text's own entry into force: 本法自2024年7月1日起施行, 本规定自二〇二一年三月一日起实施, 施行日期：2020-05-15.
# The clause names the instrument itself (本…), so a transitional article's date of another law does not count.
_EFFECTIVE_RE = re.compile(
    r"本(?:[^\s。；;，,]{0,12}?)自\s*((?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|[〇零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日)"
    r"\s*起\s*(?:施行|实施|生效|执行)"
)
_EFFECTIVE_LINE_RE = re.compile(r"^\s*(?:施行日期|生效日期|实施日期)\s*[:：]\s*(.{8,16})", re.MULTILINE)


def _lines(text: str, norm: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        end = pos + len(raw)
        stripped = raw.strip()
        if stripped:
            out.append(_Line(pos, end, stripped, norm[pos:end].strip()))
        pos = end + 1
    return out


@lru_cache(maxsize=1)
def normalized_text(text: str) -> str:
    """normalize(text), remembered for the last text: metadata and sections both read the normal form of the
    same cleaned text, one after the other."""
    return normalize(text)


def _iso(y: str | int, m: str | int, d: str | int) -> str | None:
    y, m, d = int(y), int(m), int(d)
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else None


def parse_date(s: str) -> str | None:
    """The first date in `s` as ISO YYYY-MM-DD: 2023年2月28日, 2017 年 3 月 23 日, 2023-02-28,
    二〇二三年二月二十八日."""
    s = normalize(s)
    found = []
    for rx in (_DATE_RE, _ISO_RE):
        m = rx.search(s)
        if m:
            found.append((m.start(), _iso(*m.groups())))
    m = _CN_DATE_RE.search(s)
    if m:
        y, mo, d = (chinese_to_int(g) for g in m.groups())
        if y and mo and d:
            found.append((m.start(), _iso(y, mo, d)))
    found = [f for f in found if f[1]]
    return min(found)[1] if found else None


def _squeeze_title(title: str) -> str:
    """PDF spacing out of a found title line: X XX 市人民政府关于 2019 年度… -> XX市人民政府关于2019年度…."""
    t = re.sub(r"\s+", " ", title.strip())
    t = re.sub(r"(?:^|(?<=\s))(\S)\s+(?=\1)", "", t)  # a stray copy of the next token's first letter
    t = re.sub(r"(?<=[0-9A-Za-z])\s+|\s+(?=[0-9A-Za-z])", "", t)
    i = normalize(t).find("关于")
    if i > 0:
        t = t[:i].rstrip() + re.sub(r"\s+", "", t[i:])
    return t


def _strip_parens(norm_title: str) -> str:
    prev = None
    t = norm_title
    while prev != t:
        prev, t = t, _TRAILING_PARENS_RE.sub("", t)
    return t


def _type_of(norm_title: str) -> str | None:
    t = _strip_parens(norm_title)
    for ending, doc_type in DOC_TYPES:
        if t.endswith(ending):
            return doc_type
    return None


def _is_history(norm_line: str) -> bool:
    return bool(_HISTORY_RE.match(norm_line)) and any(v in norm_line for v in _HISTORY_VERBS)


def _is_law_header(lines: list[_Line]) -> bool:
    """A title line followed by dated history lines or the Taiwanese 法規性質 block (the Markdown law files)."""
    return any(_is_history(ln.norm) or ln.norm.startswith("法规性质") for ln in lines[1:4])


def _title_score(norm: str) -> int:
    # 《》 in a title only after 关于 (关于实施《公司法》…的规定); elsewhere the line cites a title.
    quoted = "《" in norm and "关于" not in norm[: norm.find("《")]
    if (
        len(norm) > MAX_TITLE_CHARS
        or len(norm) < 5
        or "。" in norm
        or quoted
        or norm.startswith(("附件", "附:"))
        or _HISTORY_RE.match(norm)
        or norm.endswith(("文件", ":"))
        or norm in CHROME_LINES
    ):
        return 0
    doc_type = _type_of(norm)
    if doc_type is None:
        return 0
    return 3 if re.search(r"关于.+的", _strip_parens(norm)) else 2


def _unwrap(line: _Line) -> _Line:
    """鄭政文〔2023〕37號《鄭州市人民政府關于…的報告》 -> the title inside the brackets."""
    nums = find_doc_numbers(line.text)
    if nums and nums[0].start == 0:
        rest = line.text[nums[0].end :].strip()
        if rest.startswith("《") and rest.endswith("》"):
            inner = rest[1:-1]
            return _Line(line.start, line.end, inner, normalize(inner))
    return line


def _find_title(lines: list[_Line], filename: str, is_case: bool) -> tuple[str, bool]:
    """(title, read from a law header): see the module docstring for the two shapes."""
    if lines and (_is_law_header(lines) or is_case):
        return lines[0].text, True
    best: tuple[int, int, str] | None = None
    head = [_unwrap(ln) for ln in lines[:TITLE_SCAN_LINES]]
    for i, ln in enumerate(head):
        cands = [ln.text]
        # An issuer on its own line above 关于…的通知 (a red-header document).
        if (
            i > 0
            and ln.norm.startswith("关于")
            and head[i - 1].norm.endswith(ORG_ENDINGS)
            and len(head[i - 1].norm) <= 40
            and "关于" not in head[i - 1].norm
        ):
            cands.insert(0, head[i - 1].text + ln.text)
        for cand in cands:
            score = _title_score(normalize(cand))
            if score and (best is None or score > best[0]):
                best = (score, i, cand)
    if best is not None:
        return _squeeze_title(best[2]), False
    if lines and len(lines[0].text) <= MAX_TITLE_CHARS:
        return lines[0].text, False
    stem = re.sub(r"\.\w+$", "", filename.rsplit("/", 1)[-1])
    return _FILENAME_DATE_RE.sub("", stem + ".x").removesuffix(".x") if stem else "", False


def _split_orgs(s: str) -> tuple[str, ...]:
    parts = [p for p in re.split(r"[\s、,，和及]+", s.strip()) if p]
    return tuple(p for p in parts if normalize(p).endswith(ORG_ENDINGS) and len(p) >= 2)


def _issuers_from_title(title: str) -> tuple[str, ...]:
    i = normalize(title).find("关于")
    if i <= 0:
        return ()
    raw = title[:i]
    # XX 市人民政府: spaces inside one name are PDF artefacts, spaces between names separate issuers.
    raw = re.sub(r"(?<=[0-9A-Za-z])\s+|\s+(?=[0-9A-Za-z])", "", raw)
    return _split_orgs(raw)


_BODY_RES = (
    (re.compile(r"第[一二三四五六七八九十百]+届全国人民代表大会常务委员会"), "全国人民代表大会常务委员会"),
    (re.compile(r"第[一二三四五六七八九十百]+届全国人民代表大会"), "全国人民代表大会"),
    (re.compile(r"全国人民代表大会常务委员会"), "全国人民代表大会常务委员会"),
    (
        re.compile(
            r"([\u4e00-\u9fff]{2,12}?(?:省|市|自治区|自治州|县|区))第[一二三四五六七八九十百]+届人民代表大会(常务委员会)?"
        ),
        None,
    ),
    (re.compile(r"最高人民法院"), "最高人民法院"),
    (re.compile(r"最高人民检察院"), "最高人民检察院"),
    (re.compile(r"国家监察委员会"), "国家监察委员会"),
    (re.compile(r"国务院"), "国务院"),
    (
        re.compile(
            r"(?:中华人民共和国)?([\u4e00-\u9fff]{2,14}?(?:部|委员会|总局|局|署|银行))(?:令|第[\d一二三四五六七八九十百]+次)"
        ),
        None,
    ),
    (re.compile(r"([\u4e00-\u9fff]{2,12}?人民政府)(?:令|第)"), None),
)


def _history_bodies(history: list[_Line]) -> tuple[str, ...]:
    """Bodies that passed or promulgated a law, from its first history lines (up to the first promulgation)."""
    out: list[str] = []
    for ln in history:
        rest = _HISTORY_RE.sub("", ln.norm)
        if re.search(r"修正|修订|修改", rest) and out:
            break
        hits: list[tuple[int, str]] = []
        for rx, name in _BODY_RES:
            for m in rx.finditer(rest):
                if any(s <= m.start() < e for s, e, _ in [(h[0], h[0] + len(h[1]), 0) for h in hits]):
                    continue
                if name is None:
                    whole = m.group(0)
                    body = m.group(1) + (
                        "人民代表大会常务委员会"
                        if "人民代表大会常务委员会" in whole
                        else "人民代表大会"
                        if "人民代表大会" in whole
                        else ""
                    )
                    body = body.removeprefix("经").removeprefix("中华人民共和国")
                else:
                    body = name
                hits.append((m.start(), body))
        for _, body in sorted(hits):
            if body not in out and not any(body in o for o in out):
                out.append(body)
        if out and re.search(r"公布|发布|颁布|通过", rest):
            break
    return tuple(out)


def _own_number(lines: list[_Line], history: list[_Line]) -> DocNumber | None:
    for ln in lines[:8]:
        nums = find_doc_numbers(ln.text)
        if (
            nums
            and nums[0].start == 0
            and (nums[0].end == len(ln.text) or ln.text[nums[0].end :].lstrip().startswith("《"))
        ):
            return nums[0]
    own = None
    for ln in history:
        for d in find_doc_numbers(ln.text):
            after = normalize(ln.text[d.end : d.end + 6])
            if re.match(r"\s*(?:公布|发布|颁布|令公布|修订公布)", after) or re.search(r"法释|高检发", d.canonical):
                own = d
    return own


def _signature(lines: list[_Line]) -> tuple[str | None, tuple[str, ...]]:
    """(date, issuers) of the signature: an organisation line and a line that is only a date."""
    for i, ln in enumerate(lines):
        m = re.fullmatch(
            r"(.{0,40}?)\s*((?:19|20)\d\d *年 *\d{1,2} *月 *\d{1,2} *日"
            r"|[〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)",
            ln.norm,
        )
        if not m or re.search(r"[,。:;]", m.group(1)):
            continue
        orgs: tuple[str, ...] = ()
        if m.group(1).strip():
            if not normalize(m.group(1).strip()).endswith(ORG_ENDINGS):
                continue
            orgs = _split_orgs(re.sub(r"(?<=[0-9A-Za-z])\s+|\s+(?=[0-9A-Za-z])", "", ln.text[: len(m.group(1))]))
        elif i > 0 and lines[i - 1].norm.endswith(ORG_ENDINGS) and len(lines[i - 1].norm) <= 40:
            orgs = _split_orgs(lines[i - 1].text)
        return parse_date(m.group(2)), orgs
    return None, ()


def _history(lines: list[_Line]) -> list[_Line]:
    out = []
    for ln in lines[1:40]:
        if _is_history(ln.norm):
            out.append(ln)
        elif out and not ln.norm.startswith(("根据", "(")):
            break
    return out


def _law_date(history: list[_Line]) -> str | None:
    """The latest passing, amendment or promulgation date in the history lines; dates of entry into force
    (…起施行) do not count. One line may carry several events (…修订根据2017年11月23日…修正)."""
    dates = []
    for ln in history:
        for m in _DATE_RE.finditer(ln.norm):
            rest = ln.norm[m.end() : m.end() + 4].strip()
            if rest.startswith(("施行", "起施行", "起实施", "实施")):
                continue
            d = _iso(*m.groups())
            if d:
                dates.append(d)
    return max(dates) if dates else None


def _citations(text: str, norm: str, title: str, own: str | None) -> tuple[Citation, ...]:
    seen: set[tuple[str, str]] = set()
    out = []
    own_norm = normalize(title)
    for m in _BOOK_RE.finditer(text):
        value = m.group(1).strip()
        values = [value] + [i.group(1).strip() for i in _INNER_RE.finditer(value)]
        for v in values:
            if v and normalize(v) != own_norm and ("title", v) not in seen:
                seen.add(("title", v))
                out.append(Citation("title", v))
    for d in find_doc_numbers(text):
        if d.canonical != own and ("doc_number", d.canonical) not in seen:
            seen.add(("doc_number", d.canonical))
            out.append(Citation("doc_number", d.canonical))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Place:
    code: str
    name: str
    level: str
    parent: str
    path: str


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, list[_Place]], dict[str, _Place]]:
    """name (and short name for provinces and cities) -> places; code -> place."""
    by_name: dict[str, list[_Place]] = {}
    by_code: dict[str, _Place] = {}
    with resources.files("indexer").joinpath("data", REGIONS_FILE).open(encoding="utf-8") as f:
        rows = [ln for ln in f if not ln.startswith("#")]
    for row in csv.DictReader(rows, delimiter="\t"):
        p = _Place(row["code"], row["name"], row["level"], row["parent"], row["path"])
        by_code[p.code] = p
        names = {p.name}
        if p.level in ("province", "city"):
            short = re.sub(r"(省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|地区|盟)$", "", p.name)
            if len(short) >= 2:
                names.add(short)
        for n in names:
            by_name.setdefault(n, []).append(p)
    return by_name, by_code


@lru_cache(maxsize=1)
def _place_re() -> re.Pattern[str]:
    names = sorted(_gazetteer()[0], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _ancestors(p: _Place) -> list[_Place]:
    by_code = _gazetteer()[1]
    out = []
    while p.parent and p.parent in by_code:
        p = by_code[p.parent]
        out.append(p)
    return out


def _region(sources: list[str], context: str) -> str | None:
    """The most specific place named at the start of the issuers / title, disambiguated by the whole text."""
    by_name, _ = _gazetteer()
    for src in sources:
        n = normalize(src)
        anon = re.match(r"(xx|××|某)(省|市|县|区)", n)  # normalize() lower-cases ASCII
        if anon:
            return src[anon.start() : anon.end()]
        if n.startswith(("中华人民共和国", "全国", "国务院", "最高人民")):
            return None
        chosen: _Place | None = None
        pos = 0
        for m in _place_re().finditer(n):
            if chosen is not None and m.start() != pos:
                break
            cands = by_name[m.group(0)]
            if chosen is not None:
                cands = [c for c in cands if chosen in _ancestors(c)]
                if not cands:
                    break
            if len(cands) > 1:
                # 鼓楼区 is in four cities: take the one whose city or province the text names most.
                cands = sorted(
                    cands,
                    key=lambda c: (
                        -sum(
                            context.count(a.name) + context.count(re.sub(r"(省|市)$", "", a.name))
                            for a in _ancestors(c)
                        )
                    ),
                )
            chosen, pos = cands[0], m.end()
        if chosen is not None:
            return chosen.path
    return None


def _level(
    norm_title: str,
    doc_type: str | None,
    history_norm: str,
    own: str | None,
    issuers_norm: str,
    is_case: bool,
    nature: str | None,
) -> str | None:
    if is_case:
        return "案例"
    if nature:
        return "法律" if nature == "法律" else None
    if doc_type in ("宪法", "宪法修正案") and "中华人民共和国" in norm_title + history_norm:
        return "宪法"
    if (
        "最高人民法院" in norm_title + issuers_norm
        or "最高人民检察院" in norm_title + issuers_norm
        or (own and own.startswith(("法释", "高检发")))
    ):
        return "司法解释"
    if "全国人民代表大会" in history_norm or "全国人民代表大会" in issuers_norm:
        return "法律"
    if "国家监察委员会" in history_norm:
        return "监察法规"
    if "国务院" in history_norm or norm_title.startswith("国务院") or (own and "国务院令" in own):
        return "行政法规"
    if re.search(r"人民代表大会(常务委员会)?", history_norm):
        return "地方性法规"
    if own and re.search(r"人民政府令", own):
        return "地方政府规章"
    if re.search(
        r"(部|委员会|总局|局|署|银行)(令|第[\d一二三四五六七八九十百]+次(部|局|委|署|行)务会议)", history_norm
    ) or (own and re.search(r"(部|委员会|总局|局|署)令", own)):
        return "部门规章"
    if doc_type in WORK_DOC_TYPES:
        return "工作文件"
    if own and re.search(r"政|府|办", own.split("〔")[0]):
        return "规范性文件"
    return None


def _page_title(page: Mapping[str, str]) -> str:
    for key in PAGE_TITLE_KEYS:
        value = re.sub(r"\s+", " ", page.get(key, "")).strip()
        if value:
            return value
    return ""


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def _page_issuers(stated: str, title_issuers: tuple[str, ...]) -> tuple[str, ...]:
    """The issuers a page's table names, each short form (省政府办公厅) replaced by the title's full name
    (江西省人民政府办公厅) when the title names an organisation whose characters hold it in order."""
    out: list[str] = []
    for name in (p for p in re.split(r"[\s、,，;；]+", stated.strip()) if p):
        full = next(
            (t for t in title_issuers if len(t) > len(name) and _is_subsequence(normalize(name), normalize(t))), name
        )
        if full not in out:
            out.append(full)
    return tuple(out)


def _title_org(title: str) -> tuple[str, ...]:
    """An organisation a page title opens with, when the title has no 关于 (…监管局行政处罚信息公开表)."""
    norm = normalize(title)
    stop = min((i for i in (norm.find("《"), norm.find("("), norm.find("关于")) if i >= 0), default=len(norm))
    best = ""
    for ending in TITLE_ORG_ENDINGS:
        for m in re.finditer(re.escape(ending), norm[:stop]):
            end = m.end()
            if (
                end >= MIN_TITLE_ORG_CHARS
                and end <= len(norm) - 2
                and norm[m.start() - 1] not in NOT_ORG_BEFORE_ENDING
                and end > len(best)
            ):
                best = title[:end]
    return (best,) if best else ()


def _page_number(page: Mapping[str, str], title: str) -> DocNumber | None:
    """The 文号 a page's table states, else one in brackets at the end of its title
    (…信息公开表（金罚决字〔2024〕36号）)."""
    stated = page.get("doc_number", "")
    if stated:
        found = find_doc_numbers(stated)
        return found[0] if found else DocNumber(stated, canonical_doc_number(stated) or stated, 0, len(stated))
    if page:
        m = _TITLE_OWN_NUMBER.search(title)
        found = find_doc_numbers(m.group(1)) if m else []
        if found:
            return found[0]
    return None


def _page_status(value: str) -> str | None:
    v = re.sub(r"\s+", "", value)
    return next((status for spellings, status in PAGE_STATUS if v in spellings), None)


def extract_metadata(
    text: str, *, filename: str = "", page_meta: Mapping[str, str] = {}, page: Mapping[str, str] = {}
) -> Metadata:
    """Everything Document needs to know about a cleaned text, read from the text itself.

    `filename` gives the fallback title and date (`name(YYYY-MM-DD).md`); `page_meta` the page's `published`;
    `page` what a web page states outside its text (see PAGE_TITLE_KEYS), which comes before the text.
    """
    norm = normalized_text(text)
    lines = _lines(text, norm)
    # A case report opens with its holding as a heading, then labelled parts (基本案情, 裁判结果).
    is_case = sum(label in norm for label in CASE_LABELS) >= 2 and not (lines and _is_law_header(lines))
    title, from_header = _find_title(lines, filename, is_case)
    page_title = _page_title(page)
    if page_title:
        title, from_header = page_title, from_header and normalize(page_title) == normalize(title)
    norm_title = normalize(title)
    history = _history(lines) if from_header else []
    history_norm = "\n".join(ln.norm for ln in history)

    own = _page_number(page, title) or _own_number(lines, history)
    own_canonical = own.canonical if own else None
    sig_date, sig_orgs = (None, ()) if from_header else _signature(lines)

    title_issuers = _issuers_from_title(title)
    issuer = _page_issuers(page["issuer"], title_issuers) if page.get("issuer") else title_issuers
    if not issuer:
        header = next((ln for ln in lines[:6] if ln.norm.endswith("文件") and len(ln.norm) <= 30), None)
        issuer = _split_orgs(header.text[:-2]) if header else ()
    issuer = issuer or sig_orgs or _history_bodies(history) or (_title_org(title) if page else ())

    taiwan = _TAIWAN_DATE_RE.search(norm[:600])
    date = (
        parse_date(page.get("written", ""))
        or sig_date
        or _law_date(history)
        or (taiwan.group(1) if taiwan else None)
        or _first_marked(lines, "印发")
        or parse_date(page.get("published", ""))
        or parse_date(page_meta.get("published", "") or "")
        or parse_date(page.get("meta_published", ""))
        or _published_line(lines)
    )
    if date is None:
        m = _FILENAME_DATE_RE.search(filename)
        date = m.group(1) if m else None
    ty = _TITLE_YEAR_RE.search(norm_title)
    year = int(ty.group(1)) if ty else (int(date[:4]) if date else None)

    doc_type = "案例" if is_case else _type_of(norm_title)
    nature_m = re.search(r"^法规性质:\s*(\S+)", norm[:400], re.MULTILINE)
    issuers_norm = " ".join(normalize(i) for i in issuer)
    level = _level(
        norm_title,
        doc_type,
        history_norm,
        own_canonical,
        issuers_norm,
        is_case,
        nature_m.group(1) if nature_m else None,
    )

    status = None
    if "征求意见稿" in norm_title:
        status = "draft"
    elif re.search(r"试行|暂行", norm_title):
        status = "trial"
    if re.search(r"^废止注记:|已废止|已经废止", norm[:1500], re.MULTILINE):
        status = "repealed"
    status = _page_status(page.get("status", "")) or status

    valid_from = effective_date(norm, date)
    context = norm + " " + " ".join(normalize(str(v)) for v in page_meta.values())
    region = _region([*issuer, title] if not norm_title.startswith("中华人民共和国") else [], context)
    period = read_period(text, norm, date)
    return Metadata(
        title=title,
        issuer=tuple(issuer),
        doc_number=own_canonical,
        doc_number_raw=own.raw if own else None,
        year=year,
        date=date,
        doc_type=doc_type,
        level=level,
        region=region,
        status=status,
        valid_from=valid_from or period.valid_from,
        valid_until=period.valid_until,
        extends=period.extends,
        repeals=read_repeals(norm, norm_title),
        citations=_citations(text, norm, title, own_canonical),
    )


def effective_date(norm: str, date: str | None) -> str | None:
    """The day the text says it enters into force (its last 本…自…起施行 clause, or a 施行日期 line), when that is
    not before `date`: an amended law keeps its first enactment's clause (本法自1994年7月1日起施行), which is no
    date of the amended version, whose own entry into force is then unknown here."""
    dates = [d for m in _EFFECTIVE_RE.finditer(norm) if (d := parse_date(m.group(1)))]
    dates = dates or [d for m in _EFFECTIVE_LINE_RE.finditer(norm[:2000]) if (d := parse_date(m.group(1)))]
    if not dates:
        return None
    last = dates[-1]
    return last if date is None or last >= date else None


def _first_marked(lines: list[_Line], mark: str) -> str | None:
    for ln in lines:
        if ln.norm.endswith(mark) and len(ln.norm) <= 20:
            return parse_date(ln.norm)
    return None


def _published_line(lines: list[_Line]) -> str | None:
    for ln in lines[:TITLE_SCAN_LINES]:
        m = re.search(r"(?:发布时间|发布日期|成文日期)\s*:\s*(.{8,12})", ln.norm)
        if m:
            return parse_date(m.group(1))
    return None


__all__ = ["Metadata", "canonical_doc_number", "extract_metadata", "parse_date"]
