"""The consent book as the services see it: typed ports that storage.book.ConsentBook satisfies.

Services type their book with these protocols instead of importing storage, so importing a service
never drags storage (and SQLAlchemy) into the UI's import graph, and mypy still checks every call.
mypy proves storage satisfies them (the ends of storage/book.py and storage/uow.py);
tests/unit/storage/test_ports.py checks the parameters at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from desktop_app.domain.model import (
    CategoryState,
    ConsentEventRecord,
    ContactRef,
    Decision,
    InboundMessage,
    NewConsentEvent,
    StatusUpdate,
    Verdict,
)
from desktop_app.domain.records import DetectionRecord, MessageRecord


class UnitOfWorkPort(Protocol):
    """The writes of one transaction (storage.uow.UnitOfWork); valid only inside its `with` block."""

    def savepoint(self) -> AbstractContextManager[None]:
        """One event's writes: kept when the block ends, undone entirely when it raises."""
        ...

    def contact_key(self, ref: ContactRef, authoritative: bool = True) -> str: ...

    def store_inbound(self, msg: InboundMessage) -> int | None: ...

    def store_outbound(
        self,
        contact_key: str,
        text: str,
        *,
        provider: str,
        provider_message_id: str | None,
        category: str | None,
        sent_at: datetime,
        status: str = "sent",
        kind: str = "text",
        raw: str | None = None,
    ) -> int: ...

    def store_unparsed(self, provider: str, reason: str, raw: Any) -> int: ...

    def apply_status(self, s: StatusUpdate) -> bool: ...

    def add_detection(
        self, message_row_id: int, verdict: Verdict, *, status: str = "pending", event_id: int | None = None
    ) -> int: ...

    def append_event(self, ev: NewConsentEvent) -> ConsentEventRecord | None: ...

    def carry_over(
        self, old_key: str, new_key: str, occurred_at: datetime, dedupe_key: str, evidence: str | None = None
    ) -> list[ConsentEventRecord]: ...

    def consent_states(self, contact_key: str) -> dict[str, CategoryState]: ...

    def category_names(self) -> tuple[str, ...]: ...

    def claim_journey(
        self, *, contact_key: str, kind: str, trigger: str, language: str, message_json: str, at: datetime
    ) -> int | None: ...

    def record_journey(
        self, send_id: int, *, at: datetime, provider_message_id: str | None, error: str | None
    ) -> None: ...

    def supersede_pending_opt_outs(self, contact_key: str, correction_sent_at: datetime) -> int: ...

    def set_cursor(self, name: str, value: str) -> None: ...

    def mark_confirmation(
        self, event_id: int, provider_message_id: str | None, sent_at: datetime | None, status: str | None
    ) -> None: ...


class ConsentGatePort(Protocol):
    """What sending needs: the gate, key resolution, and recording what left."""

    def may_send(self, key_or_phone: str, category: str) -> Decision: ...

    def resolve_key(self, key_or_phone: str) -> str: ...

    def unit_of_work(self) -> AbstractContextManager[UnitOfWorkPort]: ...

    def mark_confirmation(
        self, event_id: int, provider_message_id: str | None, sent_at: datetime | None, status: str | None
    ) -> None: ...

    def event(self, event_id: int) -> ConsentEventRecord | None: ...


class ConsentBookPort(ConsentGatePort, Protocol):
    """What the ingest pipeline and the review decisions need of storage.book.ConsentBook."""

    @property
    def default_region(self) -> str: ...

    @property
    def now(self) -> Callable[[], datetime]: ...

    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str) -> None: ...

    def detection(self, det_id: int) -> DetectionRecord | None: ...

    def resolve_detection(
        self, det_id: int, *, confirm: bool, decided_by: str = "owner"
    ) -> ConsentEventRecord | None: ...

    def unconfirmed_opt_outs(self, since: datetime) -> list[tuple[ConsentEventRecord, str | None]]: ...

    def consent_state(self, contact_key: str) -> dict[str, CategoryState]: ...

    def categories(self) -> list[str]: ...

    def thread(self, contact_key: str, limit: int = 500) -> list[MessageRecord]: ...
