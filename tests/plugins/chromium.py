"""pytest plugin: one headless Chromium (Debian's) for the whole run.

Playwright's sync API allows one instance per thread, so every browser test
directory (tests/browser, tests/storefront) shares this session fixture
instead of starting its own.
"""

from __future__ import annotations

import pytest
from playwright import sync_api

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update"]


@pytest.fixture(scope="session")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()
