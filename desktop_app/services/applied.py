"""Reads beyond UiBook: WhatsApp's own Stop option for "Applied automatically", dashboard extras."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from desktop_app.domain.dashboard import DashboardExtras
from desktop_app.domain.model import ConsentAction, ConsentEventRecord, EventSource, VerdictKind
from desktop_app.domain.records import DetectionRecord
from desktop_app.services.paging import Page, offset_of, page_of

WHATSAPP_OPTION_RULE = "whatsapp:stop_option"
WHATSAPP_OPTION_WORDS = "Used WhatsApp's own Stop option"


@runtime_checkable
class PreferenceChangeReader(Protocol):
    def preference_changes(self, limit: int) -> list[tuple[ConsentEventRecord, str | None]]: ...


@runtime_checkable
class DashboardReader(Protocol):
    def dashboard_extras(self, weeks: int) -> DashboardExtras: ...


def is_whatsapp_option(row: DetectionRecord) -> bool:
    """A row that stands for the customer's own choice in WhatsApp: no detection to reverse."""
    return row.rule == WHATSAPP_OPTION_RULE


def as_row(event: ConsentEventRecord, contact_name: str | None) -> DetectionRecord:
    """A WhatsApp preference change shown like an applied detection (its id is the event's, negated)."""
    return DetectionRecord(
        id=-event.id,
        message_id=0,
        contact_key=event.contact_key,
        contact_name=contact_name,
        message_text=event.evidence_text or WHATSAPP_OPTION_WORDS,
        message_at=event.occurred_at,
        kind=VerdictKind.OPT_OUT if event.action is ConsentAction.OPT_OUT else VerdictKind.OPT_IN,
        scope=event.category,
        confidence=1.0,
        auto=True,
        rule=WHATSAPP_OPTION_RULE,
        language=None,
        explanation="",
        spans=(),
        source=EventSource.META_PREFERENCE,
        status="auto_applied",
        created_at=event.recorded_at,
        event_id=event.id,
        decided_by="customer",
    )


def applied_page(
    detections: Callable[[int], list[DetectionRecord]],
    preference_changes: Callable[[int], list[DetectionRecord]],
    after: object | None,
    limit: int,
) -> Page[DetectionRecord]:
    """Both lists merged newest first; each source is read up to the end of the requested page."""
    offset = offset_of(after)
    wanted = offset + limit
    merged = sorted(
        [*detections(wanted), *preference_changes(wanted)], key=lambda row: row.message_at, reverse=True
    )
    return page_of(merged[offset:wanted], offset, limit)
