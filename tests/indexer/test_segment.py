"""The bulk segment writer writes the segment Whoosh's own writer writes, byte for byte."""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from isal import isal_zlib
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.writing import SegmentWriter

from indexer import numbering, segment
from indexer import postings as postings_module
from indexer.pipeline import FileError, build_document, iter_sources, section_records
from indexer.segment import BulkSegmentWriter
from search import analysis
from search.schema import make_schema
from search.sidecar import POSITIONS_SUFFIX, SIDECAR_SUFFIX
from search.vector import read_postings
from tests.conftest import SEEDS, require_corpus
from tests.indexer.test_prepared_build import FIELDS, postings
from tests.search.test_sidecar import assert_positions_read_alike, assert_terms_read_alike


def records(folders: list[Path], sample: int | None = None) -> list[dict]:
    files, _, _ = iter_sources(folders)
    if sample is not None:
        files = random.Random(7).sample(files, sample)
    docs = [d for d in map(build_document, files) if not isinstance(d, FileError)]
    return [r for d in docs for r in section_records(d)]


def write_segment(
    path: Path, writer_class, recs: list[dict], schema: fields.Schema | None = None, codec: W3Codec | None = None
) -> dict[str, bytes]:
    """Write `recs` as one segment of a new index at `path` (the project's schema and Whoosh's default codec by
    default); its files' bytes by extension (the segment id differs between two writers), and its field length
    totals."""
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema or make_schema())
    writer = writer_class(ix, _lk=False, compound=False, codec=codec)
    for rec in recs:
        writer.add_document(**rec)
    seg = writer._finalize_segment()
    writer._finish()
    storage = FileStorage(str(path))
    TOC(ix.schema, [seg], 1).write(storage, whoosh_index._DEF_INDEX_NAME)
    ix.close()
    prefix = seg.make_filename("")
    # Whoosh's files of the segment (the bulk writer's posting arrays beside them are Whoosh's postings again).
    out = {
        f.name[len(prefix) :]: f.read_bytes()
        for f in path.iterdir()
        if f.name.startswith(prefix) and not f.name.endswith((SIDECAR_SUFFIX, POSITIONS_SUFFIX))
    }
    # The segment's field length totals (kept in the TOC), in order.
    out["fieldlengths"] = repr(list(seg._fieldlengths.items())).encode()
    return out


@pytest.fixture
def whoosh_compresses_every_block(monkeypatch):
    # Whoosh compresses every block with zlib; so does the bulk writer with this threshold and compressor.
    monkeypatch.setattr(postings_module, "COMPRESS_MIN_BYTES", 0)
    monkeypatch.setattr(postings_module, "compress_block", zlib.compress)


@pytest.mark.parametrize("small_passes", [False, True])
def test_seed_segments_are_byte_identical(tmp_path, monkeypatch, whoosh_compresses_every_block, small_passes):
    if small_passes:
        # Many sorting passes per field, and few postings per Python chunk (terms across both boundaries); the
        # bigram keys numbered a few records at a time, in a table that starts with 4 slots and grows often.
        monkeypatch.setattr(segment, "PASS_TOKENS", 50)
        monkeypatch.setattr(postings_module, "CHUNK_POSTINGS", 7)
        monkeypatch.setattr(segment, "GRAM_BATCH_KEYS", 64)
        monkeypatch.setattr(numbering, "INITIAL_BITS", 2)
    recs = records([SEEDS])
    ours = write_segment(tmp_path / "bulk", BulkSegmentWriter, recs)
    theirs = write_segment(tmp_path / "whoosh", SegmentWriter, recs)
    assert set(ours) == set(theirs) >= {".trm", ".pst", "._stored.col", "._body_len.col"}
    for ext in theirs:
        assert ours[ext] == theirs[ext], ext
    # Its posting arrays and positions, written a chunk of terms at a time, hold every term's postings.
    compared, mapped_only = assert_terms_read_alike(tmp_path / "bulk")
    assert compared > 10_000 and mapped_only == compared
    assert assert_positions_read_alike(tmp_path / "bulk", step=3) > 2500


@pytest.mark.parametrize(
    ("block_limit", "small_passes"), [(1, False), pytest.param(3, True, marks=pytest.mark.slow)]
)  # the second, with three passes of small blocks: about 11 s
def test_multi_block_postings_of_the_seeds_are_byte_identical(
    tmp_path, monkeypatch, whoosh_compresses_every_block, block_limit, small_passes
):
    """Whoosh's 128 postings per block leave the seeds' postings in one block each; a codec of a few postings per
    block makes most of them span several (and a term's last block shorter), without the corpus."""
    if small_passes:
        monkeypatch.setattr(segment, "PASS_TOKENS", 50)
        monkeypatch.setattr(postings_module, "CHUNK_POSTINGS", 7)
    recs = records([SEEDS])
    ours = write_segment(tmp_path / "bulk", BulkSegmentWriter, recs, codec=W3Codec(blocklimit=block_limit))
    theirs = write_segment(tmp_path / "whoosh", SegmentWriter, recs, codec=W3Codec(blocklimit=block_limit))
    assert ours == theirs
    # Read back term by term: Whoosh's matcher, and the vectorised reader that reads whole blocks.
    assert postings(tmp_path / "bulk") == postings(tmp_path / "whoosh")
    ix = whoosh_index.open_dir(str(tmp_path / "bulk"))
    with ix.reader() as r:
        several = [(f, t) for f in FIELDS for t in r.lexicon(f) if r.doc_frequency(f, t) > block_limit]
        assert len(several) > 1000
        for f, t in several:
            want_ids, want_weights = [], []
            m = r.postings(f, t)
            while m.is_active():
                want_ids.append(m.id())
                want_weights.append(m.weight())
                m.next()
            ids, weights = read_postings(r, f, t)
            assert (ids.tolist(), weights.tolist()) == (want_ids, want_weights), (f, t)
    ix.close()


@pytest.mark.corpus
def test_corpus_sample_segments_are_byte_identical(tmp_path, whoosh_compresses_every_block):
    corpus = require_corpus()
    # 40 laws: terms with more than one block of postings, long sections, repeated positions.
    recs = records([corpus / "laws"], sample=40)
    ours = write_segment(tmp_path / "bulk", BulkSegmentWriter, recs)
    theirs = write_segment(tmp_path / "whoosh", SegmentWriter, recs)
    assert len(theirs[".pst"]) > 1_000_000
    assert ours == theirs


def test_small_blocks_are_left_uncompressed_and_the_others_deflated_by_isal_read_the_same(tmp_path, monkeypatch):
    recs = records([SEEDS])
    deflated = []
    monkeypatch.setattr(
        postings_module, "compress_block", lambda b, level: deflated.append(b) or isal_zlib.compress(b, level)
    )
    ours = write_segment(tmp_path / "bulk", BulkSegmentWriter, recs)
    theirs = write_segment(tmp_path / "whoosh", SegmentWriter, recs)
    assert ours[".trm"] != theirs[".trm"] and ours[".pst"] != theirs[".pst"]
    # Blocks of COMPRESS_MIN_BYTES or more went through ISA-L, whose streams differ from zlib's.
    assert len(deflated) > 100 and min(map(len, deflated)) >= postings_module.COMPRESS_MIN_BYTES
    assert any(isal_zlib.compress(b, 1) != zlib.compress(b, 1) for b in deflated[:20])
    assert ours["._stored.col"] == theirs["._stored.col"]
    a, b = postings(tmp_path / "bulk"), postings(tmp_path / "whoosh")
    assert len(a) > 10000 and a == b
    terms = [("body", "政府"), ("body_bi", "政府"), ("doc_id", recs[0]["doc_id"]), ("year", recs[0]["year"])]
    stats = {}
    for name in ("bulk", "whoosh"):
        ix = whoosh_index.open_dir(str(tmp_path / name))
        with ix.searcher() as s:
            stats[name] = [
                (
                    s.doc_frequency(f, t),
                    s.frequency(f, t),
                    s.reader().max_field_length(f) if s.schema[f].scorable else None,
                )
                for f, t in terms
            ]
        ix.close()
    assert stats["bulk"] == stats["whoosh"]
    assert all(df > 0 for df, _, _ in stats["bulk"]) and stats["bulk"][0][0] > 10


def test_other_fields_with_presence_or_frequency_postings_are_byte_identical(tmp_path, whoosh_compresses_every_block):
    # Fields through Whoosh's own `index`: an ID given a list, keywords with repeats, numbers, booleans, and a
    # scorable keyword field (lengths); plus an ID given one string.
    schema = fields.Schema(
        tag=fields.ID(stored=True),
        kw=fields.KEYWORD(scorable=True, commas=True),
        n=fields.NUMERIC(int, bits=32, stored=True),
        flag=fields.BOOLEAN(),
        text=fields.STORED(),
    )
    recs = [
        {"tag": ["a", "b", "a"], "kw": "x,y,x,z", "n": 7, "flag": True, "text": "one"},
        {"tag": "b", "kw": "y", "n": 123456, "flag": False},
        {"tag": "c", "n": 7, "text": "three"},
        {"kw": "x,x,x", "flag": True},
    ]
    ours = write_segment(tmp_path / "bulk", BulkSegmentWriter, recs, schema)
    theirs = write_segment(tmp_path / "whoosh", SegmentWriter, recs, schema)
    assert {".trm", ".pst", "._kw_len.col"} <= set(theirs)
    assert ours == theirs


def test_kinds_of_field_the_writer_cannot_write_are_refused(tmp_path):
    schema = fields.Schema(text=fields.TEXT(analyzer=StandardAnalyzer(), chars=True))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    with pytest.raises(TypeError, match="Characters"):
        BulkSegmentWriter(ix, _lk=False)
    ix.close()


def test_the_writer_only_adds_plain_records(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    writer = BulkSegmentWriter(ix, _lk=False)
    with pytest.raises(ValueError, match="boosts"):
        writer.add_document(id="a/s0", body="正文", _boost=2.0)
    with pytest.raises(NotImplementedError):
        writer.delete_document(0)
    writer.cancel()
    ix.close()


def _token_texts(tokenizer, text: str) -> list[str]:
    return [t.text for t in tokenizer(text, positions=True, chars=True, mode="index")]


def _key_texts(text: str) -> list[str]:
    """index_bigram_keys(text), each key turned back into its term."""
    runs = segment._TermIds()
    keys = analysis.index_bigram_keys(text, runs)
    assert keys.dtype == "int64"
    return [analysis.bigram_key_text(k, list(runs)) for k in keys.tolist()]


def test_bigram_keys_name_the_bigrams_of_the_text():
    # Runs of letters and digits are units (two runs meeting take a space); punctuation and the astral
    # character 𠀀 are none; full width and the traditional script are normalised first.
    text = "第12條ａｂ 中，2017 10𠀀年〇"
    assert analysis.index_bigrams(text) == ["第12", "12条", "条ab", "ab中", "中2017", "2017 10", "10年", "年〇"]
    assert _key_texts(text) == analysis.index_bigrams(text)
    assert _key_texts("中") == [] and _key_texts("") == [] and _key_texts("，。") == []


def test_bigram_key_units_are_the_units_of_the_bigram_stream():
    # Every BMP character: a CJK unit exactly when the bigram stream's pattern takes it alone.
    cjk = [cp for cp in range(0x10000) if analysis._IS_CJK_UNIT[cp]]
    assert cjk == [cp for cp in range(0x10000) if analysis._CJK_RE.fullmatch(chr(cp))]
    assert len(cjk) == 6592 + 20992 + 512 + 1


def test_list_tokenizers_equal_the_whoosh_tokenizers_on_the_seeds():
    seeds = records([SEEDS])
    texts = [r["body"] for r in seeds] + [r["title"] for r in seeds if "title" in r]
    assert len(texts) == 140
    for text in texts:
        assert analysis.index_words(text) == _token_texts(analysis.WordTokenizer(), text)
        assert analysis.index_bigrams(text) == _token_texts(analysis.BigramTokenizer(), text)
        assert _key_texts(text) == analysis.index_bigrams(text)


@pytest.mark.corpus
def test_list_tokenizers_equal_the_whoosh_tokenizers_on_a_corpus_sample():
    corpus = require_corpus()
    texts = [r["body"] for r in records([corpus / "laws"], sample=30)]
    assert len(texts) > 1000
    for text in texts:
        assert analysis.index_words(text) == _token_texts(analysis.WordTokenizer(), text)
        assert analysis.index_bigrams(text) == _token_texts(analysis.BigramTokenizer(), text)
        assert _key_texts(text) == analysis.index_bigrams(text)


ANY_TEXT_ALPHABET = "中华人民共和国政府令第一二三号〔〕（）２０17abcXYZ .,，。\n\u3000\u00a0關於會𠀀〇"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ANY_TEXT_ALPHABET, max_size=40))
def test_list_tokenizers_equal_the_whoosh_tokenizers_on_any_text(text):
    assert analysis.index_words(text) == _token_texts(analysis.WordTokenizer(), text)
    assert analysis.index_bigrams(text) == _token_texts(analysis.BigramTokenizer(), text)
    assert _key_texts(text) == analysis.index_bigrams(text)
