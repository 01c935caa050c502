"""The one way every chat-journey message goes out: sender, 24-hour window, once per trigger, gate."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from desktop_app.domain.journeys import JOURNEY_CATEGORY, JOURNEY_KIND_PREFIX, OutgoingMessage
from desktop_app.domain.ports import ConsentBookPort
from desktop_app.providers.base import InteractiveSender, Sender, SendResult
from desktop_app.services.confirmations import REPLY_WINDOW

log = logging.getLogger(__name__)

# Kinds the customer did not ask for: they pass the consent gate like any message (not opted out of all).
UNSOLICITED_KINDS = frozenset({"transparency", "reminder"})


@dataclass(frozen=True, slots=True)
class JourneyOutcome:
    status: str  # "sent", "failed: ...", "skipped: <why>"
    provider_message_id: str | None = None


def send_journey(
    book: ConsentBookPort,
    sender: Sender | None,
    write: Callable[[Callable[[], object]], object],
    *,
    contact_key: str,
    kind: str,
    trigger: str,
    language: str,
    message: OutgoingMessage,
    last_inbound_at: datetime | None,
    now: Callable[[], datetime],
) -> JourneyOutcome:
    """Send one journey message under the rules every journey shares.

    Only with a connected sender; only inside the customer-service window opened by the customer's
    latest inbound message; never twice for the same (contact, kind, trigger): the journey_sends row is
    claimed before the send, so a crash between claim and send leaves it 'sending'/'unknown', never resent.
    Transparency and reminders need the contact not to be opted out of `all`; answers the customer asked
    for (preferences menu, toggle and scope answers) are allowed like the opt-out confirmation is.
    A failed send is recorded, not retried here (the provider client handles pair rate limits).
    Call off the writer thread, after the commit: every DB write goes through `write`.
    """
    if sender is None:
        return JourneyOutcome("skipped: no sender")
    moment = now()
    if last_inbound_at is None or moment - last_inbound_at > REPLY_WINDOW:
        return JourneyOutcome("skipped: outside the 24-hour window")
    if kind in UNSOLICITED_KINDS:
        everything = book.consent_state(contact_key).get("all")
        if everything is not None and everything.state == "opted_out":
            return JourneyOutcome("skipped: opted out")
    message_json = json.dumps(message.to_dict())

    def claim() -> int | None:
        with book.unit_of_work() as uow:
            return uow.claim_journey(
                contact_key=contact_key,
                kind=kind,
                trigger=trigger,
                language=language,
                message_json=message_json,
                at=moment,
            )

    send_id = write(claim)
    if not isinstance(send_id, int):
        return JourneyOutcome("skipped: already sent")
    result = _send(sender, contact_key, message)
    error = None if result.ok else (result.error_message or str(result.error_code) or "error")

    def record() -> None:
        with book.unit_of_work() as uow:
            uow.record_journey(
                send_id,
                at=moment,
                provider_message_id=result.provider_message_id,
                error=error,
            )
            if result.ok:
                uow.store_outbound(
                    contact_key,
                    message.plain_text(),
                    provider=sender.name,
                    provider_message_id=result.provider_message_id,
                    category=JOURNEY_CATEGORY,
                    sent_at=moment,
                    kind=JOURNEY_KIND_PREFIX + message.kind,
                    raw=message_json,
                )

    write(record)
    if error is not None:
        log.info("journey %s to a contact failed: %s", kind, error)
        return JourneyOutcome(f"failed: {error}")
    return JourneyOutcome("sent", result.provider_message_id)


def _send(sender: Sender, to: str, message: OutgoingMessage) -> SendResult:
    if isinstance(sender, InteractiveSender) and message.kind != "text":
        return sender.send_interactive(to, message)
    return sender.send_text(to, message.plain_text())
