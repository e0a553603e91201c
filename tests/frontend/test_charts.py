"""Issue 12 item 7: bar charts on phones: labels at least 12 px, fewer of them, abbreviated or turned so
they never run together; on desktop long subdistrict names no longer overlap."""

from __future__ import annotations

import math

from frontend.charts import bars

SUBDISTRICTS = ["西长安街街道", "新街口街道", "月坛街道", "展览路街道", "德胜街道", "金融街街道", "什刹海街道",
                "大栅栏街道", "天桥街道", "椿树街道", "陶然亭街道", "广安门内街道", "牛街街道", "白纸坊街道",
                "广安门外街道"]
PHONE_CONTENT_PX = (320 - 36, 390 - 36)  # the narrowest and the usual phone, less main's padding
DESK_CONTENT_PX = 720 - 36  # where the wide drawing starts (40rem)


def _labels_fit(layout) -> bool:  # type: ignore[no-untyped-def]
    """Neighbouring drawn labels do not touch: side by side each fits its share; turned 45° the lines
    are at least a font size apart."""
    shown = [b for b in layout["bars"] if b.short]
    gap = layout["step"] * layout["every"]
    if layout["rotate"]:
        return gap * math.sin(math.radians(45)) >= layout["font"]
    return all(len(b.short) * layout["font"] <= gap for b in shown)


def test_a_phone_gets_at_most_five_labels_at_12_px_or_more_that_do_not_overlap():
    chart = bars([(name, 0.5) for name in SUBDISTRICTS], 1.0, True)["narrow"]
    shown = [b.short for b in chart["bars"] if b.short]
    assert 1 <= len(shown) <= 5
    assert all(len(label) <= 5 for label in shown)
    assert min(PHONE_CONTENT_PX) / chart["width"] * chart["font"] >= 12
    assert _labels_fit(chart)


def test_the_desktop_drawing_turns_or_abbreviates_long_names_so_none_overlap():
    chart = bars([(name, 0.5) for name in SUBDISTRICTS], 1.0, True)["wide"]
    assert DESK_CONTENT_PX / chart["width"] * chart["font"] >= 12
    assert _labels_fit(chart)
    assert all(b.short for b in chart["bars"])  # 15 names all drawn on a wide screen


def test_a_few_short_labels_stay_level_and_whole():
    chart = bars([("食堂", 0.4), ("停车场", 0.2), ("礼堂", 0.1), ("浴室", 0.0)], 1.0, True)["narrow"]
    assert not chart["rotate"] and [b.short for b in chart["bars"]] == ["食堂", "停车场", "礼堂", "浴室"]
