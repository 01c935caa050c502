"""The one rule that keeps a CSV cell from running as a spreadsheet formula, and the CSV line it goes in.

OWASP's advice on CSV injection: a text cell starting with = + - @ tab or CR gets a leading '. One
exception: a phone number that is exactly E.164 (+, then 7 to 15 digits, the first not 0) is left as
it is. A spreadsheet reads such a cell as a number, which runs nothing, and the owner can still copy
or re-import it; "+1+cmd|..." or "+1 555 010 1234" are not exactly E.164 and are escaped. Every CSV
the app writes uses `safe_cell`: storage.exchange registers it in SQLite for the streamed exports, and
services.exports writes rows held in Python with `csv_line`, byte for byte the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")

# The consent table export: (column, holds outside text). storage.exchange adds the SQL for each.
CONSENT_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("contact_key", True),
    ("name", True),
    ("category", True),
    ("state", False),
    ("since", False),
    ("source", True),
    ("event_id", False),
    ("changed_at", False),
)

V = TypeVar("V")


def safe_cell(value: V) -> V | str:
    """Neutralise text a spreadsheet would run as a formula; plain E.164 numbers are left as they are."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START) or E164.match(value):
        return value
    return "'" + value


def csv_line(values: Sequence[object], text: Sequence[bool]) -> str:
    """One RFC 4180 line: text quoted and formula-safe, numbers and times bare, None empty, CRLF."""
    cells = []
    for value, is_text in zip(values, text, strict=True):
        if value is None:
            cells.append("")
        elif is_text:
            cells.append('"' + str(safe_cell(str(value))).replace('"', '""') + '"')
        else:
            cells.append(str(value))
    return ",".join(cells) + "\r\n"


def header_line(names: Sequence[str]) -> str:
    return ",".join(names) + "\r\n"
