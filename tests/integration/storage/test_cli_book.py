"""`consent-desk verify|rebuild|export|import|status|contact` on a real book in a temporary data dir."""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.domain.model import ConsentAction, EventSource, NewConsentEvent
from desktop_app.services.paths import AppPaths
from desktop_app.storage.book import ConsentBook
from tests.integration.storage.conftest import T0, inbound


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    paths = AppPaths.resolve(folder)
    paths.ensure()
    book = ConsentBook.open(paths.book_path)
    with book.unit_of_work() as uow:
        uow.store_inbound(inbound("w1", text="STOP please", name="Ann"))
        uow.append_event(
            NewConsentEvent(
                "+15550101234",
                "marketing",
                ConsentAction.OPT_OUT,
                T0,
                EventSource.KEYWORD,
                "auto:test",
                evidence_message_id="w1",
                evidence_text="=STOP please",
            )
        )
    book.close()
    yield folder
    for handler in list(logging.getLogger().handlers):  # the CLI's file log must not outlive the test
        if isinstance(handler, logging.FileHandler) and str(folder) in handler.baseFilename:
            logging.getLogger().removeHandler(handler)
            handler.close()


def run(data_dir: Path, *argv: str) -> int:
    return main(["--data-dir", str(data_dir), *argv])


def test_status_json_has_the_stable_shape(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "status", "+1 (555) 010-1234", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"phone", "categories", "may_send"}
    assert data["phone"] == "+15550101234"
    assert data["categories"]["marketing"] == {
        "state": "opted_out",
        "since": "2026-03-02T09:00:00+00:00",
        "source": "keyword",
        "event_id": 1,
    }
    assert data["categories"]["all"] == {"state": "unknown", "since": None, "source": None, "event_id": None}
    assert data["may_send"] == {"all": True, "marketing": False, "order_updates": True}


def test_status_text_and_bad_number(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "status", "15550101234") == 0
    out = capsys.readouterr().out
    assert "marketing" in out and "DO NOT SEND" in out
    assert run(data_dir, "status", "+1 555") == 2
    assert "not a possible phone number" in capsys.readouterr().err


def test_verify_ok_then_broken(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "verify") == 0
    assert "ok: 1 ledger rows verified" in capsys.readouterr().out
    raw = sqlite3.connect(AppPaths.resolve(data_dir).book_path)
    raw.execute("DROP TRIGGER consent_events_no_update")
    raw.execute("UPDATE consent_events SET action = 'opt_in'")
    raw.commit()
    raw.close()
    assert run(data_dir, "verify") == 1
    assert "BROKEN at ledger row 1" in capsys.readouterr().out


def test_export_to_stdout_and_file(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(data_dir, "export", "ledger") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["evidence_text"] == "'=STOP please"
    target = tmp_path / "consent.json"
    assert run(data_dir, "export", "consent", "--format", "json", "-o", str(target)) == 0
    assert json.loads(target.read_text(encoding="utf-8"))[0]["state"] == "opted_out"
    assert not (tmp_path / "consent.json.partial").exists()


def test_import_reports_lines_and_rebuild(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_text("phone\n07700 900123\nnonsense\n", encoding="utf-8")
    assert run(data_dir, "import", "opt-outs", str(source), "--region", "GB") == 1
    captured = capsys.readouterr()
    assert "imported 1 opt-outs" in captured.out and "line 3" in captured.err
    assert run(data_dir, "status", "+447700900123", "--json") == 0
    assert json.loads(capsys.readouterr().out)["may_send"]["order_updates"] is False
    assert run(data_dir, "rebuild") == 0
    assert "2 contact/category rows" in capsys.readouterr().out


def test_contact_export_and_erase(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(data_dir, "contact", "export", "15550101234") == 0
    assert json.loads(capsys.readouterr().out)["messages"][0]["text"] == "STOP please"
    assert run(data_dir, "contact", "erase", "15550101234") == 2
    assert "--yes" in capsys.readouterr().err
    assert run(data_dir, "contact", "erase", "15550101234", "--yes") == 0
    assert "erased the contents of 1 messages" in capsys.readouterr().out
    assert run(data_dir, "contact", "export", "15550101234") == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["messages"][0]["text"] is None and exported["consent_events"][0]["evidence_text"]
