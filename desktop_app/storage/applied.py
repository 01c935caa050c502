"""Consent changes applied without the owner that no detection stands for: WhatsApp's own Stop option."""

from __future__ import annotations

from sqlalchemy import Connection

from desktop_app.domain.model import ConsentEventRecord, EventSource
from desktop_app.storage.models import ConsentEvent, Contact
from desktop_app.storage.reads import event_record, events_query


def preference_changes(
    conn: Connection, limit: int
) -> list[tuple[ConsentEventRecord, str | None]]:
    """Newest first, with the contact's name: what customers changed in WhatsApp's own menu."""
    query = (
        events_query()
        .add_columns(Contact.name.label("contact_name"))
        .outerjoin(Contact, Contact.key == ConsentEvent.contact_key)
        .where(ConsentEvent.source == EventSource.META_PREFERENCE.value)
        .order_by(ConsentEvent.id.desc())
        .limit(limit)
    )
    return [(event_record(row._mapping), row._mapping["contact_name"]) for row in conn.execute(query)]
