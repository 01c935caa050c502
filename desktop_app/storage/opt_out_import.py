"""Opt-out lists from other tools: one ledger event per good row, every bad line reported with its reason."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.domain.consent import iso_utc, parse_iso
from desktop_app.domain.model import ALL, ConsentAction, EventSource, NewConsentEvent
from desktop_app.domain.phone import PhoneNumberError, normalize_phone
from desktop_app.domain.records import ImportCancelledError, ImportPreview, ImportReport
from desktop_app.storage import csv_source
from desktop_app.storage.csv_source import MAX_FIELD_CHARS, PhysicalLines, Record

PHONE_HEADERS = ("phone", "phone_number", "number", "mobile", "msisdn", "whatsapp", "contact", "e164")
_DATE_HEADERS = ("occurred_at", "date", "opted_out_at", "unsubscribed_at", "timestamp", "created_at")
_CATEGORY_HEADERS = ("category", "scope", "list")
_LOOKS_LIKE_PHONE = re.compile(r"^\s*(?:\+|00)?[\d\s().\-/]{7,}\s*$")
CHECK_EVERY = 500  # rows between two looks at Cancel (and two progress reports)

Progress = Callable[[int, int], None]  # (bytes read, file size)
Cancelled = Callable[[], bool]


class ImportFileError(ValueError):
    """The file could not be read to its end: nothing from it may be committed."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line


def _pick(header: Sequence[str], names: Iterable[str]) -> int | None:
    lowered = {re.sub(r"[\s\-]+", "_", h.strip().lower()): i for i, h in reversed(list(enumerate(header)))}
    return next((lowered[name] for name in names if name in lowered), None)


def _parse_date(text: str) -> datetime:
    moment = parse_iso(text.strip().replace("Z", "+00:00").replace(" ", "T", 1))
    if moment is None:
        raise ValueError(text)
    return moment.astimezone(UTC)


def _choose_delimiter(sample: str) -> str:
    """The sniffed delimiter if the header splits into a phone column with it, else the first that does."""
    first = sample.lstrip("\r\n").splitlines()[0] if sample.strip() else ""
    sniffed = csv_source.sniff_delimiter(sample)
    candidates = ([sniffed] if sniffed else []) + [d for d in csv_source.DELIMITERS if d != sniffed]
    for delimiter in candidates:
        header = csv_source.parse_line(first, delimiter)
        if header and len(header) > 1 and _pick(header, PHONE_HEADERS) is not None:
            return delimiter
    return sniffed or ","


def _no_phone_column(header: Sequence[str]) -> str:
    seen = ", ".join(repr(h) for h in header[:8]) or "nothing readable"
    return f"no phone column (found {seen}; expected one of: {', '.join(PHONE_HEADERS)})"


def _printable(fields: list[str]) -> list[str]:
    """Values for a preview: a byte the encoding has no letter for is shown as U+FFFD."""
    if not csv_source.undecodable(fields):
        return fields
    return ["".join("\ufffd" if "\udc80" <= ch <= "\udcff" else ch for ch in field) for field in fields]


def preview_file(path: Path, limit: int = 8) -> ImportPreview:
    """The header and first rows as the importer reads them (encoding, delimiter), importing nothing."""
    try:
        with path.open("rb") as raw:
            sample = raw.read(csv_source.SAMPLE_BYTES)
            if not sample.strip():
                return ImportPreview(None, None, [], [], "the file is empty")
            encoding = csv_source.detect_encoding(sample)
            delimiter = _choose_delimiter(csv_source.sniff_sample(sample, encoding))
            raw.seek(0)
            with csv_source.open_text(raw, encoding) as text:
                records = csv_source.read_records(PhysicalLines(text), delimiter)
                first = next(records, None)
                if first is None:
                    return ImportPreview(encoding, delimiter, [], [], "the file has no rows")
                header = _printable(first.fields)
                phone = _pick(header, PHONE_HEADERS) if first.error is None else None
                problem = _no_phone_column(header) if phone is None else None
                rows: list[tuple[int, list[str]]] = []
                for record in records:
                    if len(rows) >= limit:
                        break
                    values = _printable(record.fields) if record.error is None else [f"⚠ {record.error}"]
                    rows.append((record.first_line, values))
    except (OSError, UnicodeError) as exc:
        raise ImportFileError(1, f"could not read the file ({exc})") from exc
    return ImportPreview(encoding, delimiter, header, rows, problem)


class OptOutReader:
    """Streams one file: `events()` yields good rows as ledger events and fills `report` as it goes."""

    def __init__(
        self,
        path: Path,
        default_region: str | None,
        categories: Sequence[str],
        now: datetime,
        report: ImportReport,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> None:
        self.path = path
        self.progress = progress
        self.cancelled = cancelled
        self.region = default_region
        self.categories = categories
        self.now = now
        self.report = report
        self._header: list[str] = []
        self._phone = 0
        self._category: int | None = None
        self._date: int | None = None

    def events(self) -> Iterator[NewConsentEvent]:
        with self.path.open("rb") as raw:
            sample = raw.read(csv_source.SAMPLE_BYTES)
            if not sample.strip():
                self.report.errors.append((1, "the file is empty"))
                return
            encoding = csv_source.detect_encoding(sample)
            raw.seek(0)
            lines = PhysicalLines(csv_source.open_text(raw, encoding))
            size = os.fstat(raw.fileno()).st_size
            try:
                for count, event in enumerate(
                    self._rows(lines, encoding, csv_source.sniff_sample(sample, encoding)), 1
                ):
                    if count % CHECK_EVERY == 0:
                        self._check_in(raw.tell(), size)
                    yield event
                self._check_in(size, size)  # a Cancel pressed during the last rows still counts
            except (OSError, UnicodeError) as exc:  # the disk, not the data: the whole import is off
                raise ImportFileError(lines.line_count + 1, f"could not read the file ({exc})") from exc

    def _check_in(self, done: int, size: int) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelledError(f"the import of {self.path.name} was cancelled")
        if self.progress is not None:
            self.progress(min(done, size), size)

    def _rows(self, lines: PhysicalLines, encoding: str, sample: str) -> Iterator[NewConsentEvent]:
        delimiter = _choose_delimiter(sample)
        self.report.encoding, self.report.delimiter = encoding, delimiter
        records = csv_source.read_records(lines, delimiter)
        first = next(records, None)
        if first is None or not self._use_header(first):
            return
        for record in records:
            reason = self._structure_problem(record, delimiter)
            if reason is not None:
                self.report.errors.append((record.first_line, reason))
                if record.last_line > record.first_line:
                    lines.push_back(record.lines[1:])  # the rows it swallowed are read again on their own
                continue
            event = self._event(record)
            if event is not None:
                yield event

    def _use_header(self, first: Record) -> bool:
        header = first.fields
        phone = _pick(header, PHONE_HEADERS) if first.error is None else None
        if phone is None:
            self.report.errors.append((first.first_line, _no_phone_column(header)))
            return False
        self._header, self._phone = header, phone
        self._category = _pick(header, _CATEGORY_HEADERS)
        self._date = _pick(header, _DATE_HEADERS)
        return True

    def _structure_problem(self, record: Record, delimiter: str) -> str | None:
        span = f"lines {record.first_line}-{record.last_line}"
        if record.last_line > record.first_line and (record.error or self._swallows_rows(record, delimiter)):
            return (
                f"a quote opened here is not closed where the row ends, so it ran on over {span}, "
                "which look like rows of their own; close the quote (those lines are read on their own)"
            )
        if record.error is not None:
            return record.error
        if csv_source.undecodable(record.fields):
            return f"bytes that are not {self.report.encoding} text; save the file as UTF-8"
        if any(len(field) > MAX_FIELD_CHARS for field in record.fields):
            return f"a value longer than {MAX_FIELD_CHARS // 1024} KiB"
        if len(record.fields) > len(self._header):
            return (
                f"{len(record.fields)} values but the header has {len(self._header)} columns "
                "(an unquoted separator inside a value?)"
            )
        return None

    def _swallows_rows(self, record: Record, delimiter: str) -> bool:
        """A quoted value holding a line break followed by what reads as a row of this file."""
        for _, line in record.lines[1:]:
            fields = csv_source.parse_line(line, delimiter)
            if fields and len(fields) > self._phone and _LOOKS_LIKE_PHONE.match(fields[self._phone]):
                return True
        return False

    def _cell(self, record: Record, index: int | None) -> str:
        if index is None or index >= len(record.fields):
            return ""
        return record.fields[index].strip()

    def _event(self, record: Record) -> NewConsentEvent | None:
        line, report = record.first_line, self.report
        try:
            normalized = normalize_phone(self._cell(record, self._phone), self.region, authoritative=False)
        except PhoneNumberError as exc:
            report.errors.append((line, str(exc)))
            return None
        if normalized.warning:
            report.warnings.append((line, normalized.warning))
        category = self._cell(record, self._category).lower() or ALL
        if category not in self.categories:
            report.errors.append(
                (line, f"unknown category {category!r} (known: {', '.join(self.categories)})")
            )
            return None
        date_text = self._cell(record, self._date)
        try:
            occurred_at = _parse_date(date_text) if date_text else self.now
        except ValueError:
            report.errors.append((line, f"unreadable date {date_text!r} (use ISO 8601, e.g. 2026-03-01)"))
            return None
        if occurred_at > self.now:
            report.errors.append((line, f"date {date_text!r} is in the future"))
            return None
        name = self.path.name
        return NewConsentEvent(
            contact_key=normalized.key,
            category=category,
            action=ConsentAction.OPT_OUT,
            occurred_at=occurred_at,
            source=EventSource.IMPORT,
            decided_by=f"import:{name}",
            note=f"imported from {name}, line {line}",
            dedupe_key=f"import:{normalized.key}:{category}:{iso_utc(occurred_at) if date_text else ''}",
        )
