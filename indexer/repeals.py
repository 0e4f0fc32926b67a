"""The documents a text says it repeals: the 《titles》 of its …同时废止 clause.

A law, regulation or interpretation that replaces another says so where it says when it takes effect: 本条例自2024年
5月1日起施行。2007年3月31日国务院公布的《人体器官移植条例》同时废止. The search reads these names back when a build
is opened (search/versions.py) and marks the documents they name repealed, whatever the source's own metadata
says: a scraped folder's 有效 is often older than the repeal.

Pure functions over the normalised text (search/analysis.normalize: simplified, half-width).
"""

from __future__ import annotations

import re

# The words of a repeal (同时废止, 同时予以废止, 一并废止); its clause is what comes before them in their sentence.
_REPEAL_RE = re.compile(r"(?:同时|一并)(?:予以)?废止")
_CLAUSE_ENDS = "。;；\n"
# At most this much before the words is read as their clause (the longest in the laws corpus, in 郑州市城市园林绿化条例,
# has 435 characters).
MAX_CLAUSE = 1000
_BOOK_RE = re.compile(r"《([^《》\n]{2,120})》")
# After a title, an article or a part of it (《某条例》第五条同时废止): not the whole document.
_PART_AFTER_RE = re.compile(r"\s*(?:[(（][^()（）]{0,30}[)）])?\s*(?:第|中的|有关|关于)")


def read_repeals(norm: str, own_title: str = "") -> tuple[str, ...]:
    """The documents the text repeals as a whole, each "《title》" as written, in order, without repeats; not its
    own title (an amended law quoting its first version's clause) nor a title whose article or part is named."""
    own = "".join(own_title.split()).removeprefix("中华人民共和国")
    out: list[str] = []
    for repeal in _REPEAL_RE.finditer(norm):
        # Back from the words to the sentence's start, within MAX_CLAUSE (found from the words, not by a pattern
        # scanning forward from every character: a line of a million characters without a full stop took minutes).
        floor = max(0, repeal.start() - MAX_CLAUSE)
        start = max(floor, *(norm.rfind(end, floor, repeal.start()) + 1 for end in _CLAUSE_ENDS))
        text = norm[start : repeal.end()]
        for m in _BOOK_RE.finditer(text):
            title = "".join(m.group(1).split())
            if title.removeprefix("中华人民共和国") == own or _PART_AFTER_RE.match(text, m.end()):
                continue
            out.append(f"《{title}》")
    return tuple(dict.fromkeys(out))
