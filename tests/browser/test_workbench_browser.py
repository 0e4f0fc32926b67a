"""The citation check, 新旧对照 and search as of a day in Chromium: forms work, phone width does not scroll
sideways, no console errors or CSP violations. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SEED_000, SEED_002

pytestmark = pytest.mark.browser

DRAFT = "依据郑政文〔2017〕60号和《不存在的管理办法》第三条，制定本方案。"


def _expect():
    from playwright.sync_api import expect

    return expect


def _doc_id(opened, source: str) -> str:
    return next(d for d, m in opened.docs.items() if m.source == source)


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths


def test_check_a_pasted_text(page, screenshot_dir):
    expect = _expect()
    page.goto("/check")
    page.get_by_label("文本").fill(DRAFT)
    page.get_by_role("button", name="核查").click()
    page.wait_for_load_state()
    expect(page.locator("table.problems tbody tr")).to_have_count(1)
    expect(page.locator("table.problems")).to_contain_text("《不存在的管理办法》第三条")
    expect(page.locator("mark.cite.st-ok")).to_have_text("郑政文〔2017〕60号")
    expect(page.locator("mark.cite.st-not_found")).to_have_text("《不存在的管理办法》第三条")
    page.screenshot(path=screenshot_dir / "check-desktop.png", full_page=True)


def test_check_and_compare_at_phone_width(phone_page, opened, screenshot_dir):
    page = phone_page
    page.goto("/check")
    page.get_by_label("文本").fill(DRAFT)
    page.get_by_role("button", name="核查").click()
    page.wait_for_load_state()
    _no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "check-phone.png", full_page=True)
    page.goto(f"/compare?old={_doc_id(opened, SEED_000)}&new={_doc_id(opened, SEED_002)}")
    _no_horizontal_scroll(page)
    page.screenshot(path=screenshot_dir / "compare-phone-top.png")


def test_compare_form_and_as_of_filter(page, opened):
    expect = _expect()
    page.goto(f"/compare?old={_doc_id(opened, SEED_000)}&new={_doc_id(opened, SEED_002)}")
    expect(page.locator("table.compare-table tbody tr").first).to_be_visible()
    page.goto("/?q=法治政府")
    page.get_by_label("有效于").fill("2020-01-01")
    page.get_by_role("button", name="应用").click()
    page.wait_for_url(re.compile(r"as_of=2020-01-01"))
    expect(page.get_by_role("link", name="去掉筛选条件 有效日期：2020-01-01")).to_be_visible()
