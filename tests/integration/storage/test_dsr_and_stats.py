"""Data-subject export/erasure and the weekly dashboard figures."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from desktop_app.domain.model import ConsentAction, ContactRef, EventSource, NewConsentEvent, StatusUpdate
from desktop_app.storage.book import ConsentBook
from tests.integration.storage.conftest import T0, Clock, inbound, verdict


def test_export_contact_has_everything_and_is_json_serialisable(book: ConsentBook) -> None:
    with book.unit_of_work() as uow:
        mid = uow.store_inbound(inbound("w1", text="please stop", name="Ann"))
        uow.add_detection(mid, verdict(source=EventSource.PHRASE))
        uow.store_inbound(inbound("w2", phone="15550109999", text="other person"))
    book.resolve_detection(1, confirm=True)
    data = book.export_contact("+1 555 010 1234")
    json.dumps(data)
    assert data["contact"]["name"] == "Ann"
    assert [m["text"] for m in data["messages"]] == ["please stop"]
    assert data["detections"][0]["spans"] == [[0, 4]]
    assert data["consent_events"][0]["evidence_text"] == "please stop"
    assert data["consent_state"][0]["state"] == "opted_out"


def test_erasure_blanks_contents_but_keeps_the_opt_out_proof(book: ConsentBook, book_path: Path) -> None:
    with book.unit_of_work() as uow:
        mid = uow.store_inbound(inbound("w1", text="STOP, I am Ann from 12 High St", name="Ann"))
        uow.store_inbound(inbound("w2", text="hello again"))
        uow.store_unparsed("meta", "unknown shape", {"from": "15550101234", "body": "hello again, odd shape"})
        uow.store_unparsed("meta", "unknown shape", {"from": "15550109999", "body": "someone else"})
        rec = uow.append_event(
            NewConsentEvent(
                "+15550101234",
                "all",
                ConsentAction.OPT_OUT,
                T0,
                EventSource.KEYWORD,
                "auto:t",
                evidence_message_id="w1",
                evidence_text="STOP",
            )
        )
        uow.add_detection(mid, verdict(), status="auto_applied", event_id=rec.id)
    assert len(book.export_contact("+15550101234")["unparsed_payloads_mentioning_them"]) == 1
    assert book.erase_contact_messages("+15550101234") == 2
    assert book.erase_contact_messages("+15550101234") == 0
    thread = book.thread("+15550101234")
    assert [(m.text, m.erased) for m in thread] == [(None, True), (None, True)]
    assert book.contact("+15550101234").name is None
    assert not book.may_send("+15550101234", "marketing").allowed
    assert book.history("+15550101234")[0].evidence_text == "STOP"
    assert book.verify().ok
    raw = sqlite3.connect(book_path)
    try:
        dump = "\n".join(raw.iterdump())
    finally:
        raw.close()
    assert "High St" not in dump and "hello again" not in dump
    assert "someone else" in dump  # other people's data is untouched


def test_weekly_stats_counts_by_week_source_category_and_delivery(book: ConsentBook, clock: Clock) -> None:
    clock.current = T0 + timedelta(days=10)  # T0 is Monday 2026-03-02; now is in the week of 2026-03-09
    with book.unit_of_work() as uow:
        a = uow.append_event(
            NewConsentEvent("+15550100001", "all", ConsentAction.OPT_OUT, T0, EventSource.KEYWORD, "auto")
        )
        uow.append_event(
            NewConsentEvent(
                "+15550100002",
                "marketing",
                ConsentAction.OPT_OUT,
                T0 + timedelta(days=6),
                EventSource.META_PREFERENCE,
                "customer",
            )
        )
        b = uow.append_event(
            NewConsentEvent(
                "+15550100003",
                "all",
                ConsentAction.OPT_OUT,
                T0 + timedelta(days=8),
                EventSource.PHRASE,
                "owner",
            )
        )
        uow.append_event(
            NewConsentEvent(
                "+15550100001",
                "all",
                ConsentAction.OPT_IN,
                T0 + timedelta(days=9),
                EventSource.KEYWORD,
                "auto",
            )
        )
        uow.mark_confirmation(a.id, "c1", T0, "sent")
        uow.mark_confirmation(b.id, "c2", T0 + timedelta(days=8), "sent")
        uow.apply_status(StatusUpdate("meta", "c1", ContactRef("15550100001"), "read", T0))
    weeks = book.weekly_stats(weeks=3)
    assert [w.week_start.date().isoformat() for w in weeks] == ["2026-02-23", "2026-03-02", "2026-03-09"]
    assert (weeks[0].opt_outs, weeks[0].opt_ins) == (0, 0) and weeks[0].confirmation_delivery_rate is None
    assert (weeks[1].opt_outs, weeks[1].opt_ins) == (2, 0)
    assert weeks[1].by_source == {"keyword": 1, "meta_preference": 1}
    assert weeks[1].by_category == {"all": 1, "marketing": 1}
    assert weeks[1].confirmation_delivery_rate == 1.0
    assert (weeks[2].opt_outs, weeks[2].opt_ins) == (1, 1) and weeks[2].confirmation_delivery_rate == 0.0
