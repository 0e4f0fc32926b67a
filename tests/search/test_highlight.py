from search import highlight


def test_marks_traditional_text_for_a_simplified_term_as_written():
    html = highlight.mark_text("鄭州市法治政府建設情況", ["法治政府建设"])
    assert html == "鄭州市<mark>法治政府建設</mark>情況"


def test_escapes_everything_but_the_marks():
    html = highlight.mark_text('<script>alert("x")</script> 放管服', ["放管服"])
    assert html == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>放管服</mark>"


def test_phrase_matches_across_punctuation_and_line_breaks():
    assert highlight.find_spans("探索构\n建分类", ["构建分类"]) == [(2, 7)]
    assert highlight.find_spans("“一网通办、一次办成”", ["一网通办一次办成"]) == [(1, 10)]


def test_digits_do_not_match_inside_longer_numbers():
    assert highlight.find_spans("2017年 20171", ["2017"]) == [(0, 4)]


def test_snippet_window_has_the_most_matches_and_ellipses():
    text = "甲" * 300 + "放管服改革" + "乙" * 300
    snip = highlight.snippet(text, ["放管服"])
    assert snip.startswith("…") and snip.endswith("…")
    assert "<mark>放管服</mark>" in snip
    assert len(snip.replace("<mark>", "").replace("</mark>", "")) <= highlight.SNIPPET_CHARS + 2


def test_snippet_without_match_is_the_start():
    assert highlight.snippet("第一条 为了规范", ["无关"]) == "第一条 为了规范"
