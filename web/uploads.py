"""The text of a file uploaded to the citation checker (.txt, .docx, .pdf), read in memory: an upload is
never written anywhere. (The indexer's loaders read files of a source folder; the web layer does not import
the indexer, and an upload needs none of their cleaning.)"""

from __future__ import annotations

import io
import zipfile

from charset_normalizer import from_bytes

from search.params import ParamError

SUFFIXES = (".txt", ".docx", ".pdf")
# Encodings a Chinese text file is tried in, in order, before guessing.
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


def upload_text(filename: str, data: bytes) -> str:
    """The text of an uploaded file, or ParamError saying why it cannot be read."""
    name = filename.lower()
    if not name.endswith(SUFFIXES):
        raise ParamError(f"{filename!r}: only {', '.join(SUFFIXES)} files can be checked")
    try:
        if name.endswith(".txt"):
            return _text(data)
        if name.endswith(".docx"):
            return _docx(data)
        return _pdf(data)
    except ParamError:
        raise
    except Exception as e:  # noqa: BLE001  a damaged file makes its reader raise anything; its error says why
        raise ParamError(f"{filename!r} cannot be read: {type(e).__name__}: {str(e)[:200]}") from None


def _text(data: bytes) -> str:
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is None:
        raise ParamError("the text file is in no encoding that could be recognised")
    return str(best)


def _docx(data: bytes) -> str:
    import docx  # python-docx: only needed when a Word file is uploaded

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ParamError("the .docx file is not a Word document (not a zip container)")
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    lines += ["\t".join(cell.text for cell in row.cells) for table in document.tables for row in table.rows]
    return "\n".join(lines)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    if not text.strip():
        raise ParamError("the PDF has no text layer (a scan): paste its text instead")
    return text
