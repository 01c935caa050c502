"""Another tool's CSV, streamed: encoding and delimiter detected, rows with their physical line numbers."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import charset_normalizer

SAMPLE_BYTES = 1 << 20  # what encoding detection looks at
SNIFF_CHARS = 16 * 1024  # what delimiter sniffing looks at
MAX_FIELD_CHARS = 128 * 1024  # one value; beyond it the row is refused
MAX_RECORD_CHARS = 1 << 20  # one row, quoted newlines included; bounds memory whatever the file holds
DELIMITERS = ",;\t|"
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # surrogateescape: a byte the encoding has no letter for
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(sample: bytes) -> str:
    """BOM first, then UTF-8 if it decodes, then charset-normalizer's guess (Windows-1252 when in doubt)."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)  # a cut character is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None:
        return "cp1252"
    tied = [m for m in matches if m.chaos <= best.chaos and m.coherence >= best.coherence]
    if any("cp1252" in m.could_be_from_charset for m in tied):
        return "cp1252"  # what Excel writes on Western Windows, when it reads as well as the best guess
    name = best.encoding
    return name if "a,1\n".encode(name, "replace") == b"a,1\n" else "cp1252"


class RecordTooLongError(Exception):
    """Raised through the csv reader by the line source: this row exceeds MAX_RECORD_CHARS."""


@dataclass(frozen=True, slots=True)
class Record:
    first_line: int
    last_line: int
    fields: list[str]
    lines: list[tuple[int, str]]  # the physical lines it was read from, for re-reading
    error: str | None = None


class PhysicalLines:
    """The file's lines as csv wants them, numbered as a text editor does, with push-back for re-reading."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._count = 0
        self._pending: list[tuple[int, str]] = []
        self._oversized: set[int] = set()
        self.taken: list[tuple[int, str]] = []
        self._taken_chars = 0

    @property
    def line_count(self) -> int:
        """Physical lines read from the file so far."""
        return self._count

    def __iter__(self) -> PhysicalLines:
        return self

    def __next__(self) -> str:
        if self._pending:
            number, line = self._pending.pop()
        else:
            line = self._text.readline(MAX_RECORD_CHARS + 1)
            if not line:
                raise StopIteration
            self._count += 1
            number = self._count
            if len(line) > MAX_RECORD_CHARS:
                self._skip_rest(line)
                line = "\n"  # the rest is never held in memory: this line is refused as too long
                self._oversized.add(number)
        self.taken.append((number, line))
        self._taken_chars += len(line)
        if number in self._oversized or self._taken_chars > MAX_RECORD_CHARS:
            raise RecordTooLongError
        return line

    def _skip_rest(self, line: str) -> None:
        while line and not line.endswith(("\n", "\r")):
            line = self._text.readline(MAX_RECORD_CHARS)

    def start_record(self) -> None:
        self.taken = []
        self._taken_chars = 0

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        """Read these lines again, in order, before the rest of the file."""
        self._pending.extend(reversed(lines))


def sniff_sample(sample: bytes, encoding: str) -> str:
    """The start of the file as text (BOM dropped), for the delimiter sniffer."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    return decoder.decode(sample[: SNIFF_CHARS * 4], final=False)[:SNIFF_CHARS]


def sniff_delimiter(sample: str) -> str | None:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return None


def parse_line(line: str, delimiter: str) -> list[str] | None:
    """One physical line as a row on its own, or None when it is not one."""
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True), [])
    except csv.Error:
        return None


def read_records(lines: PhysicalLines, delimiter: str) -> Iterator[Record]:
    """Every non-blank row with its line span; a row csv cannot read comes with an error instead of fields."""
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    while True:
        lines.start_record()
        error: str | None = None
        fields: list[str] = []
        try:
            fields = next(reader)
        except StopIteration:
            return
        except RecordTooLongError:
            error = f"the row is longer than {MAX_RECORD_CHARS // 1024} KiB"
        except csv.Error as exc:
            error = _csv_reason(str(exc))
        taken = lines.taken
        if not taken or (error is None and not any(field.strip() for field in fields)):
            continue
        yield Record(taken[0][0], taken[-1][0], fields, taken, error)


def _csv_reason(message: str) -> str:
    if "field larger than field limit" in message:
        return f"a value longer than {MAX_FIELD_CHARS // 1024} KiB"
    if "unexpected end of data" in message:
        return "a quote opened here is never closed"
    if "expected after" in message:
        return 'text right after a closing quote (write "" for a quote inside a quoted value)'
    return f"unreadable CSV ({message})"


def open_text(raw: IO[bytes], encoding: str) -> IO[str]:
    """Decoded lines as the file has them; undecodable bytes become lone surrogates, found per row."""
    return io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")


def undecodable(fields: list[str]) -> bool:
    return any(_UNDECODABLE.search(field) for field in fields)
