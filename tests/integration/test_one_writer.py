"""Every write to the book happens on the one book-writer thread, whichever source or caller asked for it.

Real parts only: the composition root's house on a real book file, the real webhook server on
127.0.0.1 with Meta's route, the fake Graph API, the fake Twilio API (poller, webhook, 21610). The
book is a ConsentBook whose unit_of_work notes the thread it runs on; the caller's own thread is
also forbidden to write, so a write that slipped past the writer would fail loudly as well.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from twilio.request_validator import RequestValidator

from desktop_app.domain.model import MARKETING
from desktop_app.providers.base import ConnectionCheck, ConnectionState, SendResult
from desktop_app.services.book_writer import WRITER_THREAD_NAME
from desktop_app.services.composition import NETWORK_THREAD_PREFIX, House
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings
from desktop_app.services.twilio_runner import TWILIO_PATH
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.uow import UnitOfWork
from tests.fakes.twilio_server import ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, BUSINESS, FakeTwilio
from tests.integration.meta.conftest import APP_SECRET
from tests.integration.meta.pipeline_helpers import fresh_body, signed
from tests.waiting import wait_for

PUBLIC = "https://quiet-lake-1234.trycloudflare.com"


class ThreadNotingBook(ConsentBook):
    """The real book; each unit of work remembers the name of the thread that opened it."""

    write_threads: list[str]

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        self.write_threads.append(threading.current_thread().name)
        return super().unit_of_work()


@pytest.fixture
def book(tmp_path: Path) -> Iterator[ThreadNotingBook]:
    opened = ThreadNotingBook.open(tmp_path / "book.sqlite3", default_region="US", backup_dir=tmp_path / "bk")
    assert isinstance(opened, ThreadNotingBook)
    opened.write_threads = []
    opened.forbid_writes_from(threading.current_thread())
    yield opened
    opened.close()


class NumberingSender:
    """A provider that accepts every message with a new id and notes the thread each send ran on."""

    name = "meta"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (to, thread name)

    def send_text(self, to: str, text: str) -> SendResult:
        self.sent.append((to, threading.current_thread().name))
        return SendResult(ok=True, provider_message_id=f"wamid.out.{len(self.sent)}")

    def test_connection(self) -> ConnectionCheck:
        return ConnectionCheck(True, ConnectionState.CONNECTED, "ok")

    def close(self) -> None:
        pass


def _states() -> tuple[list[tuple[ConnectionState, str]], object]:
    seen: list[tuple[ConnectionState, str]] = []
    return seen, lambda state, message: seen.append((state, message))


def test_meta_webhook_confirmations_review_and_sends_all_write_on_the_writer(
    book: ThreadNotingBook, meta_fixtures: Path
) -> None:
    secrets = SecretStore()
    secrets.set("meta.app_secret", APP_SECRET)
    secrets.set("meta.verify_token", "verify")
    settings = Settings(provider="meta", shop_name="Corner Shop", webhook_port=0)
    sender = NumberingSender()
    states, report = _states()
    with House(book, settings, secrets, sender=sender) as house:
        house.start_source(report)  # type: ignore[arg-type]
        assert states and states[-1][0] is ConnectionState.WEBHOOK_WAITING
        host, port = house.source.service.server.address  # type: ignore[union-attr]

        def post(name: str) -> int:
            body, signature = signed(fresh_body(meta_fixtures, name))
            conn = http.client.HTTPConnection(host, port, timeout=20)
            try:
                conn.request("POST", "/webhook", body, {"X-Hub-Signature-256": signature})
                return conn.getresponse().status
            finally:
                conn.close()

        # A button tap: applied at once, confirmed on the network pool (marks "sending", then "sent").
        assert post("button-stop-promotions.json") == 200
        assert wait_for(lambda: len(sender.sent) == 1, timeout=20.0)
        # Free text waits for review; the owner confirms it from this (forbidden) thread.
        assert post("text-stop-sentence.json") == 200
        [pending] = book.pending_detections()
        record = house.pipeline.confirm_detection(pending.id)
        assert record is not None
        assert wait_for(lambda: len(sender.sent) == 2, timeout=20.0)
        # An ordinary message through the guarded outbox records what it sent.
        assert house.pipeline.outbox.send("+15550107777", "Your order is ready.", "order_updates").ok
        assert wait_for(lambda: book.get_cursor("meta.last_delivery_at") is not None, timeout=10.0)
    assert not book.may_send("+15550101234", MARKETING).allowed
    assert not book.may_send("+15550105678", MARKETING).allowed
    assert len(book.write_threads) >= 7  # 2 deliveries, 2x(sending, sent), a decision, a send, a cursor
    assert set(book.write_threads) == {WRITER_THREAD_NAME}
    confirmations = [thread for _, thread in sender.sent[:2]]
    assert all(thread.startswith(NETWORK_THREAD_PREFIX) for thread in confirmations)  # never the writer


def test_twilio_poller_webhook_cursor_and_21610_all_write_on_the_writer(
    book: ThreadNotingBook, tmp_path: Path
) -> None:
    with FakeTwilio() as fake:
        secrets = SecretStore()
        secrets.set("twilio.account_sid", ACCOUNT_SID)
        secrets.set("twilio.api_key", API_KEY)
        secrets.set("twilio.api_secret", API_SECRET)
        secrets.set("twilio.auth_token", AUTH_TOKEN)
        settings = Settings(
            provider="twilio",
            twilio_from=BUSINESS,
            twilio_base_url=fake.base_url,
            twilio_poll_seconds=0.1,
            public_url=PUBLIC,
            webhook_port=0,
            send_confirmations=False,
        )
        polled = fake.add_message(
            "whatsapp:+15550101234", "hello", date_sent=datetime.now(UTC) - timedelta(minutes=2)
        )
        _, report = _states()
        with House(book, settings, secrets) as house:
            house.start_source(report)  # type: ignore[arg-type]
            connection = house.source.connection  # type: ignore[union-attr]
            # The poller: its messages and, after a complete walk, its cursor.
            assert wait_for(lambda: book.get_cursor(connection.poller.cursor_name) is not None, timeout=20.0)
            # (inbound only: the first-contact note to this new customer may be stored by now too)
            inbound = [m for m in book.thread("+15550101234") if m.direction == "inbound"]
            assert [m.provider_message_id for m in inbound] == [polled]
            # The signed webhook, on a request thread of the server.
            assert connection.server is not None
            form = {
                "MessageSid": "SM" + "7" * 32,
                "AccountSid": ACCOUNT_SID,
                "From": "whatsapp:+34600100200",
                "To": BUSINESS,
                "Body": "hola",
                "WaId": "34600100200",
                "NumMedia": "0",
                "MessageType": "text",
            }
            signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + TWILIO_PATH, form)
            response = requests.post(
                connection.server.base_url + TWILIO_PATH,
                data=urlencode(form),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                },
                timeout=10,
            )
            assert response.status_code == 200
            # A send refused with 21610 records the opt-out (and the send itself nothing).
            fake.state.unsubscribed.add("whatsapp:+15550103333")
            refused = house.pipeline.outbox.send("+15550103333", "Order ready", "order_updates")
            assert refused.recipient_opted_out
            assert book.consent_state("+15550103333")["all"].state == "opted_out"
    assert book.thread("+34600100200")
    assert len(book.write_threads) >= 4  # poll page, cursor, webhook, 21610
    assert set(book.write_threads) == {WRITER_THREAD_NAME}
