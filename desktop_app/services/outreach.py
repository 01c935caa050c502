"""Sending the owner's replies, only through the consent gate (`may_send`) and the guarded outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.services.ui_ports import Outbox, UiBook


@dataclass(frozen=True, slots=True)
class SendOutcome:
    sent: bool
    reason: str = ""
    since: datetime | None = None


class OutreachService:
    """A network call: the UI runs `send_reply` off its thread."""

    def __init__(self, book: UiBook, outbox: Outbox) -> None:
        self._book = book
        self._outbox = outbox

    def send_reply(self, contact_key: str, text: str, category: str) -> SendOutcome:
        """Send a reply only if the consent book allows this kind of message to this customer."""
        decision = self._book.may_send(contact_key, category)
        if not decision.allowed:
            return SendOutcome(False, decision.reason, decision.since)
        result = self._outbox.send(contact_key, text, category)
        if not result.ok:
            return SendOutcome(False, result.error_message or "the provider refused the message")
        return SendOutcome(True)
