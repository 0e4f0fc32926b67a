"""Questions and everyday wording: reading `被狗咬了怎么赔` as the words that carry its meaning.

A question's words rarely all occur in one provision, and its question words and particles (怎么, 吗, 多久) occur
in none. Read as a question, a query's plain terms become one group per content word (or per everyday word of
the colloquial table, with its statutory expansions as alternatives), and a document matches when any of them
matches: ranking then counts how many and how weighty the matched words are (coordination over BM25 scores).
Pure functions; the engine decides when to read a query this way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from search import analysis, colloquial
from search.citation import cn_numeral
from search.docno import chinese_to_int
from search.query import ParsedQuery, Term

# Words that ask rather than say: a query with one of them (or ending in 吗/呢/?) is read as a question.
QUESTION_WORDS = (
    "怎么办",
    "怎么",
    "怎样",
    "怎么样",
    "如何",
    "什么",
    "哪些",
    "哪个",
    "哪里",
    "哪儿",
    "多少",
    "多久",
    "多长",
    "几天",
    "几年",
    "几个",
    "几次",
    "几倍",
    "谁",
    "为什么",
    "为何",
    "是否",
    "能否",
    "可否",
    "是不是",
    "能不能",
    "可不可以",
    "会不会",
    "要不要",
    "有没有",
    "该不该",
    "算不算",
    "行不行",
    "违法吗",
    "合法吗",
)
_QUESTION_END_RE = re.compile(r"[吗呢么嘛吧?？]\s*$")
# A principle in the form 谁X谁Y (谁执法谁普法, 谁主管谁负责, 谁污染谁治理): two verbs of two characters, no particle;
# its 谁 does not ask. 谁扔的谁来赔 and 谁来治理谁来赔 ask.
_PRINCIPLE_RE = re.compile(r"谁(?:[^谁来的由是给去要该让找]{2})谁(?:[^谁来的由是给去要该让找]{2})")
# Words that carry no meaning a provision could match: question words, particles, pronouns, modal verbs.
STOP_WORDS = frozenset(
    (
        *QUESTION_WORDS,
        "吗",
        "呢",
        "么",
        "嘛",
        "吧",
        "啊",
        "呀",
        "啦",
        "了",
        "的",
        "地",
        "得",
        "着",
        "过",
        "被",
        "把",
        "让",
        "给",
        "在",
        "是",
        "有",
        "和",
        "与",
        "及",
        "或",
        "或者",
        "以及",
        "并且",
        "而且",
        "也",
        "都",
        "就",
        "还",
        "又",
        "才",
        "再",
        "很",
        "太",
        "我",
        "你",
        "他",
        "她",
        "它",
        "我们",
        "你们",
        "他们",
        "她们",
        "自己",
        "别人",
        "人家",
        "这",
        "那",
        "这个",
        "那个",
        "这种",
        "那种",
        "一个",
        "一下",
        "请问",
        "想",
        "想要",
        "应该",
        "需要",
        "可以",
        "能",
        "能要",
        "要",
        "会",
        "该",
        "去",
        "来",
        "没",
        "没有",
        "不",
        "不是",
        "不能",
        "不会",
        "多",
        "几",
        "吗",
        "如果",
        "的话",
        "怎么回事",
        "情况",
        "一般",
        "现在",
        "已经",
        "还是",
        "就是",
        "但是",
        "可是",
        "所以",
        "因为",
        "然后",
        "之后",
        "以后",
        "时候",
        "天",
        "年",
        "月",
        "个",
        "次",
        "些",
        "点",
        "啥",
        "咋",
        "咋办",
        "办",
        # Adverbs of time, frequency and manner: how often or how suddenly, never which rule (经常 would find
        # 经常项目 of foreign exchange).
        "经常",
        "常常",
        "总是",
        "老是",
        "一直",
        "天天",
        "每天",
        "整天",
        "突然",
        "马上",
        "立刻",
        "直接",
        "居然",
        "竟然",
        "到底",
        "究竟",
        "真的",
        "其实",
        "本来",
        "原来",
        "一点",
        "有点",
        "特别",
        "非常",
        "这样",
        "那样",
        # Adverbs of degree and necessity, conjunctions, the asking forms of a verb, and what was heard or felt:
        # how sure or insistent the asker is, never what a provision decides (只有 of 只有微信转账记录 would
        # find 只有一个股东的有限责任公司; 必须 of 多少天之内必须答复 every article that says 必须).
        "只有",
        "才能",
        "只能",
        "必须",
        "一定",
        "能够",
        "是否",
        "是不是",
        "有没有",
        "要不要",
        "算不算",
        "怎样",
        "这么",
        "那么",
        "之前",
        "以前",
        "当时",
        "后来",
        "一些",
        "一样",
        "别的",
        "好像",
        "听说",
        "觉得",
        "说是",
        "说好",
        "非要",
        "硬要",
        "还能",
        "还要",
        "也能",
        "却",
    )
)
# Single characters of that kind the segmenter glues to a neighbour (能告, 我能, 被车撞, 办卡后).
GLUED_CHARS = frozenset("我你他她它能会要被把让给都也就还又才再很太没不得了的着过后吗呢")
# A question reduced to nothing but these words keeps its original reading.
MIN_CONTENT_WORDS = 1
# A compound word found in fewer sections than this is also searched as its parts (法定年龄: 法定, 年龄); a
# rare word of statutes (正当防卫) is not: its parts (正当) mean something else.
RARE_WORD_SECTIONS = 3
Frequency = Callable[[str], int]


def is_question(text: str) -> bool:
    """Does the query ask (怎么办, 多久, …吗) rather than name words to find?"""
    norm = _PRINCIPLE_RE.sub(" ", analysis.normalize(text))
    return bool(_QUESTION_END_RE.search(norm)) or any(w in norm for w in QUESTION_WORDS)


# What a question asks for rather than what it is about: going to court, compensation, whether something is
# lawful. Statutes of procedure use these words in every other article; in a question they say what kind of
# answer is wanted, not which rule. A group made only of them scores with INTENT_WEIGHT and is left out of
# coordination, so the words of the situation (赡养费, 恶臭) choose the provisions.
INTENT_TERMS = frozenset(
    (
        "告",
        "起诉",
        "诉讼",
        "法院",
        "打官司",
        "上诉",
        "报警",
        "投诉",
        "举报",
        "控告",
        "赔",
        "赔偿",
        "损害赔偿",
        "赔钱",
        "违法",
        "合法",
        "犯法",
        "犯罪",
        "处罚",
        "责任",
        "负责",
        "承担",
    )
)
INTENT_WEIGHT = 0.4


# Everyday words that ask what will happen to someone (被抓 → 拘留, 逮捕; 会怎么处理): whatever the table expands
# them to, the question is about the act that brought it, not about detention or procedure in general.
INTENT_TYPED = frozenset(("被抓", "抓走", "处理", "后果", "追究"))


# Who a question is about (老公, 孩子, 朋友): kin and acquaintances. Statutes name parties (配偶, 子女, 未成年人) in
# articles about anything; a document naming a spouse in every article (a servicemen's insurance law) is not
# about a husband who beats his wife. Such a group still matches and scores in sections, but does not make a
# document the query's subject (breadth).
# fmt: off
PARTY_WORDS = frozenset((
    # spouses and partners
    "老公", "老婆", "丈夫", "妻子", "爱人", "媳妇", "对象", "男朋友", "女朋友",
    # parents and children
    "爸爸", "妈妈", "爸", "妈", "父亲", "母亲", "父母", "爹", "娘", "儿子",
    "女儿", "孩子", "小孩", "闺女", "儿女", "子女",
    # the wider family
    "爷爷", "奶奶", "姥姥", "姥爷", "外公", "外婆", "哥哥", "姐姐", "弟弟", "妹妹",
    "兄弟", "姐妹", "兄妹", "叔叔", "舅舅", "阿姨", "婆婆", "公公", "岳父", "岳母",
    "亲戚",
    # acquaintances, the household, cousins
    "朋友", "同学", "同事", "家人", "家里人", "表哥", "表姐", "表弟", "表妹", "堂哥",
    "堂弟",
))
# fmt: on


def is_party(group: tuple[Term, ...]) -> bool:
    """Is the group's typed word one that names who the question is about (老公, 孩子)?"""
    return analysis.normalize(group[0].text) in PARTY_WORDS


def is_intent(group: tuple[Term, ...]) -> bool:
    """Does the group (a question's word and its expansions) only ask for a remedy, a verdict or what happens?"""
    typed = analysis.normalize(group[0].text)
    if typed in INTENT_TYPED:
        return True
    words = [analysis.normalize(t.text) for t in group if t.alias_of] or [typed]
    return all(w in INTENT_TERMS for w in words)


def is_everyday_phrase(parsed: ParsedQuery) -> bool:
    """Is the query one run of everyday words (被欠薪, 熊孩子闯祸, 遛狗不拴绳): a single plain term that holds an
    everyday phrase of the colloquial table without being one? Such a query is read as a question: its words
    are rarely a statute's words, and the phrase's expansions are what a provision says."""
    norm = one_plain_word(parsed)
    return norm is not None and not colloquial.expansions(norm) and bool(colloquial.find(norm))


# A topic typed as one short word (电鱼, 工地扬尘, 留守儿童): this many characters. A statute's terms run to
# seven (区分所有权, 最低生活保障, 非物质文化遗产) and name a subject as the shorter ones do; a longer run is
# searched as typed, as a phrase would be.
TOPIC_WORD_CHARS = range(2, 8)


# A topic typed as a few such words apart (噪声污染 防治, 府院联动 机制, 见义勇为 人员 奖励): at most this many.
TOPIC_WORDS = 3


def topic_words(parsed: ParsedQuery) -> tuple[str, ...]:
    """The query's words, normalised, where it is a topic: one to TOPIC_WORDS plain words (no quotes, field, 文号,
    alias or exclusion) of TOPIC_WORD_CHARS characters each (电鱼; 工伤 认定; 府院联动 机制; 非物质文化遗产 保护);
    () otherwise. Such words name a subject: they are matched as typed, and ranked as everyday words are (the
    national rule on it before the local rules that repeat it, the documents about it, a regulation named after
    it, a law's chapter on it, the report that gives it a paragraph, before the articles that name it once,
    however short)."""
    if parsed.excluded or not 1 <= len(parsed.groups) <= TOPIC_WORDS or any(len(g) != 1 for g in parsed.groups):
        return ()
    terms = [g[0] for g in parsed.groups]
    words = tuple(analysis.normalize(t.text).strip() for t in terms)
    if all(_plain(t) for t in terms) and all(len(w) in TOPIC_WORD_CHARS for w in words):
        return words
    return ()


def one_plain_word(parsed: ParsedQuery) -> str | None:
    """The query's one term, normalised, where it is all the query is and is typed plain (no quotes, field, 文号 or
    exclusion); None otherwise."""
    terms = [t for g in parsed.groups for t in g]
    if len(terms) != 1 or parsed.excluded or not _plain(terms[0]):
        return None
    return analysis.normalize(terms[0].text).strip()


def _plain(term: Term) -> bool:
    return not (term.phrase or term.field or term.docno or term.alias_of)


# Aspect particles a verb takes in speech and never in a statute's compound (犯了罪, 吃过亏).
_ASPECT_CHARS = "了过着"


def _word_group(word: str, typed: str, frequency: Frequency) -> tuple[Term, ...]:
    """A content word (normalised, and as typed), its colloquial expansions, and, for a compound that statutes
    rarely use, the statutes' word without an aspect particle inside it (犯了罪 -> 犯罪) or else its parts
    (法定年龄 -> 法定, 年龄)."""
    group = [Term(typed)]
    group += [Term(e, alias_of=typed) for e in colloquial.expansions(word)]
    if frequency(word) < RARE_WORD_SECTIONS:
        bare = word[0] + "".join(c for c in word[1:-1] if c not in _ASPECT_CHARS) + word[-1]
        if len(word) > 2 and bare != word and frequency(bare) >= RARE_WORD_SECTIONS:
            group.append(Term(bare, alias_of=typed))
        else:
            parts = analysis.word_terms(word)[1:]
            group += [Term(p, alias_of=typed) for p in parts if len(p) > 1 and p not in STOP_WORDS]
    return tuple(dict.fromkeys(group))


# An age as people say it (14岁, 十四岁, 两岁) and as statutes write it (十四周岁, 两周岁).
_AGE_RE = re.compile(r"(\d{1,3}|[一二三四五六七八九十两]{1,4})周?岁")
# The ages statutes draw lines at (已满十二周岁不满十四周岁的人, 未满十六周岁的未成年人, 年满六十周岁): an age between
# two of them (13岁) is also searched as the nearest line below and above it, within AGE_LINE_REACH years.
AGE_LINES = (1, 2, 3, 6, 8, 10, 12, 14, 16, 18, 20, 22, 45, 50, 55, 60, 65, 70, 75, 80)
AGE_LINE_REACH = 5


def _age_words(value: int) -> list[str]:
    """How statutes write an age (十三周岁), then the lines around it (十二周岁, 十四周岁) where it is none."""
    ages = [value]
    if value not in AGE_LINES:
        below = [a for a in AGE_LINES if value - AGE_LINE_REACH <= a < value]
        above = [a for a in AGE_LINES if value < a <= value + AGE_LINE_REACH]
        ages += below[-1:] + above[:1]
    return [("两" if a == 2 else cn_numeral(a)) + "周岁" for a in ages]


def _age_groups(norm: str, text: str, rest: list[str]) -> list[tuple[Term, ...]]:
    """One group per age in the free part of the text (`rest`, marked taken), with the statutes' wording and the
    lines around it."""
    groups: list[tuple[Term, ...]] = []
    for m in _AGE_RE.finditer(norm):
        start, end = m.span()
        if any(c == " " for c in rest[start:end]):
            continue
        number = m.group(1)
        value = int(number) if number.isdigit() else chinese_to_int(number.replace("两", "二"))
        if value is None or not 0 < value < 200:
            continue
        typed = text[start:end]
        statutory = [w for w in _age_words(value) if w != norm[start:end]]
        groups.append((Term(typed), *(Term(w, alias_of=typed) for w in statutory)))
        rest[start:end] = " " * (end - start)
    return groups


# Time gone by since something happened (三年多了, 两年多, 过了两年, 十个月前), in a question asking whether
# something can still be done or still be punished (还能起诉吗, 还来得及吗, 要不回来了吗, 还会被抓吗): it asks
# whether a claim is still timely, which statutes answer under 时效 (诉讼时效, 申请执行时效, 追诉时效).
_ELAPSED_RE = re.compile(
    r"(?:过了|已经|都)?(?:\d{1,2}|[一二三四五六七八九十两几好]{1,3})多?(?:年|个多?月)(?:多(?:了|前)?|了|前|之前|以前)"
    r"|过了(?:\d{1,2}|[一二三四五六七八九十两几好]{1,3})多?(?:年|个多?月)多?"
)
_STILL_RE = re.compile(r"还(?:能|可以|可不可以|能不能|来得及|有效|算数|作数|管用|会被)|要不回|过期")
ELAPSED_TERMS = ("诉讼时效", "时效")


def _elapsed_groups(norm: str, text: str, rest: list[str]) -> list[tuple[Term, ...]]:
    """One group per span of elapsed time in the free part of the text (`rest`, marked taken), with the words
    statutes use for how long a claim lasts."""
    groups: list[tuple[Term, ...]] = []
    if not _STILL_RE.search(norm):
        return groups
    for m in _ELAPSED_RE.finditer(norm):
        start, end = m.span()
        if any(c == " " for c in rest[start:end]):
            continue
        typed = text[start:end]
        groups.append((Term(typed), *(Term(t, alias_of=typed) for t in ELAPSED_TERMS)))
        rest[start:end] = " " * (end - start)
    return groups


def _trimmed(word: str, start: int, frequency: Frequency) -> tuple[str, int]:
    """A word the segmenter glued to a particle or pronoun (能告, 我能, 钱会, 要管, 办卡后), without them, where
    statutes do not use the glued word; and where it now starts."""
    while len(word) > 1 and frequency(word) < RARE_WORD_SECTIONS:
        if word[0] in GLUED_CHARS:
            word, start = word[1:], start + 1
        elif word[-1] in GLUED_CHARS:
            word = word[:-1]
        else:
            break
    return word, start


def phrase_expansions(key: str) -> tuple[str, ...]:
    """The expansions of a key of the colloquial table and of the shorter keys inside it (买到假货: 欺诈行为, and
    假货: 假冒伪劣); not single characters, which mean something else inside a word (打 of 打工 is no 殴打, 偷 of
    偷偷 no 盗窃), nor words naming whom the phrase is about (孩子 of 孩子闯祸 is no 无民事行为能力人 question)."""
    inner = [
        k
        for _, _, k in colloquial.find_all(key)
        if len(k) >= colloquial.MIN_SUBSTRING_KEY and (k == key or k not in PARTY_WORDS)
    ]
    return tuple(dict.fromkeys(e for k in [key, *inner] for e in colloquial.table()[k]))


def content_groups(
    term: Term, frequency: Frequency = lambda w: 0, keep_stop_words: bool = False
) -> tuple[tuple[Term, ...], ...]:
    """One group per everyday phrase of the colloquial table found in the term (with its expansions) and per
    remaining content word (`frequency`: in how many sections a word occurs; `keep_stop_words`: per remaining
    word, stop words too)."""
    # Words are given as typed (normalising keeps every offset, so a span of the normal form is one of the text).
    text = term.text
    norm = analysis.normalize(text)
    groups: list[tuple[Term, ...]] = []
    rest = list(norm)
    for start, end, key in colloquial.find(norm):
        typed = text[start:end]
        # Shorter keys inside the phrase add their words to its group (`phrase_expansions`).
        groups.append((Term(typed), *(Term(e, alias_of=typed) for e in phrase_expansions(key))))
        for lo, hi in colloquial.claimed(norm, start, end, key):
            rest[lo:hi] = " " * (hi - lo)
    groups += _age_groups(norm, text, rest)
    groups += _elapsed_groups(norm, text, rest)
    rest_text = "".join(rest)
    words, at = [], 0
    for word in analysis.words(rest_text):
        w = word
        start = rest_text.find(word, at)
        if start >= 0:
            at = start + len(word)
            w, start = _trimmed(word, start, frequency)
        if keep_stop_words or w not in STOP_WORDS:
            words.append((w, text[start : start + len(w)] if start >= 0 else w))
    # A lone character (满, 交, 归) matches everywhere and means little, unless it is all there is.
    meaningful = [(w, t) for w, t in words if len(w) > 1 or colloquial.expansions(w)]
    for word, typed in meaningful if (meaningful or groups) else words:
        groups.append(_word_group(word, typed, frequency))
    return tuple(groups)


def relax(parsed: ParsedQuery, frequency: Frequency = lambda w: 0, keep_stop_words: bool = False) -> ParsedQuery:
    """The query read for any of its content words (`keep_stop_words`: for any of its words): plain terms split
    into content groups (optional), quoted, scoped and numbered terms kept as they are (required)."""
    groups: list[tuple[Term, ...]] = []
    optional: list[bool] = []
    seen: set[str] = set()
    for g in parsed.groups:
        if len(g) == 1 and _plain(g[0]):
            split = content_groups(g[0], frequency, keep_stop_words)
            if len(split) >= MIN_CONTENT_WORDS:
                for sg in split:
                    if sg[0].text not in seen:
                        seen.add(sg[0].text)
                        groups.append(sg)
                        optional.append(True)
                continue
        groups.append(g)
        optional.append(not any(not _plain(t) for t in g) and len(g) > 0)
    return ParsedQuery(groups=tuple(groups), excluded=parsed.excluded, ignored=parsed.ignored, optional=tuple(optional))


def held_words(parsed: ParsedQuery, frequency: Frequency) -> ParsedQuery:
    """The query read for any of its words that the corpus holds, each on its own: the words of the colloquial
    table's expansions of its everyday phrases, then its words as the segmenter cuts them, single characters and
    stop words too (押一付三, whose expansion 押金 租金 no article holds together: 押金, 租金, 押, 三). The reading of
    last resort, before an empty answer. Quoted, scoped and numbered terms are kept as they are (required); empty
    where no word is held."""
    groups: list[tuple[Term, ...]] = []
    optional: list[bool] = []
    for g in parsed.groups:
        if len(g) == 1 and _plain(g[0]):
            norm = analysis.normalize(g[0].text)
            expanded = [w for _, _, key in colloquial.find(norm) for e in colloquial.expansions(key) for w in e.split()]
            for word in dict.fromkeys([*expanded, *analysis.words(norm)]):
                if frequency(word) > 0:
                    groups.append((Term(word),))
                    optional.append(True)
        else:
            groups.append(g)
            optional.append(False)
    if not any(optional):
        return ParsedQuery(groups=(), excluded=parsed.excluded, ignored=parsed.ignored)
    return ParsedQuery(groups=tuple(groups), excluded=parsed.excluded, ignored=parsed.ignored, optional=tuple(optional))


def unquoted(parsed: ParsedQuery, terms: list[Term]) -> ParsedQuery:
    """The query with `terms` (quoted terms of it) typed plain."""
    groups = tuple(tuple(replace(t, phrase=False) if t in terms else t for t in g) for g in parsed.groups)
    return replace(parsed, groups=groups)


def named_places(text: str, places: Callable[[], frozenset[str]]) -> frozenset[str]:
    """The places (regions) of the index that the query names."""
    norm = analysis.normalize(text)
    return frozenset(p for p in places() if p in norm)
