"""Checking what a client sends, once, at the boundary (docs/API.md "Input").

- `text_problem`: a text trimmed, refused (INVALID on its field) when longer than its column allows or
  when it holds a control character (NUL included; new lines and tabs only in multi-line texts such
  as notes). Every mutation input passes through it (core.graphql.mutations.clean_input), each field
  by the `TextRule` its input type declares (`rule_of(Model, "field")`: the column's max_length).
- `ascii_int`: a number written in ASCII digits only, of bounded length. `str.isdigit()` and `int()`
  accept '²', '١' or '１', which later fail or overflow in the database; ids and cursors use this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

TEXT_MAX = 200  # a text whose field declares nothing
LONG_TEXT_MAX = 4000  # a TextField (no max_length): descriptions, reasons
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\t\n\r]")
_ASCII_INT = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class TextRule:
    max_length: int = TEXT_MAX
    multiline: bool = False


def rule_of(model: Any, field: str, *, multiline: bool = False) -> TextRule:
    """The rule of a model's text field: its max_length (a TextField: LONG_TEXT_MAX)."""
    max_length = model._meta.get_field(field).max_length
    return TextRule(max_length or LONG_TEXT_MAX, multiline)


def text_problem(value: str, rule: TextRule) -> tuple[str, Any]:
    """The trimmed text, or None and the reason it is refused."""
    text = value.strip()
    if _CONTROL.search(text) or (not rule.multiline and _LINE_BREAKS.search(text)):
        return text, _("This text holds a control character.")
    if len(text) > rule.max_length:
        return text, _("This text is too long (at most %(count)d characters).") % {"count": rule.max_length}
    return text, None


def has_control_character(value: Any) -> bool:
    """Whether a text, or any text inside a list or an input object, holds a control character."""
    if isinstance(value, str):
        return bool(_CONTROL.search(value) or _LINE_BREAKS.search(value))
    if isinstance(value, dict):
        return any(has_control_character(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_control_character(v) for v in value)
    return False


def ascii_int(text: Any, max_digits: int = 18) -> int | None:
    """`text` as a non-negative int when it is 1..max_digits ASCII digits; otherwise None."""
    if not isinstance(text, str) or not 0 < len(text) <= max_digits or not _ASCII_INT.fullmatch(text):
        return None
    return int(text)
