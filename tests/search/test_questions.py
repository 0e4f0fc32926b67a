"""Questions and everyday words: which words of a question are searched, and with which statutory words."""

from __future__ import annotations

import pytest

from search import colloquial, questions
from search.query import Term, parse_query


def _groups(q: str) -> list[list[tuple[str, str | None]]]:
    parsed = questions.relax(parse_query(q))
    return [[(t.text, t.alias_of) for t in g] for g in parsed.groups]


@pytest.mark.parametrize(
    "q,asks",
    [
        ("被狗咬了怎么赔", True),
        ("彩礼能要回来吗", True),
        ("结婚的法定年龄是多少", True),
        ("行政复议申请期限多久", True),
        ("谁来承担责任", True),
        ("如何申请工伤认定", True),
        ("能不能辞职", True),
        ("试用期可以延长吗？", True),
        ("霸王条款", False),
        ("食品安全法", False),
        ("放管服 法治政府", False),
        ("刑法第264条", False),
        # A principle 谁X谁Y does not ask; 谁 with a particle, or a question word beside the principle, does.
        ("谁执法谁普法 履职评议", False),
        ("谁主管谁负责", False),
        ("谁污染谁治理吗", True),
        ("找不到是谁扔的谁来赔", True),
        ("稻子镉超标谁来治理谁来赔", True),
        ("外国法律由谁来查由谁提供", True),
    ],
)
def test_questions_are_recognised(q, asks):
    assert questions.is_question(q) is asks


def test_a_question_keeps_its_content_words_with_their_statutory_words():
    assert _groups("被狗咬了怎么赔") == [
        [("被狗咬", None), ("饲养的动物", "被狗咬"), ("犬", "被狗咬"), ("饲养动物", "被狗咬")],
        [("赔", None), ("赔偿", "赔"), ("损害赔偿", "赔")],
    ]
    assert _groups("彩礼能要回来吗") == [
        [("彩礼", None), ("借婚姻索取财物", "彩礼"), ("彩礼 返还", "彩礼")],
        [("要回来", None), ("返还", "要回来")],
    ]


def test_shorter_everyday_words_inside_a_phrase_join_its_group():
    assert _groups("买到假货") == [
        [("买到假货", None), ("欺诈行为", "买到假货"), ("假冒伪劣", "买到假货"), ("假冒 商品", "买到假货")]
    ]


def test_words_are_kept_as_typed():
    assert _groups("離婚後孩子歸誰") == [
        [
            ("孩子歸誰", None),
            ("直接抚养", "孩子歸誰"),
        ],
        [("離婚", None)],
    ]


def test_question_words_and_lone_characters_are_dropped():
    assert _groups("结婚的法定年龄是多少") == [
        [("结婚", None)],
        [("法定年龄", None), ("法定", "法定年龄"), ("年龄", "法定年龄")],
    ]


def test_particles_and_pronouns_the_segmenter_glued_to_a_word_are_dropped():
    # 办卡后 is read as 办卡 (an everyday word), 能告 as 告, 最多能 as 最多; 我能 and 要管 leave nothing worth
    # searching.
    frequency = {"最多": 40}.get
    assert [
        [t.text for t in g][:2]
        for g in questions.relax(parse_query("办卡后我能告 最多能要管"), lambda w: frequency(w, 0)).groups
    ] == [["办卡", "预付卡"], ["告", "起诉"], ["最多"]]


def test_a_question_of_nothing_but_question_words_is_searched_as_typed():
    assert _groups("怎么办") == [[("怎么办", None)]]


def test_quoted_and_scoped_terms_stay_required():
    parsed = questions.relax(parse_query('"格式条款" title:消费者权益保护法 霸王条款吗'))
    assert [t.text for t in parsed.positive_terms if not t.alias_of] == ["格式条款", "消费者权益保护法", "霸王条款"]
    assert parsed.optional == (False, False, True)
    assert parsed.relaxed


def test_a_place_named_in_the_query():
    places = lambda: frozenset({"郑州", "河南省郑州市", "上海"})  # noqa: E731
    assert questions.named_places("郑州 被狗咬了怎么赔", places) == {"郑州"}
    assert questions.named_places("河南省郑州市的狗咬人了", places) == {"郑州", "河南省郑州市"}
    assert questions.named_places("被狗咬了怎么赔", places) == frozenset()


def test_a_longer_everyday_phrase_is_found_with_a_few_words_typed_inside_it():
    assert colloquial.find("下班回家路上被车撞了") == [(0, 6, "下班路上"), (6, 9, "被车撞")]
    assert colloquial.find("楼上扔下来的东西") == [(0, 8, "楼上扔东西")]
    # Not across punctuation, never for a two-character key; up to eight characters inside where both parts
    # around them are of two characters or more, up to four where one is a single character.
    assert [k for _, _, k in colloquial.find("下班，回家路上")] == []
    assert [k for _, _, k in colloquial.find("下班以后回家路上")] == [("下班路上")]
    assert colloquial.find("下班以后再慢慢走回家路上") == [(0, 12, "下班路上")]
    assert [k for _, _, k in colloquial.find("下班以后再慢慢地走回家路上")] == []
    assert colloquial.find("老公喝了酒就动手打我") == [(0, 10, "老公打我")]
    assert colloquial.find("找兼职时中介") == [(0, 6, "找中介")]
    assert [k for _, _, k in colloquial.find("找兼职的时候中介")] == []
    assert [k for _, _, k in colloquial.find("彩色的礼物")] == []


def test_a_gapped_phrase_takes_in_the_shorter_keys_of_its_head_and_around_another_key():
    # 老公 alone is a key (配偶); whole in the head of 老公打我 it is taken in: a word naming whom the phrase is
    # about, its words do not join the phrase's group (other shorter keys' words do: 假货 of 买到假货).
    assert colloquial.find("老公经常动手打我该怎么办") == [(0, 8, "老公打我")]
    # 喝酒 inside the gap keeps its own place.
    assert colloquial.find("老公一喝酒就打我咋办") == [(0, 8, "老公打我"), (3, 5, "喝酒")]
    groups = questions.content_groups(Term("老公经常动手打我该怎么办"))
    assert [t.text for t in groups[0]] == ["老公经常动手打我", "家庭暴力"]
    # The key's own characters, head and tail: the first cut that fits, as the search tries them.
    assert colloquial.claimed("老公一喝酒就打我咋办", 0, 8, "老公打我") == ((0, 2), (6, 8))
    assert colloquial.claimed("abcXcd", 0, 6, "abcd") == ((0, 2), (4, 6))
    assert colloquial.claimed("老公打我", 0, 4, "老公打我") == ((0, 4),)
    # A key only partly inside the head or tail keeps its place: 拍的照片 stays, 照片被盗用 is not found around it.
    assert [k for _, _, k in colloquial.find("我拍的照片被人盗用发网上怎么办")] == ["拍的照片"]


@pytest.mark.parametrize(
    "q,everyday",
    [
        ("被欠薪", True),  # 欠薪 is in the table, 被欠薪 is not
        ("熊孩子闯祸", True),
        ("欠薪", False),  # a key itself: its expansions are added as aliases, the query is not split
        ("食品安全法", False),
        ("工伤 认定", False),  # two terms typed apart: searched for both
        ('"被欠薪"', False),  # quoted: exact
        ("title:欠薪", False),
    ],
)
def test_a_single_run_of_everyday_words_is_read_like_a_question(q, everyday):
    assert questions.is_everyday_phrase(parse_query(q)) is everyday


@pytest.mark.parametrize(
    "q,topic",
    [
        ("电鱼", True),
        ("工地扬尘", True),
        ("非物质文化遗产", True),  # a statute's term of seven characters
        ("依法行政考核评价", False),  # eight: searched as typed
        ("電魚", True),  # the same word in the other script
        ("鱼", False),  # one character
        ("禁止电鱼炸鱼毒鱼", False),  # a run longer than a word: searched as typed, as a phrase would be
        ("电鱼 处罚", True),  # two short words typed apart: a topic too
        ('"电鱼"', False),  # quoted: exact
        ("title:电鱼", False),
        ("电鱼 -渔业", False),
    ],
)
def test_a_topic_typed_as_one_short_word(q, topic):
    assert bool(questions.topic_words(parse_query(q))) is topic


@pytest.mark.parametrize(
    ("q", "words"),
    [
        ("电鱼", ("电鱼",)),
        ("工伤 认定", ("工伤", "认定")),
        ("府院聯動 機制", ("府院联动", "机制")),  # normalised: the other script
        ("见义勇为 人员 奖励", ("见义勇为", "人员", "奖励")),
        ("执法 人员 资格 管理", ()),  # four words: more than a topic
        ("建筑物 区分所有权", ("建筑物", "区分所有权")),
        ("植物新品種 保護", ("植物新品种", "保护")),
        ("最低生活保障 申请", ("最低生活保障", "申请")),
        ("法治政府建设情况 报告", ()),  # a word longer than a topic word
        ("工伤 鱼", ()),  # one character
        ('"工伤" 认定', ()),  # quoted: exact
        ("title:工伤 认定", ()),
        ("工伤 -认定", ()),
        ("工伤 OR 认定", ()),  # alternatives: one group of two terms
    ],
)
def test_a_topic_is_one_to_three_short_plain_words(q, words):
    assert questions.topic_words(parse_query(q)) == words


def _group(*texts: str) -> tuple:
    from search.query import Term

    return (Term(texts[0]), *(Term(t, alias_of=texts[0]) for t in texts[1:]))


def test_words_that_only_ask_for_a_remedy_are_intent():
    assert questions.is_intent(_group("告他", "起诉"))
    assert questions.is_intent(_group("法院"))
    assert questions.is_intent(_group("赔", "赔偿", "损害赔偿"))
    # A group with any statutory word of the situation is not: 告政府 asks about administrative litigation.
    assert not questions.is_intent(_group("告政府", "行政诉讼", "行政复议"))
    assert not questions.is_intent(_group("不给生活费", "抚养费", "赡养费"))
    assert not questions.is_intent(_group("赡养费"))


def test_conjunctions_are_not_searched():
    words = [g[0][0] for g in _groups("房东骗取押金或者扣钱怎么办")]
    assert "或者" not in words and {"房东", "押金"} <= set(words)


def test_adverbs_of_time_and_manner_are_not_searched():
    words = [g[0][0] for g in _groups("老公经常不回家怎么办")]
    assert "经常" not in words and "老公" in words


def test_words_naming_whom_a_question_is_about_are_parties():
    assert questions.is_party(_group("老公", "配偶"))
    assert questions.is_party(_group("孩子", "未成年人", "子女"))
    # What the question is about, though it names people: the elderly's own law, a landlord's duties.
    assert not questions.is_party(_group("老人", "老年人"))
    assert not questions.is_party(_group("老公打我", "家庭暴力", "配偶"))


def test_what_will_happen_is_asked_not_searched_for():
    assert questions.is_intent(_group("被抓", "拘留", "逮捕"))
    assert questions.is_intent(_group("处理"))
    # 坐牢 points at criminal law rather than an administrative penalty: it stays a word of the situation.
    assert not questions.is_intent(_group("坐牢", "有期徒刑"))


def test_an_age_is_searched_as_statutes_write_it():
    assert _groups("16岁能打工吗")[0] == [("16岁", None), ("十六周岁", "16岁")]
    assert _groups("离婚孩子才两岁会判给谁")[1] == [("两岁", None), ("两周岁", "两岁")]
    assert _groups("满十八周岁了吗") == [[("十八周岁", None)]]


def test_an_age_between_the_lines_statutes_draw_is_also_searched_as_those_lines():
    def age_group(q: str, typed: str) -> list[tuple[str, str | None]]:
        return next(g for g in _groups(q) if g[0] == (typed, None))

    assert age_group("13岁的孩子偷东西会被判刑吗", "13岁") == [
        ("13岁", None),
        ("十三周岁", "13岁"),
        ("十二周岁", "13岁"),
        ("十四周岁", "13岁"),
    ]
    assert age_group("十五岁能打工吗", "十五岁")[1:] == [
        ("十五周岁", "十五岁"),
        ("十四周岁", "十五岁"),
        ("十六周岁", "十五岁"),
    ]
    assert age_group("孩子7岁上学了吗", "7岁")[1:] == [("七周岁", "7岁"), ("六周岁", "7岁"), ("八周岁", "7岁")]
    # An age that is a line is searched as itself; one with no line within five years, too.
    assert age_group("16岁能打工吗", "16岁")[1:] == [("十六周岁", "16岁")]
    assert age_group("35岁还能考公务员吗", "35岁")[1:] == [("三十五周岁", "35岁")]


def test_time_gone_by_in_a_question_whether_one_still_can_asks_for_the_limitation_period():
    def limit_group(q: str) -> list[tuple[str, str | None]]:
        return [g for g in _groups(q) if ("时效", g[0][0]) in g]

    assert limit_group("朋友借钱不还已经三年多了，还能起诉吗") == [
        [("已经三年多了", None), ("诉讼时效", "已经三年多了"), ("时效", "已经三年多了")]
    ]
    assert limit_group("官司赢了两年多对方不给钱，还能申请执行吗")[0][0] == ("两年多", None)
    assert limit_group("过了几年就要不回来了吗")[0][0] == ("过了几年", None)
    assert limit_group("打人是十年前的事了，现在还会被抓吗")[0][0] == ("十年前", None)
    # Time gone by without asking whether something still can be done is part of the situation.
    assert limit_group("孩子出生三个月了还没上户口会被罚吗") == []
    assert limit_group("公司三个月没发工资了怎么办") == []


def test_an_aspect_particle_inside_a_rare_word_is_dropped_for_the_statutes_word():
    frequency = {"犯了罪": 0, "犯罪": 5000}.get
    groups = questions.relax(parse_query("犯了罪要判刑吗"), lambda w: frequency(w, 0)).groups
    assert [(t.text, t.alias_of) for t in groups[-1]] == [("犯了罪", None), ("犯罪", "犯了罪")]


def test_an_everyday_word_typed_alone_is_searched_as_the_statutes_wording_verbatim():
    from search.plan import with_aliases

    def alternatives(word: str) -> list[tuple[str, bool]]:
        return [(t.text, t.phrase) for t in with_aliases((Term(word),))]

    # 虚构交易 as a run of characters, not 虚假 and 交易 anywhere in a section (securities law).
    assert alternatives("刷单") == [("刷单", False), ("虚假交易", True), ("虚构交易", True)]
    # A spaced expansion stays a set of words that must occur in one article.
    assert ("民间借贷 利率", False) in alternatives("高利贷") and ("高利放贷", True) in alternatives("高利贷")
    # A question's group already holding an expansion does not get it again, quoted.
    group = with_aliases((Term("摆地摊"), Term("摊贩", alias_of="摆地摊")))
    assert [(t.text, t.phrase) for t in group] == [("摆地摊", False), ("摊贩", False)]
    # A key typed alone brings the expansions of the shorter keys inside it too, as in a question (山寨 of 山寨货),
    # but not a party word's (老公 of 老公打我: no 配偶).
    assert alternatives("山寨货") == [
        ("山寨货", False),
        ("假冒 商品", False),
        ("混淆行为", True),
        ("假冒注册商标", True),
    ]
    assert alternatives("老公打我") == [("老公打我", False), ("家庭暴力", True)]


def test_a_one_character_noun_of_the_table_is_kept_with_the_statutes_words():
    # 猪 alone is a word of the question (what died), not dropped as a lone character; inside 猪肉 it is not.
    groups = questions.content_groups(Term("家里的猪病死了能拉去卖吗"))
    assert [[t.text for t in g] for g in groups] == [["死了", "死亡"], ["家里"], ["猪", "生猪", "畜禽"], ["拉去"]]
    assert [[t.text for t in g] for g in questions.content_groups(Term("猪肉涨价了"))] == [
        ["猪肉", "食用农产品", "肉类"],
        ["涨价"],
    ]


def test_words_of_degree_and_necessity_are_not_what_a_question_is_about():
    def words(q: str) -> list[str]:
        return [g[0].text for g in questions.relax(parse_query(q)).groups]

    # 只有 would find 只有一个股东的有限责任公司, 必须 every article that says 必须.
    assert words("借给朋友五万只有微信转账记录能要回来吗") == ["微信转账", "要回来", "借", "朋友", "五万", "记录"]
    assert words("多少天之内必须答复") == ["之内", "答复"]


def test_the_reading_of_last_resort_takes_every_word_the_corpus_holds():
    held = {"押金": 40, "租金": 300, "押": 7, "三": 17000, "合理": 900}
    groups = questions.held_words(parse_query('押一付三合理吗 "某条例"'), lambda w: held.get(w, 0))
    assert [[t.text for t in g] for g in groups.groups] == [["押金"], ["租金"], ["押"], ["三"], ["合理"], ["某条例"]]
    assert groups.optional == (True, True, True, True, True, False)
    assert questions.held_words(parse_query("黴黴黴"), lambda w: 0).groups == ()
