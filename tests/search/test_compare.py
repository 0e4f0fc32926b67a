"""新旧对照: articles aligned by content, each of either side exactly once, the changed characters marked."""

from __future__ import annotations

import pytest

from search.compare import align, mark_changes


def test_mark_changes_marks_what_each_side_lacks():
    old, new = mark_changes(
        "本法所称公司是指依照本法在中国境内设立的公司。", "本法所称公司，是指依照本法在中华人民共和国境内设立的公司。"
    )
    assert old == "本法所称公司是指依照本法在中国境内设立的公司。"
    assert new == "本法所称公司<ins>，</ins>是指依照本法在中<ins>华人民共和</ins>国境内设立的公司。"


def test_mark_changes_escapes_and_shows_short_runs_as_changed():
    old, new = mark_changes("甲<乙>的丙丁", "戊<乙>和丙己")
    assert old == "<del>甲</del>&lt;乙&gt;<del>的丙丁</del>"
    assert new == "<ins>戊</ins>&lt;乙&gt;<ins>和丙己</ins>"


OLD = [
    "为了规范测试工作，制定本法。",
    "测试机构应当依法登记，领取执照。",
    "本法所称测试，是指对产品质量进行检验的活动。",
    "测试机构不得出具虚假报告。",
    "本法自2010年6月1日起施行。",
]
NEW = [
    "为了规范测试工作，保障测试质量，制定本法。",
    "本法所称测试，是指对产品质量进行检验的活动。",  # was the third
    "测试机构应当依法登记，领取营业执照。",  # was the second: out of order, and changed
    "国家鼓励测试技术创新。",  # new
    "本法自2021年1月1日起施行。",
]


def test_align_pairs_in_order_then_out_of_order():
    ordered, moved, sim = align(OLD, NEW)
    assert ordered == [(0, 0), (2, 1), (4, 4)]
    assert moved == [(1, 2)]
    assert sim.shape == (5, 5)
    # 测试机构不得出具虚假报告 (old 3) has no counterpart, nor 国家鼓励测试技术创新 (new 3).
    used_old = {i for i, _ in ordered + moved}
    used_new = {j for _, j in ordered + moved}
    assert (set(range(5)) - used_old, set(range(5)) - used_new) == ({3}, {3})


def test_align_of_nothing():
    assert align([], ["a"])[:2] == ([], [])


@pytest.mark.parametrize("n", [1, 7])
def test_identical_texts_pair_one_to_one(n):
    texts = [f"第{i}项规定的内容各不相同，编号{i * 37}。" for i in range(n)]
    ordered, moved, _ = align(texts, texts)
    assert ordered == [(i, i) for i in range(n)] and moved == []
