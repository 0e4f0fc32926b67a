"""Turn the bytes of a scraped or downloaded file into text, whatever legacy encoding it was saved in.

Government sites serve UTF-8, GB2312/GBK/GB18030, Big5 and the odd UTF-16 export from Word. Several of
these decode each other's bytes without error (every Big5 byte pair is a valid GBK pair), so after the
unambiguous checks the candidates are decoded side by side and the most plausible Chinese text wins.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from contextlib import suppress
from functools import cache

import charset_normalizer

# Byte-order marks, longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Declared charset labels mapped to the codec that decodes what such pages really contain: pages labelled
# gb2312 routinely use GBK characters, and Big5 pages use the Microsoft (cp950) extensions.
DECLARED_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "gb18030": "gb18030",
    "big5": "cp950",
    "x-big5": "cp950",
    "cn-big5": "cp950",
    "big-5": "cp950",
    "cp950": "cp950",
    "big5-hkscs": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}

# Legacy encodings tried side by side when the bytes are not UTF-8, in order of preference on a tie.
LEGACY_CANDIDATES = ("gb18030", "cp950", "big5hkscs")

# Only the start of a long text is scored: the encoding does not change halfway through a file.
SCORE_SAMPLE_CHARS = 65_536
# A declared charset is trusted when its text scores at least this much.
DECLARED_MIN_SCORE = 0.8
# Below this no candidate is believable text. GB text misread as Big5 scores about 0.5, Big5 misread as GB
# below 0.1; real text in either script scores above 0.9.
MIN_PLAUSIBILITY = 0.7
# A real but rare hanzi counts for this much: real documents have few, misdecoded bytes produce many.
RARE_HANZI_WEIGHT = 0.25
# When no encoding decodes every byte (a file cut off mid-character, one corrupt byte), the best candidate
# decoded with U+FFFD for the bad bytes is accepted if it still scores this high.
LENIENT_MIN_SCORE = 0.9
# More control characters than this (as a share of non-space characters) means binary data.
MAX_CONTROL_RATIO = 0.05

# Whitespace and layout controls that text files legitimately contain; every other C0/C1 control is junk.
TEXT_CONTROLS = frozenset("\t\n\r\f\v\x1c\x1d\x1e\x85")

# Byte values that are control characters in any ASCII-compatible encoding and never occur in text files.
CONTROL_BYTES = bytes(code for code in range(0x20) if chr(code) not in TEXT_CONTROLS) + b"\x7f"

# control_ratio's counts: its controls, and the controls that str.isspace also takes (\x1f), which count
# toward the total although str.split drops them with the other whitespace.
_CONTROL_CHARS = "".join(chr(code) for code in (*range(0x20), *range(0x7F, 0xA0)) if chr(code) not in TEXT_CONTROLS)
_CONTROL_RE = re.compile(f"[{re.escape(_CONTROL_CHARS)}]")
_SPACE_CONTROLS = tuple(ch for ch in _CONTROL_CHARS if ch.isspace())

# Punctuation and symbols common in Chinese official documents, scored like common characters.
COMMON_SYMBOL_RANGES: tuple[tuple[int, int], ...] = (
    (0x3000, 0x303F),  # CJK symbols and punctuation: 。、《》〔〕「」
    (0xFF01, 0xFF5E),  # full-width ASCII forms: ，：（）０-９
    (0x2010, 0x2027),  # dashes, quotes, ellipsis: —“”‘’…
    (0x2030, 0x203B),  # ‰ ′ ※
    (0x2160, 0x217F),  # Roman numerals Ⅰ Ⅱ
    (0x2460, 0x24FF),  # enclosed numbers ① ⑴ ⒈
    (0x2500, 0x257F),  # box drawing: tables laid out in plain text
    (0x25A0, 0x25FF),  # ■ □ ▲ ○ ● used as bullets
    (0x2605, 0x2606),  # ★ ☆
    (0x2100, 0x214F),  # ℃ №
    (0x00B7, 0x00B7),  # middle dot in names
    (0x00D7, 0x00D7),  # ×
)


class DecodeError(ValueError):
    """The bytes are not text in any encoding this module knows."""


@cache
def common_hanzi() -> frozenset[str]:
    """GB2312 level 1 (3,755 common simplified) plus Big5 level 1 (5,401 common traditional) characters.

    Both standards chose their first level by frequency, so together they stand for "ordinary Chinese" in
    either script; garbage from decoding one encoding as the other falls mostly outside the union.
    """
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):  # GB2312 rows 16-55
        for trail in range(0xA1, 0xFF):
            with suppress(UnicodeDecodeError):  # row 55 ends at D7F9
                chars.add(bytes((lead, trail)).decode("gb2312"))
    for code in range(0xA440, 0xC67F):  # Big5 level 1
        trail = code & 0xFF
        if 0x40 <= trail <= 0x7E or 0xA1 <= trail <= 0xFE:
            with suppress(UnicodeDecodeError):
                chars.add(code.to_bytes(2, "big").decode("big5"))
    return frozenset(chars)


def _char_weight(ch: str, common: frozenset[str]) -> float:
    if ch in common:
        return 1.0
    code = ord(ch)
    if 0x21 <= code <= 0x7E:
        return 1.0
    for low, high in COMMON_SYMBOL_RANGES:
        if low <= code <= high:
            return 1.0
    if code == 0xFFFD or 0xE000 <= code <= 0xF8FF or code < 0x20 or 0x7F <= code <= 0x9F:
        return -1.0  # replacement, private use, controls: sure signs of a misdecode
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
        return RARE_HANZI_WEIGHT
    if unicodedata.category(ch).startswith("L") and code < 0x0250:
        return 0.5  # accented Latin letters in a Latin-1 text
    return 0.0


def plausibility(text: str) -> float:
    """Share of the text, ignoring whitespace, made of ordinary Chinese, ASCII and common punctuation.

    1.0 is entirely ordinary text; misdecoded bytes (rare characters, kana, private use, U+FFFD) pull it down,
    and it can go below zero.
    """
    common = common_hanzi()
    total = 0
    score = 0.0
    for ch in text[:SCORE_SAMPLE_CHARS]:
        if ch.isspace():
            continue
        total += 1
        score += _char_weight(ch, common)
    return score / total if total else 1.0


def control_ratio(text: str) -> float:
    """Share of non-whitespace characters that are C0/C1 controls other than layout controls."""
    # str methods and a regex instead of a Python loop over the characters, which was a large share of cleaning.
    sample = text[:SCORE_SAMPLE_CHARS]
    controls = len(_CONTROL_RE.findall(sample))
    # str.split() splits on exactly the characters str.isspace() accepts.
    total = len("".join(sample.split())) + sum(sample.count(ch) for ch in _SPACE_CONTROLS)
    return controls / total if total else 0.0


def normalise_charset(label: str | None) -> str | None:
    """Map a declared charset label to a Python codec name, or None when unknown."""
    if not label:
        return None
    key = label.strip().strip("'\"").lower()
    if key in DECLARED_ALIASES:
        return DECLARED_ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _reject_binary(text: str, encoding: str) -> None:
    ratio = control_ratio(text)
    if ratio > MAX_CONTROL_RATIO:
        raise DecodeError(
            f"{ratio:.0%} of the characters are control characters even as {encoding}: "
            "this looks like binary data, not text"
        )


def _reject_control_bytes(data: bytes) -> None:
    # In every ASCII-compatible encoding considered here (UTF-8, GB18030, Big5) bytes below 0x20 only ever
    # stand for themselves, so their share can be judged before choosing an encoding.
    controls = len(data) - len(data.translate(None, CONTROL_BYTES))  # one pass instead of a count per byte
    if data and controls / len(data) > MAX_CONTROL_RATIO:
        raise DecodeError(
            f"{controls / len(data):.0%} of the bytes are control characters: this looks like binary data, not text"
        )


def _decode_with_nuls(data: bytes) -> tuple[str, str]:
    """Text with NUL bytes is UTF-16/32 without a BOM, or not text at all.

    The NUL pattern alone does not tell the byte order: ASCII puts NULs in the high byte, but so do CJK
    characters such as 一 (U+4E00), so both orders are decoded and scored.
    """
    candidates: list[str] = []
    if len(data) % 4 == 0:
        candidates += ["utf-32-le", "utf-32-be"]
    if len(data) % 2 == 0:
        candidates += ["utf-16-le", "utf-16-be"]
    best: tuple[float, str, str] | None = None
    for encoding in candidates:
        text = _strict(data, encoding)
        if text is None or control_ratio(text) > MAX_CONTROL_RATIO:
            continue
        score = plausibility(text)
        if score >= MIN_PLAUSIBILITY and (best is None or score > best[0]):
            best = (score, text, encoding)
    if best is None:
        raise DecodeError("contains NUL bytes but is not UTF-16 or UTF-32 text: this looks like binary data")
    return best[1], best[2]


def _detected(data: bytes) -> str | None:
    match = charset_normalizer.from_bytes(data).best()
    if match is None:
        return None
    return normalise_charset(match.encoding)


def decode_bytes(data: bytes, *, declared: str | None = None) -> tuple[str, str]:
    """Decode `data`, returning (text, codec name); `declared` is a charset the file itself names.

    Order: BOM, UTF-16/32 by NUL pattern (before UTF-8, which accepts UTF-16 ASCII as text with NULs),
    strict UTF-8, the declared charset, then GB18030, Big5 and the charset-normalizer guess scored against
    each other. Raises DecodeError for binary or undecodable data. A BOM is removed; newlines are kept.
    """
    by_bom = _decode_with_bom(data)
    if by_bom is not None:
        return by_bom
    if b"\x00" in data:
        return _decode_with_nuls(data)
    _reject_control_bytes(data)
    text = _strict(data, "utf-8")
    if text is not None:
        _reject_binary(text, "utf-8")
        return text, "utf-8"

    declared_codec = normalise_charset(declared)
    if declared_codec is not None and declared_codec != "utf-8":
        text = _strict(data, declared_codec)
        if text is not None and control_ratio(text) <= MAX_CONTROL_RATIO and plausibility(text) >= DECLARED_MIN_SCORE:
            return text, declared_codec

    names: list[str] = []
    for name in (declared_codec, *LEGACY_CANDIDATES, _detected(data)):
        if name is not None and name not in names and name != "utf-8":
            names.append(name)
    best, binary_hint = _most_plausible(data, names)
    if best is not None and best[0] >= MIN_PLAUSIBILITY:
        return best[1], best[2]
    lenient = _best_lenient(data, ["utf-8", *names])
    if lenient is not None:
        return lenient
    if binary_hint:
        raise DecodeError(
            "too many control characters in every candidate encoding: this looks like binary data, not text"
        )
    raise DecodeError(f"no encoding gives plausible text (tried utf-8, {', '.join(names)}): save the file as UTF-8")


def _decode_with_bom(data: bytes) -> tuple[str, str] | None:
    """Text after a byte-order mark, in the encoding the mark names; None without a mark."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom) :], encoding.removesuffix("-sig"))
            if text is None:
                raise DecodeError(f"starts with a {encoding} byte-order mark but is not valid {encoding}")
            _reject_binary(text, encoding)
            return text, encoding
    return None


def _most_plausible(data: bytes, names: list[str]) -> tuple[tuple[float, str, str] | None, bool]:
    """The (score, text, encoding) of the encoding among `names` that decodes `data` into the most plausible text
    (None if none decodes it), and whether some encoding gave text with too many control characters."""
    best: tuple[float, str, str] | None = None
    binary_hint = False
    for encoding in names:
        text = _strict(data, encoding)
        if text is None:
            continue
        if control_ratio(text) > MAX_CONTROL_RATIO:
            binary_hint = True
            continue
        score = plausibility(text)
        if best is None or score > best[0]:  # ties keep the earlier, more likely encoding
            best = (score, text, encoding)
    return best, binary_hint


def _best_lenient(data: bytes, names: list[str]) -> tuple[str, str] | None:
    best: tuple[float, str, str] | None = None
    for encoding in names:
        text = data.decode(encoding, errors="replace")
        if control_ratio(text) > MAX_CONTROL_RATIO:
            continue
        score = plausibility(text)
        if score >= LENIENT_MIN_SCORE and (best is None or score > best[0]):
            best = (score, text, encoding)
    return None if best is None else (best[1], best[2])
