"""Headless Chromium for the report tests: Debian's chromium driven by Playwright's Python API.

Playwright's own browser downloads are unreachable here, so it launches the system browser
(``apt-get install chromium``). Without it the tests skip, except under CI (``CI`` set, as
``.ci/run`` does), where a missing browser is a failure rather than a silent gap.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("ROUTIFY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "reports" / "browser"
WIDTH, FIRST_SCREEN = 1400, 900


def unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests need {why} (see .ci/run)")
    pytest.skip(f"no browser: {why}")


@dataclass
class Tab:
    """A page and the console errors it logged (and uncaught exceptions)."""

    page: Any
    errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@contextmanager
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            browser.close()


def open_tab(browser: Any, url: str) -> Tab:
    page = browser.new_page(viewport={"width": WIDTH, "height": FIRST_SCREEN})
    page.set_default_timeout(15_000)
    tab = Tab(page)
    page.on("console", lambda message: message.type == "error" and tab.errors.append(message.text))
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    page.goto(url)
    return tab


def in_first_screen(locator: Any) -> bool:
    """The element is visible and ends within the first screen, without scrolling."""
    box = locator.bounding_box()
    return bool(
        locator.is_visible() and box and box["y"] >= 0 and box["y"] + box["height"] <= FIRST_SCREEN
    )
