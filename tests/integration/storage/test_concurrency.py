"""Regression: many threads writing through unit_of_work never see 'database is locked'."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from desktop_app.domain.model import ConsentAction, ContactRef, EventSource, InboundMessage, NewConsentEvent
from desktop_app.storage.book import ConsentBook
from tests.integration.storage.conftest import T0

THREADS = 8
PER_THREAD = 200


def test_eight_threads_by_two_hundred_inserts(book: ConsentBook) -> None:
    def writer(thread_no: int) -> int:
        stored = 0
        for i in range(PER_THREAD):
            phone = f"+1555{thread_no:02d}{i:05d}"
            with book.unit_of_work() as uow:
                key = uow.contact_key(ContactRef(phone))
                if uow.store_inbound(
                    InboundMessage(
                        "demo", f"t{thread_no}-{i}", ContactRef(phone), T0 + timedelta(seconds=i), text="STOP"
                    )
                ):
                    stored += 1
                if i % 4 == 0:
                    uow.append_event(
                        NewConsentEvent(
                            key, "all", ConsentAction.OPT_OUT, T0, EventSource.KEYWORD, "auto:test"
                        )
                    )
            book.may_send(phone, "marketing")  # readers interleave with the writers
        return stored

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(writer, range(THREADS)))  # any OperationalError would re-raise here
    assert results == [PER_THREAD] * THREADS
    assert book.count_conversations() == THREADS * PER_THREAD
    verified = book.verify()
    assert verified.ok and verified.checked == THREADS * PER_THREAD // 4
