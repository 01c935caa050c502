"""Meta webhook bodies built in code, POSTed signed to the real webhook server, on a clock the test moves."""

from __future__ import annotations

import http.client
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.providers.meta_cloud.signature import sign
from desktop_app.services.meta_webhook import MetaWebhookService
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook
from tests.integration.houses import house

APP_SECRET = "test_app_secret_not_real_0000"
RECEIVED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # the app's own clock; nothing here reads the wall clock
METADATA = {"display_phone_number": "15550100100", "phone_number_id": "110022003300441"}
OPTED_OUT_131050 = {
    "code": 131050,
    "title": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages",
}


class Clock:
    def __init__(self, start: datetime = RECEIVED) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def envelope(field: str, value: dict[str, Any]) -> bytes:
    change = {"field": field, "value": {"messaging_product": "whatsapp", "metadata": METADATA, **value}}
    body = {"object": "whatsapp_business_account", "entry": [{"id": "104477000000123", "changes": [change]}]}
    return json.dumps(body).encode("utf-8")


def preference(wa_id: str, value: str, timestamp: Any) -> bytes:
    """A user_preferences change: value "stop" or "resume" for marketing messages."""
    item = {"wa_id": wa_id, "category": "marketing_messages", "value": value, "timestamp": timestamp}
    item["detail"] = f"User requested to {value} marketing messages"
    return envelope("user_preferences", {"user_preferences": [item]})


def statuses(*items: dict[str, Any]) -> bytes:
    return envelope("messages", {"statuses": list(items)})


def status(wamid: str, recipient: str, timestamp: Any, state: str = "failed") -> dict[str, Any]:
    item: dict[str, Any] = {"id": wamid, "status": state, "timestamp": timestamp, "recipient_id": recipient}
    if state == "failed":
        item["errors"] = [OPTED_OUT_131050]
    return item


def text(wa_id: str, wamid: str, body: str, timestamp: Any, **extra: Any) -> bytes:
    message = {"from": wa_id, "id": wamid, "timestamp": timestamp, "type": "text", "text": {"body": body}}
    message.update(extra)  # kept in the stored raw payload
    contacts = [{"profile": {"name": "Ana"}, "wa_id": wa_id}]
    return envelope("messages", {"contacts": contacts, "messages": [message]})


def epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


class Desk:
    """A real book file, the real pipeline and the real webhook server on 127.0.0.1."""

    def __init__(self, path: Path, clock: Clock, lexicon: Lexicon) -> None:
        self.path, self.clock = path, clock
        self.book = ConsentBook.open(path, default_region="US", backup_dir=path.parent / "backups", now=clock)
        settings = Settings(shop_name="Corner Shop", auto_mode=True, send_confirmations=False)
        self.house = house(self.book, settings, detector=Detector(lexicon), clock=clock)
        self.pipeline = self.house.pipeline
        self.service = MetaWebhookService(
            self.house.writer, app_secret=APP_SECRET, verify_token="v", host="127.0.0.1", port=0
        )

    def post(self, body: bytes) -> int:
        host, port = self.service.server.address
        conn = http.client.HTTPConnection(host, port, timeout=20)
        try:
            conn.request("POST", "/webhook", body, {"X-Hub-Signature-256": sign(body, APP_SECRET)})
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Read the book file with a plain SQLite connection: what is really stored."""
        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql, params).fetchall()


@contextmanager
def running_desk(path: Path, clock: Clock, lexicon: Lexicon | None = None) -> Iterator[Desk]:
    desk = Desk(path, clock, lexicon or Lexicon.load_default())
    try:
        with desk.service:
            yield desk
    finally:
        desk.house.close()
        desk.book.close()
