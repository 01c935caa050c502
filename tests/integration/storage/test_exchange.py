"""Exports (CSV safe for spreadsheets, JSON, streaming, cancellable) and opt-out list imports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.exchange import EXPORT_BATCH, safe_cell
from tests.integration.storage.conftest import T0


def fill(book: ConsentBook, n: int, text: str = "STOP") -> None:
    with book.unit_of_work() as uow:
        for i in range(n):
            uow.append_event(
                NewConsentEvent(
                    f"+1555013{i:04d}",
                    "marketing",
                    ConsentAction.OPT_OUT,
                    T0 + timedelta(seconds=i),
                    EventSource.KEYWORD,
                    "auto:test",
                    evidence_message_id=f"w{i}",
                    evidence_text=text,
                )
            )


def test_safe_cell_neutralises_formulas_but_keeps_phone_numbers() -> None:
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("+15550101234") == "+15550101234"
    assert safe_cell("+1+cmd|' /C calc'!A0") == "'+1+cmd|' /C calc'!A0"
    assert safe_cell("STOP") == "STOP" and safe_cell(7) == 7 and safe_cell(None) is None


def test_ledger_csv_has_evidence_and_is_formula_safe(book: ConsentBook) -> None:
    fill(book, 3, text="=cmd|' /C calc'!A0")
    book.mark_confirmation(2, "wamid.conf", T0, "delivered")
    out = io.StringIO()
    progress: list[tuple[int, int]] = []
    assert book.export_ledger(out, "csv", progress=lambda done, total: progress.append((done, total))) == 3
    *rows, anchor = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert anchor["id"] == "#anchor" and out.getvalue().splitlines()[-1].startswith("#anchor,")
    assert rows[0]["evidence_text"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["contact_key"] == "+15550130000" and len(rows[0]["hash"]) == 64
    assert (
        rows[1]["confirmation_message_id"] == "wamid.conf" and rows[1]["confirmation_status"] == "delivered"
    )
    assert progress[-1] == (3, 3)


def test_consent_json_is_a_valid_array(book: ConsentBook) -> None:
    fill(book, 4)
    out = io.StringIO()
    assert book.export_consent(out, "json") == 4
    *data, anchor = json.loads(out.getvalue())
    assert anchor["anchor"]["ledger_rows"] == 4
    assert [d["contact_key"] for d in data] == [f"+1555013{i:04d}" for i in range(4)]
    assert {d["state"] for d in data} == {"opted_out"} and data[0]["category"] == "marketing"
    empty = io.StringIO()
    ConsentBook.export_consent(book, empty, "json", cancelled=lambda: True)
    assert json.loads(empty.getvalue()) == []


def test_cancelled_export_stops_between_batches(book: ConsentBook) -> None:
    fill(book, 3 * EXPORT_BATCH)
    calls: list[int] = []
    out = io.StringIO()
    written = book.export_ledger(
        out, "csv", progress=lambda done, total: calls.append(done), cancelled=lambda: bool(calls)
    )
    assert written == EXPORT_BATCH and calls == [EXPORT_BATCH]
    assert len(out.getvalue().splitlines()) == EXPORT_BATCH + 1


def test_import_reports_bad_rows_and_reimport_changes_nothing(book: ConsentBook, tmp_path: Path) -> None:
    path = tmp_path / "sms-optouts.csv"
    path.write_text(
        "Phone Number,Category,Date\n"
        "+1 (555) 010-1234,,2026-02-01T10:00:00Z\n"
        "555 010 9876,marketing,\n"
        "not a phone,,\n"
        "+44 20 7946 0958,newsletters,\n"
        "0044 20 7946 0958,all,yesterday\n"
        "+15550104444,all,2099-01-01\n"
        "+15550104444,ALL,2026-01-01\n",
        encoding="utf-8",
    )
    report = book.import_opt_outs(path, default_region="US")
    assert report.imported == 3 and report.skipped_duplicates == 0
    assert [line for line, _ in report.errors] == [4, 5, 6, 7]
    reasons = dict(report.errors)
    assert "not a phone number" in reasons[4] and "unknown category" in reasons[5]
    assert "unreadable date" in reasons[6] and "future" in reasons[7]
    assert not book.may_send("+15550101234", "order_updates").allowed
    assert not book.may_send("+15550109876", "marketing").allowed
    assert book.may_send("+15550109876", "order_updates").allowed
    [event] = book.history("+15550101234")
    assert event.source is EventSource.IMPORT and event.occurred_at.isoformat() == "2026-02-01T10:00:00+00:00"
    assert event.note == "imported from sms-optouts.csv, line 2"

    head = book.verify().head_hash
    again = book.import_opt_outs(path, default_region="US")
    assert again.imported == 0 and again.skipped_duplicates == 3
    assert book.verify().head_hash == head


def test_import_without_phone_column_imports_nothing(book: ConsentBook, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("email\nann@example.com\n", encoding="utf-8")
    report = book.import_opt_outs(path)
    assert report.imported == 0 and report.errors[0][0] == 1 and "no phone column" in report.errors[0][1]


TRICKY = [
    "=1+1", "+1+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "\tTAB", "\rCR", "+15550101234", "+4420794609581234",
    "+123456", "+12345678901234567", "+0123456789", "+1 555 010 1234", "STOP", "", "x=1", "ümlaut", "+",
]  # fmt: skip


def test_sql_escaping_matches_safe_cell() -> None:
    import sqlite3

    from desktop_app.storage.exchange import csv_safe_sql, register_safe_cell

    raw = sqlite3.connect(":memory:")
    try:
        register_safe_cell(raw)  # the SQL calls the one rule, safe_cell itself
        raw.execute("CREATE TABLE t(v TEXT)")
        raw.executemany("INSERT INTO t VALUES (?)", [(v,) for v in [*TRICKY, None]])
        escaped = [row[0] for row in raw.execute(f"SELECT {csv_safe_sql('v')} FROM t ORDER BY rowid")]
    finally:
        raw.close()
    assert escaped == [safe_cell(v) for v in [*TRICKY, None]]


def test_csv_and_json_round_trip_quotes_newlines_and_unicode(book: ConsentBook) -> None:
    text = 'He said "stop",\nthen 🛑 and ünïcode'
    fill(book, 2, text=text)
    out = io.StringIO()
    book.export_ledger(out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))[:-1]  # the last line is the #anchor trailer
    assert [r["evidence_text"] for r in rows] == [text, text]
    assert rows[0]["note"] == "" and rows[0]["id"] == "1"
    out = io.StringIO()
    book.export_ledger(out, "json")
    data = json.loads(out.getvalue())
    assert data[1]["evidence_text"] == text and data[1]["id"] == 2 and data[1]["note"] is None
