"""The browser harness without a browser: it skips with a reason, and fails when services are required."""

from __future__ import annotations

import pytest

from .browser import open_browser


def test_a_missing_chromium_skips_with_a_reason(monkeypatch):
    monkeypatch.setattr("tests.conftest.REQUIRE_SERVICES", False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"), open_browser("/nonexistent/chromium"):
        pass


def test_a_missing_chromium_fails_when_services_are_required(monkeypatch):
    monkeypatch.setattr("tests.conftest.REQUIRE_SERVICES", True)
    with pytest.raises(pytest.fail.Exception, match="Chromium is not installed"), open_browser("/nonexistent/chromium"):
        pass
