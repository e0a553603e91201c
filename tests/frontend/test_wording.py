"""Issue 12 item 13: Chinese punctuation in Chinese text (full-width ：), no spaces in 0/90-style runs, one
date style per context (12月2日（周三） in lists; no 12/2 or 2026-12-02 in running text), overnight times
marked 次日 — over every page of every role, in zh-hans, as the text a person reads."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from .conftest import World, populate
from .test_browser_smoke import pages

CJK = "\u4e00-\u9fff"
PROBLEMS = {
    "ASCII colon after Chinese": re.compile(rf"[{CJK}（）]\s*:(?!\d)"),
    "spaced number run": re.compile(r"\d\s+/\s+\d"),
    "slashed date": re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}\s+\d\d:\d\d"),
    "ISO date in text": re.compile(r"\b20\d\d-\d\d-\d\d\b"),
    "overnight time without 次日": re.compile(r"(1[7-9]|2[0-3]):\d\d–0\d:\d\d"),
}


def visible_text(page: str) -> str:
    body = page.split("<main", 1)[-1]
    body = re.sub(r"<(script|style|svg|textarea)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return html.unescape(body)


@pytest.mark.django_db
def test_every_page_reads_as_chinese_text(world: World, django_capture_on_commit_callbacks, settings):
    settings.MATCHING_TIME_LIMIT_S = 5.0
    settings.MATCHING_DETERMINISTIC_TIME = 2.0
    with django_capture_on_commit_callbacks(execute=True):
        things = populate(world)
    start = world.tomorrow_at(11).isoformat()
    found: list[str] = []
    for who, paths in pages(things).items():
        client = Client()
        if who:
            client.force_login(get_user_model().objects.get(username=who))
        for path in paths:
            path = path.replace("start=", "start=" + start.replace("+", "%2B"))
            text = visible_text(client.get(path).content.decode())
            for name, pattern in PROBLEMS.items():
                for match in pattern.finditer(text):
                    found.append(f"{who or 'anonymous'} {path.split('?')[0]}: {name}: "
                                 f"{text[max(0, match.start() - 20):match.end() + 20]!r}")
    assert found == [], "\n".join(found)
