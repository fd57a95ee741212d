"""Fixtures of the browser tests: one live server and one Playwright per test module.

A module that needs other kiosk timings defines its own ``live``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kiosk.browser import live_server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A live server with its own database, shared by the tests of one module."""
    with live_server(tmp_path_factory.mktemp("live"), idle_seconds=120, countdown=10) as srv:
        yield srv


@pytest.fixture(scope="module")
def pw() -> Iterator[object]:
    """Playwright, to launch /usr/bin/chromium (see ``browser.staff_page``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
