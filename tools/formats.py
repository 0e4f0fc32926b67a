"""Files of the formats staff receive, made from real text, and how the indexer reads them.

Usage: python -m tools.formats [--out DIR] [--docs N]

Takes the seeds and the first laws of the shared corpus, writes each as .docx (python-docx), converts those to
Word 97–2003 .doc with LibreOffice headless (also saved as .wps, the same binary format WPS Office writes),
makes copy-protected PDFs (AES, empty user password), scanned PDFs (the text rendered to page images with
Pillow, no text layer) and OFD packages; then compares the .doc converters (antiword, catdoc, LibreOffice:
seconds and share of files whose text is the source's) and loads every file as the indexer does, printing
files, seconds and errors per format. Needs LibreOffice, antiword, catdoc and tesseract for the full table.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path

import docx
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from indexer.loaders import LoadError, load_file

ROOT = Path(__file__).resolve().parent.parent
LAWS = ROOT.parent / "shared" / "corpus" / "laws"
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
SCAN_LINES = 12  # lines of a document rendered to its scanned page
OFD_NS = "http://www.ofdspec.org/2016"


def sources(limit: int) -> list[tuple[str, list[str]]]:
    """(name, lines) of the seed documents and the first laws of the corpus."""
    out: list[tuple[str, list[str]]] = []
    files = sorted((ROOT / "seeds").glob("*.txt")) + sorted(LAWS.rglob("*.md"))[: max(0, limit - 5)]
    for path in files[:limit]:
        lines = [ln.strip().lstrip("#").strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        out.append((f"d{len(out):03d}", [ln for ln in lines if ln and not ln.startswith(("---", "<!--"))][:400]))
    return out


def write_docx(lines: list[str], path: Path) -> None:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))


def write_pdf(lines: list[str]) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    y = 800
    for line in lines[:60]:
        pdf.setFont("STSong-Light", 10)
        pdf.drawString(40, y, line[:48])
        y -= 14
        if y < 40:
            pdf.showPage()
            y = 800
    pdf.save()
    return buf.getvalue()


def protect(data: bytes) -> bytes:
    """The PDF encrypted with AES-128: anyone may open it, only the owner password allows copying."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(
        user_password="", owner_password="owner", permissions_flag=UserAccessPermissions(0), algorithm="AES-128"
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf(lines: list[str]) -> bytes:
    """A page image of the first lines, as a scanner would produce it: a PDF with no text layer."""
    font = ImageFont.truetype(str(CJK_FONT), 40)
    image = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines[:SCAN_LINES]):
        draw.text((120, 150 + 70 * i), line[:34], font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=200)
    return out.getvalue()


def ofd_package(lines: list[str], title: str) -> bytes:
    """A one-document OFD package: a page per 40 lines, one TextObject per line."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "OFD.xml",
            f'<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
            f"<ofd:Title>{_xml(title)}</ofd:Title></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
            "</ofd:DocBody></ofd:OFD>",
        )
        pages = [lines[i : i + 40] for i in range(0, min(len(lines), 400), 40)] or [[]]
        z.writestr(
            "Doc_0/Document.xml",
            f'<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:Pages>'
            + "".join(f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
            + "</ofd:Pages></ofd:Document>",
        )
        for n, page in enumerate(pages):
            objects = "".join(
                f'<ofd:TextObject ID="{i}" Boundary="20 {20 + 6 * i} 170 6" Font="1" Size="4.2">'
                f'<ofd:TextCode X="0" Y="4.2">{_xml(line)}</ofd:TextCode></ofd:TextObject>'
                for i, line in enumerate(page)
            )
            z.writestr(
                f"Doc_0/Pages/Page_{n}/Content.xml",
                f'<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="0">{objects}'
                "</ofd:Layer></ofd:Content></ofd:Page>",
            )
    return out.getvalue()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def compare_doc_converters(docs: list[Path], expected: dict[str, str]) -> None:
    """Seconds and exact-text share of each .doc converter over the same files."""
    commands = {
        "antiword": lambda p: ["antiword", "-w", "0", "-m", "UTF-8.txt", str(p)],
        "catdoc": lambda p: ["catdoc", "-w", "-d", "utf-8", str(p)],
    }
    print(f"{'converter':<12} {'files':>5} {'seconds':>8} {'failed':>6} {'same text':>9}")
    for name, command in commands.items():
        if not shutil.which(name):
            print(f"{name:<12} not installed")
            continue
        start, failed, same = time.monotonic(), 0, 0
        for path in docs:
            done = subprocess.run(command(path), capture_output=True, check=False)
            if done.returncode != 0:
                failed += 1
            elif _squash(done.stdout.decode("utf-8", "replace")) == expected[path.stem]:
                same += 1
        print(f"{name:<12} {len(docs):>5} {time.monotonic() - start:>8.2f} {failed:>6} {same:>9}")
    soffice = shutil.which("soffice")
    if soffice:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.monotonic()
            for path in docs:  # one process per file, as the indexer runs it
                subprocess.run(
                    [soffice, "--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir", tmp, str(path)],
                    capture_output=True,
                    check=False,
                )
            seconds = time.monotonic() - start
            outs = {p.stem: p.read_text(encoding="utf-8-sig") for p in Path(tmp).glob("*.txt")}
            same = sum(1 for p in docs if _squash(outs.get(p.stem, "")) == expected[p.stem])
            print(f"{'libreoffice':<12} {len(docs):>5} {seconds:>8.2f} {len(docs) - len(outs):>6} {same:>9}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.formats", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the files (default: a temporary one)")
    parser.add_argument("--docs", type=int, default=20, help="documents to make of each format (default 20)")
    args = parser.parse_args(argv)
    soffice = shutil.which("soffice")
    if soffice is None:
        print("tools.formats: LibreOffice (soffice) is needed to make .doc files", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        made = sources(args.docs)
        expected = {}
        for name, lines in made:
            write_docx(lines, out / f"{name}.docx")
            expected[name] = _squash("".join(lines))
            pdf = write_pdf(lines)
            (out / f"{name}.protected.pdf").write_bytes(protect(pdf))
            (out / f"{name}.scan.pdf").write_bytes(scanned_pdf(lines))
            (out / f"{name}.ofd").write_bytes(ofd_package(lines, lines[0] if lines else name))
        subprocess.run(
            [soffice, "--headless", "--convert-to", "doc", "--outdir", str(out), *map(str, out.glob("*.docx"))],
            capture_output=True,
            check=False,
        )
        docs = sorted(out.glob("*.doc"))
        for path in docs:
            shutil.copy(path, path.with_suffix(".wps"))
        compare_doc_converters(docs, expected)
        print()
        stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
        errors: list[str] = []
        for path in sorted(out.iterdir()):
            kind = "".join(path.suffixes[-2:]) if path.name.endswith((".scan.pdf", ".protected.pdf")) else path.suffix
            start = time.monotonic()
            try:
                load_file(path)
            except LoadError as exc:
                stats[kind][2] += 1
                errors.append(str(exc))
            stats[kind][0] += 1
            stats[kind][1] += time.monotonic() - start
        print(f"{'format':<15} {'files':>5} {'seconds':>8} {'errors':>6}")
        for kind, (files, seconds, failed) in sorted(stats.items()):
            print(f"{kind:<15} {int(files):>5} {seconds:>8.2f} {int(failed):>6}")
        for line in errors[:10]:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
