"""Twilio gets journey messages as plain text: quick replies would need pre-created Content SIDs."""

from __future__ import annotations

from datetime import UTC, datetime

from desktop_app.domain.journeys import ListRow, OutgoingMessage, ReplyButton
from desktop_app.providers.base import InteractiveSender
from desktop_app.providers.twilio.client import TwilioClient
from desktop_app.providers.twilio.provider import TwilioProvider
from tests.fakes.twilio_server import BUSINESS, FakeTwilio

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_twilio_sender_is_not_interactive(twilio_client: TwilioClient) -> None:
    assert not isinstance(TwilioProvider(twilio_client, BUSINESS, clock=lambda: NOW), InteractiveSender)


def test_journey_plain_text_arrives_intact(fake_twilio: FakeTwilio, twilio_client: TwilioClient) -> None:
    message = OutgoingMessage(
        body="¿Qué quiere dejar de recibir de Café Ñandú? 🙂",
        buttons=(ReplyButton("cd:scope:all", "Todo"), ReplyButton("cd:scope:marketing", "Solo ofertas")),
    )
    listing = OutgoingMessage(
        body="Elija", rows=(ListRow("cd:toggle:marketing", "Ofertas", "Ahora: sí"),), list_button="Elegir"
    )
    provider = TwilioProvider(twilio_client, BUSINESS, clock=lambda: NOW)
    assert provider.send_text("+15550101234", message.plain_text()).ok
    assert provider.send_text("+15550101234", listing.plain_text()).ok
    bodies = [m["body"] for m in fake_twilio.sent()]
    assert bodies == [message.plain_text(), listing.plain_text()]
    assert any("Solo ofertas" in line for line in bodies[0].splitlines()[1:])
    assert any("Ofertas" in line for line in bodies[1].splitlines()[1:])
