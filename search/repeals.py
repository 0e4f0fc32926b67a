"""Repeals stated by the documents of a build, applied to the statuses when the build is opened.

A document naming others in its …同时废止 clause (the `repeals` field, indexer/repeals.py) ends them when it enters
into force: 人体器官捐献和移植条例 (in force 2024-05-01) repeals 人体器官移植条例, whatever a scraped folder's
metadata still says of the older one. Only earlier documents of the named title, in the repealing document's region
(a national law repeals national instruments, a city's regulation the city's), still marked in force are marked
repealed, with the repealing document as the one that replaced them (search/inforce.py ends their period when it
enters into force). A repeal whose document is not yet in force on the day the build is opened waits: `pending`
is the first day one takes effect, after which a snapshot of the opened state is stale.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import replace

from search import analysis
from search.store import DocMeta

# Statuses of a document in force, which a repeal ends; a superseded, repealed or draft one stays what it is.
REPEALABLE = (None, "current", "trial", "amended")
REPEALED = "repealed"
# Issuers a title may be cited with or without (最高人民法院关于… is cited as 关于… in the Court's own texts).
_ISSUER_PREFIX_RE = re.compile(r"^(?:最高人民法院|最高人民检察院)(?:[、,，和](?:最高人民法院|最高人民检察院))?(?=关于)")
# Titles cited inside a title take 〈〉 (关于适用〈中华人民共和国民事诉讼法〉…); a title as stored takes 《》.
_BRACKETS = str.maketrans("〈〉", "《》")


def title_keys(title: str) -> Iterator[str]:
    """The forms a title is matched by: normalised without spaces, 〈〉 as 《》, without 中华人民共和国, and also
    without a leading 最高人民法院/最高人民检察院 before 关于."""
    key = analysis.normalize("".join(title.split())).translate(_BRACKETS).replace("中华人民共和国", "")
    yield key
    if (short := _ISSUER_PREFIX_RE.sub("", key)) != key:
        yield short


def _start(meta: DocMeta) -> str | None:
    return meta.valid_from or meta.date


def apply_repeals(docs: Mapping[str, DocMeta], day: dt.date) -> dict[str, DocMeta]:
    """The document table with the repeals in force on `day` applied (see the module's text)."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for doc_id, meta in docs.items():
        for key in title_keys(meta.title):
            by_key[key].append(doc_id)
    out = dict(docs)
    today = day.isoformat()
    for doc_id, meta in docs.items():
        start = _start(meta)
        if not meta.repeals or not meta.date or not start or start > today:
            continue
        for name in meta.repeals:
            for target_id in dict.fromkeys(t for k in title_keys(name.strip("《》")) for t in by_key.get(k, ())):
                target = out[target_id]
                if (
                    target_id == doc_id
                    or (target.region or "") != (meta.region or "")
                    or not target.date
                    or target.date >= meta.date
                    or target.status not in REPEALABLE
                ):
                    continue
                out[target_id] = replace(target, status=REPEALED, superseded_by=target.superseded_by or meta.source)
    return out


def pending(docs: Mapping[str, DocMeta], day: dt.date) -> str | None:
    """The first day after `day` on which a document stating repeals enters into force (None: none does)."""
    today = day.isoformat()
    later = [s for m in docs.values() if m.repeals and m.date and (s := _start(m)) and s > today]
    return min(later, default=None)
