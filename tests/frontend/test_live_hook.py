"""Pages say where live updates are served (settings.LIVE_STREAM_URL), or nothing where no stream process
runs — then live.js opens no stream and the page updates on reload."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("url", "expected"), [("/graphql/stream", 'data-live-stream="/graphql/stream"'),
                                               ("", None)])
def test_the_page_carries_the_stream_address_when_there_is_one(settings, url, expected):
    # given
    settings.LIVE_STREAM_URL = url
    # when
    html = Client().get("/").content.decode()
    # then
    if expected is None:
        assert "data-live-stream" not in html
    else:
        assert expected in html
