"""Sending the owner's replies, only through the consent gate (`may_send`) and the guarded outbox.

The gate does not trust the message type alone: a reply that reads as an offer (`looks_promotional`)
is refused to a customer opted out of marketing, whatever type was picked, until the owner sends it
explicitly as a non-promotional reply; that choice is kept on the outbound row (`OVERRIDE_KIND`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from desktop_app.domain.model import MARKETING
from desktop_app.domain.promotional import PromoLexicon, looks_promotional
from desktop_app.providers.base import SendResult
from desktop_app.services.outbox import OVERRIDE_KIND

if TYPE_CHECKING:
    from desktop_app.services.ui_ports import UiBook

log = logging.getLogger(__name__)



class ReplyOutbox(Protocol):
    """The guarded outbox (services.outbox.GuardedOutbox), which keeps the kind on the outbound row."""

    def send(self, to: str, text: str, category: str, *, kind: str = "text") -> SendResult: ...


__all__ = ["OVERRIDE_KIND", "OutreachService", "ReplyOutbox", "SendOutcome"]


@dataclass(frozen=True, slots=True)
class SendOutcome:
    sent: bool
    reason: str = ""
    since: datetime | None = None
    promotional: tuple[str, ...] = ()  # the words that made the reply read as an offer
    can_send_anyway: bool = False  # the owner may send it as a non-promotional reply


def utc_minutes(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC")


def _when(moment: datetime | None) -> str:
    return utc_minutes(moment) if moment else "an earlier date"


class OutreachService:
    """A network call: the UI runs `send_reply` off its thread."""

    def __init__(self, book: UiBook, outbox: ReplyOutbox, promo_words: PromoLexicon | None = None) -> None:
        self._book = book
        self._outbox = outbox
        self._promo_words = promo_words

    def check_reply(self, contact_key: str, text: str, category: str) -> SendOutcome | None:
        """Why this reply may not leave as it is (None when it may): the type's gate, then its wording."""
        decision = self._book.may_send(contact_key, category)
        if not decision.allowed:
            return SendOutcome(False, decision.reason, decision.since)
        if category == MARKETING:
            return None
        reading = looks_promotional(text, self._promo_words)
        if not reading.promotional:
            return None
        marketing = self._book.may_send(contact_key, MARKETING)
        if marketing.allowed:
            return None
        how = ""
        event = self._book.event(marketing.event_id) if marketing.event_id is not None else None
        if event is not None and event.evidence_text:
            how = f", writing “{event.evidence_text}”"
        reason = (
            f"this reply reads like an offer ({reading.trigger_words()}), and this customer asked "
            f"on {_when(marketing.since)}{how} not to receive promotions"
        )
        return SendOutcome(False, reason, marketing.since, reading.triggers, can_send_anyway=True)

    def send_reply(
        self, contact_key: str, text: str, category: str, *, as_non_promotional: bool = False
    ) -> SendOutcome:
        """Send a reply only if the consent book allows this kind of message, and this wording, to them.

        `as_non_promotional`: the owner saw the offer warning and says the reply is not an offer; it
        is sent (the type's own gate still applies) and recorded as that choice.
        """
        refusal = self.check_reply(contact_key, text, category)
        if refusal is not None and not (as_non_promotional and refusal.can_send_anyway):
            return refusal
        kind = OVERRIDE_KIND if refusal is not None else "text"
        result = self._outbox.send(contact_key, text, category, kind=kind)
        if not result.ok:
            return SendOutcome(False, result.error_message or "the provider refused the message")
        if refusal is not None:
            log.info("The owner sent a reply that reads like an offer as a non-promotional %s", category)
        return SendOutcome(True)
