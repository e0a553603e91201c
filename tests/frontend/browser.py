"""The browser-test harness: Debian's Chromium driven by Python Playwright, never a downloaded browser.

`open_browser()` skips (or fails under REQUIRE_SERVICES=1) when Chromium or Playwright is missing.
`Session` wraps one page: it records console errors and page errors, signs in through the login form,
runs axe-core and writes screenshots to `test-artifacts/`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tests.conftest import service_missing

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = ("serious", "critical")


def at_home(url: str) -> bool:
    return urlparse(url).path == "/"


@contextmanager
def open_browser(executable: str = CHROMIUM) -> Iterator[Any]:
    """Launches Chromium headless with a fresh profile (Playwright's temporary user-data-dir)."""
    if not Path(executable).exists():
        service_missing(f"Chromium is not installed at {executable} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("the Python package playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM in the test itself is safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


class Session:
    """One browser context and page at a viewport and language, with its console errors recorded."""

    def __init__(self, browser: Any, base_url: str, *, viewport: dict[str, int], locale: str) -> None:
        self.base_url = base_url
        self.context = browser.new_context(viewport=viewport, locale=locale,
                                           extra_http_headers={"Accept-Language": locale})
        # pytest-django's live_server is WSGI only, and POST /graphql/stream is the ASGI app's
        # (config/asgi.py, tested end to end in tests/live/): here the stream answers at once with
        # `complete`, so live.js neither fails (a console 404) nor reconnects.
        self.context.route("**/graphql/stream", lambda route: route.fulfill(
            status=200, content_type="text/event-stream", body="event: complete\ndata:\n\n"))
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("console", lambda msg: self.errors.append(f"console: {msg.text}")
                     if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, f"{path}: HTTP {response and response.status}"
        return response

    def sign_in(self, username: str, password: str) -> None:
        self.go("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_url(at_home)

    def axe_violations(self) -> list[str]:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                for v in results.response["violations"] if v.get("impact") in SERIOUS]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()
