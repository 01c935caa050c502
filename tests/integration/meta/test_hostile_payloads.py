"""Hostile and odd Meta deliveries over real loopback HTTP, signed, into a real consent book file.

One bad part never blocks or drops a good part: the webhook answers 200, the readable events are
stored and decided, and only what truly cannot be read is kept raw as unparsed.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.domain.model import ALL, MARKETING, InboundMessage, IngestResult, ProviderEvent
from desktop_app.providers.meta_cloud.signature import sign
from desktop_app.services.book_writer import BookWriter
from desktop_app.services.composition import House
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.meta_webhook import MetaWebhookRoute, MetaWebhookService
from desktop_app.services.settings import Settings
from desktop_app.services.webhook_server import WebhookServer
from tests.integration.houses import events_writer, house
from tests.integration.meta.conftest import APP_SECRET

ANA, BRUNO, DANA = "+15550101234", "+15550105678", "+15550104444"
# Just after the fixtures' message times: the pipeline's receipt clock, so no event time is doubted.
RECEIVED_AT = datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
VERIFY_TOKEN = "hostile-verify-token"


def _post(address: tuple[str, int], body: bytes, signature: str | None = None) -> int:
    conn = http.client.HTTPConnection(*address, timeout=30)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature or sign(body, APP_SECRET)}
    try:
        conn.request("POST", "/webhook", body, headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _fixture(meta_fixtures: Path, name: str) -> dict[str, Any]:
    return json.loads((meta_fixtures / name).read_text(encoding="utf-8"))


def _value(body: dict[str, Any]) -> dict[str, Any]:
    return body["entry"][0]["changes"][0]["value"]


def _with(body: dict[str, Any], marker: str, raw_json: str) -> bytes:
    """The body with the string "marker" replaced by raw JSON text (escapes json.dumps cannot write)."""
    return json.dumps(body).replace(json.dumps(marker), raw_json).encode("utf-8")


def _unparsed_reasons(book_path: Path) -> list[str]:
    with sqlite3.connect(book_path) as conn:
        return [row[0] for row in conn.execute("SELECT reason FROM unparsed_payloads ORDER BY id")]


def _warned(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    return tmp_path / "book.sqlite3"


@pytest.fixture
def book(book_path: Path) -> Iterator[Any]:
    from desktop_app.storage.book import ConsentBook

    consent_book = ConsentBook.open(book_path, default_region="US", backup_dir=book_path.parent / "bk")
    try:
        yield consent_book
    finally:
        consent_book.close()


@pytest.fixture
def session(book: Any) -> Iterator[House]:
    from desktop_app.domain.detection import Detector, Lexicon

    settings = Settings(shop_name="Corner Shop", auto_mode=True, send_confirmations=False)
    built = house(book, settings, detector=Detector(Lexicon.load_default()), clock=lambda: RECEIVED_AT)
    yield built
    built.close()


@pytest.fixture
def pipeline(session: House) -> IngestPipeline:
    return session.pipeline


@pytest.fixture
def address(session: House) -> Iterator[tuple[str, int]]:
    """The app's own webhook service (server, route) in front of the real writer and pipeline."""
    service = MetaWebhookService(
        session.writer, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN, host="127.0.0.1", port=0
    )
    bound = service.start()
    try:
        yield bound
    finally:
        service.stop()


# --- case 1: text that cannot be encoded ---------------------------------------------------------


@pytest.mark.expect_log(level="WARNING", match=r"cannot be stored \(lone surrogates")
def test_lone_surrogate_in_one_message_never_blocks_a_neighbours_stop(
    address: tuple[str, int], book: Any, meta_fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Main answered 500 on every retry, so Bruno's "unsubscribe" in the same envelope was never stored."""
    body = _fixture(meta_fixtures, "batch-3-messages-2-contacts.json")
    _value(body)["messages"][0]["text"]["body"] = "MARK"
    raw = _with(body, "MARK", '"open \\ud800 on Sunday\\u0000?"')

    assert _post(address, raw) == 200
    assert _post(address, raw) == 200  # Meta's retry: a duplicate, still fine

    assert not book.may_send(BRUNO, MARKETING).allowed
    assert not book.may_send(ANA, MARKETING).allowed  # Ana's own request in the same batch
    texts = [m.text for m in book.thread(ANA)]
    assert "open \ufffd on Sunday\ufffd?" in texts and len(texts) == 2
    assert _warned(caplog, "2 character(s) that cannot be stored") == 2  # once per delivery
    _no_errors_logged(caplog)


@pytest.mark.expect_log(level="WARNING", match=r"cannot be stored \(lone surrogates")
def test_lone_surrogate_in_the_profile_name_still_applies_the_stop(
    address: tuple[str, int], book: Any, meta_fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Main answered 200 but stored the STOP only as unparsed: the opt-out was never applied."""
    body = _fixture(meta_fixtures, "text-stop.json")
    _value(body)["contacts"][0]["profile"]["name"] = "MARK"
    assert _post(address, _with(body, "MARK", '"Ana \\udc00 Souza"')) == 200

    assert not book.may_send(ANA, ALL).allowed
    assert book.contact(ANA).name == "Ana \ufffd Souza"
    assert [m.text for m in book.thread(ANA)] == ["STOP"]
    assert _warned(caplog, "1 character(s) that cannot be stored") == 1
    _no_errors_logged(caplog)


# --- case 2: absurd nesting beside a real request ------------------------------------------------


@pytest.mark.expect_log(level="WARNING", match=r"^Kept a meta")
@pytest.mark.parametrize("depth", [990, 50_000])
def test_deep_nesting_in_the_envelope_never_hides_a_stop(
    address: tuple[str, int],
    book: Any,
    book_path: Path,
    meta_fixtures: Path,
    caplog: pytest.LogCaptureFixture,
    depth: int,
) -> None:
    """Main kept the whole envelope as "JSON nested too deeply" and never applied the STOP."""
    body = _fixture(meta_fixtures, "text-stop.json")
    value = {"messages": [], "extra": "MARK"}  # a readable change with an absurd field in it
    body["entry"].append({"id": "104477000000123", "changes": [{"field": "messages", "value": value}]})
    assert _post(address, _with(body, "MARK", "[" * depth + "]" * depth)) == 200

    assert not book.may_send(ANA, ALL).allowed
    reasons = _unparsed_reasons(book_path)
    assert len(reasons) == 1 and "nested deeper" in reasons[0]
    assert _warned(caplog, "nested deeper") == 1
    _no_errors_logged(caplog)


# --- case 3: real payload shapes main mishandled -------------------------------------------------


def test_signup_preference_opts_back_in_after_a_stop(
    address: tuple[str, int], book: Any, meta_fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Main dropped value "signup" as not understood: the customer stayed opted out."""
    stop = _fixture(meta_fixtures, "user-preferences-stop.json")
    preference = _value(stop)["user_preferences"][0]
    # Both events happen before the receipt clock, so each is filed at its own time (ordered by time).
    preference["timestamp"] = int(RECEIVED_AT.timestamp()) - 120
    assert _post(address, json.dumps(stop).encode()) == 200
    key = "+" + preference["wa_id"]
    assert not book.may_send(key, MARKETING).allowed

    preference.update(value="signup", detail="User signed up via signup link")
    preference["timestamp"] += 60
    assert _post(address, json.dumps(stop).encode()) == 200
    assert book.may_send(key, MARKETING).allowed
    assert [e.action.value for e in book.history(key)] == ["opt_out", "opt_in"]
    _no_errors_logged(caplog)


@pytest.mark.expect_log(level="WARNING", match=r"^Kept a meta")
def test_interactive_without_its_object_reaches_the_thread(
    address: tuple[str, int], book: Any, book_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Meta's "unsupported" shape (value-level errors 131000): main lost the message (KeyError)."""
    error = {"code": 131000, "title": "Something went wrong", "message": "Something went wrong"}
    message = {"from": "15550104444", "id": "wamid.no-interactive", "timestamp": "1780300800"}
    message.update(type="interactive", errors=[error])
    value = {"contacts": [{"profile": {"name": "Dana"}, "wa_id": "15550104444"}], "messages": [message]}
    value["errors"] = [error]
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }
    assert _post(address, json.dumps(body).encode()) == 200

    [stored] = book.thread(DANA)
    assert (stored.kind, stored.provider_message_id) == ("unsupported", "wamid.no-interactive")
    assert book.contact(DANA).name == "Dana"
    [reason] = _unparsed_reasons(book_path)
    assert "131000" in reason  # the platform's error report itself is kept, as before
    _no_errors_logged(caplog)


def test_new_wa_id_number_change_carries_the_opt_out(
    address: tuple[str, int], book: Any, meta_fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The older `new_wa_id` spelling: main recorded no number change, so the new number was sendable."""
    assert _post(address, (meta_fixtures / "text-stop.json").read_bytes()) == 200
    message = {"from": "15550101234", "id": "wamid.moved", "timestamp": "1780300900", "type": "system"}
    message["system"] = {
        "body": "Ana changed from 15550101234 to 15550107777",
        "new_wa_id": "15550107777",
        "type": "user_changed_number",
    }
    value = {"messages": [message]}
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }
    assert _post(address, json.dumps(body).encode()) == 200

    assert not book.may_send("+15550107777", ALL).allowed
    _no_errors_logged(caplog)


def test_username_only_stop_without_from_is_applied(
    address: tuple[str, int], book: Any, meta_fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No `from`, only contacts[].user_id (BSUID): main dropped the message, and its STOP with it."""
    body = _fixture(meta_fixtures, "text-stop.json")
    user_id = "US.13491208655302741918"
    del _value(body)["messages"][0]["from"]
    _value(body)["contacts"] = [{"profile": {"name": "Eve"}, "user_id": user_id}]
    assert _post(address, json.dumps(body).encode()) == 200

    assert not book.may_send(user_id, ALL).allowed
    assert [m.text for m in book.thread(user_id)] == ["STOP"]
    _no_errors_logged(caplog)


def test_numbers_as_ints_and_lone_objects_still_store_the_stop(
    address: tuple[str, int], book: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """ids and wa_ids as JSON numbers, entry/changes/messages without their list brackets."""
    message = {
        "from": 15550104444,
        "id": 9001,
        "timestamp": 1780300800,
        "type": "text",
        "text": {"body": "STOP"},
    }
    value = {"metadata": {"phone_number_id": 110022003300441}, "contacts": {"wa_id": 15550104444}}
    value["messages"] = message
    body = {
        "object": "whatsapp_business_account",
        "entry": {"changes": {"field": "messages", "value": value}},
    }
    assert _post(address, json.dumps(body).encode()) == 200

    assert not book.may_send(DANA, ALL).allowed
    assert [m.provider_message_id for m in book.thread(DANA)] == ["9001"]
    _no_errors_logged(caplog)


# --- case 4: duplicates and unknown fields -------------------------------------------------------


def test_duplicates_and_unknown_fields_never_500(
    address: tuple[str, int],
    book: Any,
    book_path: Path,
    meta_fixtures: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Main answered 400 for a 5,000-digit number in an unknown field and 500 for a 25-digit error code."""
    body = _fixture(meta_fixtures, "text-stop.json")
    value = _value(body)
    value["messages"].append(dict(value["messages"][0]))  # the same wamid twice in one delivery
    value["messages"][0]["new_field_2027"] = {"deep": [{"er": None}], "n": 1e308, "big": "BIG"}
    failed = {
        "id": "wamid.out-1",
        "status": "failed",
        "timestamp": "1780300800",
        "recipient_id": "15550101234",
    }
    failed["errors"] = [{"code": "9" * 25, "title": "from a future API"}]
    value["statuses"] = [failed, failed]
    body["entry"][0]["mystery"] = ["x"]
    body["entry"].append(body["entry"][0])  # and the whole entry twice
    raw = _with(body, "BIG", "7" * 5000).replace(b'"id": "wamid.out-1"', b'"id": 1, "id": "wamid.out-1"')

    assert _post(address, raw) == 200
    assert _post(address, raw) == 200

    assert [m.text for m in book.thread(ANA)] == ["STOP"]
    assert len(book.history(ANA)) == 1
    assert _unparsed_reasons(book_path) == []
    _no_errors_logged(caplog)


# --- the route's last line of defence --------------------------------------------------------------


class RefusingBook:
    """The real pipeline, except that storing one given message id raises like a broken driver."""

    def __init__(self, pipeline: IngestPipeline, poisoned_id: str | None) -> None:
        self.pipeline, self.poisoned_id, self.down = pipeline, poisoned_id, False

    def __call__(self, events: Sequence[ProviderEvent]) -> IngestResult:
        if self.down:
            raise OSError("disk I/O error")
        if any(isinstance(e, InboundMessage) and e.provider_message_id == self.poisoned_id for e in events):
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return self.pipeline.ingest(events)


@pytest.fixture
def refusing_route(pipeline: IngestPipeline) -> Iterator[Callable[[str | None], tuple[tuple[str, int], Any]]]:
    started: list[tuple[WebhookServer, BookWriter[Any]]] = []

    def start(poisoned_id: str | None) -> tuple[tuple[str, int], RefusingBook]:
        refusing = RefusingBook(pipeline, poisoned_id)
        worker = events_writer(refusing)
        server = WebhookServer("127.0.0.1", 0)
        submit = worker.submit_ingest
        route = MetaWebhookRoute(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN, submit=submit)
        route.mount(server)
        started.append((server, worker))
        return server.start(), refusing

    yield start
    for server, worker in started:
        server.stop()
        worker.stop()


@pytest.mark.expect_log(level="ERROR", match=r"^Ingest failed")
@pytest.mark.expect_log(level="WARNING", match=r"^Kept a meta")
@pytest.mark.expect_log(level="WARNING", match=r"^One webhook event could not be stored")
@pytest.mark.expect_log(level="WARNING", match=r"^Storing a webhook batch failed")
def test_an_event_the_book_refuses_is_kept_raw_and_its_neighbours_stored(
    refusing_route: Callable[[str | None], tuple[tuple[str, int], Any]],
    book: Any,
    book_path: Path,
    meta_fixtures: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = _fixture(meta_fixtures, "batch-3-messages-2-contacts.json")
    poisoned = _value(body)["messages"][0]["id"]  # Ana's question
    address, _ = refusing_route(poisoned)
    assert _post(address, json.dumps(body).encode()) == 200

    assert not book.may_send(BRUNO, MARKETING).allowed
    assert [m.provider_message_id for m in book.thread(ANA)] == [_value(body)["messages"][2]["id"]]
    assert _unparsed_reasons(book_path) == ["could not be stored as parsed"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("one by one" in w for w in warnings) and any("OverflowError" in w for w in warnings)


@pytest.mark.expect_log(level="ERROR", match=r"^Ingest failed|^Storing a webhook batch failed")
@pytest.mark.expect_log(level="WARNING", match=r"^One webhook event could not be stored")
@pytest.mark.expect_log(level="WARNING", match=r"^Storing a webhook batch failed")
def test_a_book_that_stores_nothing_still_answers_500(
    refusing_route: Callable[[str | None], tuple[tuple[str, int], Any]],
    book_path: Path,
    meta_fixtures: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The fallback must not turn a broken disk into "stored": Meta has to retry then."""
    address, refusing = refusing_route(None)
    refusing.down = True
    assert _post(address, (meta_fixtures / "batch-3-messages-2-contacts.json").read_bytes()) == 500
    assert _unparsed_reasons(book_path) == []
    assert any("answered 500" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


# --- the same through `consent-desk serve` ---------------------------------------------------------


def _serve(data_dir: Path) -> tuple[subprocess.Popen[str], tuple[str, int]]:
    env = dict(os.environ)
    env.update(
        CONSENT_DESK_DATA_DIR=str(data_dir),
        CONSENT_DESK_META_APP_SECRET=APP_SECRET,
        CONSENT_DESK_META_VERIFY_TOKEN=VERIFY_TOKEN,
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        QT_QPA_PLATFORM="offscreen",
    )
    command = [sys.executable, "-m", "desktop_app", "serve", "--provider", "meta", "--port", "0", "--auto"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith("Listening on http://"):
            host, port = line.split()[2].removeprefix("http://").split("/")[0].rsplit(":", 1)
            return process, (host, int(port))
    process.kill()
    process.communicate()
    raise AssertionError("serve did not start:\n" + "".join(seen))


def test_serve_stores_every_readable_part_of_hostile_deliveries(
    isolated_data_dir: Path, meta_fixtures: Path
) -> None:
    """Cases 1-4 against the real `serve` process: main answered 500 or dropped the STOPs."""
    surrogate = _fixture(meta_fixtures, "batch-3-messages-2-contacts.json")
    _value(surrogate)["messages"][0]["text"]["body"] = "MARK"
    name = _fixture(meta_fixtures, "text-stop.json")
    _value(name)["contacts"][0]["profile"]["name"] = "MARK"
    deep = _fixture(meta_fixtures, "text-sair-pt.json")
    _value(deep)["messages"][0]["extra"] = "MARK"
    bodies = [
        _with(surrogate, "MARK", '"\\ud800"'),
        _with(name, "MARK", '"\\udfff"'),
        _with(deep, "MARK", "[" * 990 + "]" * 990),
    ]
    process, address = _serve(isolated_data_dir)
    try:
        answers = [_post(address, body) for body in bodies + bodies]  # every delivery twice
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0, out
    assert answers == [200] * 6, out
    assert "Traceback" not in out

    from desktop_app.storage.book import ConsentBook

    book = ConsentBook.open(
        isolated_data_dir / "consent-book.sqlite3", default_region="US", backup_dir=isolated_data_dir / "b"
    )
    try:
        assert not book.may_send(BRUNO, MARKETING).allowed  # case 1: the neighbour's "unsubscribe"
        assert not book.may_send(ANA, ALL).allowed  # case 1: STOP from a name with a lone surrogate
        assert not book.may_send("+15550103456", MARKETING).allowed  # case 2: "Sair" beside 990 levels
    finally:
        book.close()
