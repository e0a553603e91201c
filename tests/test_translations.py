"""Both catalogues are complete and compiled, and the app speaks Chinese by default, English on request.

The PO files are parsed with the standard library (no polib), the compiled MO files are read with
`gettext.GNUTranslations`, so a forgotten `compilemessages` fails here as surely as a missing msgstr.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from booking.notifications.models import NotificationKind
from booking.notifications.rendering import render_parts
from booking.services.validators import validate_note
from core.errors import ErrorCode, ErrorCollector, ServiceError
from marketplace.services.resources import validate_booking_rules, validate_name

LOCALE = Path(settings.BASE_DIR) / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def _unquote(text: str) -> str:
    return str(ast.literal_eval(text))


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a PO file (header and obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal current, started, target
        if started:
            entries.append(current)
        current, started, target = Entry(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if started:
                finish()
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}: continuation line without a keyword: {raw!r}"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
        else:
            keyword, _, value = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and current.msgstr:
                finish()  # a new entry without a blank line before it
            started = True
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match:
                target = ("msgstr", int(match.group(1)))
                current.msgstr[target[1]] = _unquote(value)
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                current.msgstr[0] = _unquote(value)
            else:
                target = (keyword, 0)
                setattr(current, keyword, _unquote(value))
    finish()
    return [e for e in entries if e.msgid != ""]


def _describe(entry: Entry) -> str:
    return f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"


def test_the_po_parser_reads_context_plurals_and_flags(tmp_path: Path):
    # given a small catalogue with a header, a context, a plural, a fuzzy and a wrapped entry
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        'msgctxt "weekday"\nmsgid "Mon"\nmsgstr "周一"\n\n'
        'msgid "%(n)s place"\nmsgid_plural "%(n)s places"\nmsgstr[0] "%(n)s个名额"\n\n'
        '#, fuzzy, python-format\nmsgid "Old"\nmsgstr "旧"\n\n'
        'msgid ""\n"Long "\n"text"\nmsgstr ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "没了"\n',
        encoding="utf-8",
    )
    # when it is parsed
    entries = {e.key: e for e in parse_po(po)}
    # then every entry reads as written, and the header and obsolete entries are left out
    assert set(entries) == {("weekday", "Mon"), (None, "%(n)s place"), (None, "Old"), (None, "Long text")}
    assert entries[("weekday", "Mon")].msgstr == {0: "周一"}
    assert entries[(None, "%(n)s place")].msgid_plural == "%(n)s places"
    assert entries[(None, "Old")].flags == {"fuzzy", "python-format"}
    assert entries[(None, "Long text")].msgstr == {0: ""}


def test_every_chinese_entry_is_translated_and_not_fuzzy():
    # given the zh-hans catalogue
    entries = parse_po(ZH_PO)
    # then it is not empty, and every entry has a Chinese msgstr and no fuzzy flag
    assert len(entries) > 100
    untranslated = [_describe(e) for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [_describe(e) for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_chinese_translations_keep_every_placeholder():
    # given the zh-hans catalogue
    # then each msgstr carries exactly the placeholders of its msgid
    wrong = [
        _describe(e) for e in parse_po(ZH_PO)
        if sorted(PLACEHOLDER.findall(e.msgid)) != sorted(PLACEHOLDER.findall(e.msgstr.get(0, "")))
    ]
    assert wrong == []


def test_the_english_catalogue_has_exactly_the_chinese_msgids():
    # given both catalogues
    zh = {e.key for e in parse_po(ZH_PO)}
    en = {e.key for e in parse_po(EN_PO)}
    # then neither lacks an entry the other has
    assert sorted(zh - en, key=str) == []
    assert sorted(en - zh, key=str) == []


def test_the_compiled_chinese_catalogue_matches_the_po_file():
    # given the compiled zh-hans catalogue next to its PO file
    with (ZH_PO.with_suffix(".mo")).open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    # then every PO entry is compiled with the same translation (compilemessages was run)
    stale = []
    for e in parse_po(ZH_PO):
        msgid = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid
        if e.msgid_plural:
            got = compiled.ngettext(msgid, e.msgid_plural, 1) if not e.msgctxt else \
                compiled.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1)
        else:
            got = compiled.pgettext(e.msgctxt, e.msgid) if e.msgctxt else compiled.gettext(e.msgid)
        if got != e.msgstr[0]:
            stale.append(_describe(e))
    assert stale == []
    assert (EN_PO.with_suffix(".mo")).exists()


def test_service_error_messages_are_chinese_by_default_and_english_on_request():
    # given a refusal raised by a service validator
    with pytest.raises(ServiceError) as refused:
        validate_note("x" * 201)
    error = refused.value.errors[0]
    assert error.code == ErrorCode.INVALID
    # when its message is rendered in the default language and in English
    with translation.override(settings.LANGUAGE_CODE):
        chinese = str(error.message)
    with translation.override("en"):
        english = str(error.message)
    # then each reads in its language
    assert chinese == "备注过长（最多200个字符）。"
    assert english == "The note is too long (at most 200 characters)."


def test_collected_errors_translate_including_interpolated_ones():
    # given collected validation errors, one with numbers interpolated when raised
    with translation.override("zh-hans"):
        errors = ErrorCollector()
        validate_name(errors, "x")
        validate_booking_rules(errors, {"max_active_per_resident": 0})
        messages = [str(e.message) for e in errors.errors]
    # then both are Chinese, with the numbers kept
    assert [e.code for e in errors.errors] == [ErrorCode.INVALID, ErrorCode.INVALID]
    assert messages[0] == "名称长度须为2至100个字符。"
    assert messages[1].startswith("须在1到") and messages[1].endswith("之间。")
    with translation.override("en"):
        assert str(errors.errors[0].message) == "The name must be 2 to 100 characters long."


def test_notification_title_and_message_render_in_the_active_language():
    # given the parameters of a confirmed booking
    params = {"resource": "北楼食堂", "start": "2026-12-01T11:30:00+08:00", "code": "123456"}
    # when the notice is rendered by default and in English
    with translation.override("zh-hans"):
        zh_title, zh_text = render_parts(NotificationKind.BOOKING_CONFIRMED, params)
    with translation.override("en"):
        en_title, en_text = render_parts(NotificationKind.BOOKING_CONFIRMED, params)
    # then each is in its language with the parameters filled in
    assert zh_title == "预约已确认"
    assert zh_text == "您在北楼食堂 12月1日 11:30的预约已确认。签到码：123456"
    assert en_title == "Booking confirmed"
    assert en_text == "Your booking at 北楼食堂 on 2026-12-01 11:30 is confirmed. Check-in code: 123456"


def test_weekday_labels_use_their_context():
    # given the short weekday labels (msgctxt "weekday")
    with translation.override("zh-hans"):
        assert translation.pgettext("weekday", "Mon") == "周一"
    with translation.override("en"):
        assert translation.pgettext("weekday", "Mon") == "Mon"


@pytest.mark.django_db
def test_home_page_is_chinese_by_default_and_english_with_the_language_cookie():
    # given an anonymous visitor whose browser names no language
    # when they open the home page
    chinese = Client().get("/")
    # then the heading is Chinese
    assert chinese.status_code == 200
    assert "<h1>区域资源共享</h1>" in chinese.content.decode()
    assert "District resource sharing" not in chinese.content.decode()
    # when they chose English (the language cookie set by /i18n/setlang/)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/")
    # then the same page is English
    assert english.status_code == 200
    assert '<html lang="en">' in english.content.decode()
    assert "<h1>District resource sharing</h1>" in english.content.decode()
    assert "区域资源共享" not in english.content.decode()


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_catalogue_compiles(language: str, tmp_path: Path):
    # given gettext's own compiler (what compilemessages runs); a merge can leave an entry without msgstr
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext's msgfmt is not installed")
    po = Path(__file__).resolve().parents[1] / "locale" / language / "LC_MESSAGES" / "django.po"
    # when
    done = subprocess.run([msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(po)],
                          capture_output=True, text=True, check=False)
    # then
    assert done.returncode == 0, done.stderr
