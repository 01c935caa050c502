"""The consent-guarded way out: every message passes book.may_send, except one opt-out confirmation."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from desktop_app.domain.journeys import JOURNEY_KIND_PREFIX, OutgoingMessage
from desktop_app.domain.model import MARKETING, ConsentAction, ConsentEventRecord, Decision
from desktop_app.domain.ports import UnitOfWorkPort
from desktop_app.domain.promotional import looks_promotional
from desktop_app.providers.base import InteractiveSender, Sender, SendResult

log = logging.getLogger(__name__)
T = TypeVar("T")

CONFIRMATION_CATEGORY = "confirmation"  # stored on the outbound message row, not a consent category
SENDING = "sending"
# The outbound kind of a reply the owner sent as non-promotional after the offer warning.
OVERRIDE_KIND = "text:owner_says_not_promotional"


class ConsentGate(Protocol):
    """What the outbox needs of storage.book.ConsentBook (kept as a protocol so that importing
    services never drags storage into the UI's import graph)."""

    def may_send(self, key_or_phone: str, category: str) -> Decision: ...

    def resolve_key(self, key_or_phone: str) -> str: ...

    def unit_of_work(self) -> AbstractContextManager[UnitOfWorkPort]: ...

    def mark_confirmation(
        self, event_id: int, provider_message_id: str | None, sent_at: datetime | None, status: str | None
    ) -> None: ...

    def event(self, event_id: int) -> ConsentEventRecord | None: ...


class WriteRunner(Protocol):
    """Runs one write where the book's writes belong (IngestPipeline.write: on the book writer) and waits."""

    def __call__(self, op: Callable[[], T]) -> T: ...


def _write_here(op: Callable[[], T]) -> T:
    return op()


class GuardedOutbox:
    """Sends through a provider only what the consent book allows; records what it sent.

    Sends happen on the calling thread (a network pool's); every record of them goes through `write`.
    """

    def __init__(
        self,
        book: ConsentGate,
        sender: Sender | None,
        *,
        write: WriteRunner = _write_here,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        reminder_footer: Callable[[str], str | None] | None = None,
    ) -> None:
        self.book = book
        # contact key -> the reminder footer in their language (issue 16), None when reminders are off
        self.reminder_footer = reminder_footer
        self.sender = sender
        self._write = write
        self._now = now
        self._claims: set[int] = set()
        self._lock = threading.Lock()
        # Called (from the sending thread) with the owner-facing message when the provider says the
        # token expired; the app shows "reconnect", `serve` logs it.
        self.on_needs_reconnect: Callable[[str], None] | None = None

    def check(self, to: str, category: str) -> Decision:
        return self.book.may_send(to, category)

    def send(self, to: str, text: str, category: str, *, kind: str = "text") -> SendResult:
        """An ordinary message (campaign, order update, owner's reply): refused if the gate says no.

        `kind` is kept on the outbound row (an owner's override of the offer warning is marked there).
        """
        decision = self.book.may_send(to, category)
        if not decision.allowed:
            log.info("Blocked a %s message: %s", category, decision.reason)
            return SendResult(
                ok=False, error_message=f"Not sent: {decision.reason}", recipient_opted_out=True
            )
        if category != MARKETING and kind != OVERRIDE_KIND and looks_promotional(text).promotional:
            # the type is the sender's word; an offer to someone who stopped offers stays here
            marketing = self.book.may_send(to, MARKETING)
            if not marketing.allowed:
                log.info("Blocked a %s message that reads like an offer: %s", category, marketing.reason)
                return SendResult(
                    ok=False,
                    error_message=f"Not sent: it reads like an offer and the customer {marketing.reason}",
                    recipient_opted_out=True,
                )
        if self.sender is None:
            return SendResult(ok=False, error_message="No provider is connected; nothing was sent.")
        # the owner's "not an offer" (the override) is their word: no stop-offers footer then
        promotional = category == MARKETING or (kind != OVERRIDE_KIND and looks_promotional(text).promotional)
        if self.reminder_footer is not None and promotional:
            footer = self.reminder_footer(self.book.resolve_key(to))
            if footer and footer not in text:
                text = f"{text}\n{footer}"
        result = self._reported(self.sender.send_text(self.book.resolve_key(to), text))
        if result.ok:
            self._write(
                lambda: self._store_outbound(
                    self.book.resolve_key(to), text, result.provider_message_id, category, self._now(), kind
                )
            )
        return result

    def _store_outbound(
        self,
        key: str,
        text: str,
        provider_message_id: str | None,
        category: str,
        sent_at: datetime,
        kind: str = "text",
    ) -> None:
        assert self.sender is not None
        with self.book.unit_of_work() as uow:
            uow.store_outbound(
                key,
                text,
                provider=self.sender.name,
                provider_message_id=provider_message_id,
                category=category,
                sent_at=sent_at,
                kind=kind,
            )

    def _mark(self, event_id: int, status: str) -> None:
        self._write(lambda: self.book.mark_confirmation(event_id, None, None, status))

    def send_confirmation(self, event: ConsentEventRecord, text: str | OutgoingMessage) -> SendResult | None:
        """The single exception to the gate: the confirmation of this opt-out, at most once.

        Returns None when it is not due (already sent or being sent, not an opt-out, no sender).
        """
        if event.action is not ConsentAction.OPT_OUT:
            raise ValueError("only an opt-out is confirmed past the consent gate")
        if self.sender is None:
            log.info("No sender connected; opt-out %d stays unconfirmed", event.id)
            return None
        if not self._claim(event.id):
            return None
        try:
            return self._send_claimed(event, text)
        finally:
            with self._lock:
                self._claims.discard(event.id)

    def _reported(self, result: SendResult) -> SendResult:
        if result.needs_reconnect and self.on_needs_reconnect is not None:
            try:
                self.on_needs_reconnect(result.error_message or "The provider asks you to reconnect.")
            except Exception:
                log.exception("on_needs_reconnect callback failed")
        return result

    def record_skipped(self, event: ConsentEventRecord, status: str) -> None:
        if self._already_handled(event.id):
            return
        self._mark(event.id, status)

    def _claim(self, event_id: int) -> bool:
        with self._lock:
            if event_id in self._claims:
                return False
            self._claims.add(event_id)
        if self._already_handled(event_id):
            with self._lock:
                self._claims.discard(event_id)
            return False
        return True

    def _already_handled(self, event_id: int) -> bool:
        """Sent, or a send started and its outcome is unknown: repeating could confirm twice."""
        stored = self.book.event(event_id)
        if stored is None:
            raise ValueError(f"no ledger event {event_id}")
        return bool(stored.confirmation_message_id) or stored.confirmation_status in (
            SENDING,
            "sent",
            "delivered",
            "read",
            "unknown",
        )

    def _send_claimed(self, event: ConsentEventRecord, text: str | OutgoingMessage) -> SendResult:
        assert self.sender is not None
        # Durable "sending" marker first: after a crash mid-send we never send a second one.
        self._mark(event.id, SENDING)
        try:
            result = self._reported(_send_any(self.sender, event.contact_key, text))
        except Exception as exc:
            log.error("Confirmation for event %d: sender failed (%s)", event.id, type(exc).__name__)
            self._mark(event.id, "unknown")
            raise
        sent_at = self._now()
        if result.ok:
            self._write(lambda: self._record_sent(event, text, result.provider_message_id, sent_at))
            log.info("Confirmation sent for opt-out event %d", event.id)
        else:
            status = _failure_status(result)
            self._mark(event.id, status)
            log.warning("Confirmation for event %d not sent: %s", event.id, status)
        return result

    def _record_sent(
        self,
        event: ConsentEventRecord,
        text: str | OutgoingMessage,
        provider_message_id: str | None,
        sent_at: datetime,
    ) -> None:
        assert self.sender is not None
        journey = text if isinstance(text, OutgoingMessage) else None
        with self.book.unit_of_work() as uow:
            uow.mark_confirmation(event.id, provider_message_id, sent_at, "sent")
            uow.store_outbound(
                event.contact_key,
                journey.plain_text() if journey else str(text),
                provider=self.sender.name,
                provider_message_id=provider_message_id,
                category=CONFIRMATION_CATEGORY,
                sent_at=sent_at,
                kind=JOURNEY_KIND_PREFIX + journey.kind if journey else "text",
                raw=json.dumps(journey.to_dict()) if journey else None,
            )


def _send_any(sender: Sender, to: str, text: str | OutgoingMessage) -> SendResult:
    """Text as text; a journey message interactive where the provider can, as plain text elsewhere."""
    if not isinstance(text, OutgoingMessage):
        return sender.send_text(to, text)
    if isinstance(sender, InteractiveSender) and text.kind != "text":
        return sender.send_interactive(to, text)
    return sender.send_text(to, text.plain_text())


def _failure_status(result: SendResult) -> str:
    if result.needs_reconnect:
        return "failed: reconnect needed"
    if result.outside_window:
        return "failed: reply window closed"
    if result.error_message and "not retried" in result.error_message:
        return "unknown"  # the request may have reached Meta; never resend automatically
    return f"failed: {result.error_code or result.error_message or 'error'}"
