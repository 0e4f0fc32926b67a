"""Malformed source files of about thirty kinds, generated on the spot, and a build with and without them.

Each kind says what the indexer must make of it: one error record at one of the given stages, one document
holding the file's marker, or (`ANY`) exactly one of the two. Heavy kinds (50 MB, a million-character line,
HTML nested 100,000 deep, zip bombs) are capped at a few files each.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
from reportlab.lib import pdfencrypt
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from tools.hardening.common import ROOT, TINY_DOCS

DOC = "DOC"  # must index as one document containing the file's marker
ANY = "ANY"  # one error record or one document, never both, never neither
BODY = (
    "关于加强行政执法监督工作的通知\n\n各区县人民政府：\n\n"
    "一、总体要求\n严格规范公正文明执法，全面推行行政执法三项制度。\n"
)
BODY_TRADITIONAL = "關於加強行政執法監督工作的通知\n\n一、總體要求\n嚴格規範公正文明執法，全面推行行政執法三項制度。\n"
HEAVY = {"huge_50mb": 2, "million_char_line": 1, "deep_html": 2, "zip_bomb_docx": 2, "zip_bomb_ratio_docx": 2}
MIB = 1024 * 1024


def marker(kind: str, i: int) -> str:
    return f"zq{kind.replace('_', '')}{i}x"


def _text(kind: str, i: int) -> str:
    return f"{BODY}{marker(kind, i)}\n"


def _pdf(text: str, encrypt: object = None) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, encrypt=encrypt)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(72, 720, text)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _docx(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _zip(entries: dict[str, bytes | int]) -> bytes:
    """A zip; an int entry is that many zero bytes, streamed so that no large buffer is built."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in entries.items():
            if isinstance(data, int):
                with z.open(name, "w", force_zip64=True) as f:
                    chunk = bytes(MIB)
                    for _ in range(data // MIB):
                        f.write(chunk)
            else:
                z.writestr(name, data)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    suffix: str
    expect: str  # DOC, ANY or the error stages accepted, comma-separated
    make: Callable[[Path, str, int, random.Random], None]


def _k(name: str, suffix: str, expect: str):
    def wrap(fn):
        KINDS.append(Kind(name, suffix, expect, fn))
        return fn

    return wrap


KINDS: list[Kind] = []


@_k("utf16le_bom", ".txt", DOC)
def _(p, k, i, rng):
    _write(p, b"\xff\xfe" + _text(k, i).encode("utf-16-le"))


@_k("utf16be_bom", ".txt", DOC)
def _(p, k, i, rng):
    _write(p, b"\xfe\xff" + _text(k, i).encode("utf-16-be"))


@_k("utf16le_no_bom", ".txt", DOC)
def _(p, k, i, rng):
    _write(p, _text(k, i).encode("utf-16-le"))


@_k("utf16be_no_bom", ".txt", DOC)
def _(p, k, i, rng):
    _write(p, _text(k, i).encode("utf-16-be"))


@_k("gb18030", ".txt", DOC)
def _(p, k, i, rng):
    _write(p, _text(k, i).encode("gb18030"))


@_k("gbk_html_declared", ".html", DOC)
def _(p, k, i, rng):
    _write(
        p,
        f'<html><head><meta charset="gbk"><title>通知</title></head><body><p>{_text(k, i)}</p></body></html>'.encode(
            "gb18030"
        ),
    )


@_k("big5", ".txt", DOC)
def _(p, k, i, rng):
    _write(p, f"{BODY_TRADITIONAL}{marker(k, i)}\n".encode("big5"))


@_k("mojibake", ".txt", ANY)
def _(p, k, i, rng):
    _write(p, _text(k, i).encode("utf-8").decode("cp1252", errors="replace").encode("utf-8"))


@_k("truncated_multibyte", ".txt", DOC)
def _(p, k, i, rng):
    _write(p, (marker(k, i) + "\n" + BODY * 3).encode("utf-8")[: -1 - i % 2])


@_k("nul_bytes", ".txt", ANY)
def _(p, k, i, rng):
    data = bytearray(_text(k, i).encode("utf-8"))
    for j in range(0, len(data), 17 + i):
        data.insert(j, 0)
    _write(p, bytes(data))


@_k("control_chars", ".txt", "decode")
def _(p, k, i, rng):
    _write(p, "".join(chr(rng.choice([1, 2, 3, 7, 8, 0x1B, 0x7F])) + c for c in _text(k, i)).encode())


@_k("binary_as_txt", ".txt", "decode")
def _(p, k, i, rng):
    _write(p, rng.randbytes(4096 + i * 1000))


@_k("png_as_txt", ".txt", "decode")
def _(p, k, i, rng):
    _write(p, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(2000))


@_k("elf_as_html", ".html", "decode")
def _(p, k, i, rng):
    _write(p, b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(3000))


@_k("empty", ".txt", "empty")
def _(p, k, i, rng):
    _write(p, b"")


@_k("whitespace_only", ".md", "empty")
def _(p, k, i, rng):
    _write(p, " \n\t\u3000\n".encode() * (i + 1))


@_k("script_only_html", ".html", "empty")
def _(p, k, i, rng):
    _write(p, b"<html><head><script>var a = 1;</script></head><body><nav>home</nav></body></html>")


@_k("huge_50mb", ".txt", "size")
def _(p, k, i, rng):
    _sparse(p, 50 * MIB)


@_k("million_char_line", ".txt", DOC)
def _(p, k, i, rng):
    line = ("法治政府建设是全面依法治国的重点任务和主体工程" * 45_000)[:1_000_000]
    _write(p, f"关于超长行的通知\n{marker(k, i)}\n{line}\n".encode())


@_k("deep_html", ".html", "parse,empty," + DOC)
def _(p, k, i, rng):
    depth = 100_000
    _write(
        p,
        (
            f"<html><body><p>{marker(k, i)}</p>"
            + "<div>" * depth
            + "深层嵌套的正文"
            + "</div>" * depth
            + "</body></html>"
        ).encode(),
    )


@_k("unclosed_html", ".htm", DOC)
def _(p, k, i, rng):
    _write(p, ("<html><body><p>" + _text(k, i) + "<table><tr><td>" * 5000).encode())


@_k("corrupt_docx", ".docx", "parse")
def _(p, k, i, rng):
    _write(p, rng.randbytes(5000))


@_k("truncated_docx", ".docx", "parse")
def _(p, k, i, rng):
    data = _docx(_text(k, i))
    _write(p, data[: len(data) * (i + 1) // 12])


@_k("docx_without_document", ".docx", "parse")
def _(p, k, i, rng):
    _write(p, _zip({"[Content_Types].xml": b"<Types/>", "word/other.xml": b"<x/>"}))


@_k("zip_bomb_docx", ".docx", "parse")
def _(p, k, i, rng):
    _write(p, _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": 210 * MIB}))


@_k("zip_bomb_ratio_docx", ".docx", "parse")
def _(p, k, i, rng):
    _write(p, _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": 8 * MIB}))


@_k("encrypted_docx", ".docx", "parse")
def _(p, k, i, rng):
    _write(p, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(4000))


@_k("encrypted_pdf", ".pdf", "parse")
def _(p, k, i, rng):
    _write(p, _pdf(BODY.splitlines()[0], encrypt=pdfencrypt.StandardEncryption("user-secret", "owner-secret")))


@_k("corrupt_pdf", ".pdf", "parse,empty")
def _(p, k, i, rng):
    _write(p, b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog" + rng.randbytes(3000))


@_k("truncated_pdf", ".pdf", "parse,empty")
def _(p, k, i, rng):
    data = _pdf(BODY.splitlines()[0])
    _write(p, data[: len(data) * (i + 1) // 12])


@_k("symlink_out_of_folder", ".txt", "symlink")
def _(p, k, i, rng):
    outside = p.parents[2] / "outside"
    outside.mkdir(exist_ok=True)
    target = outside / f"secret{i}.txt"
    target.write_text("外部文件：不应被索引\n", "utf-8")
    p.symlink_to(target)


@_k("symlink_to_dev_zero", ".txt", "symlink")
def _(p, k, i, rng):
    p.symlink_to("/dev/zero")


@_k("symlink_loop", ".txt", "symlink,read")
def _(p, k, i, rng):
    p.symlink_to(p.name)


@_k("fifo_as_txt", ".txt", "read")
def _(p, k, i, rng):
    os.mkfifo(p)


def unreadable_kind() -> Kind | None:
    """chmod 000 where it stops reading; root reads anyway, so there the FIFO and /dev/zero kinds stand in."""
    if os.geteuid() == 0:
        return None

    def make(p, k, i, rng):
        p.write_text(_text(k, i), "utf-8")
        p.chmod(0)

    return Kind("chmod_000", ".txt", "read", make)


@dataclass(frozen=True, slots=True)
class BadFile:
    source: str  # "<folder>/<name>", as the build reports it
    kind: Kind
    marker: str


def write_bad(folder: Path, per_kind: int, seed: int = 8) -> list[BadFile]:
    rng = random.Random(seed)
    kinds = KINDS + [k for k in [unreadable_kind()] if k]
    out = []
    for kind in kinds:
        for i in range(min(per_kind, HEAVY.get(kind.name, per_kind))):
            name = f"bad_{kind.name}_{i}{kind.suffix}"
            kind.make(folder / name, kind.name, i, rng)
            out.append(BadFile(f"{folder.name}/{name}", kind, marker(kind.name, i)))
    return out


GOOD_EXTRA = {
    "e_page.html": (
        "<html><head><title>某市司法局关于公布行政执法主体的公告</title></head><body><div class='nav'>首页</div>"
        "<h1>某市司法局关于公布行政执法主体的公告</h1><p>现将全市行政执法主体名单予以公布。</p></body></html>"
    ),
    "f_rules.md": (
        "# 某市规范性文件管理办法\n\n第一条 为加强规范性文件管理，制定本办法。\n\n第二条 本办法自公布之日起施行。\n"
    ),
}


def write_good(folder: Path) -> list[str]:
    """The good files: the tiny folder's texts, a web page, a Markdown file, a Word file and a PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**TINY_DOCS, **GOOD_EXTRA}.items():
        (folder / name).write_text(text, "utf-8")
    (folder / "g_word.docx").write_bytes(_docx("某区关于深化行政审批制度改革的意见\n一、精简审批事项\n减少审批环节。"))
    (folder / "h_scan.pdf").write_bytes(_pdf("某县人民政府关于加强矿产资源管理的通知"))
    return sorted(f"{folder.name}/{p.name}" for p in folder.iterdir())


@dataclass
class BuildRun:
    returncode: int
    seconds: float
    max_rss_mb: float
    report: dict
    stderr: str


def run_build(sources: list[Path], root: Path, report: Path, timeout: float = 1800) -> BuildRun:
    """`indexer build` in its own process (so a crash or a hang shows), timed, with its peak memory."""
    code = (
        "import resource, runpy, sys; sys.argv = ['indexer', *sys.argv[1:]];\n"
        "try:\n    runpy.run_module('indexer', run_name='__main__')\n"
        "finally:\n    r = resource.getrusage; print('maxrss', max(r(resource.RUSAGE_SELF).ru_maxrss,"
        " r(resource.RUSAGE_CHILDREN).ru_maxrss), file=sys.stderr)"
    )
    t = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "build",
            *map(str, sources),
            "--index",
            str(root),
            "--workers",
            "2",
            "--report",
            str(report),
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.perf_counter() - t
    rss = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("maxrss ")]
    data = json.loads(report.read_text("utf-8")) if report.exists() else {}
    return BuildRun(proc.returncode, seconds, (rss[0] / 1024) if rss else 0.0, data, proc.stderr)


def outcomes(bad: list[BadFile], run: BuildRun, docs: dict[str, str]) -> dict[str, list[str]]:
    """For each kind, the files whose outcome differs from what the kind expects (with what happened)."""
    errors: dict[str, list[dict]] = {}
    for e in run.report.get("errors", []):
        errors.setdefault(e["source"], []).append(e)
    wrong: dict[str, list[str]] = {}
    for f in bad:
        errs, text = errors.get(f.source, []), docs.get(f.source)
        accepted = f.kind.expect.split(",")
        if len(errs) + (text is not None) != 1:
            problem = f"{len(errs)} error records and {'a' if text is not None else 'no'} document"
        elif errs and (
            (errs[0]["stage"] not in accepted and ANY not in accepted) or not errs[0]["reason"] or errs[0]["path"] == ""
        ):
            problem = f"error at stage {errs[0]['stage']}: {errs[0]['reason']}"
        elif text is not None and DOC not in accepted and ANY not in accepted:
            problem = "indexed, but should have been refused"
        elif text is not None and DOC in accepted and f.marker not in text:
            problem = "indexed without its marker (garbled)"
        elif text is not None and any(c in text for c in "\x00\x01\x07\x1b\ufffe"):
            problem = "indexed with control characters"
        else:
            continue
        wrong.setdefault(f.kind.name, []).append(f"{f.source}: {problem}")
    return wrong
