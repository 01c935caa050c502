"""The consent table by contact: every contact once, latest change first, keyset pages, filters, counts."""

from __future__ import annotations

from datetime import timedelta

from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.storage.book import ConsentBook
from tests.integration.storage.conftest import T0


def record(book: ConsentBook, choices: list[tuple[str, str, ConsentAction, int]]) -> None:
    with book.unit_of_work() as uow:  # one transaction: many rows share one changed_at
        for key, category, action, minutes in choices:
            when = T0 - timedelta(days=30) + timedelta(minutes=minutes)
            uow.append_event(NewConsentEvent(key, category, action, when, EventSource.MANUAL, "owner"))


def every_page(book: ConsentBook, filter: str = "all", search: str | None = None, limit: int = 3):
    rows, after = [], None
    while True:
        page = book.contact_consent_page(filter, search, after, limit)
        rows.extend(page)
        if len(page) < limit:
            return rows
        after = page[-1].position


def test_each_contact_once_with_every_category_and_pages_that_neither_skip_nor_repeat(book: ConsentBook):
    choices = [(f"+1555010{i:04d}", "marketing", ConsentAction.OPT_OUT, i) for i in range(10)]
    choices += [(f"+1555010{i:04d}", "order_updates", ConsentAction.OPT_IN, i) for i in range(0, 10, 2)]
    record(book, choices)
    rows = every_page(book)
    assert sorted(row.contact_key for row in rows) == sorted({key for key, *_ in choices})
    states = {row.contact_key: row.states for row in rows}
    assert states["+15550100000"] == {"marketing": "opted_out", "order_updates": "opted_in"}
    assert states["+15550100001"] == {"marketing": "opted_out"}
    assert book.count_contact_consent() == 10
    assert rows == book.contact_consent_page(limit=100)  # the same order in one page or many


def test_filters_and_search_by_contact(book: ConsentBook):
    record(
        book,
        [
            ("+15550100001", "marketing", ConsentAction.OPT_OUT, 0),
            ("+15550100001", "order_updates", ConsentAction.OPT_IN, 1),
            ("+15550100002", "all", ConsentAction.OPT_OUT, 2),
            ("+15550100003", "marketing", ConsentAction.OPT_IN, 3),
        ],
    )
    keys = lambda rows: [row.contact_key for row in rows]  # noqa: E731
    assert keys(every_page(book, "opted_out")) == ["+15550100002", "+15550100001"]
    assert keys(every_page(book, "opted_in")) == ["+15550100003", "+15550100001"]
    assert book.count_contact_consent("opted_out") == 2 and book.count_contact_consent("opted_in") == 2
    assert keys(every_page(book, "all", "0100003")) == ["+15550100003"]
    assert book.count_contact_consent("all", "0100003") == 1
    assert keys(every_page(book, "changed_this_week")) == keys(every_page(book))  # recorded "now"
    assert book.count_contact_consent("changed_this_week") == 3
