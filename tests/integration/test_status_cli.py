"""`consent-desk status` on a real book: anything that is not a phone number or a user id is an error."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.domain.model import ConsentAction, ContactKind, ContactRef, EventSource, NewConsentEvent
from desktop_app.services.paths import AppPaths
from desktop_app.storage.book import ConsentBook

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USER_ID = "US.13491208655302741918"


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    paths = AppPaths.resolve(folder)
    paths.ensure()
    book = ConsentBook.open(paths.book_path)
    with book.unit_of_work() as uow:
        for key in ("+15550101234", uow.contact_key(ContactRef(USER_ID, kind=ContactKind.USER_ID))):
            uow.append_event(
                NewConsentEvent(key, "marketing", ConsentAction.OPT_OUT, T0, EventSource.MANUAL, "owner")
            )
    book.close()
    yield folder
    for handler in list(logging.getLogger().handlers):  # the CLI's file log must not outlive the test
        if isinstance(handler, logging.FileHandler) and str(folder) in handler.baseFilename:
            logging.getLogger().removeHandler(handler)
            handler.close()


def run(data_dir: Path, *argv: str) -> int:
    return main(["--data-dir", str(data_dir), *argv])


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("hello", "neither a phone number"),
        ("555-abc-1234", "neither a phone number"),  # phonenumbers would read 555-222-1234 off a keypad
        ("+1 555 CALL NOW", "neither a phone number"),
        ("whatsapp:+1555abc1234", "neither a phone number"),
        ("Ann Smith", "neither a phone number"),
        ("us.13491208655302741918", "neither a phone number"),  # a user id's country is upper case
        ("", "empty phone number"),
        ("+1 555", "not a possible phone number"),
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_what_is_not_a_contact_is_an_error_never_may_send(
    data_dir: Path, capsys: pytest.CaptureFixture[str], typed: str, reason: str, as_json: bool
) -> None:
    assert run(data_dir, "status", typed, *(["--json"] if as_json else [])) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and reason in captured.err
    assert "Traceback" not in captured.err and len(captured.err.splitlines()) == 1


def test_phone_numbers_in_any_spelling_and_user_ids_still_answer(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for typed in ("+1 (555) 010-1234", "555.010.1234", "tel:+15550101234", "whatsapp:+15550101234"):
        assert run(data_dir, "status", typed, "--json") == 0
        data = json.loads(capsys.readouterr().out)
        assert data["phone"] == "+15550101234" and data["may_send"]["marketing"] is False
    assert run(data_dir, "status", USER_ID) == 0
    out = capsys.readouterr().out
    assert out.startswith(USER_ID) and "DO NOT SEND" in out
    assert run(data_dir, "status", "US.ENT.11815799212886844830", "--json") == 0  # a parent user id
    assert json.loads(capsys.readouterr().out)["may_send"]["marketing"] is True


def test_contact_commands_refuse_non_contacts_too(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "contact", "export", "hello") == 2
    assert "neither a phone number" in capsys.readouterr().err
    assert run(data_dir, "contact", "erase", "555-abc-1234", "--yes") == 2
    assert "neither a phone number" in capsys.readouterr().err
