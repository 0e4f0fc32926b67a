"""Records analysed in worker processes index exactly as records analysed by the index writer itself."""

from whoosh import index as whoosh_index

from indexer.build import BuildReport, write_build
from indexer.pipeline import SourceFile, build_document, iter_sources, prepare_document
from tests.conftest import SEEDS

FIELDS = ("title", "title_bi", "heading", "body", "body_bi", "issuer_text")


def postings(path):
    ix = whoosh_index.open_dir(str(path))
    try:
        with ix.reader() as r:
            out = {}
            for field in FIELDS:
                # Word fields keep frequencies, the bigram fields positions.
                kind = "positions" if r.schema[field].format.supports("positions") else "frequency"
                for term in r.lexicon(field):
                    out[(field, term)] = list(r.postings(field, term).items_as(kind))
            return out
    finally:
        ix.close()


def test_prepared_records_write_the_same_postings(tmp_path):
    files, _, _ = iter_sources([SEEDS])
    plain, prepared = tmp_path / "plain", tmp_path / "prepared"
    write_build(plain, [build_document(f) for f in files], BuildReport("a", plain))
    write_build(prepared, [prepare_document(f) for f in files], BuildReport("b", prepared))
    a, b = postings(plain), postings(prepared)
    assert len(a) > 10000
    assert a == b


def test_prepared_document_survives_the_process_boundary(tmp_path):
    import pickle

    sf = SourceFile(path=SEEDS / "000_82c2db1a300160f2.txt", root=SEEDS, source="seeds/000_82c2db1a300160f2.txt")
    item = pickle.loads(pickle.dumps(prepare_document(sf)))
    assert item.source == sf.source and item.records[0]["title"] == item.doc.title
    assert item.records[0]["body"].words is not None
