"""decode_bytes on the encodings government sites actually serve, and on data that is not text."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from indexer.encoding import (
    MIN_PLAUSIBILITY,
    DecodeError,
    common_hanzi,
    decode_bytes,
    normalise_charset,
    plausibility,
)

SIMPLIFIED = (
    "郑州市人民政府关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知\n"
    "各县（市、区）人民政府，市人民政府各部门，各有关单位：\n"
    "现将《郑州市2017年推进依法行政建设法治政府工作要点》印发给你们，请认真贯彻执行。\n"
)
TRADITIONAL = (
    "法治政府建設是全面依法治國的重點任務和主體工程，是推進國家治理體系和治理能力現代化的重要支撐。\n"
    "意見徵集截止日期為2022年5月9日。\n"
)
# 一 is U+4E00: in UTF-16 its NUL byte sits on the other side from the NULs of ASCII characters.
WITH_YI = "一、依法全面履行政府职能\n（一）规范行政权力运行\n第一条 为了规范行政行为，制定本办法。\n"


def test_utf8_plain():
    assert decode_bytes(SIMPLIFIED.encode("utf-8")) == (SIMPLIFIED, "utf-8")


def test_utf8_bom_is_stripped_and_crlf_kept():
    data = codecs.BOM_UTF8 + "第一条\r\n第二条\r\n".encode()
    assert decode_bytes(data) == ("第一条\r\n第二条\r\n", "utf-8-sig")


def test_gb18030():
    assert decode_bytes(SIMPLIFIED.encode("gb18030")) == (SIMPLIFIED, "gb18030")


def test_gbk_declared_is_read_as_gb18030():
    assert decode_bytes(SIMPLIFIED.encode("gbk"), declared="GBK") == (SIMPLIFIED, "gb18030")


def test_big5_is_not_mistaken_for_gb18030():
    data = TRADITIONAL.encode("big5")
    data.decode("gb18030")  # the trap: Big5 bytes are valid GB18030, so a decode chain would stop there
    assert decode_bytes(data) == (TRADITIONAL, "cp950")


def test_big5_short_phrase():
    assert decode_bytes("依法行政".encode("big5")) == ("依法行政", "cp950")


def test_wrong_declared_charset_loses_to_plausibility():
    assert decode_bytes(TRADITIONAL.encode("big5"), declared="gb2312") == (TRADITIONAL, "cp950")


@pytest.mark.parametrize(
    ("bom", "codec", "name"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    ],
)
def test_bom(bom, codec, name):
    assert decode_bytes(bom + WITH_YI.encode(codec)) == (WITH_YI, name)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(codec):
    assert decode_bytes(WITH_YI.encode(codec)) == (WITH_YI, codec)


def test_truncated_gb18030_keeps_the_text_with_a_replacement_char():
    data = "现将有关情况报告如下：一、主要举措和成效".encode("gb18030")[:-1]
    assert decode_bytes(data) == ("现将有关情况报告如下：一、主要举措和成效"[:-1] + "\ufffd", "gb18030")


def test_nul_bytes_outside_utf16_are_binary():
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00\x5c\x72\xa8"
    with pytest.raises(DecodeError, match="NUL bytes but is not UTF-16 or UTF-32 text"):
        decode_bytes(data)


def test_control_bytes_are_binary():
    data = bytes(range(1, 32)) * 4 + "通知".encode()
    with pytest.raises(DecodeError, match="of the bytes are control characters"):
        decode_bytes(data)


def test_empty_bytes_are_empty_text():
    assert decode_bytes(b"") == ("", "utf-8")


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("x-gbk", "gb18030"),
        (" 'big5' ", "cp950"),
        ("UTF-8", "utf-8"),
        ("iso-8859-1", "cp1252"),
        ("no-such-charset", None),
        (None, None),
    ],
)
def test_normalise_charset(label, codec):
    assert normalise_charset(label) == codec


def test_plausibility_separates_big5_from_its_gb18030_reading():
    data = TRADITIONAL.encode("big5")
    assert plausibility(data.decode("cp950")) == 1.0
    assert plausibility(data.decode("gb18030")) < MIN_PLAUSIBILITY


def test_common_hanzi_covers_both_scripts():
    assert {"国", "國", "政", "设", "設"} <= common_hanzi()
    assert len(common_hanzi()) == 6722  # 3,755 + 5,401, less the characters both share


@given(
    st.text(
        alphabet=st.sampled_from(list("法治政府建设实施方案通知郑州市人民第一条年月日，。、《》（）0123456789ab \n")),
        min_size=1,
        max_size=200,
    )
)
def test_gb18030_round_trip(text):
    data = text.encode("gb18030")
    try:
        data.decode("utf-8")
        assume(False)  # short GB byte strings can also be valid UTF-8; nothing can tell them apart
    except UnicodeDecodeError:
        pass
    assert decode_bytes(data) == (text, "gb18030")


@given(
    st.text(min_size=0, max_size=200).filter(
        lambda t: "\x00" not in t and all(ch.isprintable() or ch in "\n\t" for ch in t)
    )
)
def test_utf8_round_trip(text):
    assert decode_bytes(text.encode("utf-8")) == (text, "utf-8")
