"""Accuracy of metadata extraction and sectioning over the shared corpus.

Usage: scripts/metadata-accuracy [CORPUS_DIR]   (default: ../shared/corpus)

The files are read and cleaned as the indexer does; the extraction sees only the text (no file name), and
metadata.jsonl is used as the answer key, never as input. The saved government web pages of govpages/ are read
by the indexer's whole pipeline (as `indexer inspect --no-metadata-file` does) and compared with its truth.jsonl
field by field.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from indexer.clean import clean_text
from indexer.metadata import extract_metadata
from indexer.pipeline import FileError, SourceFile, build_document
from indexer.sections import split_sections
from search.analysis import normalize
from search.exitcodes import ArgumentParser

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
SHOW_FAILURES = 5
_ARTICLE_LINE = re.compile(
    r"^[ \t\u3000\u200b]*第[ \u3000]*[零〇一二三四五六七八九十百千两\d０-９]+(?:-\d+)?[ \u3000]*[条條]"
    r"(?:之[一二三四五六七八九十]+)?(?=[ \u3000]|$)",
    re.MULTILINE,
)


def first_heading(raw: str) -> str:
    m = re.search(r"^# (.+)$", raw, re.MULTILINE)
    return m.group(1).strip() if m else ""


@dataclass(frozen=True, slots=True)
class Checked:
    """What one file's extraction gives, and whether it matches the file's own text."""

    title_ok: bool  # the title is the file's first # heading
    title: str
    date: str | None
    articles_ok: bool  # every 第X条 line starts a section
    articles: int
    sections: int
    level: str | None


def check(path: str) -> Checked:
    raw = Path(path).read_text(encoding="utf-8")
    cleaned = clean_text(raw, "markdown")
    meta = extract_metadata(cleaned.text, page_meta=cleaned.page_meta)
    sections = split_sections(cleaned.text)
    starts = {s.start for s in sections}
    articles = [m.start() for m in _ARTICLE_LINE.finditer(cleaned.text)]
    line_starts = [cleaned.text.rfind("\n", 0, a) + 1 for a in articles]
    return Checked(
        title_ok=meta.title == first_heading(raw),
        title=meta.title,
        date=meta.date,
        articles_ok=all(a in starts for a in line_starts),
        articles=len(articles),
        sections=len(sections),
        level=meta.level,
    )


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="scripts/metadata-accuracy", description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus",
        nargs="?",
        type=Path,
        default=DEFAULT_CORPUS,
        help="folder with laws/ and traditional/, each with metadata.jsonl (default: %(default)s)",
    )
    root = parser.parse_args(argv).corpus
    pages = govpages_rows(root / "govpages")
    if pages:
        print_rows(pages)
        print()
    laws_meta = root / "laws" / "metadata.jsonl"
    trad_meta = root / "traditional" / "metadata.jsonl"
    if not laws_meta.is_file() or not trad_meta.is_file():
        if pages:
            return 0
        print(
            f"metadata-accuracy: no corpus at {root} (expected laws/metadata.jsonl and traditional/metadata.jsonl);"
            " pass the corpus folder as the first argument",
            file=sys.stderr,
        )
        return 2
    laws = [json.loads(line) for line in laws_meta.read_text(encoding="utf-8").splitlines() if line.strip()]
    trad = [json.loads(line) for line in trad_meta.read_text(encoding="utf-8").splitlines() if line.strip()]
    paths = [str(root / "laws" / r["path"]) for r in laws] + [str(root / "traditional" / r["path"]) for r in trad]
    with mp.get_context("fork").Pool(2) as pool:
        results = pool.map(check, paths, chunksize=16)
    law_res, trad_res = results[: len(laws)], results[len(laws) :]

    rows: list[Row] = []

    def measure(name: str, items: list[tuple[str, bool]], target: str) -> None:
        rows.append(Row.measured(name, items, target))

    measure(
        "laws: title == first # heading",
        [(r["path"], x.title_ok) for r, x in zip(laws, law_res, strict=True)],
        ">= 99%",
    )
    dated = [(r, x) for r, x in zip(laws, law_res, strict=True) if r["publish"]]
    measure("laws: date == metadata publish", [(r["path"], x.date == r["publish"]) for r, x in dated], ">= 95%")
    in_text = [
        (r, x)
        for r, x in dated
        if r["publish"] in _dates_in(Path(root / "laws" / r["path"]).read_text(encoding="utf-8"))
    ]
    measure(
        "  (of those whose publish date is in the text)",
        [(r["path"], x.date == r["publish"]) for r, x in in_text],
        "",
    )
    measure(
        "laws: every 第X条 line is a section",
        [(r["path"], x.articles_ok) for r, x in zip(laws, law_res, strict=True)],
        "100%",
    )
    measure(
        "laws: level == metadata level",
        [(r["path"], x.level == r["level"]) for r, x in zip(laws, law_res, strict=True)],
        "",
    )
    measure(
        "traditional: title == metadata title",
        [(r["path"], x.title_ok and x.title == r["title"]) for r, x in zip(trad, trad_res, strict=True)],
        ">= 99%",
    )
    measure(
        "traditional: every 第 N 條 line is a section",
        [(r["path"], x.articles_ok) for r, x in zip(trad, trad_res, strict=True)],
        "100%",
    )

    print_rows(rows)
    return 0


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the report: a check, how many items passed it, and the items that did not."""

    name: str
    ok: int
    of: int
    target: str
    failures: tuple[str, ...]

    @classmethod
    def measured(cls, name: str, items: list[tuple[str, bool]], target: str) -> Row:
        return cls(name, sum(1 for _, good in items if good), len(items), target, tuple(p for p, g in items if not g))


def print_rows(rows: list[Row]) -> None:
    width = max(len(r.name) for r in rows)
    print(f"{'check'.ljust(width)}  {'ok':>5} / {'of':<5} {'share':>7}  target")
    for r in rows:
        share = r.ok / r.of if r.of else 0.0
        print(f"{r.name.ljust(width)}  {r.ok:>5} / {r.of:<5} {share:>7.2%}  {r.target}")
    for r in rows:
        if r.failures:
            print(f"\n{r.name.strip()}: {len(r.failures)} failures, first {SHOW_FAILURES}:")
            for p in r.failures[:SHOW_FAILURES]:
                print(f"  {p}")


def _squash(s: str) -> str:
    """A string as compared here: normalised script and width, no white space."""
    return re.sub(r"\s+", "", normalize(s))


def _page_document(folder: Path, name: str):
    path = folder / name
    return build_document(SourceFile(path=path, root=folder, source=f"{folder.name}/{name}"))


def govpages_rows(folder: Path) -> list[Row]:
    """The checks of the saved government pages against truth.jsonl (none when the folder is absent).

    Detail pages: title, issuer (of pages stating one: one of the document's issuers), 文号 (of pages stating
    one), date, every probe phrase in the text; all pages: every furniture string absent from the text (a page
    that yields no document has none). A list or search page passes its title check when it yields no document
    or one with the page's own title.
    """
    truth_file = folder / "truth.jsonl"
    if not truth_file.is_file():
        return []
    truth = [json.loads(line) for line in truth_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = [_page_document(folder, t["file"]) for t in truth]
    title, issuer, number, date, probes, furniture = [], [], [], [], [], []
    for t, doc in zip(truth, docs, strict=True):
        name = t["file"]
        if isinstance(doc, FileError):
            text, got = "", None
        else:
            text, got = _squash(doc.text), doc
        if t["kind"] != "detail":
            title.append((name, got is None or _squash(got.title) == _squash(t["title"])))
        else:
            title.append((name, got is not None and _squash(got.title) == _squash(t["title"])))
            if t["issuer"]:
                names = [_squash(i) for i in got.issuer] if got else []
                issuer.append((name, _squash(t["issuer"]) in names))
            if t["doc_number"]:
                number.append((name, got is not None and _squash(got.doc_number_raw or "") == _squash(t["doc_number"])))
            if t["date"]:
                date.append((name, got is not None and got.date == t["date"]))
            probes += [(f"{name}: {p}", _squash(p) in text) for p in t["probes"]]
        furniture += [(f"{name}: {f}", _squash(f) not in text) for f in t["furniture"]]
    return [
        Row.measured("govpages: title", title, "100%"),
        Row.measured("govpages: issuer (pages stating one)", issuer, ">= 95%"),
        Row.measured("govpages: 文号 (pages stating one)", number, "100%"),
        Row.measured("govpages: date", date, ">= 95%"),
        Row.measured("govpages: probe phrases in the text", probes, "100%"),
        Row.measured("govpages: furniture strings absent", furniture, ">= 95%"),
    ]


def _dates_in(text: str) -> set[str]:
    return {
        f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
        for y, m, d in re.findall(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    }


if __name__ == "__main__":
    sys.exit(main())
