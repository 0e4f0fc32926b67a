"""Accuracy of metadata extraction and sectioning over the shared corpus.

Usage: scripts/metadata-accuracy [CORPUS_DIR]   (default: ../shared/corpus)

The files are read and cleaned as the indexer does; the extraction sees only the text (no file name), and
metadata.jsonl is used as the answer key, never as input.
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
from indexer.sections import split_sections
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
    laws_meta = root / "laws" / "metadata.jsonl"
    trad_meta = root / "traditional" / "metadata.jsonl"
    if not laws_meta.is_file() or not trad_meta.is_file():
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

    rows = []
    fails: dict[str, list[str]] = {}

    def measure(name: str, items: list[tuple[str, bool]], target: str) -> None:
        ok = sum(1 for _, good in items if good)
        share = ok / len(items) if items else 0.0
        rows.append((name, ok, len(items), share, target))
        fails[name] = [p for p, good in items if not good]

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

    width = max(len(r[0]) for r in rows)
    print(f"{'check'.ljust(width)}  {'ok':>5} / {'of':<5} {'share':>7}  target")
    for name, ok, n, share, target in rows:
        print(f"{name.ljust(width)}  {ok:>5} / {n:<5} {share:>7.2%}  {target}")
    for name, _, _, _, _ in rows:
        if fails[name]:
            print(f"\n{name.strip()}: {len(fails[name])} failures, first {SHOW_FAILURES}:")
            for p in fails[name][:SHOW_FAILURES]:
                print(f"  {p}")
    return 0


def _dates_in(text: str) -> set[str]:
    return {
        f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
        for y, m, d in re.findall(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    }


if __name__ == "__main__":
    sys.exit(main())
