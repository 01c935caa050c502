"""Owner decisions on detections: confirm, dismiss, reopen, reverse; every change is a new ledger row."""

from __future__ import annotations

from desktop_app.domain.consent import parse_iso
from desktop_app.domain.model import (
    ALL,
    ConsentAction,
    ConsentEventRecord,
    EventSource,
    NewConsentEvent,
    VerdictKind,
)
from desktop_app.domain.records import BookCorruptError
from desktop_app.storage.uow import UnitOfWork

APPLIED = ("auto_applied", "confirmed")


def resolve(uow: UnitOfWork, det_id: int, *, confirm: bool, decided_by: str) -> ConsentEventRecord | None:
    """Confirm a pending detection (ledger event dated at the customer's message) or dismiss it."""
    det = uow.detection_for_decision(det_id)
    if det["status"] != "pending":
        raise ValueError(f"detection {det_id} is {det['status']}, not pending")
    record = None
    if confirm:
        if det["kind"] == VerdictKind.NONE.value:
            raise ValueError(f"detection {det_id} found no request; there is nothing to confirm")
        record = uow.append_event(
            NewConsentEvent(
                contact_key=det["contact_key"],
                category=det["scope"] or ALL,
                action=ConsentAction(det["kind"]),
                occurred_at=parse_iso(det["occurred_at"]),  # type: ignore[arg-type]
                source=EventSource(det["source"]) if det["source"] else EventSource.MANUAL,
                decided_by=decided_by,
                evidence_message_id=det["provider_message_id"],
                evidence_text=det["text"],
                dedupe_key=f"detection:{det_id}",
            )
        )
        uow.set_detection_status(
            det_id, "confirmed", decided_by=decided_by, event_id=record.id if record else None
        )
    else:
        uow.set_detection_status(det_id, "dismissed", decided_by=decided_by)
    uow.adjust_pending(det["message_id"], -1)
    return record


def reopen(uow: UnitOfWork, det_id: int) -> None:
    """Undo a dismissal: the detection goes back to the review queue."""
    det = uow.detection_for_decision(det_id)
    if det["status"] != "dismissed":
        raise ValueError(f"only a dismissed detection can be reopened; {det_id} is {det['status']}")
    uow.set_detection_status(det_id, "pending", decided_by=None)
    uow.adjust_pending(det["message_id"], +1)


def reverse(uow: UnitOfWork, det_id: int, *, decided_by: str) -> ConsentEventRecord:
    """Append the opposite of an applied detection's event (source reversal), dated like that event.

    Same occurred_at and a later row: it overrides the reversed event but never a later request.
    """
    det = uow.detection_for_decision(det_id)
    if det["status"] not in APPLIED or det["event_id"] is None:
        raise ValueError(f"detection {det_id} is {det['status']}; only an applied one can be reversed")
    original = uow.event_row(int(det["event_id"]))
    if original is None:
        raise BookCorruptError(
            f"detection {det_id} points at ledger event {det['event_id']}, which is missing"
        )
    opposite = (
        ConsentAction.OPT_IN if original["action"] == ConsentAction.OPT_OUT.value else ConsentAction.OPT_OUT
    )
    record = uow.append_event(
        NewConsentEvent(
            contact_key=original["contact_key"],
            category=original["category"],
            action=opposite,
            occurred_at=parse_iso(original["occurred_at"]),  # type: ignore[arg-type]
            source=EventSource.REVERSAL,
            decided_by=decided_by,
            evidence_message_id=det["provider_message_id"],
            evidence_text=det["text"],
            note=f"reverses ledger event {original['id']} (detection {det_id})",
            dedupe_key=f"reversal:{original['id']}",
        )
    )
    if record is None:
        raise ValueError(f"ledger event {original['id']} was already reversed")
    uow.set_detection_status(det_id, "reversed", decided_by=decided_by)
    return record
