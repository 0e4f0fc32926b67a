"""The search page over the seed index: facets, date range, chips, sorting, paging, export links, zero hits."""

import re
from html import unescape

import pytest

from web.pages import page_numbers


def _html(client, **args) -> str:
    r = client.get("/", query_string=args)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _hit_ids(html: str) -> list[str]:
    return re.findall(r'<li class="hit">\s*<h3><a href="/doc/([0-9a-f]+)', html)


def test_facet_sidebar_lists_values_with_counts_and_toggles(client):
    html = _html(client, q="法治政府")
    assert '<section class="facet facet-year">' in html
    year = html.split('<section class="facet facet-year">')[1].split("</section>")[0]
    assert re.findall(
        r'<a href="([^"]+)"><span class="check" aria-hidden="true"></span>(\d{4})</a> '
        r'<span class="count">(\d+)</span>',
        year,
    ) == [
        ("?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;year=2023", "2023", "1"),
        ("?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;year=2022", "2022", "2"),
        ("?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;year=2019", "2019", "1"),
        ("?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;year=2017", "2017", "1"),
    ]
    status = html.split('<section class="facet facet-status">')[1].split("</section>")[0]
    assert '>征求意见稿</a> <span class="count">1</span>' in status
    for label in ("发文机关", "年份", "文种", "效力级别", "地区", "时效性"):
        assert f"<h3>{label}</h3>" in html


def test_selected_facet_value_is_marked_and_its_link_removes_it(client):
    html = _html(client, q="法治政府", year="2022")
    assert (
        '<li class="selected"><a href="?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C" aria-current="true" '
        'aria-label="去掉 年份：2022">'
    ) in html
    assert len(_hit_ids(html)) == 2


def test_date_range_form_and_chips(client):
    html = _html(client, q="法治政府", date_from="2020", date_to="2023-06")
    assert 'name="date_from" value="2020"' in html and 'name="date_to" value="2023-06"' in html
    chips = html.split('<ul class="chips" aria-label="已选筛选条件">')[1].split("</ul>")[0]
    assert re.findall(r'<a href="([^"]+)" aria-label="([^"]+)">', chips) == [
        ("?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;date_to=2023-06", "去掉筛选条件 起始日期：2020"),
        ("?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;date_from=2020", "去掉筛选条件 截止日期：2023-06"),
    ]
    assert '<li class="clear"><a href="?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C">清除全部</a></li>' in chips
    assert "找到 <strong>2</strong> 篇文件" in html
    # The search box keeps the date range when a new query is typed.
    form = html.split('<form class="search"')[1].split("</form>")[0]
    assert '<input type="hidden" name="date_from" value="2020">' in form
    assert '<input type="hidden" name="date_to" value="2023-06">' in form


def test_hits_show_title_meta_badge_section_and_snippet(client, opened):
    html = _html(client, q="征求意见")
    draft = next(d for d, m in opened.docs.items() if m.status == "draft")
    hit = html.split(f'<li class="hit">\n      <h3><a href="/doc/{draft}')[1].split("</li>")[0]
    assert '<span class="badge status-draft">征求意见稿</span>' in hit
    assert "<span>实施方案</span>" in hit and "<span>工作文件</span>" in hit
    assert '<p class="snippet">' in hit and "<mark>" in hit

    html = _html(client, q="政府常务会议学法")
    assert '<span class="docno">郑政文〔2017〕60号</span>' in html
    assert '<time datetime="2017-03-23">2017-03-23</time>' in html
    assert re.search(r'<a class="section" href="/doc/[0-9a-f]+\?q=[^"#]+#s\d+">一、', html)


def test_sort_by_date_lists_newest_first_and_keeps_the_filters(client, opened):
    html = _html(client, q="法治政府", sort="date")
    dates = [opened.docs[d].date for d in _hit_ids(html)]
    assert dates == ["2024-02-29", "2023-02-28", "2020-01-10", "2017-03-23", None]
    assert '<strong aria-current="true">日期</strong>' in html
    assert '<a href="?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C">相关度</a>' in html
    html = _html(client, q="法治政府", year="2022")
    assert '<a href="?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;year=2022&amp;sort=date">日期</a>' in html


def test_paging_links_and_numbers(client, app):
    first = _html(client, q="法治政府", size="2")
    nav = first.split('<nav class="pages" aria-label="分页">')[1].split("</nav>")[0]
    assert '<strong aria-current="page">1</strong>' in nav
    assert '<a href="?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;page=3&amp;size=2" aria-label="第 3 页">3</a>' in nav
    assert 'rel="next" href="?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;page=2&amp;size=2"' in nav
    assert 'rel="prev"' not in nav
    last = _html(client, q="法治政府", size="2", page="3")
    assert '<ol class="hits" start="5">' in last
    seen = _hit_ids(first) + _hit_ids(_html(client, q="法治政府", size="2", page="2")) + _hit_ids(last)
    assert len(seen) == 5 == len(set(seen))


def test_page_numbers_window():
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 3) == [1, 2, 3]
    assert page_numbers(6, 20) == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert page_numbers(20, 20) == [1, None, 18, 19, 20]
    assert page_numbers(4, 20) == [1, 2, 3, 4, 5, 6, None, 20]


def test_total_and_time_taken(client):
    html = _html(client, q="放管服")
    assert re.search(r"找到 <strong>\d+</strong> 篇文件\s*<span class=\"took\">用时 \d+\.\d 毫秒</span>", html)
    assert re.search(r"全部 <strong>5</strong> 篇文件，按日期排列", _html(client))


def test_zero_hits_give_advice(client):
    html = _html(client, q="量子计算")
    empty = html.split('<div class="empty">')[1].split("</div>")[0]
    assert "<h2>没有找到符合条件的文件</h2>" in empty
    assert "<li>检查错别字，或换用文件标题中的说法</li>" in empty
    assert "导出" not in html
    html = _html(client, q="法治政府", year="2017", doc_type="实施方案")
    empty = html.split('<div class="empty">')[1].split("</div>")[0]
    assert "去掉全部筛选条件重新检索" in empty and 'href="?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C"' in empty


def test_export_links_carry_the_page_parameters(client):
    html = _html(client, q="法治政府", year="2022", sort="date", page="1")
    assert (
        '<a href="/api/export?q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C&amp;year=2022&amp;sort=date&amp;format=csv"'
        " download>CSV</a>"
    ) in html
    assert '<a href="/api/export?format=json">JSON</a>' in _html(client)


def test_page_and_api_list_the_same_documents(client):
    for args in (
        {"q": "法治政府"},
        {"q": "法治政府", "sort": "date"},
        {"q": "法治政府", "size": "2", "page": "2"},
        {"q": "法治政府", "date_from": "2020-01-10"},
        {"q": "", "doc_type": "报告"},
        {"q": "法治政府", "status": "draft"},
        {"q": "郑政文〔2017〕60号"},
    ):
        api = client.get("/api/search", query_string=args).get_json()
        assert _hit_ids(_html(client, **args)) == [h["id"] for h in api["hits"]], args


def test_search_box_is_a_combobox_and_works_as_a_plain_form(client):
    html = _html(client, q="放管服")
    box = re.search(r"<input id=\"q\"[^>]*>", html).group(0)
    for attr in (
        'name="q"',
        'value="放管服"',
        'role="combobox"',
        'aria-autocomplete="list"',
        'aria-expanded="false"',
        'aria-controls="q-suggestions"',
        'data-suggest-url="/api/suggest"',
    ):
        assert attr in box
    assert '<ul id="q-suggestions" class="suggestions" role="listbox" aria-label="检索建议" hidden></ul>' in html
    assert '<form class="search" action="/" method="get" role="search">' in html


@pytest.mark.parametrize(
    "url", ["/?q=%3Cscript%3Ealert(1)%3C/script%3E", "/?q=%22%3E%3Cimg%20src=x%3E", "/?q=x&issuer=%3Cb%3Eowned%3C/b%3E"]
)
def test_user_text_is_escaped(client, url):
    html = client.get(url).get_data(as_text=True)
    body = html.split('<main id="main">')[1]
    assert "<script>alert" not in body and "<img src=x>" not in body and "<b>owned</b>" not in body
    assert "&lt;" in body


def test_no_snippet_or_marked_title_inside_an_attribute(client):
    html = _html(client, q="法治政府 放管服")
    assert html.count("<mark>") > 5
    for attr in re.findall(r'\s[\w-]+="([^"]*)"', html):
        assert "<" not in attr and "mark>" not in unescape(attr), attr
