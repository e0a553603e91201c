"""Content-Security-Policy (issue 11, item 13): every page sends it, no page breaks it (checked in a
real Chromium, which reports each violation on the console and as a securitypolicyviolation event),
and the debug-only GraphiQL page loads only the app's own files (no CDN)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from .browser import DESKTOP, Session, open_browser
from .conftest import PASSWORD, World, build_world, populate
from .helpers import client_for

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""


@pytest.mark.django_db
def test_pages_send_the_policy(world: World):
    for client, path in [(Client(), "/"), (Client(), "/login/"), (Client(), "/admin/login/"),
                         (client_for(world.staff), "/district/"), (client_for(world.admin), "/unit/resources/")]:
        response = client.get(path)
        policy = response.get("Content-Security-Policy", "")
        assert response.status_code == 200 and "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


@pytest.mark.django_db
def test_graphiql_uses_no_cdn_and_no_inline_code(settings):
    settings.DEBUG = True
    html = Client().get("/graphql/", headers={"accept": "text/html"}).content.decode()
    assert "GraphiQL" in html and "/static/vendor/graphiql/graphiql.min.js" in html
    assert "https://" not in html and "http://" not in html and "unpkg" not in html
    assert "<script>" not in html and "style=" not in html and "onclick" not in html
    for path in ("vendor/graphiql/graphiql.min.js", "vendor/graphiql/graphiql.min.css",
                 "vendor/graphiql/react.production.min.js", "vendor/graphiql/react-dom.production.min.js"):
        response = Client().get("/static/" + path)
        assert response.status_code == 200, path
        head = b"".join(response.streaming_content)[:400] if response.streaming else response.content[:400]
        if path.endswith(".js"):
            assert b"License" in head or b"@license" in head, path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_browser() as b:
        yield b


def _violations(s: Session) -> list[str]:
    recorded = s.page.evaluate("window.__csp || []")
    console = [e for e in s.errors if "Content Security Policy" in e or "Refused to" in e]
    return list(recorded) + console


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_policy_in_a_browser(browser, live_server, settings):
    settings.DEBUG = True  # GraphiQL is served only with debug on; the policy is the same
    world = build_world()
    things = populate(world)
    visits = {
        "": ["/", "/login/", "/resources/", "/graphql/"],
        "gate": ["/unit/", "/unit/check-in/", f"/unit/kitchen/{things.canteen}/"],
        "worker": [f"/community/slips/?b={things.booking}", "/community/needs/new/"],
        "staff": ["/district/", f"/district/runs/{things.run}/", "/admin/"],
    }
    problems: dict[str, list[str]] = {}
    for who, paths in visits.items():
        s = Session(browser, live_server.url, viewport=DESKTOP, locale="zh-CN")
        s.context.add_init_script(RECORD_VIOLATIONS)
        try:
            if who:
                s.sign_in(who, PASSWORD)
            for path in paths:
                s.go(path)
                if path == "/graphql/":
                    s.page.wait_for_selector(".graphiql-container", timeout=15_000)
                else:
                    s.page.wait_for_load_state("networkidle")
                found = _violations(s)
                if found:
                    problems[f"{who or 'anonymous'} {path}"] = found
                s.errors.clear()
        finally:
            s.close()
    assert problems == {}
