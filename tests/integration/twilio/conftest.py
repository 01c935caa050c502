"""Fixtures: a running fake Twilio server and a client/provider pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_app.providers.twilio.client import TwilioClient, TwilioCredentials
from tests.fakes.twilio_server import ACCOUNT_SID, API_KEY, API_SECRET, FakeTwilio


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def twilio_client(fake_twilio: FakeTwilio) -> Iterator[TwilioClient]:
    client = TwilioClient(TwilioCredentials(ACCOUNT_SID, API_KEY, API_SECRET), fake_twilio.base_url)
    yield client
    client.close()
