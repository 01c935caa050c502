"""Review decisions: the pending queue, confirm/dismiss/undo/reverse, and manual consent changes.

Every method that changes the book is a write: the UI runs it on the book writer (one thread), so
the undo list is only ever touched there. Reads (`pending`, `pending_count`, ...) may run on any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from desktop_app.domain.model import ConsentAction, ConsentEventRecord, EventSource, NewConsentEvent
from desktop_app.domain.records import DetectionRecord
from desktop_app.services.confirmation_hold import ConfirmationHold
from desktop_app.services.paging import Page, offset_of, page_of
from desktop_app.services.wording import display_number, what_they_asked, who

if TYPE_CHECKING:
    from desktop_app.services.ui_ports import UiBook

UNDO_DEPTH = 20
PENDING_CAP = 200  # one review page: a refresh reads at most this many pending requests


@dataclass
class _Undo:
    description: str
    run: Callable[[], str | None]  # a sentence when the undo could not (fully) be done


class Confirmer(Protocol):
    """The ingest pipeline's part in a confirmed request (services.ingest.IngestPipeline)."""

    def confirm_detection(
        self, det_id: int, decided_by: str = "owner", *, confirm_now: bool = True
    ) -> ConsentEventRecord | None: ...

    def detected_language(self, det_id: int) -> str | None: ...

    def confirm_later(self, record: ConsentEventRecord, language: str | None) -> None: ...


class ReviewService:
    """The owner's decisions on detected requests, with a short undo list."""

    def __init__(
        self,
        book: UiBook,
        confirmer: Confirmer,
        auto_mode: Callable[[], bool],
        hold: ConfirmationHold | None = None,
    ) -> None:
        self._book = book
        self._confirmer = confirmer
        # The confirmation of an owner's "Confirm" waits out the undo window before it leaves.
        self.hold = hold or ConfirmationHold(confirmer.confirm_later)
        self._auto_mode = auto_mode
        self._undo: list[_Undo] = []
        self._lock = threading.Lock()
        self._generation = 0  # bumped by invalidate(): a snapshot read before it is not kept
        self._pending_cache: list[DetectionRecord] | None = None

    # -- reading ---------------------------------------------------------------------------------
    def pending(self, *, after: object | None = None, limit: int = 200) -> Page[DetectionRecord]:
        offset = offset_of(after)
        snapshot = self.pending_snapshot()
        if offset + limit <= PENDING_CAP or len(snapshot) <= PENDING_CAP:
            return page_of(snapshot[offset : offset + limit], offset, limit)
        return page_of(self._book.pending_detections(limit=offset + limit)[offset:], offset, limit)

    def pending_count(self) -> int:
        """How many requests wait; PENDING_CAP + 1 means "more than PENDING_CAP"."""
        return len(self.pending_snapshot())

    def pending_label(self) -> str:
        return label_for(self.pending_count())

    def invalidate(self) -> None:
        """Forget cached reads; called after every batch the pipeline commits and every decision."""
        with self._lock:
            self._generation += 1
            self._pending_cache = None

    def pending_snapshot(self) -> list[DetectionRecord]:
        """The oldest pending requests (up to PENDING_CAP + 1), read once per change, not per page or label.

        The cap keeps a refresh cheap after a day offline with thousands of requests waiting.
        """
        with self._lock:
            cached, generation = self._pending_cache, self._generation
        if cached is not None:
            return cached
        fresh = self._book.pending_detections(limit=PENDING_CAP + 1)
        with self._lock:
            if generation == self._generation:
                self._pending_cache = fresh
        return fresh

    def auto_applied(self, *, after: object | None = None, limit: int = 200) -> Page[DetectionRecord]:
        offset = offset_of(after)
        rows = self._book.auto_applied_detections(limit=offset + limit)[offset:]
        return page_of(rows, offset, limit)

    def auto_mode_enabled(self) -> bool:
        return self._auto_mode()

    def can_undo(self) -> bool:
        return bool(self._undo)

    # -- deciding (writes: run on the book writer) -----------------------------------------------
    def confirm(self, detection_id: int) -> str:
        self.hold.release_all()  # the owner moved on: earlier confirmations leave now
        detection, record = self._confirm_held(detection_id)
        self._push_undo(
            f"confirmation for {who(detection)}", lambda: self._take_back(detection_id, detection, record)
        )
        return f"Recorded: {who(detection)} {what_they_asked(detection)}."

    def dismiss(self, detection_id: int) -> str:
        self.hold.release_all()
        detection = self._decide(detection_id, confirm=False)
        self._push_undo(f"dismissal for {who(detection)}", lambda: self._reopen(detection_id))
        return f"Dismissed the request from {who(detection)}."

    def confirm_many(self, detection_ids: list[int]) -> str:
        self.hold.release_all()
        done = [(i, *self._confirm_held(i)) for i in detection_ids]

        def undo() -> str | None:
            refusals = [self._take_back(i, detection, record) for i, detection, record in done]
            kept = [r for r in refusals if r]
            if not kept:
                return None
            if len(kept) == 1:
                return kept[0]
            return (
                f"{len(kept)} of them were already told no more messages will come and stay opted out; "
                "only they can opt back in (by replying START)."
            )

        self._push_undo(f"{len(done)} confirmations", undo)
        return f"Recorded {len(done)} request{'s' if len(done) != 1 else ''}."

    def dismiss_many(self, detection_ids: list[int]) -> str:
        self.hold.release_all()
        done = [self._decide(i, confirm=False) for i in detection_ids]

        def undo() -> None:
            for detection_id in detection_ids:
                self._book.reopen_detection(detection_id)

        self._push_undo(f"{len(done)} dismissals", undo)
        if len(done) == 1:
            return f"Dismissed the request from {who(done[0])}."
        return f"Dismissed {len(done)} requests."

    def reverse(self, detection_id: int) -> str:
        detection = self._book.detection(detection_id)
        self._book.reverse_detection(detection_id, decided_by="owner")
        self.invalidate()
        return f"Reversed the decision for {who(detection)}; the consent book keeps both entries."

    def undo(self) -> str | None:
        """Undo the owner's last decision: a dismissal reopens, a confirmation is reversed in the ledger."""
        if not self._undo:
            return None
        entry = self._undo.pop()
        refusal = entry.run()
        self.invalidate()
        return refusal or f"Undone: {entry.description}."

    def change_consent(self, contact_key: str, category: str, action: ConsentAction, reason: str) -> str:
        if not reason.strip():
            raise ValueError("Please give a reason; it is kept in the consent book.")
        if category not in self._book.categories():
            raise ValueError(f"Unknown category {category!r}.")
        with self._book.unit_of_work() as uow:
            record = uow.append_event(
                NewConsentEvent(
                    contact_key=contact_key,
                    category=category,
                    action=action,
                    occurred_at=self._book.now(),
                    source=EventSource.MANUAL,
                    decided_by="owner",
                    note=reason.strip(),
                )
            )
        self.invalidate()
        if record is None:
            raise ValueError("That change was already recorded.")
        verb = "opted out of" if action is ConsentAction.OPT_OUT else "opted in to"
        return (
            f"Recorded: {display_number(contact_key)} {verb} {category.replace('_', ' ')} ({reason.strip()})."
        )

    def _decide(self, detection_id: int, *, confirm: bool) -> DetectionRecord:
        detection = self._book.detection(detection_id)
        if detection is None:
            raise ValueError(f"That request (number {detection_id}) no longer exists.")
        if confirm:  # the pipeline appends the event and sends the one confirmation
            self._confirmer.confirm_detection(detection_id, decided_by="owner")
        else:
            self._book.resolve_detection(detection_id, confirm=confirm, decided_by="owner")
        self.invalidate()
        return detection

    def _confirm_held(self, detection_id: int) -> tuple[DetectionRecord, ConsentEventRecord | None]:
        """Record the opt-out now; its confirmation waits in the hold for the undo window."""
        detection = self._book.detection(detection_id)
        if detection is None:
            raise ValueError(f"That request (number {detection_id}) no longer exists.")
        record = self._confirmer.confirm_detection(detection_id, decided_by="owner", confirm_now=False)
        if record is not None and record.action is ConsentAction.OPT_OUT:
            self.hold.hold(record, detection.language)
        self.invalidate()
        return detection, record

    def _take_back(
        self, detection_id: int, detection: DetectionRecord, record: ConsentEventRecord | None
    ) -> str | None:
        """Undo a confirmation while its confirmation has not left; after that, say why it can't be."""
        opt_out = record is not None and record.action is ConsentAction.OPT_OUT
        if record is not None and opt_out and not self.hold.take_back(record.id):
            stored = self._book.event(record.id)
            if self.hold.was_released(record.id) or (stored is not None and stored.confirmation_status):
                name = who(detection)
                return (
                    f"Not undone: {name} was already told no more messages will come. "
                    f"Only {name} can opt back in (by replying START)."
                )
        self._book.reverse_detection(detection_id, decided_by="owner")
        self.invalidate()
        return None

    def _reopen(self, detection_id: int) -> None:
        self._book.reopen_detection(detection_id)

    def _push_undo(self, description: str, run: Callable[[], str | None]) -> None:
        self._undo.append(_Undo(description, run))
        del self._undo[:-UNDO_DEPTH]


def label_for(count: int) -> str:
    """A pending count as the owner reads it: "200+" beyond one review page."""
    return f"{PENDING_CAP:,}+" if count > PENDING_CAP else f"{count:,}"
