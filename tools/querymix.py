"""A fixed, seeded mix of queries drawn from an index's own documents, for latency and load measurements.

Kinds: single words (from titles and bodies), two- and three-word AND queries, quoted phrases (runs of 8–14
characters copied from a body), 文号 in loose spellings, titles in traditional script, words with a year, level or
region filter, article citations of a law (刑法264条, 《…》第二条 …) and questions made of body words (…怎么办,
…吗). The phrase-heavy mix (MIXES) adds the same runs unquoted (`bare_phrase`) and asks for more of both. The same
documents, seed and mix always give the same queries.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from search import analysis
from search.citation import cn_int
from search.index import OpenIndex
from search.params import SearchParams, params_from

SEED = 20240601
# Queries per kind; the defaults make a mix of 300.
QUOTAS = {
    "word": 40,
    "and2": 30,
    "and3": 30,
    "phrase": 40,
    "docno": 30,
    "traditional": 30,
    "filter": 40,
    "article": 30,
    "question": 30,
}
# The mixes a benchmark can send, by name. Phrase-heavy: a third of its 390 queries are 8–14 character phrases, half
# of them quoted and half not; the other 260 are the usual mix's other kinds.
MIXES = {
    "usual": QUOTAS,
    "phrase-heavy": {**QUOTAS, "phrase": 65, "bare_phrase": 65},
}
DEFAULT_MIX = "usual"
KINDS = tuple(dict.fromkeys(kind for quotas in MIXES.values() for kind in quotas))
# Documents sampled from the index to draw queries from (their texts are read from the store).
SAMPLE_DOCS = 400
PHRASE_MIN, PHRASE_MAX = 8, 14
WORD_MIN_CHARS = 2
FILTER_FACETS = ("year", "level", "region")
API_PATH = "/api/search"
# Simplified -> traditional, character by character in the same position, for characters common in legal
# titles: each is one-to-one (the project's t2s maps the traditional character back), so the query normalises
# to the title it came from. OpenCC stays in search/analysis.py; this table is enough to exercise the
# traditional-script path.
_SIMPLIFIED = (
    "国华务关条门规实设员会经济环护产业动费发证书权责机构为县区级应当违处罚决监检验进单组织个体们历过时导"
    "办劳险卫药疗医农渔矿电铁运输车营税财贸银货币价资质网络讯计统测绘气废弃灾军边侨亲婴儿妇残乡镇预备审诉"
    "讼议请复约纪录档图馆无从对与并这项确认让还开总长东广庆苏辽宁龙陕贵湾鲁闽赣执协线筑购销职称标准节难问"
    "题传众举报继续损赔偿诈骗贷补贴宪战储热码卖买术创园岛厅划领属杂围范"
)
_TRADITIONAL = (
    "國華務關條門規實設員會經濟環護產業動費發證書權責機構為縣區級應當違處罰決監檢驗進單組織個體們歷過時導"
    "辦勞險衛藥療醫農漁礦電鐵運輸車營稅財貿銀貨幣價資質網絡訊計統測繪氣廢棄災軍邊僑親嬰兒婦殘鄉鎮預備審訴"
    "訟議請復約紀錄檔圖館無從對與並這項確認讓還開總長東廣慶蘇遼寧龍陝貴灣魯閩贛執協線築購銷職稱標準節難問"
    "題傳眾舉報繼續損賠償詐騙貸補貼憲戰儲熱碼賣買術創園島廳劃領屬雜圍範"
)
S2T = dict(zip(_SIMPLIFIED, _TRADITIONAL, strict=True))

_CJK_RUN_RE = re.compile(rf"[\u3400-\u4dbf\u4e00-\u9fff]{{{PHRASE_MIN},}}")
_WORD_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_DOCNO_RE = re.compile(r"^(?P<prefix>.+?)〔(?P<year>\d{4})〕(?P<num>\d+)号$")
_ORDER_RE = re.compile(r"^(?P<prefix>.+?令)第(?P<num>\d+)号$")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ARTICLE_LINE_RE = re.compile(r"^[ \u3000]*第([零一二三四五六七八九十百千]+)条", re.MULTILINE)
QUESTION_FORMS = ("{}{}怎么办", "{}{}吗", "如何{}{}", "{}{}需要多久")


@dataclass(frozen=True, slots=True)
class MixDoc:
    """What the mix needs of one document."""

    title: str
    text: str
    doc_number: str | None = None
    year: int | None = None
    level: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class MixQuery:
    kind: str
    q: str
    filters: tuple[tuple[str, str], ...] = ()

    def args(self) -> dict[str, str]:
        return {"q": self.q, **dict(self.filters)}

    def params(self) -> SearchParams:
        """The default page of this query: 10 hits with snippets, facet counts."""
        return params_from(self.args())

    def path(self) -> str:
        return f"{API_PATH}?{urlencode(self.args())}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "q": self.q, "filters": dict(self.filters)}


def to_traditional(text: str) -> str:
    return "".join(S2T.get(c, c) for c in text)


def loose_docno(number: str, variant: int) -> str | None:
    """A 文号 as people type it: [] brackets, full-width digits, no brackets at all, or an order without 第."""
    m = _DOCNO_RE.match(number)
    if m:
        p, y, n = m["prefix"], m["year"], m["num"]
        spellings: tuple[str, ...] = (
            f"{p}[{y}]{n}号",
            f"{p}〔{y}〕{n}号".translate(_FULL_WIDTH),
            f"{p}{y} {n}号",
            f"{p}（{y}）{n}号",
        )
        return spellings[variant % len(spellings)]
    m = _ORDER_RE.match(number)
    if m:
        spellings = (f"{m['prefix']}{m['num']}号", f"{m['prefix']}第{m['num']}号".translate(_FULL_WIDTH))
        return spellings[variant % len(spellings)]
    return None


def _words(text: str) -> list[str]:
    return [w for w in analysis.words(text) if len(w) >= WORD_MIN_CHARS and _WORD_RE.match(w)]


def _body_words(doc: MixDoc, rng: random.Random, limit: int = 4000) -> list[str]:
    """Distinct words of a stretch of the body (the whole of a long text is not segmented)."""
    start = rng.randrange(max(1, len(doc.text) - limit)) if len(doc.text) > limit else 0
    return list(dict.fromkeys(_words(doc.text[start : start + limit])))


def _phrase(doc: MixDoc, rng: random.Random) -> str | None:
    """A run of PHRASE_MIN to PHRASE_MAX characters of the body, as it stands there."""
    runs = _CJK_RUN_RE.findall(doc.text)
    if not runs:
        return None
    run = rng.choice(runs)
    size = rng.randint(PHRASE_MIN, min(PHRASE_MAX, len(run)))
    start = rng.randrange(len(run) - size + 1)
    return run[start : start + size]


def _make(kind: str, doc: MixDoc, rng: random.Random, n: int) -> MixQuery | None:
    if kind == "word":
        words = _words(doc.title) if n % 2 == 0 else _body_words(doc, rng)
        return MixQuery(kind, rng.choice(words)) if words else None
    if kind in ("and2", "and3"):
        words = _body_words(doc, rng)
        size = 2 if kind == "and2" else 3
        return MixQuery(kind, " ".join(rng.sample(words, size))) if len(words) >= size else None
    if kind in ("phrase", "bare_phrase"):
        q = _phrase(doc, rng)
        return MixQuery(kind, f'"{q}"' if kind == "phrase" else q) if q else None
    if kind == "docno":
        q = loose_docno(doc.doc_number, n) if doc.doc_number else None
        return MixQuery(kind, q) if q else None
    if kind == "traditional":
        q = to_traditional(doc.title)
        return MixQuery(kind, q) if q != doc.title else None
    if kind == "filter":
        given = {"year": str(doc.year) if doc.year else None, "level": doc.level, "region": doc.region}
        values = {f: v for f, v in given.items() if v}
        facet = next(
            (
                f
                for f in (FILTER_FACETS[(n + i) % len(FILTER_FACETS)] for i in range(len(FILTER_FACETS)))
                if f in values
            ),
            None,
        )
        words = _words(doc.title)
        return MixQuery(kind, rng.choice(words), ((facet, values[facet]),)) if facet and words else None
    if kind == "article":
        return _article(doc, rng, n)
    if kind == "question":
        words = _body_words(doc, rng)
        form = QUESTION_FORMS[n % len(QUESTION_FORMS)]
        return MixQuery(kind, form.format(*rng.sample(words, 2))) if len(words) >= 2 else None
    raise ValueError(f"unknown kind {kind!r}")


def _article(doc: MixDoc, rng: random.Random, n: int) -> MixQuery | None:
    """A citation of one of the document's articles, spelt as people type them."""
    numbers = _ARTICLE_LINE_RE.findall(doc.text)
    if not numbers:
        return None
    text = rng.choice(numbers)
    number = cn_int(text)
    short = doc.title.removeprefix("中华人民共和国")
    spellings = (f"{short}{number}条", f"{short}第{text}条", f"《{doc.title}》第{number}条", f"{short} 第{number}条")
    return MixQuery("article", spellings[n % len(spellings)])


def build_query_mix(
    docs: Sequence[MixDoc], *, seed: int = SEED, quotas: dict[str, int] | None = None
) -> tuple[MixQuery, ...]:
    """The mix: for each kind in turn, queries from documents in a seeded order until its quota is met.

    A kind that no document can give (no 文号 anywhere) comes out short; the order of the result is shuffled
    with the same seed so that kinds are interleaved.
    """
    quotas = QUOTAS if quotas is None else quotas
    out: list[MixQuery] = []
    for kind in quotas:
        rng = random.Random(f"{seed}:{kind}")
        order = list(range(len(docs)))
        rng.shuffle(order)
        seen: set[MixQuery] = set()
        tries = 0
        while len(seen) < quotas[kind] and order and tries < 20 * max(1, quotas[kind]) + len(docs):
            query = _make(kind, docs[order[tries % len(order)]], rng, tries)
            tries += 1
            if query is not None and query not in seen:
                seen.add(query)
                out.append(query)
    random.Random(seed).shuffle(out)
    return tuple(out)


def sample_docs(index: OpenIndex, *, seed: int = SEED, limit: int = SAMPLE_DOCS) -> list[MixDoc]:
    """A seeded sample of the index's documents with their texts; those with a 文号 are always included."""
    ids = sorted(index.docs)
    numbered = [d for d in ids if index.docs[d].doc_number]
    rest = [d for d in ids if not index.docs[d].doc_number]
    rng = random.Random(seed)
    chosen = sorted(set(numbered) | set(rng.sample(rest, min(limit, len(rest)))))
    return [_mix_doc(index, d) for d in chosen]


def _mix_doc(index: OpenIndex, doc_id: str) -> MixDoc:
    meta = index.docs[doc_id]
    stored = index.store.get(doc_id)
    return MixDoc(
        title=meta.title,
        text=stored.text if stored else "",
        doc_number=meta.doc_number,
        year=meta.year,
        level=meta.level,
        region=meta.region,
    )


def query_mix(index: OpenIndex, *, seed: int = SEED, mix: str = DEFAULT_MIX) -> tuple[MixQuery, ...]:
    """The benchmark's query mix (a name in MIXES) over an opened build."""
    return build_query_mix(sample_docs(index, seed=seed), seed=seed, quotas=MIXES[mix])


def kinds_of(mix: Iterable[MixQuery]) -> dict[str, int]:
    """How many queries of each kind the mix holds, in the order of KINDS (kinds it lacks left out)."""
    counts = Counter(q.kind for q in mix)
    return {k: counts[k] for k in KINDS if counts[k]}
