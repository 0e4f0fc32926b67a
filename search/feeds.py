"""Atom 1.0 feeds (RFC 4287): a search's newest documents, and the index's change log.

Pure functions from a search result or change entries to the feed's XML. Ids are URNs made of what does not
change from build to build: a document's id (a digest of its source path), a change's build, kind and document, a
search's normalised parameters; so a feed reader shows an entry once however often the index is rebuilt.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from search.export import plain
from search.results import Hit, SearchResult

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
FEED_ID = "urn:govlaw:feed:{kind}:{key}"
DOC_ENTRY_ID = "urn:govlaw:doc:{doc_id}"
CHANGE_ENTRY_ID = "urn:govlaw:change:{build_id}:{kind}:{doc_id}"
DOC_NUMBER_SCHEME = "urn:govlaw:doc_number"
DOC_TYPE_SCHEME = "urn:govlaw:doc_type"
GENERATOR = "govlaw"
SUMMARY_CHARS = 300
# The day an undated document is listed under (Atom requires a time on every entry).
EPOCH = "1970-01-01T00:00:00Z"

ET.register_namespace("", ATOM_NS)


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a feed, ready to write."""

    id: str
    title: str
    updated: str  # RFC 3339
    link: str  # absolute URL ("" for none)
    summary: str
    authors: tuple[str, ...] = ()
    published: str | None = None
    categories: tuple[tuple[str, str, str], ...] = ()  # (scheme, term, label)


def rfc3339(value: str | None) -> str | None:
    """An ISO date or date-time as RFC 3339 in UTC: 2021-03-01 -> 2021-03-01T00:00:00Z."""
    if not value:
        return None
    if len(value) == 10:
        return f"{value}T00:00:00Z"
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def search_feed_id(query_items: Sequence[tuple[str, str]]) -> str:
    """The feed id of a search: a digest of its parameters in a fixed order (page and size left out)."""
    kept = sorted((k, v) for k, v in query_items if k not in ("page", "size", "sort"))
    key = hashlib.sha256("&".join(f"{k}={v}" for k, v in kept).encode()).hexdigest()[:24]
    return FEED_ID.format(kind="search", key=key)


def hit_entry(hit: Hit, base_url: str) -> Entry:
    """A document of a search result as an entry: title, issuers, date, 文号, the start of its best section."""
    head = "；".join(
        f"{label}：{value}"
        for label, value in (("发文机关", "、".join(hit.issuer)), ("文号", hit.doc_number), ("日期", hit.date))
        if value
    )
    text = plain(hit.snippet).strip()
    summary = (head + "\n" if head else "") + text[:SUMMARY_CHARS]
    categories = []
    if hit.doc_number:
        categories.append((DOC_NUMBER_SCHEME, hit.doc_number, "文号"))
    if hit.doc_type:
        categories.append((DOC_TYPE_SCHEME, hit.doc_type, "文种"))
    date = rfc3339(hit.date) or (rfc3339(f"{hit.year}-01-01") if hit.year else None)
    return Entry(
        id=DOC_ENTRY_ID.format(doc_id=hit.doc_id),
        title=hit.title,
        updated=date or EPOCH,
        published=date,
        link=base_url + hit.url.split("#")[0],
        summary=summary,
        authors=hit.issuer,
        categories=tuple(categories),
    )


def search_entries(result: SearchResult, base_url: str) -> list[Entry]:
    return [hit_entry(h, base_url) for h in result.hits]


def atom(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    alternate_url: str,
    updated: str,
    entries: Sequence[Entry],
    subtitle: str = "",
) -> bytes:
    """The feed as UTF-8 XML with its declaration."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    if subtitle:
        _text(feed, "subtitle", subtitle)
    _text(feed, "updated", updated)
    _text(feed, "generator", GENERATOR)
    # A feed without entry authors needs its own (RFC 4287 4.1.1).
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", GENERATOR)
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "self", "type": ATOM_TYPE, "href": self_url})
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", {"rel": "alternate", "type": "text/html", "href": alternate_url})
    for e in entries:
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(entry, "id", e.id)
        _text(entry, "title", e.title)
        _text(entry, "updated", e.updated)
        if e.published:
            _text(entry, "published", e.published)
        for name in e.authors:
            _text(ET.SubElement(entry, f"{{{ATOM_NS}}}author"), "name", name)
        if e.link:
            ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "alternate", "type": "text/html", "href": e.link})
        for scheme, term, label in e.categories:
            ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"scheme": scheme, "term": term, "label": label})
        _text(entry, "summary", e.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def latest(entries: Sequence[Entry], default: str) -> str:
    """The newest `updated` of the entries, or `default`."""
    return max((e.updated for e in entries), default=default)


def _text(parent: ET.Element, name: str, value: str, **attrs: str) -> None:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs)
    el.text = _xml_safe(value)


def _xml_safe(value: str) -> str:
    """Characters XML 1.0 cannot hold (control characters left in a converted text) dropped."""
    return "".join(c for c in value if c in "\t\n\r" or (ord(c) >= 0x20 and not 0xD800 <= ord(c) <= 0xDFFF))
