"""A customer's tap on a journey button or list row, turned into the exact ledger events it asks for."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from desktop_app.domain.journeys import JourneyTap, changes_for_scope, changes_for_switch, receiving
from desktop_app.domain.model import (
    ALL,
    CategoryState,
    ConsentEventRecord,
    EventSource,
    InboundMessage,
    NewConsentEvent,
)
from desktop_app.domain.ports import UnitOfWorkPort

log = logging.getLogger(__name__)


def tap_events(
    tap: JourneyTap,
    *,
    contact_key: str,
    states: Mapping[str, CategoryState],
    categories: Sequence[str],
    message_id: str,
    title: str | None,
    at: datetime,
) -> list[NewConsentEvent]:
    """The customer's own choice (recorded at once in every mode, never a pending detection).

    A scope tap changes something only while `all` is opted out; an unknown category changes nothing.
    """
    if tap.scope is not None:
        everything = states.get(ALL)
        changes = changes_for_scope(tap.scope) if everything and everything.state == "opted_out" else []
    elif tap.toggle is not None and (tap.toggle == ALL or tap.toggle in categories):
        changes = changes_for_switch(states, categories, tap.toggle, want=not receiving(states, tap.toggle))
    else:
        log.info("A journey tap names no category of this shop; stored without a consent change")
        return []
    evidence = f"{tap.payload} {title}".strip() if title else tap.payload
    return [
        change.customer_event(
            contact_key,
            at,
            EventSource.BUTTON,
            evidence_text=evidence,
            dedupe_key=f"{message_id}:{change.category}",
            evidence_message_id=message_id,
        )
        for change in changes
    ]

def record_tap(
    uow: UnitOfWorkPort, contact_key: str, msg: InboundMessage, tap: JourneyTap
) -> list[ConsentEventRecord]:
    """Append a tap's events in the ingest transaction: exact, in every mode, with the button as evidence."""
    events = tap_events(
        tap,
        contact_key=contact_key,
        states=uow.consent_states(contact_key),
        categories=uow.category_names(),
        message_id=msg.provider_message_id,
        title=msg.button_text or msg.text,
        at=msg.occurred_at,
    )
    return [record for record in map(uow.append_event, events) if record is not None]
