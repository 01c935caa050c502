"""A burst of opt-outs gives one notification, not one per customer, and its click opens Review."""

from __future__ import annotations

from datetime import UTC, datetime

from desktop_app.domain.model import ContactRef, InboundMessage


def test_a_burst_of_opt_outs_is_announced_once(qtbot, window, runtime) -> None:
    now = datetime.now(UTC)
    batch = [
        InboundMessage("demo", f"burst.{n}", ContactRef(f"1555010{n:04d}", name=f"C{n}"), now, text="STOP")
        for n in range(5)
    ]
    runtime.pipeline.ingest(batch)
    qtbot.waitUntil(lambda: bool(window.tray.notifications), timeout=5000)
    qtbot.wait(600)  # longer than the coalescing delay: nothing more may arrive
    assert window.tray.notifications == [("5 customers asked to stop", "Open Review to confirm them")]

    window.tabs.setCurrentIndex(0)
    window.tray.icon.messageClicked.emit()
    assert window.tabs.currentIndex() == 1
