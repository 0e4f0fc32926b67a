"""What a government web page says about its document, read from the page's structure.

A detail page of a government site holds, besides the document: a 政府信息公开 table (索引号, 发文机关, 文号,
成文日期 … as a <table>, a <ul>/<li> list, <dl> or <div>s, labels often spaced out with full-width or
ideographic spaces), the <meta> tags of the national government-website specification (ArticleTitle, PubDate,
ContentSource …), the article heading, and the site's furniture around them. These are pure functions over a
parsed page: which labelled fields it states, where its body is (the element that holds most of the page's
paragraph text, whatever its class), which links are attachments, and the title with the site's suffix cut.
None of them knows one site's class names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bs4.element import NavigableString, PreformattedString, Tag

# Labels of the 信息公开 table, by the role their value plays; any other label of the table is kept as written.
# Compared without spaces and without a trailing colon.
ROLE_LABELS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "名称", "文件名称", "公文名称", "信息名称", "文件标题", "文章标题", "题名", "政策名称"),
    "issuer": (
        "发文机关",
        "发布机构",
        "发文单位",
        "发布单位",
        "发文机构",
        "发布机关",
        "制发机关",
        "成文机关",
        "发文部门",
        "办文部门",
        "制文机关",
        "公开机构",
        "信息发布机构",
        "发布部门",
    ),
    "doc_number": ("发文字号", "文号", "发文编号", "文件编号", "文件字号", "字号", "文件文号"),
    "written": ("成文日期", "发文日期", "印发日期", "签发日期", "生成日期", "制发日期", "形成日期", "成文时间"),
    "published": ("发布日期", "公开日期", "发布时间", "公布日期", "公开时间", "发文时间"),
    "status": ("有效性", "时效性", "效力状态", "是否有效", "有效状态", "效力", "时效"),
    "valid_from": ("施行日期", "生效日期", "实施日期", "生效时间"),
}
OTHER_LABELS = (
    "索引号",
    "主题分类",
    "信息分类",
    "组配分类",
    "体裁分类",
    "服务对象分类",
    "主题词",
    "关键词",
    "关键字",
    "信息格式",
    "语种",
    "内容概述",
    "公开方式",
    "公开范围",
    "公开时限",
    "统一编号",
    "有效期",
    "废止日期",
    "失效日期",
    "信息来源",
    "文种",
    "公文种类",
    "所属主题",
    "主题",
    "分类",
    "来源",
    "发布人",
    "责任部门",
    "公开形式",
    "公开类别",
    "信息索引号",
    "登记号",
    "规范性文件登记号",
)
_ROLE_OF = {label: role for role, labels in ROLE_LABELS.items() for label in labels}
KNOWN_LABELS = frozenset(_ROLE_OF) | frozenset(OTHER_LABELS)
# A table is the page's 信息公开 table when it holds at least this many distinct known labels.
MIN_TABLE_LABELS = 3
TABLE_LABEL_SHARE = 0.8
MAX_LABELLED_TEXT_CHARS = 120
# Values a table writes for "none".
EMPTY_VALUES = frozenset({"无", "暂无", "-", "—", "/", "null", "none", "无文号"})
# 有效性 as pages write it -> Document.status.
STATUS_VALUES = (
    (("现行有效", "有效", "是"), "current"),
    (("已修改", "已修订", "已修正"), "amended"),
    (("废止", "已废止", "失效", "已失效", "否", "无效"), "repealed"),
    (("试行",), "trial"),
)
MAX_VALUE_CHARS = 200
_VALUE_TAIL = re.compile(r"\s*(?:【|\[|(?:浏览|阅读|访问|点击)(?:次数|量|数)|字体|字号|打印|关闭).*$")

# Spec <meta> names (compared case-insensitively) whose value is the document's and not the site's.
META_TITLE = ("ArticleTitle",)
META_PUBLISHED = ("PubDate", "PublishDate", "firstpublishedtime")
META_SOURCE = ("ContentSource",)
META_SITE = ("SiteName",)
META_COLUMN = ("ColumnName",)

# Separators between a page title's parts ("标题_政策法规_XX市人民政府", "标题 - XX市人民政府").
_TITLE_SEPARATOR = re.compile(r"\s*[_|｜]\s*|\s+[-－—–]+\s+|--+|——")
# What a site's or column's own name in a <title> ends with.
SITE_NAME_ENDINGS = ("人民政府", "政府", "门户网站", "网站", "政府网", "官网", "网", "厅", "局", "委员会", "办公室")
_SPACES = re.compile(r"[\s\u3000\u00a0\u2002\u2003\u2009\u200b]+")

HEADING_TAGS = frozenset({"h1", "h2", "h3"})
TITLE_LIKE_TAGS = frozenset({"p", "div", "td", "span", "strong"})
# Body finding: the text of a block with sentence punctuation counts fully, other text (labels, menus,
# footers, buttons) by this factor; link text never counts.
LINE_TEXT_WEIGHT = 0.2
_SENTENCE_MARK = re.compile(r"[，。；,;]")
# A child holding at least this share of its parent's weight is where the body is, and the search goes down.
BODY_SHARE = 0.7
GRID_ROWS, GRID_COLUMNS = 3, 3
# Elements that are one paragraph: the search for the body container stops above them.
PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "span", "font", "b", "strong", "em", "a", "pre"}
)
BLOCK_TAGS = frozenset(
    {"p", "div", "td", "th", "li", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "article"}
)
# Headings of a site's statements about itself, and how long such a statement may be.
STATEMENT_HEADING = re.compile(r"(?:版权与免责声明|版权及免责声明|免责声明|版权声明|网站声明|隐私声明|法律声明)[:：]?")
STATEMENT_HEADING_TEXT = re.compile(r"声明")
MAX_STATEMENT_CHARS = 2000
# How a site's search says how many results it found; looked for near the top of the page.
SEARCH_RESULTS = re.compile(
    r"(?:找到|检索到|搜索到|查询到)(?:相关)?(?:结果|信息|内容|记录)?(?:约|共)?[\d,，]+(?:条|个|篇)"
    r"(?:相关)?(?:结果|记录|信息|内容)?"
)
SEARCH_RESULTS_SCAN_CHARS = 2000
# A link is an attachment when its target or its text names a file of these kinds.
ATTACHMENT_SUFFIX = re.compile(
    r"\.(?:docx?|wps|pdf|xlsx?|et|pptx?|dps|ofd|zip|rar|7z|txt|rtf|jpe?g|png|tiff?)(?:$|[?#&])", re.IGNORECASE
)
# A line that only introduced the attachment links, left empty when they are taken out.
_ATTACHMENT_LEAD = re.compile(r"^(?:相关)?附件(?:下载|信息|列表)?\s*[:：]?\s*$")


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What a page states about its document besides the text."""

    fields: tuple[tuple[str, str], ...]  # the 信息公开 table: (label without spaces, value), in page order
    roles: dict[str, str]  # role (ROLE_LABELS) -> value, the first stated
    heading: str  # the article heading, "" when none is found
    attachments: tuple[str, ...]  # link texts of attached files


def squash(text: str) -> str:
    """Text without any space (labels are spaced out with U+3000, NBSP, en spaces …)."""
    return _SPACES.sub("", text)


def _label_of(text: str) -> tuple[str, str] | None:
    """(label, rest) when `text` starts with a known label (then a colon or the end), else None."""
    s = squash(text)
    m = re.match(r"^([\u4e00-\u9fff/]{2,10}?)[:：]", s)
    if m and (m.group(1) in KNOWN_LABELS):
        return m.group(1), s[m.end() :]
    bare = s.rstrip(":：")
    if bare in KNOWN_LABELS:
        return bare, ""
    return None


def _is_label_only(text: str) -> bool:
    found = _label_of(text)
    return found is not None and not found[1]


# ------------------------------------------------------------------------------------------- the table


def _text_of(node: Tag) -> str:
    return "".join(str(s) for s in node.find_all(string=True) if not isinstance(s, PreformattedString)).strip()


def _cells(row: Tag) -> list[str]:
    """The text of each cell (or labelled piece) of one row of the table."""
    out: list[str] = []
    for child in row.children:
        if isinstance(child, Tag):
            if child.name in ("td", "th", "li", "dt", "dd", "div", "p", "span", "label", "b", "strong", "em"):
                text = _text_of(child)
                if text:
                    out.append(text)
        elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
            text = str(child).strip()
            if text:
                out.append(text)
    return out


def _rows(block: Tag) -> list[list[str]]:
    """The table as rows of cells: <tr>s, <li>s, or child elements holding a label."""
    rows: list[list[str]] = []
    for tr in block.find_all(["tr", "li", "dl"]) if block.name not in ("tr", "li") else [block]:
        if tr.find(["tr", "li"]):  # a row holding rows: its inner rows are read
            continue
        rows.append(_cells(tr))
    if rows:
        return rows
    # <div> layouts: each element whose own text starts with a label is a row.
    for el in block.find_all(True):
        if el.find(BLOCK_TAGS - {"span"}) is None and _text_of(el) and el.parent is not None:
            if _label_of(_text_of(el)) is not None:
                rows.append([_text_of(el)])
            elif rows and len(rows[-1]) == 1 and _is_label_only(rows[-1][0]):
                rows[-1].append(_text_of(el))
    return rows


_INLINE_LABEL = re.compile(r"(?<=\s)([\u4e00-\u9fff][\u4e00-\u9fff\s\u3000]{1,12}?)\s*[:：]")


def _split_inline(cell: str) -> list[str]:
    """A cell holding several "label: value" pairs ("发文机关：XX 文号：YY") as one piece per label."""
    s = cell.strip()
    cuts = [0]
    cuts += [m.start() for m in _INLINE_LABEL.finditer(s) if squash(m.group(1)) in KNOWN_LABELS]
    return [s[a:b].strip() for a, b in zip(cuts, [*cuts[1:], len(s)], strict=True) if s[a:b].strip()]


def _pairs(rows: list[list[str]]) -> list[tuple[str, str]]:
    """(label, value) pairs of the table's rows. A value is the rest of a "label: value" cell or the next cell
    when that is not a label itself; a row of labels over a row of values is read column by column."""
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(rows):
        row = [piece for cell in rows[i] for piece in _split_inline(cell)]
        nxt = rows[i + 1] if i + 1 < len(rows) else []
        if (
            len(row) >= 2
            and all(_is_label_only(c) for c in row)
            and len(nxt) == len(row)
            and not any(_label_of(c) for c in nxt)
        ):
            pairs += [(_label_of(a)[0], squash_value(b)) for a, b in zip(row, nxt, strict=True)]  # type: ignore[index]
            i += 2
            continue
        j = 0
        while j < len(row):
            found = _label_of(row[j])
            if found is None:
                j += 1
                continue
            label, rest = found
            if rest:
                pairs.append((label, squash_value(_after_label(row[j]))))
            elif j + 1 < len(row) and _label_of(row[j + 1]) is None:
                pairs.append((label, squash_value(row[j + 1])))
                j += 1
            else:
                pairs.append((label, ""))
            j += 1
        i += 1
    return pairs


def _after_label(cell: str) -> str:
    """The value part of a "label: value" cell, spaces inside the value kept."""
    m = re.search(r"[:：]", cell)
    return cell[m.end() :] if m else ""


def squash_value(value: str) -> str:
    """A value as the table shows it: white space collapsed, none at the ends, "无" and the like empty; a view
    counter or a 【打印】 control after it is not part of it."""
    v = re.sub(r"[\s\u3000\u00a0]+", " ", value).strip()
    v = _VALUE_TAIL.sub("", v).strip()
    if v.lower() in EMPTY_VALUES or len(v) > MAX_VALUE_CHARS:
        return ""
    return v


def _label_hits(root: Tag) -> Iterator[tuple[Tag, set[str]]]:
    """Each text that opens with a label (or holds several "label: value" pairs), and its labels."""
    for s in root.find_all(string=True):
        if isinstance(s, PreformattedString) or s.parent is None:
            continue
        text = str(s).strip()
        if 2 <= len(text) <= MAX_LABELLED_TEXT_CHARS:
            labels = {found[0] for piece in _split_inline(text) if (found := _label_of(piece)) is not None}
            if labels:
                yield s.parent, labels


def find_table(root: Tag) -> Tag | None:
    """The element holding the page's 信息公开 table: the smallest one with nearly the most distinct labels."""
    counts: dict[int, tuple[Tag, set[str]]] = {}
    for hit, labels in _label_hits(root):
        node: Tag | None = hit
        while node is not None and node is not root:
            entry = counts.setdefault(id(node), (node, set()))
            entry[1].update(labels)
            node = node.parent
    most = max((len(labels) for _, labels in counts.values()), default=0)
    if most < MIN_TABLE_LABELS:
        return None
    # The smallest element with nearly all the labels: a label stated beside the text (发布时间 over the
    # body) must not make the whole article the table.
    enough = max(MIN_TABLE_LABELS, int(most * TABLE_LABEL_SHARE + 0.999))
    blocks = [node for node, labels in counts.values() if len(labels) >= enough]
    return min(blocks, key=lambda node: len(_text_of(node)))


def table_fields(block: Tag | None) -> tuple[tuple[str, str], ...]:
    """The (label, value) pairs of a 信息公开 table (find_table), labels without spaces, in page order."""
    if block is None:
        return ()
    seen: set[str] = set()
    out = []
    for label, value in _pairs(_rows(block)):
        if label not in seen:
            seen.add(label)
            out.append((label, value))
    return tuple(out)


def roles_of(fields: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Role -> the first non-empty value a label of that role has."""
    out: dict[str, str] = {}
    for label, value in fields:
        role = _ROLE_OF.get(label)
        if role and value and role not in out:
            out[role] = value
    return out


def status_of(value: str) -> str | None:
    """有效性 as written (有效, 失效, 已废止 …) -> Document.status."""
    v = squash(value)
    for spellings, status in STATUS_VALUES:
        if v in spellings:
            return status
    return None


# ------------------------------------------------------------------------------------------- meta, title


def meta_value(meta: dict[str, str], names: tuple[str, ...]) -> str:
    """The first of `names` the page's meta tags hold, compared without case."""
    lower = {k.lower(): v for k, v in meta.items()}
    for name in names:
        value = lower.get(name.lower(), "").strip()
        if value:
            return value
    return ""


def cut_site_suffix(title: str, meta: dict[str, str]) -> str:
    """A <title> without the site's name and the column's: the longest part that is neither (a column's own
    page keeps the column's name)."""
    site = squash(meta_value(meta, META_SITE))
    column = squash(meta_value(meta, META_COLUMN))
    parts = [p.strip() for p in _TITLE_SEPARATOR.split(title) if p and p.strip()]
    if len(parts) == 1:
        words = parts[0].split()
        if len(words) > 1 and any(squash(w) in (site, column) for w in words):
            parts = words
    kept = [p for p in parts if squash(p) != site] or parts
    kept = [p for p in kept if squash(p) != column] or kept
    if len(kept) > 1:
        kept = [p for p in kept if not p.endswith(SITE_NAME_ENDINGS) or len(p) > 30] or kept
    return max(kept, key=len)


def find_heading(root: Tag, body: Tag | None, hints: tuple[str, ...]) -> str:
    """The article heading: an <h1>–<h3> or a title-like element before the body whose text a hint (the page
    title) contains, else the last such element before the body."""
    squashed_hints = [squash(h) for h in hints if h]
    candidates: list[str] = []
    stop = body if body is not None and body is not root else None
    for el in root.find_all(True):
        if el is stop:
            break  # document order: what follows is inside the body or after it
        if el.name not in HEADING_TAGS:
            if el.name not in TITLE_LIKE_TAGS:
                continue
            # An element named a title is the heading only where the page title agrees.
            words = " ".join([*map(str, el.get_attribute_list("class")), str(el.get("id") or "")]).lower()
            if not ("title" in words or "biaoti" in words or "bt" in words.split()):
                continue
        text = _SPACES.sub(" ", el.get_text()).strip()
        if not 5 <= len(text) <= 150 or text.endswith((":", "：")) or el.find(BLOCK_TAGS - {"span"}) is not None:
            continue
        if el.name not in HEADING_TAGS and squashed_hints and not any(squash(text) in h for h in squashed_hints):
            continue
        candidates.append(text)
    for text in candidates:
        if any(squash(text) in h for h in squashed_hints):
            return text
    return candidates[-1] if candidates else ""


# ------------------------------------------------------------------------------------------- body


def _block_of(node: Tag) -> Tag:
    while node.name not in BLOCK_TAGS and node.parent is not None:
        node = node.parent
    return node


def _is_grid(table: Tag) -> bool:
    """A table of data (at least GRID_ROWS rows of GRID_COLUMNS cells), not one laying out a page."""
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    wide = sum(1 for tr in rows if len(tr.find_all(["td", "th"], recursive=False)) >= GRID_COLUMNS)
    return wide >= GRID_ROWS


def text_weights(root: Tag, skip: Tag | None = None) -> dict[int, float]:
    """id(element) -> the weight of the text under it: sentence text and the cells of a data table fully,
    other text by LINE_TEXT_WEIGHT, text inside links or under `skip` (the 信息公开 table) not at all."""
    weights: dict[int, float] = {}
    sentence_block: dict[int, bool] = {}
    grids: dict[int, bool] = {}
    for s in root.find_all(string=True):
        if isinstance(s, PreformattedString) or s.parent is None:
            continue
        text = str(s).strip()
        if not text or s.find_parent("a") is not None:
            continue
        if skip is not None and (s.parent is skip or skip in s.parents):
            continue
        block = _block_of(s.parent)
        key = id(block)
        if key not in sentence_block:
            full = bool(_SENTENCE_MARK.search(block.get_text()))
            table = block.find_parent("table") if not full else None
            if table is not None:
                if id(table) not in grids:
                    grids[id(table)] = _is_grid(table)
                full = grids[id(table)]
            sentence_block[key] = full
        weight = len(text) * (1.0 if sentence_block[key] else LINE_TEXT_WEIGHT)
        node: Tag | None = s.parent
        while node is not None:
            weights[id(node)] = weights.get(id(node), 0.0) + weight
            if node is root:
                break
            node = node.parent
    return weights


def find_body(root: Tag, table: Tag | None = None) -> Tag:
    """The element that holds the document: from `root` down, into the child that holds most of the text
    weight while it holds at least BODY_SHARE of its parent's, stopping above single paragraphs. The text of
    `table` (the page's 信息公开 table) weighs nothing."""
    weights = text_weights(root, table)
    node = root
    while True:
        total = weights.get(id(node), 0.0)
        children = [c for c in node.children if isinstance(c, Tag)]
        if not children or total <= 0:
            return node
        best = max(children, key=lambda c: weights.get(id(c), 0.0))
        if best.name in PARAGRAPH_TAGS or weights.get(id(best), 0.0) < BODY_SHARE * total:
            return node
        node = best


def is_search_results(root: Tag) -> bool:
    """Whether a page is a site search's result list (已为您找到约10000条相关结果): no document."""
    pieces: list[str] = []
    size = 0
    for s in root.strings:
        if isinstance(s, PreformattedString):
            continue
        pieces.append(squash(str(s)))
        size += len(pieces[-1])
        if size >= SEARCH_RESULTS_SCAN_CHARS:
            break
    return bool(SEARCH_RESULTS.search("".join(pieces)))


def drop_statements(root: Tag) -> None:
    """Remove the site's copyright and disclaimer statements: the block a 版权与免责声明-like heading opens."""
    blocks: list[Tag] = []
    for s in root.find_all(string=STATEMENT_HEADING_TEXT):
        if s.parent is None or not STATEMENT_HEADING.fullmatch(squash(str(s))):
            continue
        block = _block_of(s.parent)
        if squash(block.get_text()) == squash(str(s)) and block.parent is not None:
            block = block.parent
        if len(block.get_text()) <= MAX_STATEMENT_CHARS and block is not root:
            blocks.append(block)
    for block in blocks:
        if not block.decomposed:
            block.decompose()


def take_attachments(body: Tag) -> tuple[str, ...]:
    """Remove the links to attached files from `body` (and a line left only saying 附件：); their texts."""
    names: list[str] = []
    for a in body.find_all("a"):
        href = a.get("href")
        text = _SPACES.sub(" ", a.get_text()).strip()
        if not text:
            continue
        if (isinstance(href, str) and ATTACHMENT_SUFFIX.search(href)) or ATTACHMENT_SUFFIX.search(text):
            if text not in names:
                names.append(text)
            parent = a.parent
            a.decompose()
            while parent is not None and parent is not body and not parent.get_text().strip():
                grand = parent.parent
                parent.decompose()
                parent = grand
    if names:
        for s in list(body.find_all(string=True)):
            if isinstance(s, NavigableString) and _ATTACHMENT_LEAD.match(str(s).strip() or "x"):
                s.replace_with("")
    return tuple(names)
