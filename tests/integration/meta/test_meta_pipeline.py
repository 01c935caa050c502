"""The shared ingest pipeline on a real consent book file, the real detector and the fake Graph API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.domain.model import ALL, MARKETING, ConsentAction, EventSource, IngestResult
from desktop_app.providers.meta_cloud.graph_client import GraphClient
from desktop_app.providers.meta_cloud.parser import parse_body
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.settings import Settings
from tests.integration.meta.fake_graph import ACCESS_TOKEN, API_VERSION, PHONE_NUMBER_ID, FakeGraph
from tests.integration.meta.pipeline_helpers import fresh_body

ANA, BRUNO, LUCIA, JOAO, CARLA = (
    "+15550101234",
    "+15550105678",
    "+15550102345",
    "+15550103456",
    "+15550109876",
)


@pytest.fixture
def book(tmp_path: Path) -> Iterator:
    from desktop_app.storage.book import ConsentBook

    consent_book = ConsentBook.open(
        tmp_path / "book.sqlite3", default_region="US", backup_dir=tmp_path / "bk"
    )
    try:
        yield consent_book
    finally:
        consent_book.close()


@pytest.fixture
def detector():
    from desktop_app.domain.detection import Detector, Lexicon

    return Detector(Lexicon.load_default())


@pytest.fixture
def settings() -> Settings:
    return Settings(shop_name="Corner Shop", auto_mode=False, send_confirmations=True)


@pytest.fixture
def graph(fake_graph: FakeGraph) -> Iterator[GraphClient]:
    with GraphClient(
        access_token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        base_url=fake_graph.base_url,
        api_version=API_VERSION,
        sleep=lambda s: None,
    ) as client:
        yield client


@pytest.fixture
def results() -> list[IngestResult]:
    return []


@pytest.fixture
def pipeline(book, detector, settings: Settings, graph: GraphClient, results: list) -> IngestPipeline:
    return IngestPipeline(book, detector, settings, sender=graph, on_result=results.append)


def _ingest_file(pipeline: IngestPipeline, meta_fixtures: Path, name: str) -> IngestResult:
    return pipeline.ingest(parse_body((meta_fixtures / name).read_bytes()))


def _ingest_fresh(pipeline: IngestPipeline, meta_fixtures: Path, name: str, **kw) -> IngestResult:
    return pipeline.ingest(parse_body(fresh_body(meta_fixtures, name, **kw)))


def _state(book, key: str, category: str) -> str:
    return book.consent_state(key)[category].state


def test_free_text_waits_for_review_without_auto_mode(
    pipeline, book, fake_graph, meta_fixtures, results
) -> None:
    result = _ingest_fresh(pipeline, meta_fixtures, "text-stop.json")
    assert result.stored_messages == 1 and len(result.detections) == 1
    assert result.applied_event_ids == [] and result.opt_out_contacts == [ANA]
    assert results == [result]
    [pending] = book.pending_detections()
    assert pending.contact_key == ANA and pending.status == "pending"
    assert book.history(ANA) == []
    assert book.may_send(ANA, MARKETING).allowed
    assert fake_graph.messages == []


def test_auto_mode_applies_and_confirms_once(pipeline, book, settings, fake_graph, meta_fixtures) -> None:
    settings.auto_mode = True
    body = fresh_body(meta_fixtures, "text-stop.json")
    result = pipeline.ingest(parse_body(body))
    [event_id] = result.applied_event_ids
    [event] = book.history(ANA)
    assert (event.id, event.action, event.category) == (event_id, ConsentAction.OPT_OUT, ALL)
    assert event.decided_by.startswith("auto:")
    assert not book.may_send(ANA, MARKETING).allowed
    assert [d.status for d in book.auto_applied_detections()] == ["auto_applied"]
    [sent] = fake_graph.messages
    assert sent.problems == [] and sent.body["to"] == ANA
    assert "Corner Shop" in sent.body["text"]["body"] and "START" in sent.body["text"]["body"]
    stored = book.event(event_id)
    assert stored.confirmation_message_id == fake_graph.fixture("send-success-text.json")["messages"][0]["id"]
    assert stored.confirmation_status == "sent"

    again = pipeline.ingest(parse_body(body))  # Meta redelivers the same webhook
    assert (again.duplicates, again.applied_event_ids, again.detections) == (1, [], [])
    assert len(book.history(ANA)) == 1 and len(fake_graph.messages) == 1
    assert pipeline.send_confirmation(stored, "en") is None  # never twice for the same event
    assert len(fake_graph.messages) == 1


def test_stop_promotions_button_is_exact_in_review_mode(pipeline, book, fake_graph, meta_fixtures) -> None:
    result = _ingest_fresh(pipeline, meta_fixtures, "button-stop-promotions.json")
    [event] = book.history(ANA)
    assert (event.category, event.action, event.decided_by) == (MARKETING, ConsentAction.OPT_OUT, "customer")
    assert event.source is EventSource.BUTTON
    assert result.detections == []  # not queued: the owner sees it among the applied ones
    [applied] = book.auto_applied_detections()
    assert applied.rule.startswith("button:") and applied.event_id == event.id
    assert not book.may_send(ANA, MARKETING).allowed
    assert book.may_send(ANA, "order_updates").allowed
    [sent] = fake_graph.messages
    assert "offers" in sent.body["text"]["body"]  # the marketing-only wording


def test_localised_button_confirms_in_portuguese(pipeline, book, fake_graph, meta_fixtures) -> None:
    _ingest_fresh(pipeline, meta_fixtures, "button-stop-promotions-label-payload-pt.json")
    [event] = book.history(JOAO)
    assert event.category == MARKETING and event.decided_by == "customer"
    [sent] = fake_graph.messages
    assert "Corner Shop" in sent.body["text"]["body"]
    assert "Você não receberá" in sent.body["text"]["body"]


def test_meta_131050_records_marketing_opt_out_without_confirmation(
    pipeline, book, fake_graph, meta_fixtures
) -> None:
    result = _ingest_file(pipeline, meta_fixtures, "status-failed-131050.json")
    assert result.statuses == 1 and len(result.applied_event_ids) == 1
    [event] = book.history(BRUNO)
    assert (event.category, event.source, event.decided_by) == (
        MARKETING,
        EventSource.SEND_ERROR_131050,
        "customer",
    )
    assert "stop receiving marketing" in (event.evidence_text or "")
    assert not book.may_send(BRUNO, MARKETING).allowed and book.may_send(BRUNO, "order_updates").allowed
    assert _ingest_file(pipeline, meta_fixtures, "status-failed-131050.json").duplicates == 1
    assert len(book.history(BRUNO)) == 1
    assert fake_graph.messages == []


def test_131047_and_delivered_are_not_opt_outs(pipeline, book, meta_fixtures) -> None:
    for name in ("status-failed-131047.json", "status-delivered.json"):
        assert _ingest_file(pipeline, meta_fixtures, name).statuses == 1
    assert book.history(BRUNO) == [] and book.history(ANA) == []


def test_user_preferences_stop_and_resume_without_confirmation(
    pipeline, book, fake_graph, meta_fixtures
) -> None:
    _ingest_file(pipeline, meta_fixtures, "user-preferences-stop.json")
    assert not book.may_send(CARLA, MARKETING).allowed
    [event] = book.history(CARLA)
    assert (event.source, event.decided_by) == (EventSource.META_PREFERENCE, "customer")
    assert book.contact(CARLA).name == "Carla Rossi"
    _ingest_file(pipeline, meta_fixtures, "user-preferences-resume.json")
    assert book.may_send(CARLA, MARKETING).allowed
    assert _ingest_file(pipeline, meta_fixtures, "user-preferences-resume.json").duplicates == 1
    assert fake_graph.messages == []


def test_opt_in_delivered_before_an_earlier_opt_out(pipeline, book, meta_fixtures) -> None:
    """Meta delivers out of order: the later resume must still win over the earlier stop."""
    _ingest_file(pipeline, meta_fixtures, "user-preferences-resume.json")
    _ingest_file(pipeline, meta_fixtures, "user-preferences-stop.json")
    assert [e.action for e in book.history(CARLA)] == [ConsentAction.OPT_OUT, ConsentAction.OPT_IN] or len(
        book.history(CARLA)
    ) == 2
    assert _state(book, CARLA, MARKETING) == "opted_in"
    assert book.may_send(CARLA, MARKETING).allowed


def test_stale_replay_is_recorded_but_not_confirmed(
    pipeline, book, settings, fake_graph, meta_fixtures
) -> None:
    settings.auto_mode = True
    result = _ingest_file(pipeline, meta_fixtures, "text-baja-es.json")  # months-old timestamp
    [event_id] = result.applied_event_ids
    assert not book.may_send(LUCIA, MARKETING).allowed
    assert fake_graph.messages == []
    assert book.event(event_id).confirmation_status == "skipped: reply window closed"


def test_review_confirm_goes_through_the_same_confirmation(pipeline, book, fake_graph, meta_fixtures) -> None:
    result = _ingest_fresh(pipeline, meta_fixtures, "text-stop-sentence.json")
    [det_id] = result.detections
    assert fake_graph.messages == []
    record = pipeline.confirm_detection(det_id)
    assert record is not None and record.decided_by == "owner" and record.contact_key == BRUNO
    assert not book.may_send(BRUNO, MARKETING).allowed
    [sent] = fake_graph.messages
    assert sent.body["to"] == BRUNO
    assert book.event(record.id).confirmation_status == "sent"
    with pytest.raises(ValueError, match="not pending"):
        pipeline.confirm_detection(det_id)
    assert len(fake_graph.messages) == 1


def test_no_confirmation_when_owner_turned_them_off(
    pipeline, book, settings, fake_graph, meta_fixtures
) -> None:
    settings.send_confirmations = False
    _ingest_fresh(pipeline, meta_fixtures, "button-stop-promotions.json")
    assert len(book.history(ANA)) == 1 and fake_graph.messages == []


@pytest.mark.expect_log(level="WARNING", match=r"^Confirmation for event \d+ not sent")
def test_confirmation_refused_outside_window_is_recorded(pipeline, book, fake_graph, meta_fixtures) -> None:
    fake_graph.answer(400, "error-131047-reengagement.json")
    result = _ingest_fresh(pipeline, meta_fixtures, "button-stop-promotions.json")
    [event_id] = result.applied_event_ids
    assert book.event(event_id).confirmation_status == "failed: reply window closed"
    assert book.event(event_id).confirmation_message_id is None


def test_outbox_blocks_marketing_after_opt_out(pipeline, book, fake_graph, meta_fixtures) -> None:
    _ingest_file(pipeline, meta_fixtures, "user-preferences-stop.json")
    blocked = pipeline.outbox.send(CARLA, "20% off this weekend!", MARKETING)
    assert not blocked.ok and blocked.recipient_opted_out
    assert fake_graph.messages == []
    allowed = pipeline.outbox.send(CARLA, "Your order has shipped.", "order_updates")
    assert allowed.ok and len(fake_graph.messages) == 1


@pytest.mark.expect_log(level="WARNING", match=r"^Kept a meta")
def test_batch_non_requests_and_unparsed(pipeline, book, settings, meta_fixtures) -> None:
    settings.auto_mode = True
    batch = _ingest_file(pipeline, meta_fixtures, "batch-3-messages-2-contacts.json")
    assert batch.stored_messages == 3
    assert set(batch.contacts_touched) == {ANA, BRUNO}
    assert BRUNO in batch.opt_out_contacts
    for name in ("reaction.json", "request-welcome.json", "unsupported.json"):
        quiet = _ingest_file(pipeline, meta_fixtures, name)
        assert quiet.stored_messages == 1 and quiet.detections == [] and quiet.applied_event_ids == []
    unparsed = _ingest_file(pipeline, meta_fixtures, "value-errors-130429.json")
    assert unparsed.unparsed == 1


def test_number_change_carries_opt_out_over(pipeline, book, meta_fixtures) -> None:
    _ingest_file(pipeline, meta_fixtures, "button-stop-promotions-label-payload-pt.json")
    assert not book.may_send(JOAO, MARKETING).allowed
    _ingest_file(pipeline, meta_fixtures, "system-user-changed-number.json")
    assert not book.may_send("+15550107777", MARKETING).allowed


def test_username_only_user_opt_out_is_honoured(pipeline, book, meta_fixtures) -> None:
    body = json.loads((meta_fixtures / "button-stop-promotions.json").read_text(encoding="utf-8"))
    value = body["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    del message["from"]
    message["from_user_id"] = "US.13491208655302741918"
    value["contacts"] = [{"profile": {"name": "Ana"}, "user_id": "US.13491208655302741918"}]
    pipeline.ingest(parse_body(json.dumps(body).encode()))
    assert not book.may_send("US.13491208655302741918", MARKETING).allowed


def test_set_detector_and_settings_are_read_per_batch(
    pipeline, book, settings, detector, meta_fixtures
) -> None:
    pipeline.set_detector(detector)
    pipeline.settings = Settings(shop_name="Other", auto_mode=True, send_confirmations=False)
    result = _ingest_file(pipeline, meta_fixtures, "text-sair-pt.json")
    assert len(result.applied_event_ids) == 1


@pytest.mark.expect_log(level="WARNING", match=r"^Kept a meta")
def test_impossible_number_is_kept_unparsed_and_neighbours_stored(pipeline, book, meta_fixtures) -> None:
    body = json.loads((meta_fixtures / "batch-3-messages-2-contacts.json").read_text(encoding="utf-8"))
    body["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "12"
    result = pipeline.ingest(parse_body(json.dumps(body).encode()))
    assert result.unparsed == 1 and result.stored_messages == 2
    assert len(book.thread(BRUNO)) == 1 and len(book.thread(ANA)) == 1


class BlockingSender:
    """A provider that answers only when the test allows it (stands in for a slow Graph API)."""

    name = "meta"

    def __init__(self) -> None:
        import threading

        self.release = threading.Event()
        self.calls: list[tuple[str, str]] = []

    def send_text(self, to: str, text: str):
        from desktop_app.providers.base import SendResult

        self.calls.append((to, text))
        self.release.wait(30)
        return SendResult(ok=True, provider_message_id="wamid.slow-confirmation")

    def test_connection(self):  # pragma: no cover - not used here
        raise NotImplementedError

    def close(self) -> None:
        pass


def test_webhook_answers_before_a_slow_confirmation(book, detector, settings, meta_fixtures) -> None:
    import http.client

    from desktop_app.services.meta_webhook import MetaWebhookService
    from tests.integration.houses import house
    from tests.integration.meta.pipeline_helpers import signed

    sender = BlockingSender()
    session = house(book, settings, detector=detector, sender=sender)
    service = MetaWebhookService(
        session.writer, app_secret="test_app_secret_not_real_0000", verify_token="v", host="127.0.0.1", port=0
    )
    body, signature = signed(fresh_body(meta_fixtures, "button-stop-promotions.json"))
    with session, service:
        host, port = service.server.address
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("POST", "/webhook", body, {"X-Hub-Signature-256": signature})
        assert conn.getresponse().status == 200  # answered while the confirmation is still in flight
        conn.close()
        assert not book.may_send(ANA, MARKETING).allowed
        sender.release.set()
    assert len(sender.calls) == 1
    [event] = book.history(ANA)
    assert book.event(event.id).confirmation_message_id == "wamid.slow-confirmation"
    with pytest.raises(RuntimeError, match="shutdown"):  # the network pool closed only after the send
        session.network.submit(lambda: None)


def test_twilio_21610_refusal_is_an_opt_out_of_everything(pipeline, book, fake_graph) -> None:
    from datetime import UTC, datetime

    from desktop_app.domain.model import ContactRef, StatusUpdate

    refusal = StatusUpdate(
        provider="twilio",
        provider_message_id="SM0123456789abcdef0123456789abcdef",
        recipient=ContactRef(ANA),
        status="failed",
        occurred_at=datetime.now(UTC),
        error_code=21610,
        error_title="Attempt to send to unsubscribed recipient",
    )
    result = pipeline.ingest([refusal])
    assert len(result.applied_event_ids) == 1
    [event] = book.history(ANA)
    assert (event.category, event.source) == (ALL, EventSource.TWILIO_ERROR_21610)
    assert not book.may_send(ANA, "order_updates").allowed
    assert fake_graph.messages == []  # the platform already told the customer


def test_unreachable_warning_after_days_without_deliveries(book, pipeline, meta_fixtures) -> None:
    import http.client
    from datetime import UTC, datetime, timedelta

    from desktop_app.services.meta_webhook import (
        LAST_DELIVERY_CURSOR,
        MetaWebhookService,
        unreachable_warning,
    )
    from tests.integration.houses import house
    from tests.integration.meta.pipeline_helpers import signed

    assert unreachable_warning(book) is None  # never connected: nothing to warn about yet
    session = house(book, pipeline.settings, detector=pipeline.detector)
    service = MetaWebhookService(
        session.writer,
        app_secret="test_app_secret_not_real_0000",
        verify_token="v",
        host="127.0.0.1",
        port=0,
    )
    with session, service:
        conn = http.client.HTTPConnection(*service.server.address, timeout=10)
        body, signature = signed((meta_fixtures / "reaction.json").read_bytes())
        conn.request("POST", "/webhook", body, {"X-Hub-Signature-256": signature})
        assert conn.getresponse().status == 200
        conn.close()
    last = datetime.fromisoformat(book.get_cursor(LAST_DELIVERY_CURSOR))
    assert datetime.now(UTC) - last < timedelta(minutes=5)
    assert unreachable_warning(book) is None
    assert unreachable_warning(book, now=last + timedelta(days=1)) is None
    warning = unreachable_warning(book, now=last + timedelta(days=4))
    assert warning is not None and "4 days" in warning and "7 days" in warning


def test_confirmation_delivery_status_is_tracked(pipeline, book, settings, fake_graph, meta_fixtures) -> None:
    result = _ingest_fresh(pipeline, meta_fixtures, "button-stop-promotions.json")
    [event_id] = result.applied_event_ids
    confirmation_id = book.event(event_id).confirmation_message_id
    assert confirmation_id
    delivered = fresh_body(meta_fixtures, "status-delivered.json", id=confirmation_id)
    assert pipeline.ingest(parse_body(delivered)).statuses == 1
    assert book.event(event_id).confirmation_status == "delivered"


class ExplodingDetector:
    """A detector with a bug on one text (stands in for a future lexicon mistake)."""

    def __init__(self, real) -> None:
        self.real = real

    def classify(self, text, button_payload=None, button_text=None):
        if "Sunday" in (text or ""):
            raise IndexError("lexicon bug")
        return self.real.classify(text, button_payload=button_payload, button_text=button_text)


@pytest.mark.expect_log(level="ERROR", match=r"^The detector failed on one message")
def test_a_detector_bug_never_loses_the_message(
    pipeline, book, settings, detector, meta_fixtures, caplog
) -> None:
    settings.auto_mode = True
    pipeline.set_detector(ExplodingDetector(detector))
    result = _ingest_file(pipeline, meta_fixtures, "batch-3-messages-2-contacts.json")
    assert result.stored_messages == 3
    assert not book.may_send(BRUNO, MARKETING).allowed  # the neighbours were still judged
    assert "detector failed" in caplog.text


@pytest.mark.expect_log(level="WARNING", match=r"^Confirmation for event \d+ not sent")
def test_expired_token_asks_the_owner_to_reconnect(pipeline, book, fake_graph, meta_fixtures) -> None:
    messages: list[str] = []
    pipeline.outbox.on_needs_reconnect = messages.append
    fake_graph.answer(401, "error-190-expired-token.json")
    result = _ingest_fresh(pipeline, meta_fixtures, "button-stop-promotions.json")
    [event_id] = result.applied_event_ids
    assert book.event(event_id).confirmation_status == "failed: reconnect needed"
    assert len(messages) == 1 and "reconnect" in messages[0].lower()
    assert len(fake_graph.messages) == 1  # not retried
