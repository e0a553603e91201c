"""Issue 12's remaining items in a real Chromium at a phone's size (390×844), in Chinese: the check-in QR is
a standard QR a Python decoder reads from the rendered page, and the gate scans it with the camera."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from booking.services.availability import set_opening_hours
from booking.services.bookings import BookingRequest, book_slot
from booking.services.hours import WindowSpec
from tests.factories import ResourceFactory

from .browser import Session
from .conftest import EVERY_DAY, PASSWORD, TZ, World, populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A stand-in camera for headless Chromium (no BarcodeDetector on Linux, no camera): the detector "sees"
# the code the test puts in window.__scanned, the camera is a canvas stream.
FAKE_CAMERA = """
window.BarcodeDetector = class {
  constructor(options) { this.formats = options.formats; }
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect(source) { return Promise.resolve(window.__scanned ? [{rawValue: window.__scanned, format: "qr_code"}] : []); }
};
navigator.mediaDevices.getUserMedia = function () {
  const canvas = document.createElement("canvas"); canvas.width = 64; canvas.height = 48;
  canvas.getContext("2d").fillRect(0, 0, 64, 48);
  return Promise.resolve(canvas.captureStream(5));
};
"""


def _sitting_under_way(world: World) -> tuple[Any, dt.datetime]:
    now = dt.datetime.now(TZ).replace(second=0, microsecond=0)
    start = now - dt.timedelta(minutes=10)
    end = start + dt.timedelta(hours=1)
    resource = ResourceFactory(unit=world.unit, name="职工餐厅", category="CANTEEN", capacity=30)
    set_opening_hours(actor=None, resource=resource, now=start - dt.timedelta(days=1), windows=[
        WindowSpec(weekdays=EVERY_DAY, start_time=start.time(), end_time=end.time(),
                   ends_next_day=end.date() != start.date())])
    return resource, start


def test_the_check_in_qr_on_the_phone_is_a_standard_qr_a_decoder_reads(phone: Session, live_world: World):
    # given a resident with a lunch booking tomorrow
    booking = book_slot(actor=live_world.resident, request=BookingRequest(
        resource=live_world.canteen, start=live_world.tomorrow_at(12))).booking
    # when she opens her bookings on her phone
    phone.sign_in("resident", PASSWORD)
    phone.go("/bookings/")
    qr = phone.page.locator(".cards .booking .qr svg").first
    box = qr.bounding_box()
    # then the code is drawn large enough for a gate's scanner (at least 200 px)
    assert box is not None and box["width"] >= 200 and box["height"] >= 200
    # and a Python decoder reads a standard QR code (not a Micro QR) with her 6 digits from the screenshot
    png = qr.screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [(r.format, r.text) for r in found] == [(zxingcpp.BarcodeFormat.QRCode, booking.check_in_code)]
    assert found[0].symbology_identifier.startswith("]Q")  # ISO/IEC 18004 QR, model 2


def test_the_gate_scans_a_code_with_the_phone_camera_and_typing_stays(phone: Session, live_world: World):
    # given a resident booked on a sitting under way, and a gate phone whose browser can detect QR codes
    resource, start = _sitting_under_way(live_world)
    booking = book_slot(actor=live_world.resident, request=BookingRequest(resource=resource, start=start),
                        now=start - dt.timedelta(hours=3)).booking
    phone.page.add_init_script(FAKE_CAMERA)
    phone.sign_in("gate", PASSWORD)
    phone.go("/unit/")
    # the code can still be typed
    assert phone.page.locator("#id_code").is_visible()
    # when the gate taps the camera button and the resident's QR comes into view
    scan = phone.page.locator("[data-scan]")
    assert scan.is_visible() and scan.bounding_box()["height"] >= 44  # type: ignore[index]
    scan.click()
    phone.page.locator("video.scan").wait_for(state="visible")
    phone.page.evaluate(f"window.__scanned = '{booking.check_in_code}'")
    # then she is checked in without typing
    phone.page.locator("#check-in .msg.success").wait_for()
    assert "王*英" in phone.page.locator("#check-in .msg").inner_text()
    booking.refresh_from_db()
    assert booking.status == "CHECKED_IN"
    phone.screenshot("gate-phone-scan-zh")


def test_without_barcode_detection_the_camera_button_stays_hidden(phone: Session, live_world: World):
    phone.sign_in("gate", PASSWORD)
    phone.go("/unit/")
    assert phone.page.locator("#id_code").is_visible()
    assert not phone.page.locator("[data-scan]").is_visible()


CHART_TEXT = """() => Array.from(document.querySelectorAll('svg.chart'))
  .filter(s => s.getBoundingClientRect().width > 0)
  .flatMap(s => Array.from(s.querySelectorAll('text')).map(t => ({
    text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a})))"""


def test_chart_labels_on_a_phone_are_at_least_12_px(phone: Session, live_world: World, settings):
    settings.MATCHING_TIME_LIMIT_S = 5.0
    settings.MATCHING_DETERMINISTIC_TIME = 2.0
    populate(live_world)
    phone.sign_in("staff", PASSWORD)
    phone.go("/district/")
    texts = phone.page.evaluate(CHART_TEXT)
    assert texts, "no chart drawn"
    assert [t for t in texts if t["px"] < 12] == []
    phone.screenshot("staff-phone-dashboard-charts-zh")
