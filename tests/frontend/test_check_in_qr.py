"""The check-in QR code: a standard QR (version 1, 21 modules + a 4-module quiet zone), never a Micro QR."""

from __future__ import annotations

import re

from frontend.templatetags.frontend import qr_svg


def test_six_digits_make_a_standard_qr_not_a_micro_qr():
    svg = str(qr_svg("123456"))
    # scale 8: (21 + 2 × 4) × 8 = 232; a Micro QR would be (13 + 2 × 2) × 8 = 136
    assert re.search(r'viewBox="0 0 232 232"', svg), svg[:200]


def test_no_code_draws_nothing():
    assert str(qr_svg("")) == ""
