"""The statutes the 民法典 repealed, and where their articles went (search/data/predecessors.tsv).

On 2021-01-01 the 民法典 came into force and repealed 婚姻法, 继承法, 民法通则, 收养法, 担保法, 合同法, 物权法,
侵权责任法 and 民法总则 (its 第一千二百六十条). Judgments and interpretations written before then cite them, and
lawyers still type those citations (合同法第52条, 婚姻法第三十二条). The corpus holds none of their texts; their names
are aliases of the Code's books (search/data/aliases.tsv), so that a query naming one finds the Code. An article
number of one of them is not the Code's article of that number (合同法第五十二条, on void contracts, is not the
Code's 第五十二条, on a declaration of death): the table gives the Code's articles that carry its rule, closest
first, the way the published 新旧条文对照表 do, or none where the Code dropped it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from search import analysis
from search.citation import cn_numeral

PREDECESSORS_FILE = "predecessors.tsv"
REPEALED_ON = "2021年1月1日"
SUCCESSOR = "民法典"
# The Code's article repealing them.
REPEALING_ARTICLE = 1260
# The repealed statutes, by the short names the table and the alias table use.
PREDECESSORS = frozenset(
    ("婚姻法", "继承法", "民法通则", "收养法", "担保法", "合同法", "物权法", "侵权责任法", "民法总则")
)
_PREFIX = "中华人民共和国"


@dataclass(frozen=True, slots=True)
class Moved:
    """Where one article of a repealed statute went: the Code's article numbers, closest first (empty: dropped)."""

    law: str
    article: int
    to: tuple[int, ...]


def repealed_law(name: str | None) -> str | None:
    """The short name of the repealed statute a law's name means (《中华人民共和国合同法》 -> 合同法), else None."""
    if not name:
        return None
    form = analysis.normalize("".join(name.split())).strip("《》<>").removeprefix(_PREFIX)
    return form if form in PREDECESSORS else None


def moved(law: str, article: int) -> Moved | None:
    """Where the article went, None when the table does not know it."""
    return _table().get((law, article))


def repealed_note(law: str) -> str:
    """《合同法》已于2021年1月1日废止"""
    return f"《{law}》已于{REPEALED_ON}废止"


def where_note(heading: str, found: Moved | None) -> str:
    """Where an article (`heading`: 第五十二条) went, as the explanation and the citation check say it."""
    if found is None:
        return f"条文对照表中没有其{heading}"
    if not found.to:
        return f"其{heading}的规定未被《{SUCCESSOR}》保留"
    return f"其{heading}的规定现见《{SUCCESSOR}》" + "、".join(f"第{cn_numeral(n)}条" for n in found.to)


def read_table(text: str) -> dict[tuple[str, int], Moved]:
    """Rows `law<TAB>article<TAB>the Code's articles (153,154; - where dropped)<TAB>a phrase of the first`;
    lines starting with # are comments. A malformed row is an error: the file ships with the code."""
    out: dict[tuple[str, int], Moved] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or parts[0] not in PREDECESSORS or not parts[1].isdigit():
            raise ValueError(f"{PREDECESSORS_FILE} line {number}: want law, article, the Code's articles, phrase")
        to = () if parts[2] == "-" else tuple(int(n) for n in parts[2].split(","))
        out[(parts[0], int(parts[1]))] = Moved(parts[0], int(parts[1]), to)
    return out


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, int], Moved]:
    path = resources.files("search") / "data" / PREDECESSORS_FILE
    return read_table(path.read_text("utf-8")) if path.is_file() else {}
