"""Article citations as users type them: 刑法264条, 《著作权法》第十条, 民法典第1087条第2款, 刑法第120条之一 ...

Pure functions over the normalised query text (`analysis.normalize`: simplified, half-width). A citation is a
law's name (as typed: short or full, in 《》 or not, maybe with a version year) followed by one or more article
numbers; which document the name means is decided by the engine (`search.answer`), which knows the titles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Characters a name may be made of (a run of them ends at anything else: a space, a quote, punctuation).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3007"
_NUM = "0-9零〇一二三四五六七八九十百千两"
_SMALL = "0-9一二三四五六七八九十"
# 第N条 (第 optional), 之一, 第M款, 第K项 (the item number also as （二）).
ARTICLE_RE = re.compile(
    rf"(第\s*)?([{_NUM}]+)\s*条(?:\s*之\s*([{_SMALL}]+))?"
    rf"(?:\s*第?\s*([{_NUM}]+)\s*款)?"
    rf"(?:\s*第?\s*\(?\s*([{_NUM}]+)\s*\)?\s*项)?"
)
# Between two articles of one law: 第264条、第266条 / 第264条和266条.
_JOINERS_RE = re.compile(r"^[\s、,，;；和及与或以及]*$")
# A version note after the name: 公司法(2018年修正) / 公司法(2018) / 公司法2018年版.
_VERSION_AFTER_RE = re.compile(r"(?:\(\s*(\d{4})[^()]{0,8}\)|(\d{4})\s*年?\s*(?:版|修正|修订|修改)?)\s*$")
# A version note before the name: 2018年公司法 / 2018公司法.
_VERSION_BEFORE_RE = re.compile(r"(\d{4})\s*年?\s*(?:版|修正|修订|修改的?)?\s*$")
# A name's run: CJK characters, 《》 or 〈〉 of a law named inside it (关于适用《民法典》…的解释, 广东省实施〈消防法〉
# 办法), and a closing number of a series (…的解释(一)).
_NAME_RUN_RE = re.compile(rf"[{_CJK}《》〈〉]*[{_CJK}](?:\([一二三四五六七八九十]+\))?$")
_BOOK_OF_CODE_RE = re.compile(rf"^([{_CJK}]{{2,}}?典)[{_CJK}]{{2,6}}编$")
# A book's name typed apart from its code's (民法典 婚姻家庭编, 《民法典》婚姻家庭编): the code's name before it.
_BOOK_NAME_RE = re.compile(rf"^[{_CJK}]{{2,6}}编$")
_JOINED_BOOK_RE = re.compile(rf"^《?([{_CJK}]{{2,}}典)》([{_CJK}]{{2,6}}编)$")
_CODE_BEFORE_RE = re.compile(rf"《?([{_CJK}]{{2,}}典)》?\s*$")
# A name in 《》, a law named inside it in 〈〉 or in 《》 again (《广东省实施〈消防法〉办法》); as long as a title.
_BOOK_RE = re.compile(r"《((?:[^《》]|《[^《》]{1,120}》){1,120})》\s*$")
# The brackets of a law named inside a name, as titles write them (〈消防法〉 -> 《消防法》).
_INNER_BOOK = str.maketrans("〈〉", "《》")
# A name is at least this long (法 alone is no law); a bare article number needs 第 or 条 after a number.
MIN_NAME_CHARS = 2
# Words that end a name's run of characters without being part of it (查刑法264条, 刑法的第264条).
_LEADING_NOISE = ("请问", "查询", "查找", "查", "搜索", "搜", "看看", "看")
_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_WRITE = "零一二三四五六七八九"
# Article numbers beyond this are not articles (a year, a sum of money).
MAX_ARTICLE = 2000
# How far before an article its law's name is looked for: longer than any title (the indexer keeps at most
# 120 characters) with a version note before it.
NAME_WINDOW = 200


def cn_int(text: str) -> int | None:
    """The value of an Arabic or Chinese numeral (二百六十四, 一千零八十七, 十, 两百), None if it is not one."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row: 二六四 is no numeral of a statute
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def cn_numeral(n: int) -> str:
    """How a statute writes a number: 10 十, 12 十二, 110 一百一十, 264 二百六十四, 1087 一千零八十七."""
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return _CN_WRITE[n]
    if n < 20:
        return "十" + (_CN_WRITE[n - 10] if n > 10 else "")
    out: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero and out:
                out.append("零")
            out.append(_CN_WRITE[d] + unit)
            zero = False
        else:
            zero = bool(out)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """One article: its number, the 之N of an inserted article, and the 款 and 项 asked for, if any."""

    number: int
    sub: int = 0
    paragraph: int | None = None
    item: int | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.number, self.sub)

    @property
    def heading(self) -> str:
        """The article's heading as the statute writes it: 第二百六十四条, 第一百二十条之一."""
        return f"第{cn_numeral(self.number)}条" + (f"之{cn_numeral(self.sub)}" if self.sub else "")

    @property
    def label(self) -> str:
        """The whole reference: 第一千零八十七条第二款第（一）项."""
        out = self.heading
        if self.paragraph:
            out += f"第{cn_numeral(self.paragraph)}款"
        if self.item:
            out += f"第（{cn_numeral(self.item)}）项"
        return out


@dataclass(frozen=True, slots=True)
class ArticleCitation:
    """A law (as typed; None for an article number alone) and the articles cited from it."""

    law: str | None
    articles: tuple[ArticleRef, ...]
    version: str | None  # a year the user named (公司法(2018)第16条), else the version in force
    start: int  # span in the normalised query, the name included
    end: int
    bare: bool = False  # a number without 第/条 (刑法 264): an article only where the name is a law
    spans: tuple[tuple[int, int], ...] = ()  # of each article, as written (第264条), in the order of `articles`

    def names(self) -> Iterator[str]:
        """The name and its shorter tails, longest first: a name run may carry words before the name itself
        (查刑法 -> 查刑法, 刑法)."""
        if self.law is None:
            return
        name = self.law.removesuffix("的")
        for noise in _LEADING_NOISE:
            if name.startswith(noise) and len(name) - len(noise) >= MIN_NAME_CHARS:
                name = name[len(noise) :]
                break
        for i in range(len(name) - MIN_NAME_CHARS + 1):
            yield name[i:]
        # 民法典继承编: a book of a code is cited by the code's name and the book's.
        book = _BOOK_OF_CODE_RE.match(name)
        if book:
            yield book.group(1)


def article_key(heading: str) -> tuple[int, int] | None:
    """(number, 之N) of a section heading that is an article (第二百六十四条, 第 120 条之一), else None."""
    m = _HEADING_RE.match(heading)
    if not m:
        return None
    number = cn_int(m.group(1))
    sub = cn_int(m.group(2)) if m.group(2) else 0
    if number is None or sub is None:
        return None
    return (number, sub)


# 刑法 264, 刑法264: a name run and a number with neither 第 nor 条, at the end of the query or before a space or
# punctuation. A four-digit number from 1900 on is a year (公司法 2018), not an article.
_BARE_RE = re.compile(r"(?<![0-9])([0-9]{1,4})(?![0-9])(?=\s*$|\s|[,，。;；?？!！、])")
_HEADING_RE = re.compile(rf"\s*第\s*([{_NUM}]+)\s*条(?:之([{_SMALL}]+))?")


def _article(m: re.Match[str]) -> ArticleRef | None:
    number = cn_int(m.group(2))
    if number is None or not 0 < number <= MAX_ARTICLE:
        return None
    sub = cn_int(m.group(3)) if m.group(3) else 0
    paragraph = cn_int(m.group(4)) if m.group(4) else None
    item = cn_int(m.group(5)) if m.group(5) else None
    if sub is None or (m.group(4) and not paragraph) or (m.group(5) and not item):
        return None
    return ArticleRef(number, sub, paragraph, item)


def _name_before(text: str, end: int) -> tuple[str | None, str | None, int]:
    """The law name ending at `end` (spaces before the article skipped), the version year noted with it, and
    where the name starts."""
    # Only the characters just before the article can be its name: the window keeps a long text (a draft
    # checked for its citations) from being scanned from its start for every article; a query is shorter.
    offset = max(0, end - NAME_WINDOW)
    name, version, start = _name_in(text[offset:end], end - offset)
    return name, version, start + offset


def _name_in(text: str, end: int) -> tuple[str | None, str | None, int]:
    left = text[:end].rstrip()
    version = None
    m = _VERSION_AFTER_RE.search(left)
    if m and m.start() > 0:
        version = m.group(1) or m.group(2)
        left = left[: m.start()].rstrip()
    book = _BOOK_RE.search(left)
    if book:
        name, start = book.group(1).strip().translate(_INNER_BOOK), book.start()
    else:
        run = _NAME_RUN_RE.search(left)
        if not run or len(run.group(0)) < MIN_NAME_CHARS:
            return None, None, end
        name, start = run.group(0).lstrip("《》〈〉"), run.end() - len(run.group(0).lstrip("《》〈〉"))
        name = name.translate(_INNER_BOOK)
        if name.startswith("年") and text[:start].rstrip()[-1:].isdigit():
            name, start = name[1:], start + 1  # 2018年公司法: the year is a version note
        if len(name) < MIN_NAME_CHARS:
            return None, None, end
        name, start = _with_code(text, name, start)
    before = _VERSION_BEFORE_RE.search(text[:start])
    if before and version is None:
        version = before.group(1)
        start = before.start()
    return name, version, start


def _with_code(text: str, name: str, start: int) -> tuple[str, int]:
    """A book's name with its code's name typed before it, apart (民法典 婚姻家庭编 -> 民法典婚姻家庭编), and where
    the whole starts; any other name as it was."""
    joined = _JOINED_BOOK_RE.match(name)
    if joined:  # 《民法典》婚姻家庭编: one run of characters with the code's 《》 inside it
        return joined.group(1) + joined.group(2), start
    if _BOOK_NAME_RE.match(name):
        code = _CODE_BEFORE_RE.search(text[:start])
        if code:
            return code.group(1) + name, code.start()
    return name, start


def find_citations(text: str) -> tuple[ArticleCitation, ...]:
    """The article citations of a normalised query, in order. An article after another with only 、/和/spaces
    between them belongs to the same law (刑法第264条、第266条)."""
    out: list[ArticleCitation] = []
    pos = 0
    for m in ARTICLE_RE.finditer(text):
        if m.start() < pos:
            continue
        ref = _article(m)
        if ref is None:
            continue
        # The character after 条 must not continue a word (条例, 条件, 条款 are not articles); 第N条规定 is an
        # article, 十条规定 may be a word.
        after = text[m.end() : m.end() + 1]
        word = after in ("例", "件", "款", "约", "文", "目", "规") and not (after == "规" and m.group(1))
        if not m.group(4) and not m.group(5) and word:
            continue
        if out and _JOINERS_RE.match(text[out[-1].end : m.start()]):
            prev = out[-1]
            out[-1] = ArticleCitation(
                prev.law, (*prev.articles, ref), prev.version, prev.start, m.end(), spans=(*prev.spans, m.span())
            )
            pos = m.end()
            continue
        name, version, start = _name_before(text, m.start())
        out.append(ArticleCitation(name, (ref,), version, start if name else m.start(), m.end(), spans=(m.span(),)))
        pos = m.end()
    return tuple(sorted(out + _bare_citations(text, out), key=lambda c: c.start))


def _bare_citations(text: str, cited: list[ArticleCitation]) -> list[ArticleCitation]:
    """Numbers after a name with neither 第 nor 条 (刑法 264), outside the citations already read; the resolver
    drops the ones whose name is not a law. A number alone is bare too when it is the whole query (264 in a
    document's own search)."""
    out = []
    for m in _BARE_RE.finditer(text):
        if any(c.start <= m.start() < c.end for c in cited):
            continue
        number = int(m.group(1))
        if not 0 < number <= MAX_ARTICLE or (len(m.group(1)) == 4 and number >= 1900):
            continue
        if text[m.end() : m.end() + 1] in ("号", "年", "元", "日", "月", "条", "款", "项", "%"):
            continue
        ref = ArticleRef(number)
        if text.strip() == m.group(1):
            out.append(ArticleCitation(None, (ref,), None, m.start(), m.end(), bare=True, spans=(m.span(1),)))
            continue
        left = text[: m.start()]
        run = _NAME_RUN_RE.search(left.rstrip())
        if not run or len(run.group(0)) < MIN_NAME_CHARS:
            continue
        typed = run.group(0).lstrip("《》〈〉")
        name, start = _with_code(left, typed.translate(_INNER_BOOK), run.end() - len(typed))
        out.append(ArticleCitation(name, (ref,), None, start, m.end(), bare=True, spans=(m.span(1),)))
    return out
