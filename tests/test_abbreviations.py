"""Abbreviations read from corpus text (tools/abbreviations.py): the initials of a term's words, kept only for terms
and only where the initials are not a word of their own."""

import pytest

from search import analysis
from tools import abbreviations
from tools.abbreviations import abbreviations as read


@pytest.fixture(scope="module")
def dictionary():
    words, _ = analysis.dictionary_words()
    return words


def test_a_term_is_read_under_the_first_characters_of_its_words(dictionary):
    lines = ["生产经营单位应当进行安全评价。"] * 6 + ["驻外使领馆依法提供领事保护。"] * 5
    assert read(lines, {"安全评价", "领事保护"}, "", dictionary) == [("安评", "安全评价"), ("领保", "领事保护")]


def test_a_long_dictionary_word_is_read_as_the_words_that_make_it_up(dictionary):
    # 股票市场 is one word to the segmenter; its initials 股市 are a word of their own, so nothing is kept for them,
    # while 市场监管, also one word, gives 市监.
    lines = ["股票市场的市场监管。"] * 6
    assert read(lines, {"股票市场", "市场监管"}, "", dictionary) == [("市监", "市场监管")]


def test_words_that_merely_meet_are_no_term(dictionary):
    lines = ["坚持政府领导。"] * 8
    assert read(lines, set(), "", dictionary) == []
    # The same words as part of a title are one (of two words and of three).
    assert read(lines, set(), "关于坚持政府领导的规定", dictionary) == [
        ("坚政", "坚持政府"),
        ("坚政领", "坚持政府领导"),
        ("政领", "政府领导"),
    ]


def test_initials_a_question_glues_to_its_words_are_left_out(dictionary):
    # 没交 would be 没有交通; a question's 还没交 is cut to 交 before it is looked up.
    assert read(["没有交通。"] * 8, {"没有交通"}, "", dictionary) == []


def test_rare_runs_and_initials_written_as_such_are_left_out(dictionary):
    lines = ["进行安全评价。"] * (abbreviations.MIN_COUNT - 1)
    assert read(lines, {"安全评价"}, "", dictionary) == []
    # Written as 安评 once for every five 安全评价: a word of the corpus, not an abbreviation.
    lines = ["进行安全评价。"] * 10 + ["安评报告。"] * 2
    assert read(lines, {"安全评价"}, "", dictionary) == []


def test_a_share_too_small_of_the_same_initials_is_left_out(dictionary):
    lines = ["安全评价。"] * 5 + ["安全评估。"] * 30
    assert read(lines, {"安全评价", "安全评估"}, "", dictionary) == [("安评", "安全评估")]
    lines = ["安全评价。"] * 10 + ["安全评估。"] * 30
    assert read(lines, {"安全评价", "安全评估"}, "", dictionary) == [("安评", "安全评价"), ("安评", "安全评估")]


def test_numbers_are_no_term(dictionary):
    assert read(["第二百三十六条。"] * 8, set(), "第二百三十六条", dictionary) == []
