"""Fixtures for the dashboard tests."""

from __future__ import annotations

# The browser harness (Chromium via Playwright) for test_browser.py.
from tests.e2e.conftest import (  # noqa: F401
    assert_accessible,
    browser,
    mobile_page,
    new_page,
    page,
    screenshot,
)
