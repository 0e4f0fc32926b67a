"""Hostile query strings for /api/search and /, as hypothesis strategies, and the checks every answer must pass."""

from __future__ import annotations

import time
from html.parser import HTMLParser
from urllib.parse import quote

from hypothesis import strategies as st

# Every plane of Unicode, lone surrogates and control characters included.
ANY_CHAR = st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)
SYNTAX = [
    "(",
    ")",
    '"',
    "“",
    "”",
    "「",
    "」",
    "'",
    "*",
    "?",
    "~",
    "^",
    "[",
    "]",
    "{",
    "}",
    " TO ",
    ":",
    "：",
    "-",
    "+",
    "|",
    " OR ",
    " AND ",
    " NOT ",
    "\\",
    "/",
    "%",
    "&",
    "#",
    "<",
    ">",
    "\x00",
    "\x1b",
    "\u202e",
    "\ufffd",
]
FIELDS = [
    "title:",
    "issuer:",
    "docno:",
    "标题:",
    "发文机关:",
    "文号:",
    "body:",
    "body_bi:",
    "doc_id:",
    "content:",
    "id:",
    "year:",
    "*:",
]
WORDS = ["法治政府", "放管服", "行政复议", "郑政文〔2017〕60号", "国务院令663号", "法治", "a", "*", "?", "1"]
FACETS = ["issuer", "year", "doc_type", "level", "region", "status"]
NUMBERS = [
    "0",
    "-1",
    "1",
    "2",
    "999",
    "1000",
    "1001",
    "10000000000000000000000",
    "1e3",
    "0x10",
    " 5",
    "五",
    "",
    "NaN",
    "\x00",
    "٣",
]
DATES = ["2022", "2022-13", "2022-02-30", "0000", "9999-12-31", "2022-1-1", "-2022", "20220101", "", "２０２２"]

nested = st.integers(1, 5000).flatmap(
    lambda n: st.sampled_from(["(", '"', "「", "((", "[", "{"]).map(
        lambda o: o * n + "法治" + {"(": ")", '"': '"', "「": "」", "((": "))", "[": "]", "{": "}"}[o] * n
    )
)
piece = st.one_of(
    st.sampled_from(SYNTAX),
    st.sampled_from(FIELDS),
    st.sampled_from(WORDS),
    st.text(ANY_CHAR, max_size=8),
    st.builds(lambda w: w + "*", st.sampled_from(WORDS)),
    st.builds(lambda a, b: f"[{a} TO {b}]", st.sampled_from(WORDS), st.sampled_from(WORDS)),
)
composed = st.lists(piece, max_size=40).map(" ".join)
long_query = st.builds(
    lambda c, n: c * n,
    st.sampled_from(["法", "a ", '"', "(", "-x ", "\u3000", "𠀀"]),
    st.one_of(st.integers(100, 500), st.integers(400, 20_000)),
)
query = st.one_of(
    st.text(ANY_CHAR, max_size=60),
    composed,
    composed,
    nested,
    long_query,
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join),
)


def encode(value: str) -> str:
    """Percent-encoding of the UTF-8 bytes; a lone surrogate becomes its (invalid) three bytes."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


VALID = {
    "page": ["1", "2", "3"],
    "size": ["1", "10", "100"],
    "sort": ["date", "relevance"],
    "date_from": ["2019", "2022-01", ""],
    "date_to": ["2023-12-31", "2030"],
}
HOSTILE = {"page": NUMBERS, "size": NUMBERS, "sort": ["x", "", "DATE", "date "], "date_from": DATES, "date_to": DATES}
FACET_VALUES = ["2022", "2019", "郑州市", "郑州市人民政府", "法治政府建设情况报告", "市级", "现行有效", "河南省"]


def _param(draw, name: str) -> str | None:
    """Mostly absent or valid, so that most requests reach the search itself; sometimes hostile."""
    roll = draw(st.integers(0, 9))
    if roll < 5:
        return None
    if roll < 8:
        return draw(st.sampled_from(VALID[name]))
    return draw(st.one_of(st.sampled_from(HOSTILE[name]), st.text(ANY_CHAR, max_size=5)))


@st.composite
def search_urls(draw) -> str:
    path = draw(st.sampled_from(["/api/search", "/api/search", "/", "/api/export", "/api/suggest"]))
    items = [("q", draw(query))]
    if path != "/api/suggest":
        drawn = ((name, _param(draw, name)) for name in VALID)
        items.extend((name, value) for name, value in drawn if value is not None)
        facet_value = st.one_of(
            st.sampled_from(FACET_VALUES),
            st.sampled_from(FACET_VALUES),
            st.sampled_from(NUMBERS),
            st.text(ANY_CHAR, max_size=300),
        )
        facets = range(draw(st.integers(0, 3)))
        items.extend((draw(st.sampled_from(FACETS)), draw(facet_value)) for _ in facets)
        if path == "/api/export":
            items.append(("format", draw(st.sampled_from(["csv", "json", "json", "xml"]))))
    if draw(st.integers(0, 19)) == 0:
        items.append((draw(st.sampled_from(["qq", "q", "page", "x" * 300, ""])), "1"))
    return path + "?" + "&".join(f"{encode(k)}={encode(v)}" for k, v in items)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.tags.append("/" + tag)


def markup_problems(html: str) -> list[str]:
    """What is wrong with a snippet or title_html: any tag but <mark>, any attribute, unbalanced marks."""
    p = _Tags()
    p.feed(html)
    p.close()
    problems = [f"tag <{t}>" for t in p.tags if t not in ("mark", "/mark")]
    problems += [f"attribute {a}" for a in p.attrs]
    if p.tags != ["mark", "/mark"] * (len(p.tags) // 2):
        problems.append(f"unbalanced marks {p.tags[:10]}")
    return problems


def check_response(url: str, response, seconds: float, max_seconds: float) -> list[str]:
    """Every problem of one answer (an empty list when it is fine)."""
    problems = []
    status = response.status_code
    if status >= 500:
        problems.append(f"status {status}")
    if seconds > max_seconds:
        problems.append(f"took {seconds:.1f} s")
    api = url.startswith("/api/")
    if status == 400:
        if api:
            body = response.get_json(silent=True) or {}
            if body.get("status") != 400 or not body.get("error"):
                problems.append(f"400 without a message: {response.data[:200]!r}")
        elif "请求参数有误" not in response.get_data(as_text=True) and b"<h1" not in response.data:
            problems.append("400 page without a message")
    if status == 200 and url.startswith("/api/search"):
        for hit in response.get_json()["hits"]:
            for html in [hit["snippet"], hit["title_html"], *(s["snippet"] for s in hit["sections"])]:
                problems += markup_problems(html)
    return problems


def timed_get(client, url: str):
    started = time.perf_counter()
    response = client.get(url)
    return response, time.perf_counter() - started
