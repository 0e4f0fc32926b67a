"""The formats staff receive: Word 97–2003 .doc and WPS .wps through antiword / LibreOffice, copy-protected
PDFs, scanned PDFs through OCR, OFD packages; and the error record when a converter is missing.

Tests that need a system program skip with the reason where it is absent, unless GOVLAW_REQUIRE_CONVERTERS is
set (CI installs them, see .ci/run). `files/notice.doc` was made from a .docx by LibreOffice headless
(`soffice --headless --convert-to doc`); `notice.wps` is the same bytes, the Word 97 binary format WPS Office
writes.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from indexer import converters, loaders
from indexer.build import build_index
from indexer.loaders import LoadError, load_file
from search.analysis import normalize
from tests.conftest import INDEX_OPTIONS

FILES = Path(__file__).parent / "files"
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
NOTICE = [
    "某某县人民政府办公室关于做好防汛工作的通知",
    "某政办〔2024〕7号",
    "各乡镇人民政府，县直各单位：",
    "为切实做好今年防汛工作，确保人民群众生命财产安全，现就有关事项通知如下。",
    "一、压实防汛责任。各乡镇要落实防汛责任人，做到责任到人、措施到位。",
    "二、加强隐患排查。对水库、河道、山塘开展拉网式排查，发现隐患及时整改。",
    "某某县人民政府办公室",
    "2024年5月20日",
]


def require(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if not missing:
        return
    if os.environ.get("GOVLAW_REQUIRE_CONVERTERS"):
        pytest.fail(f"{', '.join(missing)} missing but GOVLAW_REQUIRE_CONVERTERS is set")
    pytest.skip(f"{', '.join(missing)} not installed (the format's tests need it; .ci/run installs it)")


def require_ocr() -> None:
    require("tesseract")
    if converters.ocr_languages() is None or not CJK_FONT.is_file():
        if os.environ.get("GOVLAW_REQUIRE_CONVERTERS"):
            pytest.fail("tesseract's Chinese models or the WenQuanYi font missing but GOVLAW_REQUIRE_CONVERTERS is set")
        pytest.skip("tesseract-ocr-chi-sim or fonts-wqy-microhei not installed")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------- .doc, .wps


def test_short_doc_is_read_by_libreoffice_where_antiword_refuses_it():
    require("soffice")
    loaded = load_file(FILES / "notice.doc")
    assert _lines(loaded.text) == NOTICE
    assert (loaded.format, loaded.meta) == ("doc", {"converter": "libreoffice"})


def test_wps_is_read_like_doc():
    require("soffice")
    loaded = load_file(FILES / "notice.wps")
    assert _lines(loaded.text) == NOTICE
    assert loaded.format == "wps"


def test_doc_made_by_libreoffice_is_read_by_antiword(tmp_path, monkeypatch):
    require("soffice", "antiword")
    document = docx.Document()
    lines = [*NOTICE[:3], *(f"{n}. {NOTICE[3]}" for n in range(1, 41)), *NOTICE[-2:]]
    for line in lines:
        document.add_paragraph(line)
    document.save(str(tmp_path / "long.docx"))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "doc", "--outdir", str(tmp_path), str(tmp_path / "long.docx")],
        capture_output=True,
        check=True,
    )
    monkeypatch.setattr(converters, "SOFFICE", ())  # antiword alone
    loaded = load_file(tmp_path / "long.doc")
    assert _lines(loaded.text) == lines
    assert loaded.meta == {"converter": "antiword"}


def test_missing_converter_is_an_error_record_naming_the_package(tmp_path, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FILES / "notice.doc", src / "notice.doc")
    (src / "other.txt").write_text("\n".join(NOTICE), encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(LoadError) as info:
        load_file(src / "notice.doc")
    assert (info.value.stage, info.value.reason) == (
        "converter",
        (
            ".doc needs a converter that is not installed: apt-get install antiword (or libreoffice-writer-nogui, "
            "or catdoc)"
        ),
    )
    report = build_index([src], tmp_path / "index", **INDEX_OPTIONS)
    assert report.documents == 1
    assert [(e.source, e.stage) for e in report.errors] == [("src/notice.doc", "converter")]


# ---------------------------------------------------------------------------------------------- PDF


def _text_pdf(lines: list[str]) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for i, line in enumerate(lines):
        pdf.setFont("STSong-Light", 12)
        pdf.drawString(60, 760 - 20 * i, line)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _scan(lines: list[str]) -> bytes:
    """A scanner's page: the lines drawn on an image, saved as a PDF without text layer."""
    font = ImageFont.truetype(str(CJK_FONT), 36)
    image = Image.new("L", (1400, max(420, 80 + 60 * len(lines))), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 60 * i), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=200)
    return out.getvalue()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_copy_protected_aes_pdf_opens_with_the_empty_password(tmp_path):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_text_pdf(NOTICE[:2]))))
    writer.encrypt(
        user_password="", owner_password="owner", permissions_flag=UserAccessPermissions(0), algorithm="AES-128"
    )
    out = io.BytesIO()
    writer.write(out)
    assert load_file(_write(tmp_path / "a.pdf", out.getvalue())).text == "\n".join(NOTICE[:2]) + "\n"


def test_scanned_pdf_is_read_by_ocr(tmp_path):
    require_ocr()
    lines = [NOTICE[0], NOTICE[2]]  # OCR reads 〔2024〕 as 【2024]: 文号 brackets are left out here
    loaded = load_file(_write(tmp_path / "scan.pdf", _scan(lines)))
    assert loaded.ocr is True
    # OCR writes full-width punctuation half-width at times: compared as the search compares text
    assert normalize("".join(loaded.text.split())) == normalize("".join(lines))


def test_only_pages_without_text_are_read_by_ocr(tmp_path, monkeypatch):
    require_ocr()
    writer = PdfWriter()
    for data in (_text_pdf(NOTICE[3:5]), _scan(NOTICE[:1])):
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    calls = []
    real = converters.ocr_images

    def counted(images, seconds):
        images = list(images)
        calls.append(len(images))
        return real(images, seconds)

    monkeypatch.setattr(converters, "ocr_images", counted)
    loaded = load_file(_write(tmp_path / "mixed.pdf", out.getvalue()))
    first, second = loaded.text.split("\f")
    assert (first, "".join(second.split()), calls, loaded.ocr) == ("\n".join(NOTICE[3:5]) + "\n", NOTICE[0], [1], True)


def test_ocr_time_budget(tmp_path, monkeypatch):
    require_ocr()
    monkeypatch.setattr(loaders, "OCR_SECONDS", 1e-9)
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "scan.pdf", _scan(NOTICE[:1])))
    assert (info.value.stage, info.value.reason) == (
        "timeout",
        "OCR of the scanned pages failed: OCR took longer than 1e-09 s",
    )


def test_scanned_pdf_without_tesseract_names_the_packages(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    converters.ocr_languages.cache_clear()
    try:
        with pytest.raises(LoadError) as info:
            load_file(_write(tmp_path / "scan.pdf", _scan(NOTICE[:1]) if CJK_FONT.is_file() else _blank_scan()))
    finally:
        converters.ocr_languages.cache_clear()
    assert (info.value.stage, info.value.reason) == (
        "converter",
        (
            "scanned PDF without a text layer: needs a converter that is not installed: "
            "apt-get install tesseract-ocr with tesseract-ocr-chi-sim and tesseract-ocr-chi-tra"
        ),
    )


def _blank_scan() -> bytes:
    out = io.BytesIO()
    Image.new("L", (800, 600), 255).save(out, format="PDF", resolution=100)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- OFD

OFD_NS = "http://www.ofdspec.org/2016"


def _ofd(pages: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "OFD.xml",
            f'<ofd:OFD xmlns:ofd="{OFD_NS}"><ofd:DocBody><ofd:DocInfo><ofd:Title>防汛通知</ofd:Title>'
            "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        z.writestr(
            "Doc_0/Document.xml",
            f'<Document xmlns="{OFD_NS}"><Pages>'
            + "".join(f'<Page ID="{n}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
            + "</Pages></Document>",
        )
        for n, content in enumerate(pages):
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml", f'<ofd:Page xmlns:ofd="{OFD_NS}">{content}</ofd:Page>')
    return out.getvalue()


def _text_object(x: float, y: float, text: str) -> str:
    code = f'<ofd:TextCode X="0" Y="4">{text}</ofd:TextCode>'
    return f'<ofd:TextObject Boundary="{x} {y} 100 6" Size="4">{code}</ofd:TextObject>'


def test_ofd_text_line_by_line_and_page_by_page(tmp_path):
    first = "<ofd:Content><ofd:Layer>" + _text_object(60, 20, "做好防汛工作的通知") + _text_object(20, 20.5, "关于")
    first += _text_object(20, 30, "各乡镇人民政府：") + "</ofd:Layer></ofd:Content>"
    second = "<ofd:Content><ofd:Layer>" + _text_object(20, 20, "某某县人民政府办公室") + "</ofd:Layer></ofd:Content>"
    loaded = load_file(_write(tmp_path / "a.ofd", _ofd([first, second])))
    assert (loaded.text, loaded.format, loaded.meta) == (
        "关于做好防汛工作的通知\n各乡镇人民政府：\f某某县人民政府办公室",
        "ofd",
        {"title": "防汛通知"},
    )


def test_corrupt_ofd(tmp_path):
    with pytest.raises(LoadError) as info:
        load_file(_write(tmp_path / "a.ofd", b"PK\x03\x04 not really"))
    assert info.value.stage == "parse"
    assert info.value.reason.startswith("corrupt .ofd (not a readable zip:")
