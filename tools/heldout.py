"""Held-out query sets, through the search function the API uses: questions and everyday words (success@3 per set
and kind), and topics (success@1 and MRR@10 per set).

`tools/heldout/setN.jsonl` (one {"q", "kind", "accept"} per line; `accept` holds sources of ../shared/corpus) were
written from the corpus alone by authors who saw neither the development sets, the colloquial table nor the
engine; docs/relevance.md says which of them ranking work has since looked at. `tools/heldout/topicsN.jsonl` (one
{"q", "kind", "primary", "relevant", "notes"} per line) were written the same way, judged as the development set's
`concept` and `seed` kinds are: 2–3 statutory words naming a subject (kind `concept`), or the words of an
initiative the seed reports give a paragraph (kind `seed`); `primary` holds the documents acceptable first.

Citations are swept over the corpus too: for laws in force drawn at random (with a fixed seed) from
`metadata.jsonl`, one article each, cited in four spellings (the full title and 第X条 as the build heads it;
the title without 中华人民共和国 and an Arabic number; the same in 《》 with a law inside it in 〈〉; a space before
第N条); a citation counts when the answer is that file and that article.

    python -m tools.heldout INDEX_ROOT [--misses] [--corpus DIR] [--sweep N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path

from search import analysis
from search.citation import article_key, cn_numeral
from search.engine import run_search
from search.index import IndexHolder
from search.params import params_from

SETS = Path(__file__).with_name("heldout")
TOP = 3
KINDS = ("question", "colloquial")
TOPIC_KINDS = ("concept", "seed")
# Topics: the first primary document's rank counts up to this one (MRR@10).
TOPIC_DEPTH = 10
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
# The citation sweep: how many laws, drawn with this seed.
SWEEP_LAWS = 200
SWEEP_SEED = 7


def set_paths() -> list[Path]:
    """The sets' files in their order (set1, set2, …, set10)."""
    return sorted(SETS.glob("set*.jsonl"), key=lambda p: int(p.stem.removeprefix("set")))


def topic_paths() -> list[Path]:
    """The topic sets' files in their order (topics1, topics2, …)."""
    return sorted(SETS.glob("topics*.jsonl"), key=lambda p: int(p.stem.removeprefix("topics")))


def score(index, path: Path, misses: bool) -> dict[str, tuple[int, int, int]]:
    """Per kind: (successes, queries, empty answers)."""
    out = {k: [0, 0, 0] for k in KINDS}
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        result = run_search(index, params_from({"q": case["q"]}))
        top = [h.source for h in result.hits[:TOP]]
        ok = any(s in case["accept"] for s in top)
        row = out[case["kind"]]
        row[0] += ok
        row[1] += 1
        row[2] += result.total == 0
        if misses and not ok:
            print(f"  miss {path.stem} [{case['kind']}] {case['q']} -> {[Path(s).name for s in top]}")
    return {k: (v[0], v[1], v[2]) for k, v in out.items() if v[1]}


def score_topics(index, path: Path, misses: bool) -> tuple[int, float, int]:
    """(successes at rank 1, reciprocal ranks summed, queries) of a topic set."""
    first = queries = 0
    reciprocal = 0.0
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        hits = run_search(index, params_from({"q": case["q"], "size": str(TOPIC_DEPTH)})).hits
        rank = next((n for n, h in enumerate(hits, 1) if h.source in case["primary"]), None)
        queries += 1
        first += int(rank == 1)
        reciprocal += 1 / rank if rank else 0.0
        if misses and rank != 1:
            shown = hits[0].source if hits else None
            print(f"  miss {path.stem} [{case['kind']}] {case['q']} -> rank {rank}, first {shown}")
    return first, reciprocal, queries


def _title_key(title: str) -> str:
    """A title without spaces and 、 (two copies of one interpretation differ only there)."""
    return re.sub(r"[\s、]", "", title)


def sweep_citations(index, corpus: Path, laws: int, misses: bool) -> tuple[int, int]:
    """(citations answered with their file and article, citations) over `laws` laws in force of `corpus`/laws,
    one title each (a title two files in force share, spaces and 、 aside, is left out, as are cases and the
    民法典's books), one of its articles (as the build holds its sections) each, in four spellings."""
    lines = (corpus / "laws" / "metadata.jsonl").read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    current = [r for r in rows if not r.get("expired") and not r.get("duplicate_of")]
    titles = Counter(_title_key(r["title"]) for r in current)
    pool = [
        r for r in current if titles[_title_key(r["title"])] == 1 and not r["path"].startswith(("案例/", "民法典/"))
    ]
    by_source = {m.source: d for d, m in index.docs.items()}
    rng = random.Random(SWEEP_SEED)
    rng.shuffle(pool)
    answered = asked = 0
    for row in pool[:laws]:
        source = "laws/" + row["path"]
        headings = [(h, key) for _, h in index.store.headings(by_source[source]) if (key := article_key(h))]
        if not headings:
            continue
        heading, (number, sub) = rng.choice(headings)
        part = f"之{cn_numeral(sub)}" if sub else ""
        title = row["title"]
        short = title.removeprefix("中华人民共和国")
        inner = short.replace("《", "〈").replace("》", "〉")
        for q in (
            f"{title}{heading}",
            f"{short}{number}条{part}",
            f"《{inner}》第{number}条{part}",
            f"{short} 第{number}条{part}",
        ):
            answer = run_search(index, params_from({"q": q})).answer
            got = (answer.source, answer.article) if answer else None
            ok = got == (source, heading)
            answered += ok
            asked += 1
            if misses and not ok:
                print(f"  miss citation {q} -> {got}")
    return answered, asked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index", type=Path, help="index root (var/eval-index: seeds and ../shared/corpus/laws)")
    ap.add_argument("--misses", action="store_true", help="list the queries not answered (top 3; topics: first)")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus, for the citation sweep")
    ap.add_argument("--sweep", type=int, default=SWEEP_LAWS, help="laws the citation sweep draws (0: none)")
    args = ap.parse_args(argv)
    analysis.preload()
    index = IndexHolder(args.index).get()
    print(f"held-out sets, success@{TOP} (empty answers):")
    for path in set_paths():
        figures = score(index, path, args.misses)
        cells = [f"{k} {ok}/{n} = {ok / n:.3f} ({empty})" for k, (ok, n, empty) in figures.items()]
        print(f"  {path.stem}: " + "; ".join(cells))
    if topic_paths():
        print(f"held-out topic sets, success@1 and MRR@{TOPIC_DEPTH}:")
    for path in topic_paths():
        first, reciprocal, queries = score_topics(index, path, args.misses)
        print(f"  {path.stem}: {first}/{queries} = {first / queries:.3f}, MRR {reciprocal / queries:.3f}")
    if args.sweep and (args.corpus / "laws" / "metadata.jsonl").is_file():
        answered, asked = sweep_citations(index, args.corpus, args.sweep, args.misses)
        print(
            f"citation sweep ({args.sweep} laws in force, four spellings): {answered}/{asked} = {answered / asked:.3f}"
        )
    index.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
