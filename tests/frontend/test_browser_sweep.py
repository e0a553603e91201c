"""Issue 12's sweep: every page of every role at 390 px in zh-hans has no horizontal scroll, every action
(link, button, field) at least 44 px high, and no raw enum code, JSON or base64 id in the visible text;
axe stays clean; a screenshot of each page at phone and desktop size goes to test-artifacts/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from .browser import ARTIFACTS, DESKTOP, PHONE, Session, open_browser
from .conftest import PASSWORD, Things, World, build_world, populate
from .test_browser_smoke import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENUMS = ("CANTEEN", "PARKING", "HALL", "BATHHOUSE", "PENDING", "CONFIRMED", "WAITLISTED", "CANCELLED", "REJECTED",
         "CHECKED_IN", "NO_SHOW", "PROPOSED", "ACCEPTED", "DECLINED", "SUPERSEDED", "QUEUED", "RUNNING", "SUCCEEDED",
         "ELDERLY", "DISABLED", "ANYONE", "RESIDENT", "UNIT_ADMIN", "UNIT_STAFF", "COMMUNITY_WORKER",
         "DISTRICT_STAFF", "EVERY_DAY", "WEEKDAYS", "EXCLUSIVE", "SHARED", "PARTLY_MATCHED", "MATCHED")
RAW = [re.compile(r"\b(" + "|".join(ENUMS) + r")\b"), re.compile(r"\{\s*\""),
       re.compile(r"\b(VXNlcj|UmVzb3VyY2|Qm9va2luZz|TmVlZD|TWF0Y2hSdW|QWxsb2NhdGlvbj)[A-Za-z0-9_-]{2,}")]

# what the page measures: visible actions lower than 44 px, and how much wider than the screen it is
MEASURE = """() => {
  const small = [];
  const actions = 'main a, main button, main input:not([type=hidden]), main select, main summary, header a, '
    + 'header button';
  for (const el of document.querySelectorAll(actions)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = el.closest('label') || (el.id && document.querySelector('label[for="' + el.id + '"]'));
      const row = (label && label.getBoundingClientRect().height) || 0;
      const parent = el.parentElement.getBoundingClientRect().height;
      if (Math.max(row, parent) < 44) small.push(el.outerHTML.slice(0, 80) + ' ' + Math.round(Math.max(row, parent)));
      continue;
    }
    if (box.height < 44) small.push(el.outerHTML.slice(0, 80) + ' ' + Math.round(box.height));
  }
  return {small: small, overflow: document.documentElement.scrollWidth - window.innerWidth,
          text: document.body.innerText};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_browser() as b:
        yield b


@pytest.fixture
def sweep_world(live_server, settings) -> tuple[World, Things]:  # type: ignore[no-untyped-def]
    settings.MATCHING_TIME_LIMIT_S = 5.0
    settings.MATCHING_DETERMINISTIC_TIME = 2.0
    world = build_world()
    return world, populate(world)


def test_every_page_of_every_role_at_390_px(browser, live_server, sweep_world):
    world, things = sweep_world
    start = world.tomorrow_at(11).isoformat().replace("+", "%2B")
    problems: dict[str, list[str]] = {}
    for who, paths in pages(things).items():
        phone = Session(browser, live_server.url, viewport=PHONE, locale="zh-CN")
        desk = Session(browser, live_server.url, viewport=DESKTOP, locale="zh-CN")
        try:
            if who:
                phone.sign_in(who, PASSWORD)
                desk.sign_in(who, PASSWORD)
            for number, path in enumerate(paths):
                path = path.replace("start=", "start=" + start)
                name = f"{number:02d}-{who or 'anonymous'}" + path.split("?")[0].replace("/", "_").rstrip("_")
                phone.go(path)
                found = phone.page.evaluate(MEASURE)
                issues = [f"{found['overflow']} px wider than the screen"] if found["overflow"] > 0 else []
                issues += [f"action under 44 px: {s}" for s in found["small"]]
                for pattern in RAW:
                    issues += [f"raw text: {m.group(0)}" for m in pattern.finditer(found["text"])]
                issues += phone.axe_violations() + phone.errors
                phone.errors.clear()
                phone.screenshot(f"sweep-phone-zh-{name}")
                desk.go(path)
                desk.screenshot(f"sweep-desktop-zh-{name}")
                if issues:
                    problems[f"{who or 'anonymous'} {path}"] = issues
        finally:
            phone.close()
            desk.close()
    (ARTIFACTS / "sweep-problems.json").write_text(json.dumps(problems, ensure_ascii=False, indent=1),
                                                   encoding="utf-8")
    assert problems == {}
