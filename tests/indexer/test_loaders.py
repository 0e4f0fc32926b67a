"""load_file on real-shaped inputs generated here: legacy encodings, a CMS page, PDF, DOCX, and broken files."""

from __future__ import annotations

import codecs
import io
import pickle
import zipfile
from pathlib import Path

import docx
import pytest
from reportlab.lib import pdfencrypt
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from indexer.loaders import LOADERS, Loaded, LoadError, declared_html_charset, is_supported, load_file

TITLE = "郑州市人民政府关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知"
ADDRESSEES = "各县（市、区）人民政府，市人民政府各部门，各有关单位："
BODY = "现将《郑州市2017年推进依法行政建设法治政府工作要点》印发给你们，请认真贯彻执行。"
TRADITIONAL = "法治政府建設是全面依法治國的重點任務和主體工程，是推進國家治理體系和治理能力現代化的重要支撐。"

CMS_PAGE = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>关于印发工作要点的通知
 - 郑州市人民政府</title>
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="2017-03-23 10:00">
<meta name="ContentSource" content="郑州市人民政府办公厅">
<meta name="Keywords" content="依法行政,法治政府">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>p {{ color: red }}</style>
<script>var title = "不应出现";</script>
</head><body>
<div class="header"><a href="/">郑州市人民政府门户网站</a></div>
<ul id="top-nav"><li>首页</li><li>政务公开</li></ul>
<div class="crumbs">首页 &gt; 政务公开 &gt; 通知公告</div>
<div class="dqwz-box">当前位置：首页 &gt; 政策文件</div>
<div class="article">
<h1>郑州市人民政府
关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知</h1>
<p>{addressees}</p>
<p>&nbsp;&nbsp;现将《郑州市<span>2017</span>年推进依法行政建设法治政府工作要点》印发给你们，
请认真贯彻执行。</p>
<p>郑州市人民政府<br>2017年3月23日</p>
<table><tr><th>序号</th><th>任务</th></tr><tr><td>1</td><td>规范行政权力运行</td></tr></table>
<ul><li>一、依法全面履行政府职能</li><li>二、完善依法行政制度体系</li></ul>
<p style="display: none">隐藏的旧版本</p>
<div class="bdsharebuttonbox">分享到：微信 微博</div>
</div>
<div id="footer">主办：郑州市人民政府办公厅 网站标识码：4101000001</div>
</body></html>
"""
CMS_TEXT = (
    f"{TITLE}\n\n{ADDRESSEES}\n\n{BODY}\n\n郑州市人民政府\n2017年3月23日\n\n序号\t任务\n1\t规范行政权力运行\n\n"
    "一、依法全面履行政府职能\n二、完善依法行政制度体系"
)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _pdf(pages: list[str], *, font: str = "STSong-Light", encrypt: object = None) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, encrypt=encrypt)
    pdf.setTitle("工作要点")
    pdf.setAuthor("郑州市人民政府")
    for text in pages:
        pdf.setFont(font, 12)  # every page starts with the default font again
        if text:
            pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _docx() -> bytes:
    document = docx.Document()
    document.core_properties.title = "工作要点"
    document.core_properties.author = "郑州市人民政府办公厅"
    document.add_heading(TITLE, level=1)
    document.add_paragraph(ADDRESSEES)
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "序号", (0, 1): "任务", (1, 0): "1", (1, 1): "规范行政权力运行"}.items():
        table.cell(row, col).text = text
    document.add_paragraph(BODY)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------- registry


def test_loaders_registry():
    assert sorted(LOADERS) == [".doc", ".docx", ".htm", ".html", ".markdown", ".md", ".ofd", ".pdf", ".txt", ".wps"]
    assert is_supported(Path("a/通知.HTML")) is True
    assert is_supported(Path("a/通知.xls")) is False


def test_unsupported_suffix(tmp_path):
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "通知.xls", b"x"))
    assert info.value.stage == "parse"
    assert info.value.reason == (
        "unsupported file type '.xls'; supported: .doc, .docx, .htm, .html, .markdown, .md, .ofd, .pdf, .txt, .wps"
    )


def test_load_error_str_and_pickle():
    error = LoadError(Path("src/a.pdf"), "parse", "corrupt PDF")
    assert str(error) == "src/a.pdf: parse: corrupt PDF"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.stage, copy.reason) == (Path("src/a.pdf"), "parse", "corrupt PDF")


# ---------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("codec", "text", "encoding"),
    [
        ("gb18030", f"{TITLE}\n{BODY}\n", "gb18030"),
        ("big5", f"{TRADITIONAL}\n", "cp950"),
        ("utf-16", f"一、{TITLE}\n", "utf-16-le"),  # Python writes a little-endian BOM
        ("utf-16-le", f"一、{TITLE}\n", "utf-16-le"),
    ],
)
def test_text_encodings(tmp_path, codec, text, encoding):
    path = _write(tmp_path / "a.txt", text.encode(codec))
    assert load_file(path) == Loaded(text=text, format="text", encoding=encoding, meta={})


def test_utf8_bom_crlf_markdown(tmp_path):
    path = _write(tmp_path / "a.md", codecs.BOM_UTF8 + f"# {TITLE}\r\n\r\n{BODY}\r\n".encode())
    assert load_file(path) == Loaded(
        text=f"# {TITLE}\r\n\r\n{BODY}\r\n", format="markdown", encoding="utf-8-sig", meta={}
    )


def test_binary_renamed_txt(tmp_path):
    path = _write(tmp_path / "a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert info.value.stage == "decode"
    assert info.value.reason == "contains NUL bytes but is not UTF-16 or UTF-32 text: this looks like binary data"


def test_empty_file(tmp_path):
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "a.txt", b""))
    assert (info.value.stage, info.value.reason) == ("empty", "the file is empty (0 bytes)")


def test_whitespace_only_file(tmp_path):
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "a.txt", "\r\n\u3000 \n".encode("utf-8")))
    assert (info.value.stage, info.value.reason) == ("empty", "the file holds only whitespace")


def test_oversized_file(tmp_path):
    path = _write(tmp_path / "a.txt", BODY.encode("utf-8"))
    with pytest.raises(LoadError) as info:
        load_file(path, max_bytes=100)
    assert (info.value.stage, info.value.reason) == (
        "size",
        "118 bytes is more than the limit of 100: split the file or raise the limit",
    )


def test_missing_file(tmp_path):
    with pytest.raises(LoadError) as info:
        load_file(tmp_path / "a.txt")
    assert (info.value.stage, info.value.reason) == ("read", "no such file (or a symlink to a missing file)")


def test_directory_named_like_a_file(tmp_path):
    (tmp_path / "a.txt").mkdir()
    with pytest.raises(LoadError) as info:
        load_file(tmp_path / "a.txt")
    assert (info.value.stage, info.value.reason) == ("read", "not a regular file (directory, device or pipe)")


def test_symlink_outside_root_is_refused(tmp_path):
    outside = _write(tmp_path / "secret.txt", BODY.encode("utf-8"))
    root = tmp_path / "source"
    root.mkdir()
    (root / "link.txt").symlink_to(outside)
    with pytest.raises(LoadError) as info:
        load_file(root / "link.txt", root=root)
    assert info.value.stage == "symlink"
    assert info.value.reason == (
        f"resolves to {outside}, outside the source folder {root}: "
        "copy the file into the folder instead of linking to it"
    )


def test_symlink_inside_root_is_followed(tmp_path):
    _write(tmp_path / "real.txt", BODY.encode("utf-8"))
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    assert load_file(tmp_path / "link.txt", root=tmp_path).text == BODY


# ---------------------------------------------------------------------------------------------- HTML


def test_cms_page(tmp_path):
    page = CMS_PAGE.format(title=TITLE, addressees=ADDRESSEES)
    path = _write(tmp_path / "index.htm", page.encode("gbk"))
    assert load_file(path) == Loaded(
        text=CMS_TEXT,
        format="html",
        encoding="gb18030",
        meta={
            "title": "关于印发工作要点的通知 - 郑州市人民政府",
            "ArticleTitle": TITLE,
            "PubDate": "2017-03-23 10:00",
            "ContentSource": "郑州市人民政府办公厅",
            "Keywords": "依法行政,法治政府",
        },
        page={
            "article_title": TITLE,
            "html_title": "关于印发工作要点的通知",
            "meta_published": "2017-03-23 10:00",
            "content_source": "郑州市人民政府办公厅",
        },
    )


@pytest.mark.parametrize(
    ("head", "charset"),
    [
        (b'<meta charset="gbk">', "gbk"),
        (b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=GB2312'>", "GB2312"),
        (b'<?xml version="1.0" encoding="big5"?><html>', "big5"),
        (b"<p>no charset</p>", None),
    ],
)
def test_declared_html_charset(head, charset):
    assert declared_html_charset(head) == charset


def test_html_declared_utf8_but_gbk_bytes(tmp_path):
    page = f'<html><head><meta charset="utf-8"></head><body><p>{BODY}</p></body></html>'
    assert load_file(_write(tmp_path / "a.html", page.encode("gbk"))).text == BODY


def test_aspnet_form_wrapping_the_page_is_kept(tmp_path):
    page = (
        f'<html><body><form id="aspnetForm" method="post"><input name="q"><h1>{TITLE}</h1>'
        f'<p>{BODY}</p></form><form><input name="search"><button>搜索</button></form></body></html>'
    )
    assert load_file(_write(tmp_path / "a.html", page.encode("utf-8"))).text == f"{TITLE}\n\n{BODY}"


def test_xhtml_and_pre(tmp_path):
    page = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        "<pre>第一条  总则\n第二条  适用范围</pre><p>Hello\n  world</p></body></html>"
    )
    assert load_file(_write(tmp_path / "a.html", page.encode("utf-8"))).text == (
        "第一条 总则\n第二条 适用范围\n\nHello world"
    )


def test_html_with_only_navigation_is_empty(tmp_path):
    page = '<html><body><nav>首页 政务公开</nav><div class="footer">版权所有</div></body></html>'
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "a.html", page.encode("utf-8")))
    assert (info.value.stage, info.value.reason) == (
        "empty",
        "no text left after removing scripts, navigation and page furniture",
    )


def test_deeply_nested_html(tmp_path):
    depth = 20_000
    page = "<html><body>" + "<div><span>" * depth + "深层正文" + "</span></div>" * depth + "</body></html>"
    assert load_file(_write(tmp_path / "a.html", page.encode("utf-8"))).text == "深层正文"


# ---------------------------------------------------------------------------------------------- PDF


def test_pdf_pages_joined_with_form_feed(tmp_path):
    path = _write(tmp_path / "a.pdf", _pdf([TITLE, "", "第 2 页 Page 2"]))
    loaded = load_file(path)
    assert loaded.text == f"{TITLE}\n\f\f第 2 页 Page 2\n"
    assert (loaded.format, loaded.encoding) == ("pdf", None)
    assert {k: loaded.meta[k] for k in ("title", "author")} == {"title": "工作要点", "author": "郑州市人民政府"}
    assert loaded.meta["created"][:2] == "20"


def test_pdf_ascii_text(tmp_path):
    path = _write(tmp_path / "a.pdf", _pdf(["2017-03-23 No. 60"], font="Helvetica"))
    assert load_file(path).text == "2017-03-23 No. 60\n"


def test_pdf_without_text_layer(tmp_path):
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "scan.pdf", _pdf(["", ""])))
    assert (info.value.stage, info.value.reason) == (
        "empty",
        "no text layer and no page image to read by OCR",
    )


def test_pdf_with_user_password(tmp_path):
    encrypt = pdfencrypt.StandardEncryption("secret", ownerPassword="owner", strength=128)
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "a.pdf", _pdf([TITLE], encrypt=encrypt)))
    assert (info.value.stage, info.value.reason) == (
        "parse",
        "encrypted PDF that needs a password: ask the publisher for an unprotected copy",
    )


def test_pdf_with_owner_password_only_opens(tmp_path):
    encrypt = pdfencrypt.StandardEncryption("", ownerPassword="owner", canCopy=0, strength=128)
    assert load_file(_write(tmp_path / "a.pdf", _pdf([TITLE], encrypt=encrypt))).text == f"{TITLE}\n"


def test_corrupt_pdf(tmp_path):
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "a.pdf", b"%PDF-1.4\n" + bytes(range(256))))
    assert info.value.stage == "parse"
    assert info.value.reason.startswith("corrupt PDF (")


# ---------------------------------------------------------------------------------------------- DOCX


def test_docx(tmp_path):
    loaded = load_file(_write(tmp_path / "a.docx", _docx()))
    assert loaded.text == f"{TITLE}\n{ADDRESSEES}\n序号\t任务\n1\t规范行政权力运行\n{BODY}"
    assert (loaded.format, loaded.encoding) == ("docx", None)
    # python-docx's blank template carries its own creation date
    assert loaded.meta == {
        "title": "工作要点",
        "author": "郑州市人民政府办公厅",
        "created": "2013-12-23T23:15:00+00:00",
    }


def test_corrupt_docx(tmp_path):
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "a.docx", _docx()[:2000]))
    assert info.value.stage == "parse"
    assert info.value.reason.startswith("corrupt .docx (not a readable zip: ")


def test_docx_zip_without_word_document(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "a.docx", buf.getvalue()))
    assert (info.value.stage, info.value.reason) == ("parse", "zip has no word/document.xml: not a Word document")


def test_zip_bomb_docx(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (8 * 1024 * 1024))
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "a.docx", buf.getvalue()))
    assert info.value.stage == "parse"
    assert info.value.reason.startswith("entry word/document.xml is compressed ")
    assert info.value.reason.endswith(":1: refusing a possible zip bomb")


def test_password_protected_docx(tmp_path):
    path = _write(tmp_path / "a.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert (info.value.stage, info.value.reason) == (
        "parse",
        (
            "not a zip-based .docx but an OLE file: either password-protected or an old Word .doc renamed; "
            "save it as an unprotected .docx"
        ),
    )
