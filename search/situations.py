"""Everyday situations -> the provisions that answer them (search/data/situations.tsv), matched at query time.

A citizen describes a problem (美容院办的卡不给退, 超市保安要翻我的包) in words the answering article does not use:
the colloquial table maps single words, but a situation is several words that only together point to a rule. The
data file holds situations written from the corpus's provisions, each with the document (its path inside the
corpus folder: 民法典/合同编.md) and the article that answer it.
A question is compared with every situation by the TF-IDF cosine of their words and character bigrams (the
situations' own document frequencies: 怎么办 and 能不能 weigh nothing); a document's similarity is that of its
closest situation, and the ranking of questions (search/engine.py) multiplies its score by 1 + SITUATION_WEIGHT
times that similarity where it is at least SITUATION_MIN, and adds SITUATION_LIFT times the similarity times the
best text score: a document with a situation near the question comes before those without one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from search import analysis, questions

SITUATIONS_FILE = "situations.tsv"
_CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]+")
# Below this cosine a situation shares a word or two by chance (被, 公司) and says nothing of the question.
SITUATION_MIN = 0.25
SITUATION_WEIGHT = 10.0
# A document with a situation near the query also gains SITUATION_LIFT × the similarity × the best text score of
# the matched documents: at SITUATION_MIN, two and a half times the best (search/engine.py).
SITUATION_LIFT = 10.0
# Words no document holds (野猪毁田, 老楼加梯): the documents of the situations at least this near are the answer
# (a word or two shared by chance, 姑舅亲 and 亲表哥 at 0.29, answer nothing).
SITUATION_ALONE_MIN = 0.35
# Words that found other documents: the documents of the situations at least this near join them, to be lifted as
# they are (a situation of 著作权法 at 0.87 for 稿子投给杂志社一个月没回音, whose words 著作权法 does not use). Chosen
# on held-out sets 1-69; sets 1-79 count alike from 0.25 to 0.30 and fewer above (0.35: 10 fewer, 0.45: 19 fewer).
SITUATION_JOIN_MIN = 0.30


@dataclass(frozen=True, slots=True)
class Situation:
    path: str  # the answering document's path inside its source folder (its source without the folder's name)
    article: str  # 第N条
    text: str


@dataclass(frozen=True, slots=True)
class Similar:
    """A situation close to a query, and how close (cosine, 0..1)."""

    situation: Situation
    similarity: float


def features(text: str) -> Counter[str]:
    """A text's content words (jieba, query mode; not questions.STOP_WORDS) and the CJK character bigrams inside
    and across neighbouring ones (办了卡 as 办卡 too), normalised, with their counts."""
    found: Counter[str] = Counter()
    run = ""
    for word in [*analysis.words(analysis.normalize(text)), ""]:
        if word.strip() and word not in questions.STOP_WORDS:
            found[word] += 1
            if _CJK_RE.fullmatch(word):
                run += word
                continue  # digits and letters (3000, app) count as words only, and end a run
        found.update(run[i : i + 2] for i in range(len(run) - 1))
        run = ""
    return found


def parse(text: str) -> list[Situation]:
    """The situations of a data file's text: `path<TAB>第N条<TAB>situation` lines; `#` lines are comments.
    ValueError names the first line of another shape."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"{SITUATIONS_FILE} line {number}: expected path, article and situation: {line!r}")
        out.append(Situation(*parts))
    return out


class Matcher:
    """TF-IDF vectors of situations, searched through an inverted index of their features (a posting array of
    situation numbers and weights per feature)."""

    def __init__(self, situations: list[Situation]) -> None:
        self.situations = tuple(situations)
        counts = [features(s.text) for s in self.situations]
        df = Counter(f for c in counts for f in c)
        n = len(counts)
        self._idf = {f: math.log((1 + n) / (1 + d)) + 1.0 for f, d in df.items()}
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, c in enumerate(counts):
            for f, w in self._vector(c).items():
                ids, weights = postings.setdefault(f, ([], []))
                ids.append(i)
                weights.append(w)
        self._postings = {
            f: (np.asarray(ids, dtype=np.int32), np.asarray(weights)) for f, (ids, weights) in postings.items()
        }

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        """Unit-length sublinear TF-IDF weights of the known features."""
        weights = {f: (1 + math.log(c)) * self._idf[f] for f, c in counts.items() if f in self._idf}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {f: w / norm for f, w in weights.items()}

    def similar(self, text: str, minimum: float = SITUATION_MIN) -> list[Similar]:
        """The situations whose cosine with `text` is at least `minimum`, closest first."""
        found = [(self._postings[f], w) for f, w in self._vector(features(text)).items()]
        if not found:
            return []
        ids = np.concatenate([p[0] for p, _ in found])
        weights = np.concatenate([p[1] * w for p, w in found])
        scores = np.bincount(ids, weights, minlength=len(self.situations))
        near = np.flatnonzero(scores >= minimum)
        order = near[np.lexsort((near, -scores[near]))]
        return [Similar(self.situations[i], float(scores[i])) for i in order.tolist()]


@lru_cache(maxsize=1)
def matcher() -> Matcher:
    """The shipped situations' matcher (read once; an absent file matches nothing)."""
    path = resources.files("search") / "data" / SITUATIONS_FILE
    return Matcher(parse(path.read_text("utf-8")) if path.is_file() else [])


def by_path(text: str, minimum: float = SITUATION_MIN) -> dict[str, Similar]:
    """Document path -> its situation closest to `text` (of those at least `minimum`), closest first."""
    out: dict[str, Similar] = {}
    for s in matcher().similar(text, minimum):
        out.setdefault(s.situation.path, s)
    return out
