"""One formula-escaping rule for every CSV: the book's streamed export and the on-screen filtered one."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.domain.model import ConsentAction, ContactRef, EventSource, NewConsentEvent
from desktop_app.services.consent_book import ConsentBookService, ConsentFilter
from desktop_app.services.exports import ExportService
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.exchange import CONSENT_EXPORT, csv_line, safe_cell
from tests.clocks import T0, Clock

# (name, contact key): names a customer could type into WhatsApp, keys the book stores
CUSTOMERS = [
    ('=HYPERLINK("http://evil.example","click")', "+15550100001"),
    ("+1+cmd|' /C calc'!A0", "+33612345678"),
    ("-2+3", "+4915110000001"),
    ("@SUM(A1)", "+5511987650001"),
    ("\tTab Start", "+34600100200"),
    ('Ana "Ani" Souza, Jr.', "+15550100002"),
    ("Zoë\nnew line", "+15550100003"),
]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("+33612345678", "+33612345678"),  # exactly E.164: a spreadsheet reads a number; it stays usable
        ("+15550101234", "+15550101234"),
        ("+1 555 010 1234", "'+1 555 010 1234"),  # not exactly E.164: escaped
        ("+0123456789", "'+0123456789"),
        ("+123456", "'+123456"),  # too short for E.164
        ("+12345678901234567", "'+12345678901234567"),  # too long
        ("STOP", "STOP"),
        ("x=1", "x=1"),
        ("", ""),
    ],
)
def test_the_one_rule(cell: str, written: str) -> None:
    assert safe_cell(cell) == written


def test_a_line_quotes_text_and_leaves_numbers_bare() -> None:
    line = csv_line(["+33612345678", '=A1 "x"', None, 7], [True, True, True, False])
    assert line == '"+33612345678","\'=A1 ""x""",,7\r\n'


@pytest.fixture
def book(tmp_path: Path) -> ConsentBook:
    clock = Clock()
    opened = ConsentBook.open(tmp_path / "book.sqlite3", default_region="US", now=clock)
    with opened.unit_of_work() as uow:
        for n, (name, phone) in enumerate(CUSTOMERS):
            key = uow.contact_key(ContactRef(phone.removeprefix("+"), name=name), authoritative=True)
            uow.append_event(
                NewConsentEvent(
                    key,
                    "marketing",
                    ConsentAction.OPT_OUT,
                    T0 + timedelta(minutes=n),
                    EventSource.KEYWORD,
                    "owner",
                )
            )
    yield opened
    opened.close()


def export(book: ConsentBook, path: Path, consent_filter: ConsentFilter) -> str:
    service = ExportService(book, ConsentBookService(book))
    rows, cancelled = service.export_consent(path, consent_filter, "", lambda _d, _t: None, lambda: False)
    assert (rows, cancelled) == (len(CUSTOMERS), False)
    return path.read_bytes().decode("utf-8")  # as written: CRLF line ends kept


def test_both_exports_write_the_same_bytes_for_the_same_rows(book: ConsentBook, tmp_path: Path) -> None:
    streamed = export(book, tmp_path / "all.csv", ConsentFilter.ALL)  # the book's own SQL exporter
    filtered = export(book, tmp_path / "out.csv", ConsentFilter.OPTED_OUT)  # page by page in Python
    streamed_lines = streamed.split("\r\n")
    assert streamed_lines[-2].startswith("#anchor,")  # the whole book carries its anchor; a view does not
    body = "\r\n".join(streamed_lines[:-2]) + "\r\n"
    header, *rows = body.split("\r\n")
    f_header, *f_rows = filtered.split("\r\n")
    assert header == f_header == ",".join(CONSENT_EXPORT.names)
    assert sorted(rows) == sorted(f_rows)


@pytest.mark.parametrize("consent_filter", [ConsentFilter.ALL, ConsentFilter.OPTED_OUT])
def test_no_cell_of_either_export_runs_as_a_formula(
    book: ConsentBook, tmp_path: Path, consent_filter: ConsentFilter
) -> None:
    text = export(book, tmp_path / "x.csv", consent_filter)
    rows = [row for row in csv.DictReader(io.StringIO(text)) if not row["contact_key"].startswith("#")]
    by_key = {row["contact_key"]: row for row in rows}
    escaped = 0
    for _typed, phone in CUSTOMERS:
        row = by_key[phone]  # E.164 keys are written as they are, in both exports
        name = book.contact(phone).name or ""  # as the book keeps it (trimmed)
        assert row["name"] == safe_cell(name)
        dangerous = name.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert row["name"].startswith("'") == dangerous
        escaped += dangerous
    assert escaped == 4
