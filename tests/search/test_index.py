"""The document table of an opened build: documents and sections as arrays, and the metadata held per document."""

from __future__ import annotations

import numpy as np
import pytest

from search import index as index_module
from search.index import DocTable

# The seeds by source, with their doc_ids and numbers of sections (index records).
SEEDS = (
    ("seeds/000_82c2db1a300160f2.txt", "585b8644d3b3b84a", 13),
    ("seeds/001_8388e48a1664613c.txt", "df8d6c98a1baba4f", 17),
    ("seeds/002_a6eb94dc626ef6bf.txt", "f5c214037d8dfec4", 21),
    ("seeds/003_68910bc0cfdf6076.txt", "8721b4904f5f8085", 39),
    ("seeds/004_bcf532dea3b7f34c.txt", "c53b6e7838df16ad", 45),
)


def test_each_document_owns_its_records_in_file_order(opened):
    assert opened.section_count == 135
    assert opened.table.ids == tuple(sorted(doc_id for _, doc_id, _ in SEEDS))
    first = 0
    for source, doc_id, n in SEEDS:
        assert opened.docs[doc_id].source == source
        assert opened.sections_of(doc_id).tolist() == list(range(first, first + n))
        first += n
    assert opened.sections_of("0000000000000000").tolist() == []
    reader = opened.searcher().reader()
    assert [
        reader.stored_fields(int(d))["record_id"].split("/")[0] for d in opened.sections_of("f5c214037d8dfec4")
    ] == ["f5c214037d8dfec4"] * 21
    ordinals = [opened.table.ordinal[doc_id] for _, doc_id, _ in SEEDS]
    assert opened.table.first_sections(ordinals).tolist() == [0, 13, 30, 51, 90]


def test_deleted_records_belong_to_no_document(opened):
    # Docnums 2 and 5 deleted; document 2 holds docnums 0, 4 and 7, document 0 docnums 3 and 6, document 1
    # docnum 1; documents 3 and 4 have none.
    of_section = np.array([2, 1, -1, 0, 2, -1, 0, 2], dtype=np.int32)
    table = DocTable.build(opened.docs, of_section)
    assert [table.sections(i).tolist() for i in range(5)] == [[3, 6], [1], [0, 4, 7], [], []]
    assert table.first_sections([4, 2, 0, 3]).tolist() == [0, 3]
    assert table.docs_of(np.array([2, 5, 6])).tolist() == [True, False, False, False, False]


@pytest.mark.parametrize("share", [1, 1000])  # set from the documents' own docnums; looked up for every docnum
def test_the_sections_of_some_documents(opened, monkeypatch, share):
    monkeypatch.setattr(index_module, "SECTION_MASK_SHARE", share)
    of_section = np.array([2, 1, -1, 0, 2, -1, 0, 2], dtype=np.int32)  # as above
    table = DocTable.build(opened.docs, of_section)
    assert np.flatnonzero(table.section_mask(np.array([True, False, False, False, False]))).tolist() == [3, 6]
    assert np.flatnonzero(table.section_mask(np.array([False, True, True, False, True]))).tolist() == [0, 1, 4, 7]
    assert not table.section_mask(np.zeros(5, dtype=bool)).any()
    rng = np.random.default_rng(7)
    for _ in range(50):
        docs = rng.random(5) < 0.4
        assert table.section_mask(docs).tolist() == [bool(o >= 0 and docs[o]) for o in of_section]


def test_values_documents_share_are_one_object(opened):
    docs = {source: opened.docs[doc_id] for source, doc_id, _ in SEEDS}
    a, b, c, d, e = (docs[source] for source, _, _ in SEEDS)
    assert a.level == b.level == c.level == d.level == "工作文件" and a.level is d.level
    assert a.doc_type == c.doc_type == "报告" and a.doc_type is c.doc_type
    assert a.region == e.region == "河南省郑州市" and a.region is e.region
    assert a.title is not b.title
