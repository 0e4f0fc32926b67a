"""A real server over the seed index and Debian's Chromium driven by Playwright.

Without /usr/bin/chromium or the playwright package these tests skip with the reason, unless
GOVLAW_REQUIRE_BROWSER is set (CI sets it): then they fail.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import ROOT
from web.app import create_app

CHROMIUM = Path(os.environ.get("GOVLAW_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# Recorded in the page before any of its scripts run: CSP violations as console errors the listener sees.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
});
"""


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package is not installed (pip install -e '.[test]')")
    if not missing:
        return
    reason = "; ".join(missing)
    if os.environ.get("GOVLAW_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}, but GOVLAW_REQUIRE_BROWSER is set")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def base_url(seed_index):
    """The app over the seed index, served on a free port of 127.0.0.1 from a background thread."""
    app = create_app({"INDEX": str(seed_index), "TESTING": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="govlaw-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by a page."""

    def __init__(self, page):
        self.messages: list[str] = []
        page.on(
            "console",
            lambda msg: (
                self.messages.append(f"console.{msg.type}: {msg.text}") if msg.type in ("error", "warning") else None
            ),
        )
        page.on("pageerror", lambda exc: self.messages.append(f"pageerror: {exc}"))


def _new_page(browser, base_url, viewport, javascript=True):
    context = browser.new_context(viewport=viewport, base_url=base_url, locale="zh-CN", java_script_enabled=javascript)
    context.set_default_timeout(8000)
    page = context.new_page()
    page.add_init_script(CSP_LISTENER)
    return context, page, PageProblems(page)


@pytest.fixture()
def page(browser, base_url):
    """A desktop-sized page; the test fails if the page logged an error, a warning or a CSP violation."""
    context, page, problems = _new_page(browser, base_url, DESKTOP)
    yield page
    context.close()
    assert problems.messages == []


@pytest.fixture()
def phone_page(browser, base_url):
    context, page, problems = _new_page(browser, base_url, PHONE)
    yield page
    context.close()
    assert problems.messages == []


@pytest.fixture()
def no_js_page(browser, base_url):
    context, page, problems = _new_page(browser, base_url, DESKTOP, javascript=False)
    yield page
    context.close()
    assert problems.messages == []


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
