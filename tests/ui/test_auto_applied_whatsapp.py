"""'Applied automatically' lists opt-outs made with WhatsApp's own Stop option, as the view says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QCoreApplication

from desktop_app.domain.model import (
    MARKETING,
    ConsentAction,
    ContactRef,
    InboundMessage,
    MessageKind,
    PreferenceChange,
)
from desktop_app.ui.main_window import AUTO
from tests.ui.conftest import settle

DANA = "15550104444"
GIULIA = "393300000001"


def whatsapp_stop(runtime, wa_id: str, name: str, when: datetime) -> None:
    runtime.pipeline.ingest(
        [
            PreferenceChange(
                provider="demo",
                contact=ContactRef(wa_id, name=name),
                category=MARKETING,
                action=ConsentAction.OPT_OUT,
                occurred_at=when,
                dedupe_key=f"test-pref:{wa_id}",
                detail="Stopped offers and announcements from the WhatsApp chat menu",
            )
        ]
    )
    QCoreApplication.processEvents()


def stop_button(runtime, wa_id: str, name: str, when: datetime) -> None:
    runtime.pipeline.ingest(
        [
            InboundMessage(
                provider="demo",
                provider_message_id=f"test.button.{wa_id}",
                sender=ContactRef(wa_id, name=name),
                occurred_at=when,
                text="Stop promotions",
                kind=MessageKind.BUTTON,
                button_text="Stop promotions",
                button_payload="STOP_PROMOTIONS",
            )
        ]
    )
    QCoreApplication.processEvents()


def test_whatsapp_stop_option_is_listed_beside_the_button_tap(qtbot, window, runtime) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    stop_button(runtime, GIULIA, "Giulia Russo", start)
    whatsapp_stop(runtime, DANA, "Dana Okafor", start + timedelta(minutes=5))
    window.refresh_all()
    window.tabs.setCurrentIndex(AUTO)
    settle(qtbot, window)
    view = window.tabs.currentWidget()
    rows = view.model.items()
    assert [row.contact_name for row in rows] == ["Dana Okafor", "Giulia Russo"]  # newest first
    model = view.model
    assert model.data(model.index(0, 4)) == "used WhatsApp's own Stop option"
    assert model.data(model.index(0, 3)) == "Stop · marketing"
    assert "Applied automatically" not in model.data(model.index(0, 2))  # their words: the menu choice
    view.table.selectRow(0)
    assert not view.reverse_button.isEnabled()  # the customer's own choice in WhatsApp
    assert "only they can change it" in view.reverse_button.toolTip()
    assert view.reverse_selected() is None
    view.table.selectRow(1)
    assert view.reverse_button.isEnabled()
    window.grab().save("/tmp/h7-auto-applied.png")
