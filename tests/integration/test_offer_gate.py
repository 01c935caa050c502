"""The guarded outbox itself refuses an offer to a customer who stopped offers, whatever its type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.domain.model import ContactRef, InboundMessage
from desktop_app.providers.demo import DemoSender
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.outbox import OVERRIDE_KIND
from desktop_app.services.runtime import build_detector
from desktop_app.services.settings import Settings
from desktop_app.storage.book import ConsentBook

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANA = "+15550101234"


def test_an_offer_sent_as_an_order_update_is_refused_by_the_outbox(tmp_path: Path) -> None:
    with ConsentBook.open(tmp_path / "book.sqlite3", default_region="US") as book:
        settings = Settings(auto_mode=True)
        sender = DemoSender()
        pipeline = IngestPipeline(
            book, build_detector(settings), settings, sender=sender, clock=lambda: T0 + timedelta(minutes=5)
        )
        stop = InboundMessage("demo", "m1", ContactRef(ANA[1:]), T0, text="stop sending promotions")
        pipeline.ingest([stop])
        assert book.consent_state(ANA)["marketing"].state == "opted_out"
        before = list(sender.sent)

        refused = pipeline.outbox.send(ANA, "Big sale: 20% off all croissants", "order_updates")
        assert not refused.ok and refused.recipient_opted_out
        assert "reads like an offer" in (refused.error_message or "")
        assert sender.sent == before

        assert pipeline.outbox.send(ANA, "Your order is ready for pickup.", "order_updates").ok
        sale = "Big sale: 20% off all croissants"
        chosen = pipeline.outbox.send(ANA, sale, "order_updates", kind=OVERRIDE_KIND)
        assert chosen.ok  # the owner's explicit choice after the warning, kept on the row
        assert [m.kind for m in book.thread(ANA) if m.text == sale] == [OVERRIDE_KIND]
