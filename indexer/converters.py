"""Office formats read through system programs: Word 97–2003 `.doc` and WPS `.wps` (antiword, else LibreOffice
headless), and OCR of scanned PDF pages (tesseract with its Chinese models).

Each program is optional: where it is missing, `ConverterMissingError` names the Debian package that brings it, and
the indexer reports the file and goes on. Programs run with a time limit and never through a shell.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

# Measured on 20 documents converted to .doc (python -m tools.formats): antiword gave the source text for all 20
# in 0.05 s together, catdoc for 15 in 0.04 s, LibreOffice for all 20 in 29 s (a process a file). antiword
# refuses very short documents ("text stream too small"), which LibreOffice reads, and LibreOffice also reads
# Word 6/95 and WPS files with streams of their own; catdoc is the last resort.
ANTIWORD = "antiword"
CATDOC = "catdoc"
SOFFICE = ("soffice", "libreoffice")
TESSERACT = "tesseract"
PACKAGES = {
    "word": "antiword (or libreoffice-writer-nogui, or catdoc)",
    "ocr": "tesseract-ocr with tesseract-ocr-chi-sim and tesseract-ocr-chi-tra",
}
SOFFICE_SECONDS = 45.0
ANTIWORD_SECONDS = 20.0
# OCR languages in order of preference: simplified and traditional Chinese together where both are installed.
OCR_LANGUAGES = ("chi_sim", "chi_tra")
# Page images smaller than this (pixels on the short side) are logos and stamps, not scanned pages.
MIN_SCAN_PIXELS = 300


class ConverterMissingError(Exception):
    """No program that reads this kind of file is installed; `package` says what to install."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.package = PACKAGES[kind]

    def __str__(self) -> str:
        return f"needs a converter that is not installed: apt-get install {self.package}"


class ConversionFailedError(Exception):
    """The program ran and could not read the file; the message is its own."""


def _which(names: Iterable[str]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(args: list[str], seconds: float) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(args, capture_output=True, timeout=seconds, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ConversionFailedError(f"{Path(args[0]).name} took longer than {seconds:g} s") from exc


def _antiword(path: Path) -> str:
    done = _run([ANTIWORD, "-w", "0", "-m", "UTF-8.txt", str(path)], ANTIWORD_SECONDS)
    if done.returncode != 0:
        raise ConversionFailedError(
            done.stderr.decode("utf-8", "replace").strip() or f"antiword exit {done.returncode}"
        )
    return done.stdout.decode("utf-8", "replace")


def _soffice(program: str, path: Path) -> str:
    with tempfile.TemporaryDirectory(prefix="govlaw-soffice-") as tmp:
        # A profile of its own: two conversions at once (one per worker) must not share LibreOffice's lock.
        profile = Path(tmp, "profile").as_uri()
        args = [
            program,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
            tmp,
            str(path),
        ]
        done = _run(args, SOFFICE_SECONDS)
        out = Path(tmp, path.stem + ".txt")
        if not out.is_file():
            message = done.stderr.decode("utf-8", "replace").strip()
            raise ConversionFailedError(message or "LibreOffice wrote no text for it")
        return out.read_text(encoding="utf-8-sig", errors="replace")


def word_binary_text(path: Path) -> tuple[str, str]:
    """(text, program) of a Word 97–2003 or WPS document: antiword first, then LibreOffice, then catdoc, each
    where the one before is missing or cannot read the file. Raises ConverterMissingError or ConversionFailedError."""
    errors: list[str] = []
    if shutil.which(ANTIWORD):
        try:
            return _antiword(path), "antiword"
        except ConversionFailedError as exc:
            errors.append(f"antiword: {exc}")
    soffice = _which(SOFFICE)
    if soffice:
        try:
            return _soffice(soffice, path), "libreoffice"
        except ConversionFailedError as exc:
            errors.append(f"LibreOffice: {exc}")
    if shutil.which(CATDOC):
        done = _run([CATDOC, "-w", "-d", "utf-8", str(path)], ANTIWORD_SECONDS)
        if done.returncode == 0:
            return done.stdout.decode("utf-8", "replace"), "catdoc"
        errors.append(f"catdoc: {done.stderr.decode('utf-8', 'replace').strip() or done.returncode}")
    if not errors:
        raise ConverterMissingError("word")
    raise ConversionFailedError("; ".join(errors))


@lru_cache(maxsize=1)
def ocr_languages() -> str | None:
    """The tesseract language argument (chi_sim+chi_tra), or None when tesseract or its Chinese models are
    missing."""
    if not shutil.which(TESSERACT):
        return None
    done = _run([TESSERACT, "--list-langs"], 20.0)
    installed = set(done.stdout.decode("utf-8", "replace").split())
    langs = [lang for lang in OCR_LANGUAGES if lang in installed]
    return "+".join(langs) if langs else None


def ocr_images(images: Iterable[bytes], seconds: float) -> str:
    """The text tesseract reads on page images (PNG or JPEG bytes), one after another, within `seconds` for
    them all. Raises ConverterMissingError or ConversionFailedError (also when the time is up)."""
    langs = ocr_languages()
    if langs is None:
        raise ConverterMissingError("ocr")
    deadline = _now() + seconds
    texts = []
    for data in images:
        left = deadline - _now()
        if left <= 0:
            raise ConversionFailedError(f"OCR took longer than {seconds:g} s")
        with tempfile.NamedTemporaryFile(suffix=".img") as image:
            image.write(data)
            image.flush()
            done = _run([TESSERACT, image.name, "stdout", "-l", langs, "--psm", "6"], left)
        if done.returncode != 0:
            raise ConversionFailedError(done.stderr.decode("utf-8", "replace").strip() or "tesseract failed")
        texts.append(done.stdout.decode("utf-8", "replace"))
    return "\n".join(texts)


def _now() -> float:
    return time.monotonic()


def image_bytes(image) -> bytes:
    """A PIL image as PNG bytes for tesseract."""
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
