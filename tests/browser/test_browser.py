"""The search page and the document view in Chromium: facets, dates, paging, the table of contents, suggestions,
phone width, no console errors or CSP violations. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SEED_004

pytestmark = pytest.mark.browser


def _expect():
    from playwright.sync_api import expect

    return expect


def _hits(page) -> list[str]:
    return page.locator("ol.hits > li.hit h3 a").evaluate_all("links => links.map(a => a.pathname)")


def _doc_id(opened, source: str) -> str:
    return next(d for d, m in opened.docs.items() if m.source == source)


def test_search_with_a_facet_click_and_a_date_range(page):
    expect = _expect()
    page.goto("/?q=法治政府")
    expect(page.locator(".count-line strong")).to_have_text("5")
    page.locator(".facet-year").get_by_role("link", name="2022").click()
    page.wait_for_url(re.compile(r"year=2022"))
    expect(page.locator(".count-line strong")).to_have_text("2")
    expect(page.locator(".chips")).to_contain_text("年份 2022")
    expect(page.locator(".facet-year li.selected")).to_contain_text("2022")

    page.get_by_label("从").fill("2023-01")
    page.get_by_label("至").fill("2023-12-31")
    page.get_by_role("button", name="应用").click()
    page.wait_for_url(re.compile(r"date_from=2023-01"))
    assert "year=2022" in page.url and "q=%E6%B3%95%E6%B2%BB%E6%94%BF%E5%BA%9C" in page.url
    expect(page.locator(".count-line strong")).to_have_text("1")
    expect(page.locator("ol.hits time")).to_have_text("2023-02-28")

    page.get_by_role("link", name="去掉筛选条件 年份：2022").click()
    page.wait_for_url(lambda url: "year=" not in url)
    assert "date_to=2023-12-31" in page.url
    expect(page.locator(".chips li")).to_have_count(3)  # two dates and 清除全部


def test_sort_and_paging(page):
    expect = _expect()
    page.goto("/?q=法治政府&size=2&sort=date")
    first = _hits(page)
    assert len(first) == 2
    page.get_by_role("link", name="下一页 ›").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator('.pages strong[aria-current="page"]')).to_have_text("2")
    second = _hits(page)
    page.get_by_role("link", name="第 3 页").click()
    page.wait_for_url(re.compile(r"page=3"))
    third = _hits(page)
    assert len(set(first + second + third)) == 5
    expect(page.locator("ol.hits")).to_have_attribute("start", "5")
    page.get_by_role("link", name="相关度").click()
    page.wait_for_url(lambda url: "sort=" not in url and "page=" not in url)


def test_table_of_contents_jumps_to_the_section(page, opened):
    expect = _expect()
    doc_id = _doc_id(opened, SEED_004)
    page.goto(f"/doc/{doc_id}?q=行政审批")
    expect(page.locator("h1")).to_have_text("郑州市人民政府关于印发郑州市2017年推进依法行政建设法治政府工作要点的通知")
    target = page.locator("#s20")
    expect(target).not_to_be_in_viewport()
    page.locator(".toc").get_by_role("link", name=re.compile(r"^（四）")).first.click()
    href = page.locator(".toc").get_by_role("link", name=re.compile(r"^（四）")).first.get_attribute("href")
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    expect(page.locator(href)).to_be_in_viewport()
    assert page.evaluate("document.querySelector(':target').id") == href[1:]


def test_suggestions_with_the_keyboard(page, opened):
    expect = _expect()
    page.goto("/")
    box = page.get_by_role("combobox", name="检索词")
    expect(box).to_be_focused()
    box.press_sequentially("郑州", delay=30)
    listbox = page.get_by_role("listbox", name="检索建议")
    expect(listbox).to_be_visible()
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.nth(0)).to_contain_text("鄭州市人民政府關于2022年度法治政府建設情況的報告")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "q-opt-0")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "q-opt-1")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")
    expect(listbox).to_be_visible()
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/doc/" + _doc_id(opened, SEED_004) + "$"))


def test_enter_without_a_chosen_suggestion_searches(page):
    expect = _expect()
    page.goto("/")
    box = page.get_by_role("combobox", name="检索词")
    box.press_sequentially("放管服", delay=20)
    expect(page.get_by_role("listbox", name="检索建议")).to_be_hidden()  # no title contains it
    box.press("Enter")
    page.wait_for_url(re.compile(r"\?q=%E6%94%BE%E7%AE%A1%E6%9C%8D$"))
    expect(page.locator(".count-line strong")).not_to_have_text("0")


def test_search_works_without_javascript(no_js_page):
    expect = _expect()
    page = no_js_page
    page.goto("/")
    page.get_by_role("combobox", name="检索词").fill("郑政文[2017]60号")
    page.get_by_role("button", name="检索").click()
    page.wait_for_url(re.compile(r"\?q="))
    expect(page.locator("ol.hits .docno").first).to_have_text("郑政文〔2017〕60号")
    page.locator(".facet-doc_type").get_by_role("link", name="通知").click()
    page.wait_for_url(re.compile(r"doc_type="))
    expect(page.locator(".chips")).to_contain_text("通知")


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 375, widths


def test_phone_width_has_no_horizontal_scroll(phone_page, opened, screenshot_dir):
    expect = _expect()
    page = phone_page
    page.goto("/?q=法治政府&year=2022&date_from=2020")
    _no_horizontal_scroll(page)
    expect(page.locator(".to-filters")).to_be_visible()
    page.screenshot(path=screenshot_dir / "search-phone.png", full_page=True)
    page.screenshot(path=screenshot_dir / "search-phone-top.png")
    page.goto(f"/doc/{_doc_id(opened, SEED_004)}?q=行政审批")
    _no_horizontal_scroll(page)
    expect(page.locator("details.toc")).not_to_have_attribute("open", "")  # folded on a phone
    page.screenshot(path=screenshot_dir / "doc-phone-top.png")
    page.locator("details.toc summary").click()
    page.locator(".toc").get_by_role("link", name="一、依法全面履行政府职能").click()
    expect(page.locator("#s1")).to_be_in_viewport()
    page.goto("/?q=量子计算")
    _no_horizontal_scroll(page)


def test_desktop_screenshots(page, opened, screenshot_dir):
    expect = _expect()
    page.goto("/?q=法治政府")
    expect(page.locator(".facets")).to_be_visible()
    expect(page.locator(".to-filters")).to_be_hidden()
    page.screenshot(path=screenshot_dir / "search-desktop.png", full_page=True)
    page.get_by_role("combobox", name="检索词").fill("")
    page.get_by_role("combobox", name="检索词").press_sequentially("法治", delay=20)
    expect(page.get_by_role("listbox", name="检索建议")).to_be_visible()
    page.screenshot(path=screenshot_dir / "suggestions-desktop.png")
    page.goto(f"/doc/{_doc_id(opened, SEED_004)}?q=行政审批")
    expect(page.locator("details.toc")).to_have_attribute("open", "")
    page.screenshot(path=screenshot_dir / "doc-desktop.png")
    page.screenshot(path=screenshot_dir / "doc-desktop-full.png", full_page=True)
    page.goto("/?q=法治政府&year=2017&doc_type=实施方案")
    expect(page.locator(".empty")).to_be_visible()
    page.screenshot(path=screenshot_dir / "zero-hits-desktop.png")
