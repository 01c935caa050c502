"""The shared ingest pipeline: parse -> store -> detect -> decide in one transaction, then confirm."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from desktop_app.domain.journeys import parse_tap
from desktop_app.domain.model import (
    ConsentAction,
    ConsentEventRecord,
    ContactRef,
    InboundMessage,
    IngestResult,
    NumberChange,
    PreferenceChange,
    ProviderEvent,
    StatusUpdate,
    UnparsedPayload,
    Verdict,
    VerdictKind,
)
from desktop_app.domain.ports import ConsentBookPort, UnitOfWorkPort
from desktop_app.providers.base import Sender, SendResult
from desktop_app.services.book_writer import BookWriter, Prepared
from desktop_app.services.confirmations import ConfirmationSender, ConfirmationTemplates
from desktop_app.services.ingest_events import (
    BAD_EVENT_ERRORS,
    EXACT_RULE_PREFIX,
    OPT_OUT_SEND_ERRORS,
    Arrival,
    Batch,
    classify_event,
    correction_explanation,
    described,
    event_from_preference,
    event_from_send_refusal,
    event_from_verdict,
    filed_at_bounded_time,
    normalized_key,
    provider_of,
    raw_of,
)
from desktop_app.services.journey_taps import record_tap
from desktop_app.services.outbox import GuardedOutbox
from desktop_app.services.stop_memory import StopMemory

if TYPE_CHECKING:
    from desktop_app.domain.detection import Detector
    from desktop_app.services.journey_flow import JourneyFlow
    from desktop_app.services.settings import Settings

# storage.book.ConsentBook and its UnitOfWork, as ports: importing this module never pulls storage
# into the UI's import graph (import-linter follows TYPE_CHECKING imports too), and mypy checks calls.
ConsentBook = ConsentBookPort
UnitOfWork = UnitOfWorkPort

log = logging.getLogger(__name__)
T = TypeVar("T")
J = TypeVar("J")
__all__ = ["IngestPipeline", "Prepared"]

# Look this far back for confirmations that never left; older ones are past the reply window anyway.
RECOVERY_WINDOW = timedelta(days=2)


class IngestPipeline:
    """parse -> store -> detect -> decide in ONE unit of work; confirmations after the commit.

    Shared by every inbound source (Meta webhook, Twilio poller, demo). `settings` may be replaced at
    runtime; it is read once per batch. `on_result` runs after the commit, on the committing thread.
    With a `writer` (services.book_writer.BookWriter, as the composition root builds it) every write
    of the pipeline and its outbox runs on the writer's thread: `ingest` submits there and waits.
    """

    def __init__(
        self,
        book: ConsentBook,
        detector: Detector,
        settings: Settings,
        sender: Sender | None = None,
        on_result: Callable[[IngestResult], None] | None = None,
        *,
        templates: ConfirmationTemplates | None = None,
        confirmation_executor: Executor | None = None,
        writer: BookWriter[object] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.book = book
        self.settings = settings
        self.on_result = on_result
        self._detector = detector
        self.writer = writer
        if writer is not None:
            writer.bind_ingest(self.ingest_prepared, self.prepare)
        self.outbox = GuardedOutbox(book, sender, write=self.write)
        self.confirmations = ConfirmationSender(
            self.outbox, templates or ConfirmationTemplates.load_default(), clock
        )
        self.clock = clock
        self.confirmation_executor = confirmation_executor  # None: confirm on the calling thread
        self.journeys: JourneyFlow | None = None  # the chat journeys' answers (composition sets it)
        self._stops = StopMemory()  # a later model-read opt-in may take a recent STOP back

    @property
    def sender(self) -> Sender | None:
        return self.outbox.sender

    @sender.setter
    def sender(self, sender: Sender | None) -> None:
        self.outbox.sender = sender

    @property
    def detector(self) -> Detector:
        return self._detector

    def set_detector(self, detector: Detector) -> None:
        self._detector = detector

    def _sender_key(self, ref: ContactRef) -> str:
        """The key store_inbound filed the message under (same normalisation, cached: hot path)."""
        return normalized_key(ref.key, ref.kind, self.book.default_region)

    def write(self, op: Callable[[], T]) -> T:
        """Run one write on the book writer's thread and wait for it (directly, without a writer)."""
        if self.writer is None:
            return op()
        return self.writer.submit(op).result()

    # --- the batch -------------------------------------------------------------------------------

    def ingest(self, events: Sequence[ProviderEvent]) -> IngestResult:
        """Store and decide a batch atomically; returns after the commit. Raises if nothing was stored.

        With a writer the batch is classified here and group-committed on the writer's thread.
        """
        if self.writer is not None:
            return self.writer.submit_ingest(events).result()
        return self.ingest_prepared(self.prepare(events))

    def prepare(self, events: Sequence[ProviderEvent]) -> list[Prepared]:
        """Classify outside the transaction (pure CPU, the submitting thread): the writer only stores."""
        detector = self._detector
        return [(event, self._safe_verdict(detector, event)) for event in events]

    @staticmethod
    def _safe_verdict(detector: Detector, event: ProviderEvent) -> Verdict | None:
        try:
            return classify_event(detector, event)
        except Exception:
            # A detector bug must never lose (or endlessly re-deliver) the message: store it unjudged.
            log.exception("The detector failed on one message; it is stored without a verdict")
            return None

    def ingest_prepared(self, prepared: Sequence[Prepared]) -> IngestResult:
        """Store and decide already-classified events in one unit of work; commits before returning.

        The pipeline's clock is the batch's receipt time, which bounds every event's own time.
        """
        settings = self.settings
        received_at = self.clock()
        with self.book.unit_of_work() as uow:
            batch = self._ingest_all(uow, prepared, settings, received_at)
        batch.result.contacts_touched = list(batch.touched)
        batch.result.opt_out_contacts = list(batch.opting_out)
        if self.on_result is not None:
            try:
                self.on_result(batch.result)
            except Exception:
                log.exception("on_result callback failed (the batch is committed)")
        if batch.confirmations and settings.send_confirmations:
            self._later(self._confirm_all, batch.confirmations)
        if batch.arrivals and self.journeys is not None:
            self._later(self.journeys.after_commit, batch.arrivals)
        return batch.result

    def _ingest_all(
        self, uow: UnitOfWork, prepared: Sequence[Prepared], settings: Settings, received_at: datetime
    ) -> Batch:
        """All events under one SAVEPOINT (the usual case: none is bad); if one is, that is undone and
        each event gets its own savepoint, so only the bad one is kept unparsed."""
        if len(prepared) > 1:
            fast = Batch()
            notes: list[tuple[ProviderEvent, str]] = []
            try:
                with uow.savepoint():
                    for event, verdict in prepared:
                        filed, time_note = filed_at_bounded_time(event, received_at)
                        self._ingest_one(uow, filed, verdict, fast, settings, time_note)
                        if time_note is not None:
                            notes.append((event, time_note))
            except BAD_EVENT_ERRORS:
                pass  # undone; taken again one by one below
            else:
                for event, time_note in notes:
                    log.warning("%s: %s", described(event), time_note)
                return fast
        batch = Batch()
        for event, verdict in prepared:
            self._ingest_guarded(uow, event, verdict, batch, settings, received_at)
        return batch

    def _ingest_guarded(
        self,
        uow: UnitOfWork,
        event: ProviderEvent,
        verdict: Verdict | None,
        batch: Batch,
        settings: Settings,
        received_at: datetime,
    ) -> None:
        """One event in its own SAVEPOINT: all of it is stored, or none of it and it is kept unparsed
        (half-stored, its redelivery would be a duplicate and the opt-out it carried lost for good)."""
        filed, time_note = filed_at_bounded_time(event, received_at)
        one = Batch()
        try:
            with uow.savepoint():
                self._ingest_one(uow, filed, verdict, one, settings, time_note)
        except BAD_EVENT_ERRORS as exc:
            # Bad data in one event must not fail the batch: a 5xx would make Meta redeliver it for 7 days.
            reason = f"could not store: {type(exc).__name__}: {exc}"
            log.warning("Kept a %s as unparsed: %s", described(event), reason)
            uow.store_unparsed(provider_of(event), reason, raw_of(event))
            batch.result.unparsed += 1
            return
        batch.absorb(one)
        if time_note is not None:
            log.warning("%s: %s", described(event), time_note)

    def _ingest_one(
        self,
        uow: UnitOfWork,
        event: ProviderEvent,
        verdict: Verdict | None,
        batch: Batch,
        settings: Settings,
        time_note: str | None = None,
    ) -> None:
        if isinstance(event, InboundMessage):
            self._inbound(uow, event, verdict, batch, settings, time_note)
        elif isinstance(event, StatusUpdate):
            self._status(uow, event, batch, time_note)
        elif isinstance(event, PreferenceChange):
            self._preference(uow, event, batch, time_note)
        elif isinstance(event, NumberChange):
            self._number_change(uow, event, batch, time_note)
        elif isinstance(event, UnparsedPayload):
            uow.store_unparsed(event.provider, event.reason, event.raw)
            batch.result.unparsed += 1
            log.warning("Kept a %s payload we could not understand: %s", event.provider, event.reason)
        else:
            raise TypeError(f"not a provider event: {type(event).__name__}")

    def _inbound(
        self,
        uow: UnitOfWork,
        msg: InboundMessage,
        verdict: Verdict | None,
        batch: Batch,
        settings: Settings,
        time_note: str | None,
    ) -> None:
        row_id = uow.store_inbound(msg)  # creates/updates the contact (and its name) too
        if row_id is None:
            batch.result.duplicates += 1
            return
        key = self._sender_key(msg.sender)
        batch.result.stored_messages += 1
        batch.touched[key] = None
        batch.arrivals.append(Arrival(key, msg, verdict))
        if (tap := parse_tap(msg.button_payload)) is not None:  # our journey button: an exact choice
            batch.result.applied_event_ids.extend(r.id for r in record_tap(uow, key, msg, tap))
            return
        if verdict is None or not verdict.is_request:
            return
        if verdict.kind is VerdictKind.OPT_OUT:
            batch.opting_out[key] = None
            self._stops.remember(key, msg.occurred_at)
        takes_back = self._stops.takes_back(key, msg, verdict, self._detector)
        closed = takes_back and uow.supersede_pending_opt_outs(key, msg.occurred_at) > 0
        if closed:
            log.info("A correction closed the customer's earlier, undecided opt-out request(s)")
        exact = verdict.rule.startswith(EXACT_RULE_PREFIX)
        automatic = settings.auto_mode and verdict.auto and verdict.confidence >= settings.auto_threshold
        if takes_back:
            # In automatic mode the correction is the opt-in it is: the customer ends opted in.
            automatic = settings.auto_mode
            verdict = replace(verdict, explanation=correction_explanation(closed, applied=automatic))
            self._stops.forget(key)
        if not (exact or automatic):
            batch.result.detections.append(uow.add_detection(row_id, verdict, status="pending"))
            return
        record = uow.append_event(event_from_verdict(key, msg, verdict, exact, time_note))
        uow.add_detection(row_id, verdict, status="auto_applied", event_id=record.id if record else None)
        if record is not None:
            batch.result.applied_event_ids.append(record.id)
            if record.action is ConsentAction.OPT_OUT:
                batch.confirmations.append((record, verdict.language))

    def _status(self, uow: UnitOfWork, status: StatusUpdate, batch: Batch, time_note: str | None) -> None:
        if not uow.apply_status(status):
            batch.result.duplicates += 1
            return
        batch.result.statuses += 1
        opt_out = OPT_OUT_SEND_ERRORS.get((status.provider, status.error_code or 0))
        if status.status != "failed" or opt_out is None:
            return
        category, source = opt_out
        key = uow.contact_key(status.recipient, authoritative=True)
        record = uow.append_event(event_from_send_refusal(key, status, category, source, time_note))
        batch.touched[key] = None
        if record is not None:
            batch.result.applied_event_ids.append(record.id)

    def _preference(
        self, uow: UnitOfWork, pref: PreferenceChange, batch: Batch, time_note: str | None
    ) -> None:
        key = uow.contact_key(pref.contact, authoritative=True)
        record = uow.append_event(event_from_preference(key, pref, time_note))
        batch.touched[key] = None
        if record is None:
            batch.result.duplicates += 1
        else:
            batch.result.applied_event_ids.append(record.id)

    def _number_change(
        self, uow: UnitOfWork, change: NumberChange, batch: Batch, time_note: str | None
    ) -> None:
        old_key = uow.contact_key(change.old, authoritative=True)
        new_key = uow.contact_key(change.new, authoritative=True)
        carried = uow.carry_over(old_key, new_key, change.occurred_at, change.dedupe_key, time_note)
        batch.result.applied_event_ids.extend(record.id for record in carried)
        batch.touched[old_key] = None
        batch.touched[new_key] = None

    def _later(self, job: Callable[[list[J]], None], items: list[J]) -> None:
        if self.confirmation_executor is None:
            return job(items)
        try:
            self.confirmation_executor.submit(job, items)
        except RuntimeError:  # closing: a confirmation with no row is sent at the next start
            log.info("%d answer(s) left undone (shutting down)", len(items))

    def _confirm_all(self, jobs: list[tuple[ConsentEventRecord, str | None]]) -> None:
        for record, language in jobs:
            try:
                self.send_confirmation(record, language)
            except Exception:
                log.exception("Confirmation for opt-out event %d failed", record.id)

    def send_confirmation(self, event_record: ConsentEventRecord, language: str | None) -> SendResult | None:
        """Confirm one opt-out (once, in its language, if the owner wants confirmations)."""
        settings = self.settings
        if not settings.send_confirmations:
            return None
        return self.confirmations.confirm(
            event_record, language, shop_name=settings.shop_name,
            overrides=settings.confirmation_templates, default_region=self.book.default_region,
        )

    def resend_missing_confirmations(self, now: datetime | None = None) -> int:
        """At start: confirm opt-outs with no confirmation row at all (the app stopped in between); one
        marked "sending" may have reached the customer, and a second is worse than none."""
        if not self.settings.send_confirmations:
            return 0
        found = self.book.unconfirmed_opt_outs((now or self.clock()) - RECOVERY_WINDOW)
        # An opt-out undone before its confirmation left (the undo window) must not be confirmed now.
        jobs = [job for job in found if not self.book.may_send(job[0].contact_key, job[0].category).allowed]
        if len(jobs) < len(found):
            log.info("%d unsent confirmation(s) dropped: those opt-outs were undone", len(found) - len(jobs))
        if jobs:
            log.info("Sending %d confirmation(s) that had not gone out", len(jobs))
            self._later(self._confirm_all, jobs)
        return len(jobs)

    def confirm_detection(
        self, det_id: int, decided_by: str = "owner", *, confirm_now: bool = True
    ) -> ConsentEventRecord | None:
        """The owner's "Confirm opt-out": append the event, then the same confirmation logic.

        `confirm_now=False`: the caller holds the confirmation (the undo window) and sends it later
        with `confirm_later`; if the app stops meanwhile, `resend_missing_confirmations` sends it.
        """
        record = self.write(lambda: self.book.resolve_detection(det_id, confirm=True, decided_by=decided_by))
        if confirm_now and record is not None and record.action is ConsentAction.OPT_OUT:
            self.confirm_later(record, self.detected_language(det_id))
        return record

    def detected_language(self, det_id: int) -> str | None:
        detection = self.book.detection(det_id)
        return detection.language if detection else None

    def confirm_later(self, record: ConsentEventRecord, language: str | None) -> None:
        """Send one opt-out's confirmation off the caller's thread (the network pool when there is one)."""
        self._later(self._confirm_all, [(record, language)])
