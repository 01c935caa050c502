"""The consent book on a real SQLite file: storing, deduplicating, deciding, reviewing, reading."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import (
    ConsentAction,
    ContactKind,
    ContactRef,
    EventSource,
    NewConsentEvent,
    StatusUpdate,
    VerdictKind,
)
from desktop_app.domain.phone import PhoneNumberError
from desktop_app.storage import migrate
from desktop_app.storage.book import ConsentBook
from tests.integration.storage.conftest import T0, inbound, verdict


def event(key: str, category: str, action: ConsentAction, at, dedupe: str | None = None) -> NewConsentEvent:
    return NewConsentEvent(key, category, action, at, EventSource.KEYWORD, "auto:test", dedupe_key=dedupe)


def test_new_book_is_wal_full_sync_with_default_categories(book: ConsentBook, book_path: Path) -> None:
    raw = sqlite3.connect(book_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrate.HEAD_REVISION
    finally:
        raw.close()
    with book._write.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert book.categories() == ["all", "marketing", "order_updates"]


@pytest.mark.expect_log(level="WARNING", match=r"is possible but not a valid number")
def test_every_spelling_of_a_number_lands_on_one_contact(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        keys = {
            uow.contact_key(ContactRef("15550101234")),  # WhatsApp wa_id
            uow.contact_key(ContactRef("+1 (555) 010-1234"), authoritative=False),
            uow.contact_key(ContactRef("whatsapp:+15550101234")),
            uow.contact_key(ContactRef("555-010-1234", name="Ann"), authoritative=False),  # default region US
        }
        uk = {uow.contact_key(ContactRef("0044 20 7946 0958")), uow.contact_key(ContactRef("+442079460958"))}
        user = uow.contact_key(ContactRef("US.1234567890", kind=ContactKind.USER_ID))
    assert keys == {"+15550101234"}
    assert uk == {"+442079460958"}
    assert user == "US.1234567890"
    assert book.contact("+15550101234").name == "Ann"
    assert book.contact("US.1234567890").kind == "user_id"


def test_impossible_numbers_are_refused_and_nothing_is_stored(book: ConsentBook) -> None:
    for bad in ("12", "not a number", "+999 123"):
        with pytest.raises(PhoneNumberError, match=r"phone number|country code"), book.unit_of_work() as uow:
            uow.contact_key(ContactRef("+15550101234"))
            uow.contact_key(ContactRef(bad), authoritative=False)
    assert book.contact("+15550101234") is None  # the whole unit of work rolled back


def test_same_delivery_twice_stores_one_message(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        first = uow.store_inbound(inbound("wamid.A", text="hello"))
    with book.unit_of_work() as uow:
        again = uow.store_inbound(inbound("wamid.A", text="hello"))
        other_provider = uow.store_inbound(
            inbound("wamid.A", text="hello").__class__(
                "twilio", "wamid.A", ContactRef("15550101234"), T0, text="hi"
            )
        )
    assert isinstance(first, int)
    assert again is None
    assert isinstance(other_provider, int) and other_provider != first
    assert len(book.thread("+15550101234")) == 2
    assert book.contact("+15550101234").unread_count == 2


def test_opt_out_of_all_blocks_every_category_and_marketing_only_blocks_marketing(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        uow.append_event(event("+15550101234", "marketing", ConsentAction.OPT_OUT, T0))
        uow.append_event(event("+15550105678", "all", ConsentAction.OPT_OUT, T0))
    marketing = book.may_send("+1 555 010 1234", "marketing")
    assert not marketing.allowed and "marketing" in marketing.reason and marketing.event_id == 1
    assert book.may_send("+15550101234", "order_updates").allowed
    for category in ("marketing", "order_updates", "all"):
        decision = book.may_send("15550105678", category)
        assert not decision.allowed and "all messages" in decision.reason
    assert book.may_send("+15550109999", "marketing") == book.may_send("+15550109999", "marketing")
    assert book.may_send("+15550109999", "marketing").allowed
    with pytest.raises(ValueError, match="unknown consent category"):
        book.may_send("+15550101234", "marketting")
    with pytest.raises(PhoneNumberError):
        book.may_send("+1 555", "marketing")
    assert book.may_send("US.12345", "marketing").allowed  # a username-only WhatsApp user id


def test_state_follows_occurred_at_not_arrival_order(book: ConsentBook) -> None:
    key = "+15550101234"
    with book.unit_of_work() as uow:
        uow.append_event(event(key, "all", ConsentAction.OPT_OUT, T0 + timedelta(minutes=5)))
    with book.unit_of_work() as uow:  # an opt-in from before the opt-out, delivered late
        uow.append_event(event(key, "all", ConsentAction.OPT_IN, T0))
    assert not book.may_send(key, "marketing").allowed
    assert book.consent_state(key)["all"].event_id == 1
    with book.unit_of_work() as uow:
        uow.append_event(event(key, "all", ConsentAction.OPT_IN, T0 + timedelta(minutes=9)))
    assert book.may_send(key, "marketing").allowed
    assert book.rebuild_state() == 1
    assert book.consent_state(key)["all"].event_id == 3


def test_dedupe_key_appends_once(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        first = uow.append_event(
            event("+15550101234", "all", ConsentAction.OPT_OUT, T0, dedupe="meta:pref:1")
        )
        second = uow.append_event(
            event("+15550101234", "all", ConsentAction.OPT_OUT, T0, dedupe="meta:pref:1")
        )
    assert first is not None and second is None
    assert len(book.history("+15550101234")) == 1
    with book.unit_of_work() as uow:  # seen in an earlier transaction; the chain goes on from row 1
        again = uow.append_event(event("+15550101234", "all", ConsentAction.OPT_OUT, T0, "meta:pref:1"))
        third = uow.append_event(event("+15550101234", "all", ConsentAction.OPT_IN, T0, "meta:pref:2"))
    assert again is None and third is not None and third.id == 2
    assert book.verify().ok


def test_review_queue_confirm_dismiss_reopen(book: ConsentBook, clock) -> None:
    with book.unit_of_work() as uow:
        m1 = uow.store_inbound(inbound("wamid.1", text="please stop texting me", name="Ann"))
        m2 = uow.store_inbound(
            inbound("wamid.2", phone="15550107777", text="stop by later?", at=T0 + timedelta(1))
        )
        d1 = uow.add_detection(m1, verdict(source=EventSource.PHRASE))
        d2 = uow.add_detection(m2, verdict())
    pending = book.pending_detections()
    assert [d.id for d in pending] == [d1, d2]  # oldest first
    assert pending[0].message_text == "please stop texting me" and pending[0].contact_name == "Ann"
    assert pending[0].spans == ((0, 4),) and pending[0].kind is VerdictKind.OPT_OUT
    assert book.count_conversations("needs_review") == 2

    clock.advance(hours=3)
    record = book.resolve_detection(d1, confirm=True)
    assert record is not None
    assert record.occurred_at == T0  # the customer's message time, not the click time
    assert record.source is EventSource.PHRASE and record.decided_by == "owner"
    assert record.evidence_message_id == "wamid.1"
    assert book.resolve_detection(d2, confirm=False) is None
    assert book.pending_detections() == []
    assert book.may_send("+15550107777", "marketing").allowed  # dismissed: no ledger event
    assert len(book.history("+15550107777")) == 0
    with pytest.raises(ValueError, match="not pending"):
        book.resolve_detection(d1, confirm=True)

    book.reopen_detection(d2)
    assert [d.id for d in book.pending_detections()] == [d2]
    assert book.count_conversations("needs_review") == 1


def test_reversal_is_a_new_event_and_does_not_override_later_requests(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        m1 = uow.store_inbound(inbound("wamid.1", text="STOP"))
        rec = uow.append_event(event("+15550101234", "all", ConsentAction.OPT_OUT, T0))
        d1 = uow.add_detection(m1, verdict(), status="auto_applied", event_id=rec.id)
    assert [d.id for d in book.auto_applied_detections()] == [d1]
    reversal = book.reverse_detection(d1)
    assert reversal.action is ConsentAction.OPT_IN and reversal.source is EventSource.REVERSAL
    assert book.may_send("+15550101234", "marketing").allowed
    assert [e.action for e in book.history("+15550101234")] == [ConsentAction.OPT_OUT, ConsentAction.OPT_IN]
    with pytest.raises(ValueError, match="reversed"):
        book.reverse_detection(d1)
    book.rebuild_state()  # same occurred_at as the reversed event: the later row wins in rebuild too
    assert book.may_send("+15550101234", "marketing").allowed

    # a later genuine opt-out stays in force when an earlier auto-applied one is reversed
    with book.unit_of_work() as uow:
        m2 = uow.store_inbound(inbound("wamid.2", phone="15550102222", text="STOP"))
        early = uow.append_event(event("+15550102222", "all", ConsentAction.OPT_OUT, T0))
        d2 = uow.add_detection(m2, verdict(), status="auto_applied", event_id=early.id)
        uow.append_event(event("+15550102222", "all", ConsentAction.OPT_OUT, T0 + timedelta(days=1)))
    book.reverse_detection(d2)
    assert not book.may_send("+15550102222", "marketing").allowed


def test_statuses_are_deduplicated_and_only_move_forward(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        key = uow.contact_key(ContactRef("15550101234"))
        rec = uow.append_event(event(key, "all", ConsentAction.OPT_OUT, T0))
        out = uow.store_outbound(
            key,
            "You are unsubscribed.",
            provider="meta",
            provider_message_id="wamid.out",
            category=None,
            sent_at=T0,
        )
    book.mark_confirmation(rec.id, "wamid.out", T0, "sent")

    def status(name: str, minutes: int) -> StatusUpdate:
        return StatusUpdate(
            "meta", "wamid.out", ContactRef("15550101234"), name, T0 + timedelta(minutes=minutes)
        )

    with book.unit_of_work() as uow:
        assert uow.apply_status(status("read", 2)) is True
        assert uow.apply_status(status("delivered", 1)) is True  # late, must not downgrade
        assert uow.apply_status(status("read", 2)) is False
    [message] = [m for m in book.thread(key) if m.id == out]
    assert message.status == "read"
    [history] = book.history(key)
    assert history.confirmation_message_id == "wamid.out" and history.confirmation_status == "read"


def test_conversations_are_paged_filtered_and_searchable(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        for i in range(30):
            uow.store_inbound(
                inbound(
                    f"w{i}",
                    phone=f"1555010{i:04d}",
                    text=f"msg {i}",
                    at=T0 + timedelta(minutes=i),
                    name=f"Customer {i}",
                )
            )
        uow.append_event(event("+15550100003", "marketing", ConsentAction.OPT_OUT, T0))
    first = book.conversations(limit=10)
    assert [c.last_text for c in first] == [f"msg {i}" for i in range(29, 19, -1)]
    assert [c.contact_key for c in book.conversations(offset=10, limit=2)] == ["+15550100019", "+15550100018"]
    assert book.count_conversations() == 30
    opted = book.conversations("opted_out")
    assert [c.contact_key for c in opted] == ["+15550100003"] and opted[0].opted_out
    assert book.count_conversations(search="Customer 1") == 11  # 1 and 10..19
    assert book.count_conversations(search="100%") == 0  # LIKE wildcards are escaped
    book.mark_read("+15550100029")
    assert book.conversations(limit=1)[0].unread_count == 0


def test_unparsed_payloads_and_cursors_are_kept(book: ConsentBook, book_path: Path) -> None:
    with book.unit_of_work() as uow:
        uow.store_unparsed("meta", "missing key 'entry'", {"object": "whatsapp_business_account"})
    assert book.get_cursor("twilio") is None
    book.set_cursor("twilio", "2026-03-02T09:00:00Z")
    book.set_cursor("twilio", "2026-03-02T10:00:00Z")
    assert book.get_cursor("twilio") == "2026-03-02T10:00:00Z"
    raw = sqlite3.connect(book_path)
    try:
        assert raw.execute("SELECT reason, raw FROM unparsed_payloads").fetchall() == [
            ("missing key 'entry'", '{"object": "whatsapp_business_account"}')
        ]
    finally:
        raw.close()


def test_error_inside_unit_of_work_rolls_everything_back(book: ConsentBook) -> None:
    with pytest.raises(RuntimeError, match="boom"), book.unit_of_work() as uow:
        uow.store_inbound(inbound("wamid.X"))
        uow.append_event(event("+15550101234", "all", ConsentAction.OPT_OUT, T0))
        raise RuntimeError("boom")
    assert book.thread("+15550101234") == []
    assert book.may_send("+15550101234", "marketing").allowed
    assert book.verify().checked == 0


def test_consent_page_filters_search_and_paging(book: ConsentBook, clock) -> None:
    with book.unit_of_work() as uow:
        uow.contact_key(ContactRef("15550100001", name="Ann Smith"))
        uow.append_event(event("+15550100001", "marketing", ConsentAction.OPT_OUT, T0))
        uow.append_event(event("+15550100002", "all", ConsentAction.OPT_IN, T0))
    clock.advance(days=10)
    with book.unit_of_work() as uow:
        uow.append_event(event("+15550100003", "all", ConsentAction.OPT_OUT, T0 + timedelta(days=9)))
    assert [(r.contact_key, r.category) for r in book.consent_page("opted_out")] == [
        ("+15550100003", "all"),  # most recently changed first
        ("+15550100001", "marketing"),
    ]
    assert [r.contact_key for r in book.consent_page("opted_in")] == ["+15550100002"]
    assert [r.contact_key for r in book.consent_page("changed_this_week")] == ["+15550100003"]
    [ann] = book.consent_page(search="smith")
    assert (ann.contact_key, ann.name, ann.state, ann.event_id) == (
        "+15550100001",
        "Ann Smith",
        "opted_out",
        1,
    )
    assert book.count_consent(search="0100002") == 1 and book.count_consent() == 3
    assert [r.contact_key for r in book.consent_page(offset=1, limit=1)] == ["+15550100001"]
    with pytest.raises(ValueError, match="unknown consent filter"):
        book.consent_page("everyone")


def test_number_change_carries_current_opt_outs_only_once(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        uow.append_event(event("+15550101234", "marketing", ConsentAction.OPT_OUT, T0))
        uow.append_event(event("+15550101234", "order_updates", ConsentAction.OPT_OUT, T0))
        uow.append_event(
            event("+15550101234", "order_updates", ConsentAction.OPT_IN, T0 + timedelta(hours=1))
        )
    moved = T0 + timedelta(days=1)
    with book.unit_of_work() as uow:
        carried = uow.carry_over("+15550101234", "+15550109876", moved, "meta:change:1")
        again = uow.carry_over("+15550101234", "+15550109876", moved, "meta:change:1")
    assert [(r.category, r.source, r.occurred_at) for r in carried] == [
        ("marketing", EventSource.NUMBER_CHANGE, moved)
    ]
    assert again == []
    assert not book.may_send("+15550109876", "marketing").allowed
    assert book.may_send("+15550109876", "order_updates").allowed
    assert book.contact("+15550109876").opted_out


def test_shop_categories(book: ConsentBook) -> None:
    book.add_category("newsletter")
    book.add_category("newsletter")
    assert book.categories() == ["all", "marketing", "order_updates", "newsletter"]
    with pytest.raises(ValueError, match="lower-case"):
        book.add_category("Bad Name")
    with book.unit_of_work() as uow:
        uow.append_event(event("+15550101234", "newsletter", ConsentAction.OPT_OUT, T0))
    assert not book.may_send("+15550101234", "newsletter").allowed
    assert book.may_send("+15550101234", "marketing").allowed
    assert book.status_json("+15550101234")["may_send"]["newsletter"] is False
    reopened = ConsentBook.open(book.path)
    try:
        assert "newsletter" in reopened.categories()
    finally:
        reopened.close()
    with pytest.raises(ValueError, match="unknown consent category"), book.unit_of_work() as uow:
        uow.append_event(event("+15550101234", "coupons", ConsentAction.OPT_OUT, T0))
