"""`import opt-outs` on files as other tools write them: encodings, separators, broken quotes, huge values."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.services.paths import AppPaths
from desktop_app.storage.book import ConsentBook

PHONES = [f"+44207946{n:04d}" for n in range(10)]  # valid London numbers: no warnings


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    paths = AppPaths.resolve(folder)
    paths.ensure()
    ConsentBook.open(paths.book_path).close()
    yield folder
    for handler in list(logging.getLogger().handlers):  # the CLI's file log must not outlive the test
        if isinstance(handler, logging.FileHandler) and str(folder) in handler.baseFilename:
            logging.getLogger().removeHandler(handler)
            handler.close()


def run_import(data_dir: Path, source: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), "import", "opt-outs", str(source), "--region", "US"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def opted_out(data_dir: Path) -> set[str]:
    book = ConsentBook.open(AppPaths.resolve(data_dir).book_path)
    try:
        return {e.contact_key for key in PHONES for e in book.history(key)}
    finally:
        book.close()


def test_an_unclosed_quote_is_reported_and_the_rows_it_swallowed_are_still_read(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_text(
        "phone,name\n"
        f"{PHONES[0]},Ann\n"
        f'{PHONES[1]},"Bob\n'  # line 3: the quote is never closed
        f"{PHONES[2]},Cy\n"
        f"{PHONES[3]},Dee\n",
        encoding="utf-8",
    )
    code, out, err = run_import(data_dir, source, capsys)
    assert code == 1
    assert "error: line 3: a quote opened here is not closed" in err and "lines 3-5" in err
    assert "imported 3 opt-outs" in out and "1 bad rows" in out  # main: 2 imported, "0 bad rows"
    assert opted_out(data_dir) == {PHONES[0], PHONES[2], PHONES[3]}  # main: PHONES[2:] swallowed


def test_a_quote_closed_rows_later_is_caught_and_real_multiline_values_are_kept(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_text(
        "phone,note\n"
        f'{PHONES[0]},"called twice\n'
        'then said: stop, please"\n'  # a genuine line break inside a quoted note (line 3)
        f'{PHONES[1]},"Bob\n'  # line 4: opens a quote...
        f"{PHONES[2]},Cy\n"
        f'{PHONES[3]},Dee"\n'  # ...that only closes here, swallowing line 5
        f"{PHONES[4]},Eve\n",
        encoding="utf-8",
    )
    code, out, err = run_import(data_dir, source, capsys)
    assert code == 1
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: line 4: a quote opened here is not closed where the row ends, so it ran on over lines 4-6, "
        "which look like rows of their own; close the quote (those lines are read on their own)"
    ]
    assert "imported 4 opt-outs" in out
    assert opted_out(data_dir) == {PHONES[0], PHONES[2], PHONES[3], PHONES[4]}


def test_letters_in_a_phone_number_are_refused_not_read_off_a_keypad(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_text(f"phone\n555-abc-1234\n{PHONES[0]}\n1-800-FLOWERS\n", encoding="utf-8")
    code, out, err = run_import(data_dir, source, capsys)
    assert code == 1
    assert "error: line 2: '555-abc-1234' is not a phone number (it contains letters" in err
    assert "error: line 4: '1-800-FLOWERS' is not a phone number" in err
    assert "imported 1 opt-outs" in out  # main imported +15552221234 and +18003569377


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),  # Python writes a BOM
        ("utf-16-be", "utf-16"),
        ("cp1252", "cp1252"),
    ],
)
def test_encodings_are_detected(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str, detected: str
) -> None:
    text = (
        "Nombre,Teléfono móvil,Mobile\n"
        f"José Peña,x,{PHONES[0]}\n"
        f"François Müller – “VIP”,x,{PHONES[1]}\n"
        f"Zoë Ångström,x,{PHONES[2]}\n"
    )
    source = tmp_path / "list.csv"
    source.write_bytes(
        ("\ufeff" + text).encode("utf-16-be") if encoding == "utf-16-be" else text.encode(encoding)
    )
    code, out, err = run_import(data_dir, source, capsys)
    assert (code, err) == (0, "")
    assert (
        f"imported 3 opt-outs, skipped 0 already recorded, 0 bad rows (read as {detected}, comma-separated)"
        in out
    )
    assert opted_out(data_dir) == set(PHONES[:3])


@pytest.mark.parametrize(
    ("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe"), (",", "comma")]
)
def test_separators_are_sniffed(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], delimiter: str, name: str
) -> None:
    rows = [["Name", "Phone Number", "Category", "Date"]] + [
        [f'"Smith, J. {n}"', PHONES[n], "marketing", "2026-02-01"] for n in range(4)
    ]
    source = tmp_path / "export.csv"
    source.write_text("\r\n".join(delimiter.join(row) for row in rows) + "\r\n", encoding="utf-8")
    code, out, err = run_import(data_dir, source, capsys)
    assert (code, err) == (0, "")  # main: "no phone column" for all but commas
    assert "imported 4 opt-outs" in out and f"{name}-separated" in out
    assert opted_out(data_dir) == set(PHONES[:4])


def test_oversized_values_and_rows_are_refused_per_row_and_the_rest_imported(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"phone,note\n{PHONES[0]},ok\n")
        handle.write(f"{PHONES[1]},{'x' * 200 * 1024}\n")  # line 3: a 200 KiB value
        handle.write(f"{PHONES[2]},fine\n")
        handle.write(f'{PHONES[3]},"{"y" * 3 * 1024 * 1024}"\n')  # line 5: a 3 MiB row, never held whole
        handle.write(f"{PHONES[4]},last\n")
    code, out, err = run_import(data_dir, source, capsys)
    assert code == 1
    assert "error: line 3: a value longer than 128 KiB" in err
    assert "error: line 5: the row is longer than 1024 KiB" in err
    assert "imported 3 opt-outs" in out and "2 bad rows" in out
    assert opted_out(data_dir) == {PHONES[0], PHONES[2], PHONES[4]}


def test_more_values_than_columns_is_reported(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_text(f"phone,name\n{PHONES[0]},Smith, John\n{PHONES[1]},Ann\n", encoding="utf-8")
    code, out, err = run_import(data_dir, source, capsys)
    assert code == 1 and "error: line 2: 3 values but the header has 2 columns" in err
    assert "imported 1 opt-outs" in out


def test_a_big_file_with_bad_bytes_and_a_huge_value_late_imports_every_good_row_in_one_go(
    tmp_path: Path,
) -> None:
    """Main committed 5,000-row batches and died with a traceback at the first bad byte or huge field."""
    rows, huge, latin1 = 12_000, 100, 11_000  # the Latin-1 byte lies beyond the 1 MiB encoding sample
    source = tmp_path / "big.csv"
    with source.open("wb") as handle:
        handle.write(b"phone,name\n")
        for n in range(rows):
            line = n + 2
            name = b"Jos\xe9" if line == latin1 else b"x" * (200 * 1024) if line == huge else b"Ann " * 25
            handle.write(f"+4477009{n:05d},".encode() + name + b"\n")
    assert source.read_bytes().index(b"\xe9") > 1 << 20
    data = tmp_path / "data"
    env = {**os.environ, "CONSENT_DESK_DATA_DIR": str(data)}
    done = subprocess.run(
        [sys.executable, "-m", "desktop_app.cli", "import", "opt-outs", str(source), "--region", "US"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 1
    assert [line for line in done.stderr.splitlines() if line.startswith("error:")] == [
        "error: line 100: a value longer than 128 KiB",
        "error: line 11000: bytes that are not utf-8 text; save the file as UTF-8",
    ]
    assert f"imported {rows - 2} opt-outs, skipped 0 already recorded, 2 bad rows" in done.stdout
    book = ConsentBook.open(AppPaths.resolve(data).book_path)
    try:
        assert book.verify().checked == rows - 2
    finally:
        book.close()


def test_empty_file_and_no_phone_column_import_nothing(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert run_import(data_dir, empty, capsys)[0:1] == (1,)
    emails = tmp_path / "emails.csv"
    emails.write_text("email;name\nann@example.com;Ann\n", encoding="utf-8")
    code, out, err = run_import(data_dir, emails, capsys)
    assert code == 1 and "error: line 1: no phone column (found 'email', 'name';" in err
    assert "imported 0 opt-outs" in out
