"""The one analyzer, shared by the index and the query side; the only module that imports jieba (or rjieba) or OpenCC.

Whoosh pickles a schema's analyzers into the index, so the classes here must stay at this import path and hold
no unpicklable state: the jieba tokenizer and the OpenCC converter are process-wide singletons built lazily
(in a gunicorn worker, from `post_fork`, see `preload`).

Normalisation (traditional -> simplified, full-width -> half-width, ASCII lower case) is length-preserving, so
a token's character offsets in the normalised text are offsets into the stored text as written: highlights land
on the characters the document itself shows.

Words are jieba 0.42.1's precise-mode tokens with its dictionary plus ours. jieba-rs (through rjieba) computes
them about 18 times faster, so it does the segmenting; jieba stays the reference it must equal token for token
(tests/search/test_segmenter.py checks the whole corpus) and the source of the dictionary both use.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import math
import os
import re
import sys
import threading
from array import array
from collections.abc import Iterable, Iterator
from contextlib import suppress
from importlib import import_module, resources
from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader
from importlib.util import find_spec, module_from_spec, spec_from_file_location
from itertools import chain, compress, count, pairwise
from operator import add, and_
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

import numpy as np
import opencc
from whoosh.analysis import Token, Tokenizer

if TYPE_CHECKING:
    import jieba
    import rjieba

# jieba and jieba-rs are imported when first needed: a command that segments nothing (a nightly update that finds
# no change) does not pay for them; rjieba's extension module is loaded without its package (_rjieba_class).

USER_DICT = "legal_terms.txt"  # in search/data/
CACHE_ENV = "GOVLAW_CACHE"
DICTIONARY_CACHE_PREFIX = "dictionary-"
OPENCC_CONFIG = "t2s"
# Words at least this long are also indexed as their own best split into shorter dictionary words.
SUBWORD_MIN_LENGTH = 3
# Words seen by index_words, each with its terms (a corpus repeats its words; sub-word splits are slow).
INDEX_TERMS_CACHE_SIZE = 200_000
# Characters that count as one unit of the bigram stream: CJK ideographs (with 〇) one by one.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
_CJK_RE = re.compile(f"[{_CJK}]")
_UNIT_RE = re.compile(f"[{_CJK}]|[0-9a-z]+")
_ASCII_UNIT_RE = re.compile("[0-9a-z]")
_WORDLIKE_RE = re.compile(f"[{_CJK}0-9a-z]")
# Chunks converted independently when whole-text conversion changes the length (rare phrase mappings).
_CHUNK_RE = re.compile(r"[^\n。！？；，、,.;!?]+[\n。！？；，、,.;!?]*")

# Where jieba-rs 0.11 and jieba 0.42.1 cut differently, and the fast path corrects it:
# - jieba-rs also reads these code points as CJK text; jieba's class stops at U+9FD5, so it emits each of them as a
#   token of its own, which also ends the text around it. They are cut out before jieba-rs sees the text.
_RS_ONLY_HAN_RE = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
# - Where the HMM reads letters and digits, jieba-rs keeps runs joined by '.', '_' or '-' whole (2019-2020, 0.10g,
#   gb3838-2002); jieba keeps only decimals (3.5, 7.5%). No dictionary word holds one of these characters (checked
#   when the dictionary is loaded), so a token with one comes from the HMM and is split again by jieba's own rule.
_RS_JOINED_RE = re.compile(r"[a-zA-Z0-9][._\-][a-zA-Z0-9]")
_RS_JOINER_RE = re.compile(r"[._\-]")
# jieba.finalseg.re_skip: how jieba's HMM step splits letters and digits (a test checks it is jieba's own).
_RE_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
# jieba-rs's dictionary total is the sum of its words' frequencies; jieba's also counts again a user word that
# was already a dictionary word. A word that never occurs inside a segmented run (a space) makes up the difference.
_RS_FILLER = " "

_lock = threading.Lock()
_jieba_tokenizer: jieba.Tokenizer | None = None
_rs_jieba: rjieba.Jieba | None = None
_rs_checked = False
_frequencies: tuple[dict[str, int], float] | None = None
_dictionary_read: tuple[dict[str, int], int] | None = None
_converter: opencc.OpenCC | None = None
# Full-width ASCII variants and the ideographic space map one to one onto ASCII.
_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
HALF_WIDTH_ARRAY_MIN = 128  # shorter texts are translated by str.translate (NumPy's set-up costs more)


def _opencc() -> opencc.OpenCC:
    global _converter  # noqa: PLW0603  process-wide singleton, built once under _lock
    if _converter is None:
        with _lock:
            if _converter is None:
                _converter = opencc.OpenCC(OPENCC_CONFIG)
    return _converter


def _jieba() -> jieba.Tokenizer:
    global _jieba_tokenizer  # noqa: PLW0603  process-wide singleton, built once under _lock
    if _jieba_tokenizer is None:
        with _lock:
            if _jieba_tokenizer is None:
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tok = import_module("jieba").Tokenizer()
                tok.initialize()
                dict_path = resources.files("search") / "data" / USER_DICT
                if dict_path.is_file():
                    with dict_path.open("rb") as f:
                        tok.load_userdict(f)
                _jieba_tokenizer = tok
    return _jieba_tokenizer


def _dictionary_lines(data: bytes) -> Iterator[tuple[str, int]]:
    """(word, frequency) of jieba's dictionary file's bytes, in order, as jieba.Tokenizer.gen_pfdict reads it."""
    for line in data.splitlines():
        word, freq = line.strip().decode("utf-8").split(" ")[:2]
        yield word, int(freq)


def _user_dictionary(text: str) -> dict[str, int]:
    """Our user dictionary as jieba.load_userdict reads it (every entry must carry a frequency above 0: jieba
    would estimate a missing one, and split a word of frequency 0 after its HMM, which jieba-rs cannot follow)."""
    out: dict[str, int] = {}
    for raw in text.splitlines():
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        word, freq, _ = import_module("jieba").re_userdict.match(line).groups()
        if freq is None or int(freq) == 0:
            raise ValueError(f"{USER_DICT}: {word!r} has no frequency above 0")
        out[word] = int(freq)
    return out


def dictionary_cache_dir() -> Path | None:
    """Where the dictionary read from jieba's files is kept: GOVLAW_CACHE, else the user's cache folder (None for
    a user without a home)."""
    if value := os.environ.get(CACHE_ENV):
        return Path(value)
    if value := os.environ.get("XDG_CACHE_HOME"):
        return Path(value) / "govlaw"
    try:
        return Path.home() / ".cache" / "govlaw"
    except RuntimeError:
        return None


def dictionary_words() -> tuple[dict[str, int], int]:
    """jieba's words of frequency above 0 and its total, as `_jieba()` holds them, from the files.

    Reading them takes a few tenths of a second, paid by every process that segments (a nightly update, each
    build, each web worker): the result is kept in the cache folder under a digest of both files, and read
    from there while they are unchanged. A cache that cannot be read or written is passed over."""
    with import_module("jieba").get_dict_file() as f:
        data = f.read()
    dict_path = resources.files("search") / "data" / USER_DICT
    user = dict_path.read_bytes() if dict_path.is_file() else b""
    digest = hashlib.blake2b(data + b"\0" + user, digest_size=16)
    digest.update(f"{sys.version_info[:2]} {marshal.version}".encode())
    folder = dictionary_cache_dir()
    cached = folder / f"{DICTIONARY_CACHE_PREFIX}{digest.hexdigest()}.marshal" if folder else None
    if cached is not None:
        with suppress(OSError, EOFError, ValueError, TypeError):
            words, total = marshal.loads(cached.read_bytes())
            if type(words) is dict and type(total) is int:
                return words, total
    found: dict[str, int] = {}
    total = 0
    for word, freq in _dictionary_lines(data):
        found[word] = freq
        total += freq
    for word, freq in _user_dictionary(user.decode("utf-8")).items():
        found[word] = freq
        total += freq
    words = {w: f for w, f in found.items() if f > 0}
    if cached is None:
        return words, total
    partial = cached.with_name(f".{cached.name}.{os.getpid()}")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(marshal.dumps((words, total)))
        os.replace(partial, cached)
    except OSError:
        with suppress(OSError):
            partial.unlink(missing_ok=True)  # a full disk leaves no partial file behind
    return words, total


def _rjieba_class() -> type[rjieba.Jieba]:
    """rjieba's Jieba class, from its extension module alone where that is found: the rjieba package's own
    import builds a default instance with jieba-rs's dictionary (≈0.1 s and ≈20 MB, unused here). The module
    is registered under its own name, so that importing the package later takes it as it is."""
    name = "rjieba.rjieba"
    if name not in sys.modules:
        package_spec = find_spec("rjieba")
        folders = [Path(f) for f in (package_spec.submodule_search_locations or ())] if package_spec else []
        found = [p for f in folders for p in (f / f"rjieba{suffix}" for suffix in EXTENSION_SUFFIXES) if p.is_file()]
        spec = (
            spec_from_file_location(name, found[0], loader=ExtensionFileLoader(name, str(found[0]))) if found else None
        )
        if spec is not None and spec.loader is not None:
            module = module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
    if name in sys.modules:
        return sys.modules[name].Jieba
    package = import_module("rjieba")  # another layout: the package, its default instance emptied
    package._DEFAULT_JIEBA.clear()
    return package.Jieba


def _rs() -> rjieba.Jieba | None:
    """jieba-rs with exactly jieba's dictionary, or None where the fast path could not equal jieba.

    The dictionary is read from jieba's files (`dictionary_words`) without building jieba's own prefix dictionary:
    a web worker, which only segments queries, then holds ≈25 MB for it instead of ≈140 MB."""
    global _rs_jieba, _rs_checked, _dictionary_read  # noqa: PLW0603  process-wide singleton, built once under _lock
    if not _rs_checked:
        with _lock:
            if not _rs_checked:
                try:
                    # Indexing reads the dictionary once, for sub-word splits too (_word_frequencies).
                    words, total = _dictionary_read if _dictionary_read is not None else dictionary_words()
                    reason = None
                except ValueError as e:
                    words, total, reason = {}, 0, str(e)
                if not reason and _RS_JOINER_RE.search("\n".join(words)):
                    reason = "a dictionary word contains '.', '_' or '-'"
                if reason:
                    logging.getLogger(__name__).warning("segmenting with jieba, not jieba-rs: %s", reason)
                else:
                    rs = _rjieba_class().empty()
                    for w, f in words.items():
                        rs.add_word(w, f, None)
                    counted = sum(words.values())
                    if total > counted:
                        rs.add_word(_RS_FILLER, total - counted, None)
                    _rs_jieba = rs
                del words
                _dictionary_read = None
                _rs_checked = True
    return _rs_jieba


def preload(indexing: bool = False) -> None:
    """Load the dictionary and the converter now (gunicorn post_fork), not on a worker's first request. Word
    frequencies are loaded for indexing only (sub-word splits), jieba itself only where jieba-rs cannot stand in."""
    _opencc()
    if indexing:
        _word_frequencies()
    if _rs() is None:
        _jieba()


def segment_with_jieba(text: str) -> list[tuple[str, int, int]]:
    """jieba's precise-mode tokens (word, start, end) of a text, HMM on: the reference `segment` must equal."""
    return list(_jieba().tokenize(text, mode="default", HMM=True))


def segment(text: str) -> list[tuple[str, int, int]]:
    """The same tokens as `segment_with_jieba`, every character included (white space, punctuation), by jieba-rs."""
    rs = _rs()
    if rs is None:
        return segment_with_jieba(text)
    if not _RS_ONLY_HAN_RE.search(text):
        return _rs_segment(rs, text, 0)
    out: list[tuple[str, int, int]] = []
    last = 0
    for m in _RS_ONLY_HAN_RE.finditer(text):
        if m.start() > last:
            out += _rs_segment(rs, text[last : m.start()], last)
        out.append((m.group(0), m.start(), m.end()))
        last = m.end()
    if last < len(text):
        out += _rs_segment(rs, text[last:], last)
    return out


def _rs_segment(rs: rjieba.Jieba, text: str, offset: int) -> list[tuple[str, int, int]]:
    tokens = rs.tokenize(text, "default", True)
    if offset:
        tokens = [(w, start + offset, end + offset) for w, start, end in tokens]
    if not _RS_JOINED_RE.search(text):
        return tokens
    out: list[tuple[str, int, int]] = []
    for w, start, end in tokens:
        if len(w) < 3 or not _RS_JOINER_RE.search(w):
            out.append((w, start, end))
            continue
        at = start
        for piece in _RE_SKIP.split(w):  # jieba's HMM rule for letters and digits
            if piece:
                out.append((piece, at, at + len(piece)))
                at += len(piece)
    return out


def to_simplified(text: str) -> str:
    """Traditional -> simplified, guaranteed to keep the length (and so every character offset)."""
    if not _CJK_RE.search(text):
        return text
    conv = _opencc()
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    parts = []
    for m in _CHUNK_RE.finditer(text):
        chunk = m.group(0)
        c = conv.convert(chunk)
        if len(c) != len(chunk):
            c = "".join(ch2 if len(ch2 := conv.convert(ch)) == 1 else ch for ch in chunk)
        parts.append(c)
    joined = "".join(parts)
    # _CHUNK_RE covers every character; this guards the invariant the offsets depend on.
    return joined if len(joined) == len(text) else text


def half_width(text: str) -> str:
    """Full-width ASCII forms and the ideographic space as their ASCII characters (`_WIDTH_TABLE`).

    str.translate looks every character of non-ASCII text up in the table; long texts (whole documents while
    indexing) are translated as an array of code points instead, about ten times faster."""
    if len(text) < HALF_WIDTH_ARRAY_MIN:
        return text.translate(_WIDTH_TABLE)
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    points[(points - 0xFF01) < 0xFF5F - 0xFF01] -= 0xFEE0
    points[points == 0x3000] = 0x20
    return points.tobytes().decode("utf-32-le", "surrogatepass")


def normalize(text: str) -> str:
    """Length-preserving normal form for matching: simplified script, half-width, lower-case ASCII."""
    return to_simplified(half_width(text)).lower()


def units(text: str) -> list[tuple[str, int, int]]:
    """The bigram stream's units of normalised text: each CJK character, each ASCII letter/digit run."""
    return [(m.group(0), m.start(), m.end()) for m in _UNIT_RE.finditer(text)]


def bigram_text(a: str, b: str) -> str:
    # A space keeps "20"+"17" apart from "2017"; CJK pairs join directly.
    return f"{a} {b}" if a[-1].isascii() and b[0].isascii() else a + b


def bigrams(text: str) -> list[str]:
    """Bigram terms of (already normalised) text, in order; a single unit gives itself."""
    us = [u for u, _, _ in units(text)]
    if len(us) == 1:
        return us
    return [bigram_text(a, b) for a, b in pairwise(us)]


def words(text: str) -> list[str]:
    """jieba precise-mode words of a text, normalised, punctuation dropped: how a query's words are read."""
    return [t.text for t in WordTokenizer()(text, mode="query")]


class _IndexTerms(dict):
    """Word -> its index-mode terms (none for punctuation and space; the word, then its sub-words), each word's
    computed once, so that a text's terms are a lookup per word made in C (`map(terms.__getitem__, words)`)."""

    def __missing__(self, word: str) -> list[str]:
        if not _WORDLIKE_RE.search(word):
            found = []
        elif len(word) > 2:
            found = [word] + [sub for sub, _ in _subwords(_word_frequencies(), word)]
        else:
            found = [word]
        self[word] = found
        return found


_INDEX_TERMS = _IndexTerms()
_last_normalized: tuple[str, str] = ("", "")


def _normalized(text: str) -> str:
    """normalize(text), remembered for the last text (a record's body and body_bi fields are the same str)."""
    global _last_normalized  # noqa: PLW0603  a one-entry cache (a tuple, replaced whole: safe between threads)
    last, norm = _last_normalized
    if text is not last:
        norm = normalize(text)
        _last_normalized = (text, norm)
    return norm


def _segment_words(text: str) -> list[str]:
    """The words of segment(text), without their offsets."""
    rs = _rs()
    if rs is None or _RS_ONLY_HAN_RE.search(text) or _RS_JOINED_RE.search(text):
        return [w for w, _, _ in segment(text)]
    return rs.cut(text, True)


def index_segments(text: str) -> list[str]:
    """The words (and punctuation) of `text` that index_words expands, each by `word_terms`."""
    if _frequencies is None:
        _word_frequencies()  # before _rs(), which then takes the words already read
    return _segment_words(_normalized(text))


def word_terms(word: str) -> list[str]:
    """A segmented word's index-mode terms: none for punctuation and space; the word, then its sub-words."""
    if len(_INDEX_TERMS) >= INDEX_TERMS_CACHE_SIZE:
        _INDEX_TERMS.clear()
    return _INDEX_TERMS[word]


def forget_index_terms() -> None:
    """Drop the remembered terms of words (an indexing process that has finished adding records)."""
    _INDEX_TERMS.clear()


def index_words(text: str) -> list[str]:
    """The texts of WordTokenizer's index-mode tokens of `text`, in order (each word, then its sub-words): the
    same terms without Token objects, for writers that only count terms."""
    words = index_segments(text)
    if len(_INDEX_TERMS) >= INDEX_TERMS_CACHE_SIZE:
        _INDEX_TERMS.clear()
    return list(chain.from_iterable(map(_INDEX_TERMS.__getitem__, words)))


def index_bigrams(text: str) -> list[str]:
    """The texts of BigramTokenizer's index-mode tokens of `text`, in order (token i is at position i)."""
    norm = _normalized(text)
    us = _UNIT_RE.findall(norm)
    grams = list(map(add, us, us[1:]))
    if _ASCII_UNIT_RE.search(norm):
        # bigram_text's rule, where two letter/digit runs meet (only they take a space between them).
        ascii_units = list(map(str.isascii, us))
        for i in compress(count(), map(and_, ascii_units, ascii_units[1:])):
            grams[i] = bigram_text(us[i], us[i + 1])
    return grams


# index_bigram_keys: a unit as a number. A CJK character is its code point (every one is in the BMP, so below
# RUN_BASE); a letter/digit run is RUN_BASE plus its number in the caller's run table. A key is the first unit's
# number shifted left by KEY_SHIFT, or'ed with the second's.
RUN_BASE = 1 << 16
KEY_SHIFT = 32


def _bmp_table(char_class: str) -> np.ndarray:
    """A BMP code point -> is it in `char_class` (single characters and a-b ranges, as in a regex class)."""
    table = np.zeros(RUN_BASE, dtype=bool)
    i = 0
    while i < len(char_class):
        lo = hi = ord(char_class[i])
        if i + 2 < len(char_class) and char_class[i + 1] == "-":
            hi = ord(char_class[i + 2])
            i += 2
        table[lo : hi + 1] = True
        i += 1
    return table


_IS_CJK_UNIT = _bmp_table(_CJK)
_IS_ASCII_UNIT = _bmp_table("0-9a-z")
_ASCII_RUN_RE = re.compile("[0-9a-z]+")


def index_bigram_keys(text: str, runs: dict[str, int]) -> np.ndarray:
    """index_bigrams(text) as int64 keys, each its two units as numbers (RUN_BASE): the same tokens without a
    string each, for a writer that numbers them in bulk. `runs` gives each letter/digit run its number (a new
    one for a new run: a dict with __missing__); bigram_key_text turns a key back into its term."""
    norm = _normalized(text)
    # UTF-16: an astral character becomes two surrogates, neither of them a unit, as it is none itself.
    chars = np.frombuffer(norm.encode("utf-16-le"), dtype=np.uint16)
    is_unit = _IS_CJK_UNIT[chars]
    numbers = chars.astype(np.int64)
    if _ASCII_UNIT_RE.search(norm):
        ascii_unit = _IS_ASCII_UNIT[chars]
        starts = ascii_unit.copy()
        starts[1:] &= ~ascii_unit[:-1]
        found = _ASCII_RUN_RE.findall(norm)
        numbers[starts] = np.fromiter(map(runs.__getitem__, found), dtype=np.int64, count=len(found)) + RUN_BASE
        is_unit |= starts
    u = numbers[is_unit]
    return (u[:-1] << KEY_SHIFT) | u[1:]


def bigram_key_text(key: int, run_texts: list[str]) -> str:
    """The term of an index_bigram_keys key; run_texts[k] is the run numbered k."""
    a, b = key >> KEY_SHIFT, key & ((1 << KEY_SHIFT) - 1)
    return bigram_text(
        chr(a) if a < RUN_BASE else run_texts[a - RUN_BASE], chr(b) if b < RUN_BASE else run_texts[b - RUN_BASE]
    )


_SEP = "\x1f"  # joins token texts in an Analyzed value (never part of a token: only CJK and [0-9a-z])


class Analyzed(str):
    """Text together with its tokens, computed once (in an indexing worker process) and replayed by the
    tokenizers instead of analysing the text again in the process that writes the index.

    It is the text itself (a str), so any field can take it; a tokenizer uses the tokens only for a plain
    index-mode call, and otherwise analyses the text as usual. Tokens are kept compact (one joined string and
    one integer array per kind) because they cross a process boundary.
    """

    words: tuple[str, array] | None  # texts, then (position, startchar, endchar) per token, index mode
    grams: tuple[str, array] | None  # texts, then (startchar, endchar) per token; position = index

    def __reduce__(self):
        return (_rebuild_analyzed, (str(self), self.words, self.grams))

    def word_tokens(self) -> Iterator[tuple[str, int, int, int]]:
        assert self.words is not None, "no word tokens attached"
        texts, ints = self.words
        for i, text in enumerate(texts.split(_SEP) if texts else ()):
            yield text, ints[3 * i], ints[3 * i + 1], ints[3 * i + 2]

    def gram_tokens(self) -> Iterator[tuple[str, int, int]]:
        assert self.grams is not None, "no bigram tokens attached"
        texts, ints = self.grams
        for i, text in enumerate(texts.split(_SEP) if texts else ()):
            yield text, ints[2 * i], ints[2 * i + 1]


def _rebuild_analyzed(text: str, words, grams) -> Analyzed:
    out = Analyzed(text)
    out.words, out.grams = words, grams
    return out


def analyze(text: str, *, words: bool = True, grams: bool = True) -> Analyzed:
    """`text` with its index-mode word tokens and bigram tokens attached (normalised once for both)."""
    out = Analyzed(text)
    out.words = out.grams = None
    # A tokenizer yields one Token object again and again: read each one as it comes.
    if words:
        texts, ints = [], array("i")
        for t in WordTokenizer()(text, positions=True, chars=True, mode="index"):
            texts.append(t.text)
            ints.extend((t.pos, t.startchar, t.endchar))
        out.words = (_SEP.join(texts), ints)
    if grams:
        texts, ints = [], array("i")
        for t in BigramTokenizer()(text, positions=True, chars=True, mode="index"):
            texts.append(t.text)
            ints.extend((t.startchar, t.endchar))
        out.grams = (_SEP.join(texts), ints)
    return out


def _replayable(value: str, attr: str, mode: str, tokenize: bool) -> TypeGuard[Analyzed]:
    """Does `value` carry the tokens `attr` of an index-mode call, to replay instead of analysing it?"""
    return tokenize and mode == "index" and isinstance(value, Analyzed) and getattr(value, attr, None) is not None


def _word_frequencies() -> tuple[dict[str, int], float]:
    """jieba's word frequencies and the log of its total, for sub-word splits (index mode only; the words alone,
    about a third of jieba's own prefix dictionary in memory)."""
    global _frequencies, _dictionary_read  # noqa: PLW0603  process-wide singleton, built once under _lock
    if _frequencies is None:
        with _lock:
            if _frequencies is None:
                words, total = dictionary_words()
                _frequencies = (words, math.log(total))
                if not _rs_checked:
                    # _rs() (not yet built) takes the same words: a process that indexes reads them once.
                    _dictionary_read = (words, total)
    return _frequencies


def _subwords(frequencies: tuple[dict[str, int], float], word: str, offset: int = 0) -> list[tuple[str, int]]:
    """Dictionary words that make up `word` (its best segmentation without the whole word), recursively.

    Unlike jieba's search mode, which emits every dictionary n-gram (民政 inside 人民政府), this keeps only
    the pieces of a real split: 人民政府 -> 人民, 政府.
    """
    n = len(word)
    if n < SUBWORD_MIN_LENGTH:
        return []
    freq, logtotal = frequencies
    # route[i] = (best log-probability of word[i:], end of the first piece); the whole word is not allowed.
    route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    for i in range(n - 1, -1, -1):
        best = (-math.inf, i + 1)
        for j in range(i + 1, n + 1):
            if i == 0 and j == n:
                continue
            piece = word[i:j]
            f = freq.get(piece)
            if not f and j > i + 1:
                continue
            best = max(best, (math.log(f or 1) - logtotal + route[j][0], j))
        route[i] = best
    out: list[tuple[str, int]] = []
    i = 0
    while i < n:
        j = route[i][1]
        piece = word[i:j]
        if len(piece) > 1:
            out.append((piece, offset + i))
            out.extend(_subwords(frequencies, piece, offset + i))
        i = j
    return out


class _StatelessTokenizer(Tokenizer):
    """A tokenizer without settings: any two of the same class are equal (Whoosh compares schemas)."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


class WordTokenizer(_StatelessTokenizer):
    """jieba precise-mode words with ordinal positions; in index mode also sub-words at their word's position."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if _replayable(value, "words", mode, tokenize):
            for text, pos, start, end in value.word_tokens():
                yield self._token(
                    t, text, start_pos + pos, start_char + start, start_char + end, keeporiginal, value, start
                )
            return
        norm = normalize(value)
        if not tokenize:
            t.original = t.text = norm
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        # Word frequencies only for the sub-word splits of index mode.
        frequencies = _word_frequencies() if mode == "index" else None
        pos = start_pos
        for word, start, end in segment(norm):
            if not _WORDLIKE_RE.search(word):
                continue
            yield self._token(t, word, pos, start_char + start, start_char + end, keeporiginal, value, start)
            if frequencies is not None and len(word) > 2:  # index mode
                for sub, offset in _subwords(frequencies, word):
                    yield self._token(
                        t,
                        sub,
                        pos,
                        start_char + start + offset,
                        start_char + start + offset + len(sub),
                        keeporiginal,
                        value,
                        start + offset,
                    )
            pos += 1

    @staticmethod
    def _token(
        t: Token, text: str, pos: int, startchar: int, endchar: int, keeporiginal: bool, value: str, offset: int
    ) -> Token:
        t.text = text
        t.boost = 1.0
        t.stopped = False
        if keeporiginal:
            t.original = value[offset : offset + len(text)]
        if t.positions:
            t.pos = pos
        if t.chars:
            t.startchar, t.endchar = startchar, endchar
        return t


class BigramTokenizer(_StatelessTokenizer):
    """Overlapping pairs of units (CJK characters, ASCII runs) with punctuation and white space skipped.

    Any run of two or more characters present in a text is then a phrase of consecutive bigrams, found whatever
    the word segmentation, across a rejoined line break and regardless of punctuation between the characters.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pairs: Iterable[tuple[str, int, int]]
        if _replayable(value, "grams", mode, tokenize):
            pairs = value.gram_tokens()
        else:
            us = units(normalize(value))
            if len(us) == 1 and mode == "query":
                pairs = [(us[0][0], us[0][1], us[0][2])]
            else:
                pairs = [(bigram_text(a[0], b[0]), a[1], b[2]) for a, b in pairwise(us)]
        for i, (text, start, end) in enumerate(pairs):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


def word_analyzer() -> WordTokenizer:
    return WordTokenizer()


def bigram_analyzer() -> BigramTokenizer:
    return BigramTokenizer()
