"""The fast segmenter (jieba-rs) gives exactly jieba's tokens: on the cases where the two libraries differ, on
generated text, and on every string the indexer segments in the whole corpus."""

from __future__ import annotations

import importlib
import marshal
import multiprocessing as mp
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.pipeline import FileError, SourceFile, build_document, iter_sources, section_records
from search import analysis
from search.analysis import WordTokenizer
from search.schema import make_schema
from tests.conftest import SEEDS, require_corpus

# The record fields the word analyzer reads, as the schema says.
WORD_FIELDS = tuple(name for name, field in make_schema().items() if field.analyzer == WordTokenizer())
# Reading and cleaning a file under a loaded machine must not drop it from the comparison.
FILE_SECONDS = 600

# Where jieba-rs on its own differs from jieba, and the text around those places.
DIVERGENT = [
    "规定12-3条",
    "2019-2020年",
    "(gb3838-2002)",
    "gb/t 26341-2010",
    "0.10g",
    "0.1mpa",
    "第3.5.6条",
    "7.n—乙酰",
    "www.12339.gov.cn",
    "x1_2",
    "1-5%",
    "a.-5",
    "abc-",
    "--",
    "3.5%",
    "c++语言",
    "r&d",
    "㐀㐁",
    "的㐀㐁是",
    "国𠀀家",
    "\u9fd6\u9fd7",
    "\uf900\uf901",
    "𠀀𠀁中文",
    "a\r\nb",
    "\r\r\n",
    "a\x1c\x1db",
    "ab  cd\u3000",
    "",
    " ",
]


@pytest.mark.parametrize("text", DIVERGENT)
def test_fast_path_equals_jieba_where_the_libraries_differ(text):
    assert analysis.segment(text) == analysis.segment_with_jieba(text)
    assert analysis._segment_words(text) == [w for w, _, _ in analysis.segment_with_jieba(text)]


def test_the_fast_path_is_in_use():
    # With a dictionary it cannot reproduce, segment() falls back to jieba and the other tests would prove nothing.
    assert analysis._rs() is not None


def test_dictionary_read_from_the_files_is_jiebas():
    # The fast path's dictionary is read from jieba's files without loading jieba: it must be what jieba holds.
    words, total = analysis.dictionary_words()
    tok = analysis._jieba()
    assert total == tok.total
    assert words == {w: f for w, f in tok.FREQ.items() if f > 0}


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab19.-_%#&+/ \n\r\t中国人民法律条第的了。，㐀𠀀鿖豈")), max_size=24))
def test_fast_path_equals_jieba_on_generated_text(text):
    assert analysis.segment(text) == analysis.segment_with_jieba(text)
    assert analysis._segment_words(text) == [w for w, _, _ in analysis.segment_with_jieba(text)]


def _compare_file(sf: SourceFile) -> tuple[str, int, int, str | None]:
    """(source, strings, tokens, first difference or build error) for the word fields of one file's records."""
    doc = build_document(sf, seconds=FILE_SECONDS)
    if isinstance(doc, FileError):
        # A page that holds no document (a site search's result list) has no text to segment.
        return sf.source, 0, 0, None if doc.stage == "empty" else f"not built: {doc.reason}"
    strings = tokens = 0
    for rec in section_records(doc):
        for field in WORD_FIELDS:
            text = analysis.normalize(rec.get(field) or "")
            if not text:
                continue
            expected = analysis.segment_with_jieba(text)
            got = analysis.segment(text)
            if got == expected and analysis._segment_words(text) != [w for w, _, _ in expected]:
                return sf.source, strings, tokens, f"{field}: words without offsets differ"
            strings += 1
            tokens += len(expected)
            if got != expected:
                # The lengths may differ: the shorter list, ended by None, differs at its end at the latest.
                first = next(i for i, (a, b) in enumerate(zip([*expected, None], [*got, None], strict=False)) if a != b)
                return (
                    sf.source,
                    strings,
                    tokens,
                    f"{field}: jieba {expected[first : first + 4]} fast {got[first : first + 4]}",
                )
    return sf.source, strings, tokens, None


@pytest.mark.corpus
def test_fast_path_equals_jieba_over_the_whole_corpus():
    corpus = require_corpus()
    roots = [*sorted(p for p in Path(corpus).iterdir() if p.is_dir()), SEEDS]
    files, errors, _ = iter_sources(roots)
    assert errors == []
    analysis.preload()  # built once, shared by the forked workers
    with mp.get_context("fork").Pool(2) as pool:
        results = list(pool.imap_unordered(_compare_file, files, chunksize=8))
    failures = sorted((source, problem) for source, _, _, problem in results if problem)
    strings = sum(r[1] for r in results)
    assert failures == [], f"{len(failures)} of {len(files)} files differ ({strings} strings compared)"
    assert strings > len(files)


def test_queries_are_segmented_without_loading_jiebas_dictionary():
    # A web worker segments queries only: jieba's own dictionary (≈140 MB in memory) is left unloaded.
    code = (
        "from search import analysis; analysis.preload(); analysis.words('法治政府建设实施纲要 关于 2019-2020年');"
        "assert analysis._rs() is not None and analysis._jieba_tokenizer is None"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_an_indexing_process_reads_the_dictionary_once():
    # Sub-word splits and jieba-rs take the same words; a process that indexes reads jieba's files once, and
    # keeps no second reference to them once jieba-rs holds them.
    code = (
        "from search import analysis as a; calls = []; read = a.dictionary_words\n"
        "def counted():\n    calls.append(1)\n    return read()\n"
        "a.dictionary_words = counted; terms = a.index_words('各级人民政府依法行政')\n"
        "assert a._rs() is not None and a._frequencies is not None and a._dictionary_read is None\n"
        "assert '人民政府' in terms and '政府' in terms, terms\n"
        "assert len(calls) == 1, calls"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_the_letter_and_digit_rule_is_jiebas_own():
    finalseg = importlib.import_module("jieba.finalseg")  # the analyzer stays the one module importing jieba
    assert analysis._RE_SKIP.pattern == finalseg.re_skip.pattern and analysis._RE_SKIP.flags == finalseg.re_skip.flags


def test_a_command_that_segments_nothing_does_not_import_the_segmenters():
    code = (
        "import sys, search.analysis, indexer.cli, indexer.update, search.index;"
        "assert not {'jieba', 'rjieba'} & set(sys.modules), sorted({'jieba', 'rjieba'} & set(sys.modules))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_jieba_rs_is_loaded_without_the_rjieba_packages_default_dictionary():
    # The package's import builds a default instance with jieba-rs's own dictionary; the extension module alone
    # is loaded, and importing the package afterwards takes that same module.
    code = (
        "import sys; from search import analysis; rs = analysis._rs();"
        "assert rs is not None and 'rjieba' not in sys.modules, sorted(sys.modules);"
        "assert rs.cut('著作权法第十条') == ['著作权法', '第十条'], rs.cut('著作权法第十条');"
        "import rjieba; assert rjieba.Jieba is type(rs)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_the_dictionary_is_kept_in_the_cache_and_read_back_from_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVLAW_CACHE", str(tmp_path / "cache"))
    words, total = analysis.dictionary_words()
    (kept,) = (tmp_path / "cache").iterdir()
    assert kept.name.startswith("dictionary-") and kept.suffix == ".marshal"

    def unread(data):
        raise AssertionError("jieba's file read again")

    monkeypatch.setattr(analysis, "_dictionary_lines", unread)
    assert analysis.dictionary_words() == (words, total)
    assert words["人民政府"] > 0 and total > sum(words.values()) // 2


def test_a_damaged_or_unwritable_cache_is_passed_over(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVLAW_CACHE", str(tmp_path / "cache"))
    expected = analysis.dictionary_words()
    (kept,) = (tmp_path / "cache").iterdir()
    kept.write_bytes(b"\x00not marshal")
    assert analysis.dictionary_words() == expected
    assert kept.read_bytes()[:1] != b"\x00"  # written again
    kept.write_bytes(marshal.dumps(["a list", 3]))
    assert analysis.dictionary_words() == expected
    # A cache folder that is a file: nothing can be kept, the words are read from jieba's files.
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("GOVLAW_CACHE", str(tmp_path / "file"))
    assert analysis.dictionary_words() == expected


def test_another_user_dictionary_is_kept_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVLAW_CACHE", str(tmp_path))
    ours = analysis.dictionary_words()
    monkeypatch.setattr(analysis, "USER_DICT", "absent.txt")
    without = analysis.dictionary_words()
    assert len(list(tmp_path.iterdir())) == 2
    assert "人民政府" in without[0] and without != ours


def test_a_user_without_a_home_reads_the_files_each_time(monkeypatch):
    monkeypatch.delenv("GOVLAW_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", no_home)
    assert analysis.dictionary_cache_dir() is None
    words, _ = analysis.dictionary_words()
    assert words["人民政府"] > 0


def test_a_cache_that_cannot_be_written_leaves_no_partial_file(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVLAW_CACHE", str(tmp_path))

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(analysis.os, "replace", refuse)
    words, _ = analysis.dictionary_words()
    assert words["人民政府"] > 0
    assert list(tmp_path.iterdir()) == []
