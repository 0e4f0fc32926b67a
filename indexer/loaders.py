"""Read one source file into plain text plus what the file declares about itself.

This is the only module that opens document files. It refuses, with a LoadError saying why, anything
an operator should look at: links out of the source folder, oversized or binary files, corrupt,
encrypted or bomb-like containers, and files with no text. Cleaning the text is a later step.
"""

from __future__ import annotations

import io
import re
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, UnusualUsageWarning
from bs4.element import CData, NavigableString, PreformattedString, Tag

from indexer import converters, ofd, webpage
from indexer.encoding import DecodeError, decode_bytes

if TYPE_CHECKING:
    from pypdf import PdfReader

MAX_FILE_BYTES = 20 * 1024 * 1024
# Time for OCR of one PDF's scanned pages (the whole file's budget is indexer.pipeline.FILE_SECONDS).
OCR_SECONDS = 40.0

# Stages of LoadError, in the order load_file meets them.
STAGES = ("symlink", "read", "size", "decode", "parse", "converter", "timeout", "empty")

# DOCX is a zip: refuse it before parsing when the declared uncompressed sizes could exhaust memory.
# zipfile stops inflating an entry at its declared size, so checking the declared sizes is enough.
MAX_DOCX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_DOCX_ENTRIES = 5_000
MAX_DOCX_COMPRESSION_RATIO = 200  # XML compresses about 10:1; a bomb, thousands to one
DOCX_RATIO_MIN_BYTES = 1024 * 1024  # small entries may compress extremely well without harm
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # password-protected OOXML and legacy .doc

# The charset a page declares sits in its first bytes (the HTML standard's prescan reads 1024; CMS pages
# often put long comments or scripts first).
HTML_PRESCAN_BYTES = 4096
# A body container with less text than this is a misreading of the page's structure: the whole page is read.
MIN_BODY_CHARS = 20
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_:.\-]+)""", re.IGNORECASE)

# Elements that never hold document text.
HTML_DROP_TAGS = frozenset(
    {
        "head",
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "iframe",
        "button",
        "select",
        "option",
        "textarea",
        "input",
        "svg",
        "canvas",
        "object",
        "embed",
        "audio",
        "video",
        "map",
        "dialog",
    }
)
# Elements that start a new block of text (a blank line before and after).
HTML_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "blockquote",
        "body",
        "caption",
        "center",
        "details",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "html",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "ul",
    }
)
# Elements on a line of their own inside their block: the rows of a table, the items of a list.
HTML_LINE_TAGS = frozenset({"li", "tr", "dt", "dd"})
HTML_CELL_TAGS = frozenset({"td", "th"})
# class/id words that mark site furniture rather than content. Matched against whole words of a class or
# id ("top-nav", "nav_bar", "bdsharebuttonbox" is the Baidu share widget found on many government pages).
_NAV_WORD = re.compile(
    r"(?:^|[-_])(?:nav|navbar|navigation|breadcrumbs?|crumbs?|menu|menus|footer|share|sharebar|"
    r"position|location|weizhi|dqwz)(?:[-_]|$)|^(?:header|site-header|page-header|top-header)$|bdshare|位置",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Classes that hide an element (AngularJS, Bootstrap, common CSS): print copies and collapsed widgets.
_HIDDEN_CLASS = frozenset({"ng-hide", "hidden", "hide", "d-none", "invisible", "sr-only", "visually-hidden"})
# ASP.NET pages wrap the whole body in one <form>: such a form is kept when it holds content elements.
_FORM_CONTENT_TAGS = ["p", "h1", "h2", "h3", "article"]
# Breadcrumb lines ("当前位置：首页 > 政务公开") left when the markup gives no class to recognise them by.
BREADCRUMB_PREFIXES = ("当前位置", "您的位置", "你的位置", "您现在的位置", "您当前的位置", "您所在的位置", "所在位置")
BREADCRUMB_MAX_CHARS = 120
# Lines made only of page controls: 无障碍 | 繁體, 【字体：大 中 小】【打印】【关闭】, 浏览次数：35, 分享到：
# and 相关文章/相关解读 lines that introduce a list of links (a colon, or nothing, follows them).
_CONTROL = (
    r"(?:无障碍(?:浏览|阅读|模式)?|长者模式|关怀版|适老化|简体(?:中文|版)?|繁[體体](?:中文|版)?|English|EN|RSS|"
    r"手机版|登录|注册|收藏(?:本页)?|加入收藏|设为首页|返回顶部|打印(?:本页|此页|文章)?|关闭(?:窗口|本页|页面)?|"
    r"字[体號号](?:[:：]?\s*[大中小]\s*[大中小]?\s*[大中小]?)?|[大中小]|默认|"
    r"(?:浏览|阅读|访问|点击)(?:次数|量|数)?[:：]?\s*\d*\s*次?|分享到?[:：]?|微信|微博|QQ空间|"
    r"扫一扫[^\t]{0,20}|欢迎(?:访问|来到|光临)[^\t]{0,30}?(?:网站|门户|平台)[！!。]?|(?:相关|推荐)(?:文章|阅读|链接|新闻|信息|稿件|解读|文件)[:：]?[^\t]{0,80})"
)
CONTROL_LINE = re.compile(rf"(?:[\s|｜/·【】\[\]()（）:：]*{_CONTROL})+[\s|｜/·【】\[\]()（）]*")
CONTROL_LINE_MAX_CHARS = 120
# <meta name=...> values that describe the page technically rather than the document.
HTML_META_SKIP = frozenset(
    {
        "viewport",
        "renderer",
        "robots",
        "format-detection",
        "generator",
        "theme-color",
        "referrer",
        "force-rendering",
        "applicable-device",
        "mobile-agent",
        "google-site-verification",
    }
)

# Characters between which a line break in the source is dropped rather than turned into a space
# (CSS Text 3 segment-break rule): CJK ideographs, punctuation, kana and full-width forms.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
_BREAK_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])[ \t\r\n\f]*[\r\n][ \t\r\n\f]*(?=[{_CJK}])")
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")

_BLOCK, _LINE, _CELL, _END_PRE = object(), object(), object(), object()
_CELL_CHAR = "\x00"  # stands for a cell boundary while whitespace is collapsed; decode_bytes never yields NUL


@dataclass(frozen=True, slots=True)
class Loaded:
    """A file's text and the metadata the file itself declares (HTML <meta>, PDF/DOCX properties)."""

    text: str
    format: str  # "text" | "markdown" | "html" | "docx" | "pdf" | "doc" | "wps" | "ofd"
    encoding: str | None  # codec the bytes were decoded with; None for DOCX and PDF
    meta: dict[str, str]
    # A web page's own statements: its 信息公开 table (label, value) in order, what its table, meta tags,
    # heading and <title> say of the title, issuer, 文号, dates and status (indexer.webpage), attachments.
    fields: tuple[tuple[str, str], ...] = ()
    page: dict[str, str] = field(default_factory=dict)
    attachments: tuple[str, ...] = ()
    ocr: bool = False  # some of the text was read by OCR from page images


class LoadError(Exception):
    """A file the indexer will not load; `stage` is one of STAGES, `reason` says what to do about it."""

    def __init__(self, path: Path, stage: str, reason: str) -> None:
        super().__init__(path, stage, reason)  # args kept whole so the error pickles across processes
        self.path = path
        self.stage = stage
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.stage}: {self.reason}"


# ---------------------------------------------------------------------------------------------- text


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _decode(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
    try:
        return decode_bytes(data, declared=declared)
    except DecodeError as exc:
        raise LoadError(path, "decode", str(exc)) from exc


def _require_text(path: Path, text: str, reason: str) -> None:
    if not text.strip():
        raise LoadError(path, "empty", reason)


def load_text(path: Path) -> Loaded:
    """A plain-text file in whatever encoding decode_bytes recognises."""
    text, encoding = _decode(path, _read(path))
    _require_text(path, text, "the file holds only whitespace")
    return Loaded(text=text, format="text", encoding=encoding, meta={})


def load_markdown(path: Path) -> Loaded:
    """A Markdown file, kept as written: headings and front matter are read by later steps."""
    text, encoding = _decode(path, _read(path))
    _require_text(path, text, "the file holds only whitespace")
    return Loaded(text=text, format="markdown", encoding=encoding, meta={})


# ---------------------------------------------------------------------------------------------- HTML


def declared_html_charset(data: bytes) -> str | None:
    """The charset named by <meta charset>, <meta http-equiv content=...> or <?xml encoding> near the top."""
    head = data[:HTML_PRESCAN_BYTES]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _is_furniture(tag: Tag) -> bool:
    if tag.name in HTML_DROP_TAGS:
        return tag.name != "form" or tag.find(_FORM_CONTENT_TAGS) is None
    classes = tag.get_attribute_list("class")
    if any(isinstance(word, str) and word.lower() in _HIDDEN_CLASS for word in classes):
        return True
    words = [*classes, tag.get("id") or ""]
    if any(isinstance(word, str) and _NAV_WORD.search(word) for word in words):
        return True
    style = tag.get("style")
    return isinstance(style, str) and bool(_HIDDEN_STYLE.search(style))


def _html_parts(root: Tag) -> Iterator[object]:
    """Text pieces and _BLOCK/_LINE/_CELL markers in document order, by an explicit stack (no recursion,
    so nesting depth is only limited by memory)."""
    stack: list[object] = list(reversed(root.contents))
    pre_depth = 0
    while stack:
        node = stack.pop()
        if node is _BLOCK or node is _LINE or node is _CELL:
            yield node
        elif node is _END_PRE:
            pre_depth -= 1
        elif isinstance(node, NavigableString):
            if isinstance(node, PreformattedString) and not isinstance(node, CData):
                continue  # comments, doctypes, processing instructions
            if pre_depth:
                yield from _pre_lines(str(node))
            else:
                yield str(node)
        elif isinstance(node, Tag):
            if _is_furniture(node):
                continue
            name = node.name
            if name == "br":
                yield _LINE
                continue
            if name in HTML_CELL_TAGS:
                yield _CELL
            if name in HTML_BLOCK_TAGS:
                yield _BLOCK
                stack.append(_BLOCK)
            elif name in HTML_LINE_TAGS:
                yield _LINE
                stack.append(_LINE)
            if name == "pre":
                pre_depth += 1
                stack.append(_END_PRE)
            stack.extend(reversed(node.contents))


def _pre_lines(text: str) -> Iterator[object]:
    """Text inside <pre>: its lines, a _LINE marker between them."""
    for i, line in enumerate(text.split("\n")):
        if i:
            yield _LINE
        yield line


def collapse_space(text: str) -> str:
    """HTML whitespace rules: line breaks between CJK characters vanish, other runs become one space."""
    return _HTML_SPACE.sub(" ", _BREAK_BETWEEN_CJK.sub("", text)).strip()


def _finish_line(pieces: list[str]) -> str:
    line = collapse_space("".join(pieces))
    cells = [cell.strip() for cell in line.split(_CELL_CHAR)]
    return "\t".join(cell for cell in cells if cell)


def _is_breadcrumb(line: str) -> bool:
    return len(line) <= BREADCRUMB_MAX_CHARS and line.startswith(BREADCRUMB_PREFIXES)


def _is_control_line(line: str) -> bool:
    """A line of page controls only: accessibility and script toggles, font size, print and close, counters,
    share prompts, related-article headings."""
    return len(line) <= CONTROL_LINE_MAX_CHARS and bool(CONTROL_LINE.fullmatch(line))


def html_text(root: Tag) -> str:
    """Block-structured text of an HTML tree: a line per heading, paragraph, list item, table row or <br>
    (cells joined by a tab), a blank line between blocks, and no spaces invented between CJK characters."""
    blocks: list[list[str]] = [[]]
    pieces: list[str] = []

    def end_line() -> None:
        line = _finish_line(pieces)
        pieces.clear()
        if line and not _is_breadcrumb(line) and not _is_control_line(line):
            blocks[-1].append(line)

    for part in _html_parts(root):
        if part is _BLOCK:
            end_line()
            if blocks[-1]:
                blocks.append([])
        elif part is _LINE:
            end_line()
        elif part is _CELL:
            pieces.append(_CELL_CHAR)  # empty cells are dropped when the line ends
        else:
            pieces.append(str(part))
    end_line()
    return "\n\n".join("\n".join(lines) for lines in blocks if lines)


def html_meta(soup: BeautifulSoup) -> dict[str, str]:
    """<title> and <meta name=... content=...> pairs (ArticleTitle, PubDate, ContentSource, Keywords ...);
    the first occurrence of a name wins, names are kept as written."""
    meta: dict[str, str] = {}
    if soup.title is not None:
        title = collapse_space(soup.title.get_text())
        if title:
            meta["title"] = title
    for tag in soup.find_all("meta"):
        name, content = tag.get("name"), tag.get("content")
        if not isinstance(name, str) or not isinstance(content, str) or name.lower() in HTML_META_SKIP:
            continue
        value = collapse_space(content)
        if value and name.strip() and name.strip() not in meta:
            meta[name.strip()] = value
    return meta


def load_html(path: Path) -> Loaded:
    """An HTML page: decoded with its declared charset as a hint, navigation and scripts dropped."""
    data = _read(path)
    text, encoding = _decode(path, data, declared_html_charset(data))
    try:
        with warnings.catch_warnings():
            # The HTML parser is chosen on purpose for every page, XHTML and short fragments included;
            # bs4's advice that a document "looks like XML" or "looks like a filename" does not apply.
            # (catch_warnings is process-wide: fine for the indexer's worker processes, not for threads.)
            warnings.simplefilter("ignore", UnusualUsageWarning)
            soup = BeautifulSoup(text, "lxml")
        meta = html_meta(soup)
        root = soup.body or soup
        for tag in [t for t in root.find_all(True) if _is_furniture(t)]:
            tag.decompose()
        webpage.drop_statements(root)
        table = webpage.find_table(root)
        fields = webpage.table_fields(table)
        container = webpage.find_body(root, table)
        page = _page_facts(root, container, fields, meta)
        attachments = webpage.take_attachments(container)
        if webpage.is_search_results(root):
            raise LoadError(path, "empty", "a site search's result list, not a document page")
        body = html_text(container)
        if len(body) < MIN_BODY_CHARS:  # the structure misled: the whole page rather than a fragment
            body = html_text(root)
    except RecursionError as exc:
        raise LoadError(path, "parse", "HTML nested too deeply to process") from exc
    _require_text(path, body, "no text left after removing scripts, navigation and page furniture")
    return Loaded(
        text=body, format="html", encoding=encoding, meta=meta, fields=fields, page=page, attachments=attachments
    )


def _page_facts(root: Tag, body: Tag, fields: tuple[tuple[str, str], ...], meta: dict[str, str]) -> dict[str, str]:
    """What a page states of its document outside the text: the table's roles, the spec meta tags, the
    heading and the <title> without the site's suffix (keys: see indexer.metadata.PAGE_KEYS)."""
    page = dict(webpage.roles_of(fields))
    html_title = webpage.cut_site_suffix(meta.get("title", ""), meta) if meta.get("title") else ""
    article_title = webpage.meta_value(meta, webpage.META_TITLE)
    own_names = {webpage.squash(webpage.meta_value(meta, names)) for names in (webpage.META_SITE, webpage.META_COLUMN)}
    if webpage.squash(article_title) in own_names:
        article_title = ""
    heading = webpage.find_heading(root, body, (article_title, meta.get("title", "")))
    stated = {
        "article_title": article_title,
        "heading": heading,
        "html_title": html_title,
        "meta_published": webpage.meta_value(meta, webpage.META_PUBLISHED),
        "content_source": webpage.meta_value(meta, webpage.META_SOURCE),
        "site_name": webpage.meta_value(meta, webpage.META_SITE),
    }
    page.update({key: value for key, value in stated.items() if value})
    return page


# ---------------------------------------------------------------------------------------------- DOCX


def check_docx_container(path: Path, data: bytes) -> None:
    """Refuse a DOCX that is not a zip, is encrypted, or would inflate to more than the limits allow."""
    check_zip_container(path, data, "word/document.xml", "a Word document")


def check_zip_container(path: Path, data: bytes, required: str, kind: str) -> None:
    """Refuse a zip-based document (DOCX, OFD) that is not a zip, is encrypted, would inflate to more than the
    limits allow, or lacks its main part `required`."""
    word = required == "word/document.xml"
    if data.startswith(OLE_MAGIC):
        raise LoadError(
            path,
            "parse",
            "not a zip-based .docx but an OLE file: either password-protected "
            "or an old Word .doc renamed; save it as an unprotected .docx"
            if word
            else f"an OLE file, not {kind}",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        advice = "; open and save it again in Word" if word else ""
        raise LoadError(path, "parse", f"corrupt {path.suffix.lower()} (not a readable zip: {exc}){advice}") from exc
    if len(infos) > MAX_DOCX_ENTRIES:
        raise LoadError(
            path, "parse", f"zip holds {len(infos)} entries, more than {MAX_DOCX_ENTRIES}: not a normal .docx"
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_DOCX_UNCOMPRESSED_BYTES:
        raise LoadError(
            path,
            "parse",
            f"would inflate to {total:,} bytes, more than "
            f"{MAX_DOCX_UNCOMPRESSED_BYTES:,}: refusing a possible zip bomb",
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > DOCX_RATIO_MIN_BYTES and ratio > MAX_DOCX_COMPRESSION_RATIO:
            raise LoadError(
                path, "parse", f"entry {info.filename} is compressed {ratio:,.0f}:1: refusing a possible zip bomb"
            )
    if required not in {info.filename for info in infos}:
        raise LoadError(path, "parse", f"zip has no {required}: not {kind}")


def _row_line(row) -> str:
    cells = []
    seen: set[int] = set()
    for cell in row.cells:
        if id(cell._tc) in seen:  # a merged cell is repeated once per grid column it spans
            continue
        seen.add(id(cell._tc))
        cells.append(" ".join(p.strip() for p in cell.text.split("\n") if p.strip()))
    return "\t".join(cells).strip()


def docx_text(document) -> str:
    """Body paragraphs and table rows in document order, one per line; empty paragraphs are skipped."""
    from docx.table import Table  # python-docx, pypdf: imported by the files that need them (0.25 s a run)

    lines: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            lines.extend(line for line in (_row_line(row) for row in item.rows) if line)
        elif item.text.strip():
            lines.append(item.text.strip())
    return "\n".join(lines)


def _docx_meta(document) -> dict[str, str]:
    props = document.core_properties
    meta: dict[str, str] = {}
    for key, value in (
        ("title", props.title),
        ("author", props.author),
        ("subject", props.subject),
        ("keywords", props.keywords),
    ):
        if value and value.strip():
            meta[key] = value.strip()
    if props.created is not None:
        meta["created"] = props.created.isoformat()
    return meta


def load_docx(path: Path) -> Loaded:
    """A Word .docx: paragraphs and table rows (cells separated by a tab) in order, core properties as meta."""
    import docx

    data = _read(path)
    check_docx_container(path, data)
    try:
        document = docx.Document(io.BytesIO(data))
        text = docx_text(document)
        meta = _docx_meta(document)
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors ... on damaged parts
        raise LoadError(
            path, "parse", f"corrupt .docx ({type(exc).__name__}: {exc}); open and save it again in Word"
        ) from exc
    _require_text(path, text, "the document has no text in its body")
    return Loaded(text=text, format="docx", encoding=None, meta=meta)


# ---------------------------------------------------------------------------------------------- PDF


def _pdf_meta(reader: PdfReader) -> dict[str, str]:
    meta: dict[str, str] = {}
    try:
        info = reader.metadata
        if info is None:
            return meta
        for key, name in (
            ("title", "/Title"),
            ("author", "/Author"),
            ("subject", "/Subject"),
            ("keywords", "/Keywords"),
        ):
            value = info.get(name)
            if isinstance(value, str) and value.strip():
                meta[key] = value.strip()
        created = info.creation_date
        if created is not None:
            meta["created"] = created.isoformat()
    except Exception:  # noqa: BLE001, S110  pypdf's errors on a damaged info dictionary cost the metadata, not the text
        pass
    return meta


def load_pdf(path: Path) -> Loaded:
    """The text layer of a PDF, pages separated by a form feed so page furniture can be found later."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    data = _read(path)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise LoadError(
                    path,
                    "parse",
                    "encrypted with AES: install the 'cryptography' package to open PDFs that only restrict copying",
                ) from exc
            if not opened:
                raise LoadError(
                    path, "parse", "encrypted PDF that needs a password: ask the publisher for an unprotected copy"
                )
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = _pdf_meta(reader)
        scans = {i: _page_scans(page) for i, page in enumerate(reader.pages) if not pages[i].strip()}
    except LoadError:
        raise
    except Exception as exc:  # pypdf reports damage as PdfReadError, but also KeyError, ValueError ...
        raise LoadError(path, "parse", f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    ocr = False
    scans = {i: images for i, images in scans.items() if images}
    if scans:
        pages, ocr = _ocr_pages(path, pages, scans)
    text = "\f".join(pages)
    _require_text(path, text, "no text layer and no page image to read by OCR")
    return Loaded(text=text, format="pdf", encoding=None, meta=meta, ocr=ocr)


def _page_scans(page) -> list[bytes]:
    """The images of a page without text that are big enough to be a scan of it, as PNG bytes."""
    out = []
    for image in page.images:
        picture = image.image
        if picture is not None and min(picture.size) >= converters.MIN_SCAN_PIXELS:
            out.append(converters.image_bytes(picture))
    return out


def _ocr_pages(path: Path, pages: list[str], scans: dict[int, list[bytes]]) -> tuple[list[str], bool]:
    """The pages with the scanned ones read by OCR. Where OCR is not installed, a PDF with text on other pages
    keeps that text; one without any is refused, naming the packages to install."""
    pages = list(pages)
    try:
        for i, images in scans.items():
            pages[i] = converters.ocr_images(images, OCR_SECONDS)
    except converters.ConverterMissingError as exc:
        if any(p.strip() for p in pages):
            return pages, False
        raise LoadError(path, "converter", f"scanned PDF without a text layer: {exc}") from exc
    except converters.ConversionFailedError as exc:
        stage = "timeout" if "longer than" in str(exc) else "parse"
        raise LoadError(path, stage, f"OCR of the scanned pages failed: {exc}") from exc
    return pages, True


# ---------------------------------------------------------------------------------------------- DOC, WPS, OFD


def load_word_binary(path: Path) -> Loaded:
    """A Word 97–2003 `.doc` or a WPS `.wps` document, through antiword or LibreOffice (indexer.converters);
    a `.docx` saved under such a name is read as one."""
    data = _read(path)
    if data.startswith(b"PK"):
        return load_docx(path)
    try:
        text, program = converters.word_binary_text(path)
    except converters.ConverterMissingError as exc:
        raise LoadError(path, "converter", f"{path.suffix.lower()} {exc}") from exc
    except converters.ConversionFailedError as exc:
        raise LoadError(path, "parse", f"cannot read the document: {exc}") from exc
    _require_text(path, text, "the document has no text")
    return Loaded(text=text, format=path.suffix.lower().lstrip("."), encoding=None, meta={"converter": program})


def load_ofd(path: Path) -> Loaded:
    """An OFD (GB/T 33190) document: the text objects of its pages, a line per baseline, pages separated by a
    form feed (indexer.ofd)."""
    data = _read(path)
    check_zip_container(path, data, "OFD.xml", "an OFD document")
    try:
        text, meta = ofd.ofd_text(data)
    except ofd.OfdError as exc:
        raise LoadError(path, "parse", f"corrupt OFD ({exc})") from exc
    _require_text(path, text, "no text objects in the document (a scanned OFD?)")
    return Loaded(text=text, format="ofd", encoding=None, meta=meta)


# ---------------------------------------------------------------------------------------------- entry

LOADERS: dict[str, Callable[[Path], Loaded]] = {
    ".txt": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".docx": load_docx,
    ".pdf": load_pdf,
    ".doc": load_word_binary,
    ".wps": load_word_binary,
    ".ofd": load_ofd,
}


def is_supported(path: Path) -> bool:
    """Whether some loader handles this file's suffix."""
    return path.suffix.lower() in LOADERS


def _check_inside(path: Path, root: Path) -> None:
    try:
        real = path.resolve()
        real_root = root.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop before Python 3.13
        raise LoadError(path, "symlink", f"cannot resolve the path ({exc}): remove the looping link") from exc
    if not real.is_relative_to(real_root):
        raise LoadError(
            path,
            "symlink",
            f"resolves to {real}, outside the source folder {real_root}: "
            "copy the file into the folder instead of linking to it",
        )


def load_file(path: Path, *, root: Path | None = None, max_bytes: int = MAX_FILE_BYTES) -> Loaded:
    """Load one file with the loader for its suffix, after checking where it points and how big it is.

    With `root`, a path that resolves outside it (through a symlink) is refused. Raises LoadError.
    """
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(
            path,
            "parse",
            f"unsupported file type {path.suffix or '(no suffix)'!r}; supported: {', '.join(sorted(LOADERS))}",
        )
    if root is not None:
        _check_inside(path, root)
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise LoadError(path, "read", "no such file (or a symlink to a missing file)") from exc
    except OSError as exc:
        raise LoadError(path, "read", f"cannot stat the file: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise LoadError(path, "read", "not a regular file (directory, device or pipe)")
    if info.st_size > max_bytes:
        raise LoadError(
            path,
            "size",
            f"{info.st_size:,} bytes is more than the limit of {max_bytes:,}: split the file or raise the limit",
        )
    if info.st_size == 0:
        raise LoadError(path, "empty", "the file is empty (0 bytes)")
    try:
        return loader(path)
    except OSError as exc:
        raise LoadError(
            path, "read", f"cannot read the file: {exc.strerror or exc}; check that the indexer may read it"
        ) from exc
