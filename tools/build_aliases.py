"""Regenerate the corpus-derived parts of search/data/aliases.tsv and search/data/legal_terms.txt.

Usage: scripts/build-aliases [CORPUS_LAWS_DIR] [--check]

CORPUS_LAWS_DIR is the folder holding metadata.jsonl (default: ../shared/corpus/laws relative to the
project root). aliases.tsv = search/data/aliases_hand.tsv + aliases generated from the corpus titles + the
abbreviations read from the corpus text (tools/abbreviations.py, kind `abbreviation`); legal_terms.txt
keeps every entry not tagged `law` and regenerates the `law` entries. With --check nothing is written and the
exit status is 1 when a file would change.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from search import analysis, colloquial
from search.exitcodes import ArgumentParser
from tools import abbreviations

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "search" / "data"
ALIASES = DATA / "aliases.tsv"
ALIASES_HAND = DATA / "aliases_hand.tsv"
TERMS = DATA / "legal_terms.txt"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "laws"

# Levels whose titles are national instruments: their short names become dictionary words and alias targets.
NATIONAL_LEVELS = ("宪法", "法律", "行政法规", "司法解释", "部门规章")
PRC = "中华人民共和国"
# Longer titles stay split into words, so a query for part of the name still matches.
MAX_LAW_NAME_CHARS = 12
# Contractions are dictionary words only while short; longer forms segment fine on their own.
MAX_ALIAS_WORD_CHARS = 6
# jieba frequency for generated entries: above the ~250 the shortest names need to stay whole against
# jieba's default dictionary (total ≈ 6e7), and as low as that allows, so a name loses to a common word
# overlapping it ("公司法人" stays 公司/法人).
LAW_FREQ = 300
# A name ending in 法 is left out of the dictionary when, in the corpus text, this share of its mentions is
# followed by a character that makes a word with that 法 (法律, 法定, 法人 …): jieba would cut
# "安全生产法律法规" as 安全生产法/律/法规.
CONFLICT_NEXT = "律定人院官治制学庭典"
MAX_CONFLICT_SHARE = 0.25
LAW_TAG = "law"
ABBREVIATION = "abbreviation"
# "X实施条例" is the law name plus a dictionary word; keeping it split lets a query for X match it.
COMPOUND_SUFFIXES = ("实施条例", "实施细则", "实施办法")
# A tail after one of these marks names the law on its own ("…常务委员会监督法" -> 监督法).
TAIL_MARKS = ("代表大会", "委员会", "人民政府")
HAN = re.compile(r"[\u4e00-\u9fff]+")
INTERPRETATION = re.compile(r"最高人民法院关于适用《([\u4e00-\u9fff]+法)》的解释")
MANAGEMENT_RULES = re.compile(r"([\u4e00-\u9fff]{2,}?)(?:监督)?管理条例")
# "X管理条例" -> "X条例" only for names short enough to be typed, and not where 管理 belongs to X (集体管理).
MAX_RULES_ALIAS_CHARS = 8
MANAGEMENT_BOUND = ("集体", "组织")


@dataclass(frozen=True)
class Corpus:
    national: frozenset[str]  # short titles of national instruments
    titles: frozenset[str]  # every `title`
    names: frozenset[str]  # every string an expansion may be: titles, headings, headings without 中华人民共和国


def load_corpus(folder: Path) -> Corpus:
    rows = [json.loads(line) for line in (folder / "metadata.jsonl").open(encoding="utf-8") if line.strip()]
    rows = [r for r in rows if r["level"] != "案例"]
    titles = {r["title"] for r in rows}
    names = set(titles)
    for r in rows:
        names.add(r["heading"])
        names.add(r["heading"].removeprefix(PRC))
        names.add(r["title"].split()[0])  # 民法典 for "民法典 合同编"
    national = {r["title"] for r in rows if r["level"] in NATIONAL_LEVELS}
    return Corpus(frozenset(national), frozenset(titles), frozenset(names))


def conflict_share(word: str, text: str) -> float:
    """Share of the mentions of `word` in `text` whose final 法 would rather pair with the next character."""
    if not word.endswith("法") or word.endswith("办法"):
        return 0.0
    mentions = text.count(word)
    clashes = len(re.findall(re.escape(word) + f"[{CONFLICT_NEXT}]", text))
    return clashes / mentions if mentions else 0.0


def load_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.md")))


def law_words(corpus: Corpus) -> set[str]:
    """Short national titles that make sense as one search word."""
    words = set()
    for title in corpus.national:
        if not HAN.fullmatch(title) or not 3 <= len(title) <= MAX_LAW_NAME_CHARS:
            continue
        if any(title.endswith(s) and title[: -len(s)] in corpus.national for s in COMPOUND_SUFFIXES):
            continue
        words.add(title)
    return words


def candidate_aliases(corpus: Corpus) -> list[tuple[str, str, bool]]:
    """(alias, expansion, is_word) from title patterns; is_word marks contractions worth a dictionary entry."""
    out = []
    for title in sorted(corpus.national):
        if HAN.fullmatch(title) and title.endswith("法") and not title.endswith("办法"):
            out.append((PRC + title, title, False))
            tails = [title[m.end() :] for mark in TAIL_MARKS for m in re.finditer(mark, title)]
            tails = sorted((t for t in tails if len(t) >= 3), key=len)
            if tails:
                out.append((tails[0], title, True))
        if m := INTERPRETATION.fullmatch(title):
            out.append((m.group(1) + "解释", title, False))
        if HAN.fullmatch(title) and (m := MANAGEMENT_RULES.fullmatch(title)):
            stem = m.group(1)
            if len(stem) + 2 <= MAX_RULES_ALIAS_CHARS and not stem.endswith(MANAGEMENT_BOUND):
                out.append((stem + "条例", title, False))
    return out


def unambiguous(alias: str, expansion: str, corpus: Corpus) -> bool:
    """Keep an alias only if no other title is, or ends with, the alias."""
    if alias == expansion or alias in corpus.titles:
        return False
    if alias.startswith(PRC):
        return True
    return not any(t != expansion and t.endswith(alias) for t in corpus.titles)


def read_abbreviations(corpus: Corpus, text: str) -> list[tuple[str, str]]:
    """The abbreviations of the corpus text's terms (tools/abbreviations.py); the terms are the words of the
    colloquial table's expansions and the corpus titles' parts besides jieba's long words."""
    vocabulary = {w for expansions in colloquial.table().values() for e in expansions for w in e.split()}
    lines = analysis.normalize(text).splitlines()
    dictionary, _ = analysis.dictionary_words()
    return abbreviations.abbreviations(lines, vocabulary, "\n".join(sorted(corpus.titles)), dictionary)


def read_tsv(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not all(fields):
            sys.exit(f"{path}:{n}: expected alias<TAB>expansion<TAB>kind, got {line!r}")
        rows.append((fields[0], fields[1], fields[2]))
    return rows


def check_hand(rows: list[tuple[str, str, str]], corpus: Corpus) -> None:
    errors = []
    for alias, expansion, kind in rows:
        if kind not in ("law", "term"):
            errors.append(f"{alias}: kind must be law or term, not {kind!r}")
        elif alias == expansion:
            errors.append(f"{alias}: alias equals its expansion")
        elif kind == "law" and expansion not in corpus.names:
            errors.append(f"{alias}: expansion {expansion!r} is not a title or heading in the corpus")
        elif kind == "law" and alias in corpus.titles:
            errors.append(f"{alias}: is itself a corpus title")
    if errors:
        sys.exit(f"{ALIASES_HAND}:\n  " + "\n  ".join(errors))


def build(corpus: Corpus, text: str) -> tuple[str, str, dict[str, int]]:
    hand = read_tsv(ALIASES_HAND)
    check_hand(hand, corpus)
    by_alias: dict[str, set[str]] = defaultdict(set)
    word_aliases = set()
    for alias, expansion, is_word in candidate_aliases(corpus):
        by_alias[alias].add(expansion)
        if is_word:
            word_aliases.add(alias)
    hand_aliases = {a for a, _, _ in hand}
    generated = sorted(
        (a, next(iter(e)), "law")
        for a, e in by_alias.items()
        if len(e) == 1 and a not in hand_aliases and unambiguous(a, next(iter(e)), corpus)
    )
    taken = hand_aliases | {a for a, _, _ in generated} | corpus.titles
    shortened = [(a, e, ABBREVIATION) for a, e in read_abbreviations(corpus, text) if a not in taken]
    rows = sorted(set(hand) | set(generated) | set(shortened))
    aliases_text = "".join(f"{a}\t{e}\t{k}\n" for a, e, k in rows)

    kept = (
        [
            line
            for line in TERMS.read_text(encoding="utf-8").splitlines()
            if line.strip() and line.split()[-1] != LAW_TAG
        ]
        if TERMS.exists()
        else []
    )
    kept_words = {line.split()[0] for line in kept}
    words = law_words(corpus)
    words |= {
        a
        for a, _, k in rows
        if k == "law"
        and HAN.fullmatch(a)
        and 3 <= len(a) <= MAX_ALIAS_WORD_CHARS
        and (a in word_aliases or a in hand_aliases)
    }
    clashing = {w for w in words - kept_words if conflict_share(w, text) >= MAX_CONFLICT_SHARE}
    law_lines = [f"{w} {LAW_FREQ} {LAW_TAG}" for w in words - kept_words - clashing]
    terms_text = "".join(line + "\n" for line in sorted(kept + law_lines, key=lambda s: s.split()[0]))
    counts = {
        "aliases hand": len(hand),
        "aliases generated": len(generated),
        "abbreviations": len(shortened),
        "aliases total": len(rows),
        "terms hand": len(kept),
        "terms law": len(law_lines),
        "law names left out": len(clashing),
    }
    return aliases_text, terms_text, counts


def main() -> int:
    parser = ArgumentParser(prog="scripts/build-aliases", description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus", nargs="?", type=Path, default=DEFAULT_CORPUS, help="folder with metadata.jsonl (default: %(default)s)"
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is out of date")
    args = parser.parse_args()
    if not (args.corpus / "metadata.jsonl").is_file():
        parser.error(f"{args.corpus / 'metadata.jsonl'} not found: pass the corpus laws folder")
    aliases_text, terms_text, counts = build(load_corpus(args.corpus), load_text(args.corpus))
    stale = [
        p
        for p, text in ((ALIASES, aliases_text), (TERMS, terms_text))
        if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    for name, n in counts.items():
        print(f"{name:18} {n:5}")
    if args.check:
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)}")
        return 1 if stale else 0
    for p, text in ((ALIASES, aliases_text), (TERMS, terms_text)):
        p.write_text(text, encoding="utf-8")
    print(f"wrote {ALIASES.relative_to(ROOT)}, {TERMS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
