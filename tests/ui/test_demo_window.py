"""The first minute of a new user: the demo window opens, fills with live messages, and closes cleanly."""

from __future__ import annotations

import threading

from desktop_app.services.paths import AppPaths
from desktop_app.services.qtbridge import RuntimeBridge
from desktop_app.services.runtime import AppRuntime
from desktop_app.services.settings import Settings
from desktop_app.services.ui_services import ui_services_for


def _demo_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "demo-simulator" and t.is_alive()]


def test_demo_delivers_into_the_inbox_and_closing_stops_it(qtbot) -> None:
    from desktop_app.ui.main_window import MainWindow

    bridge = RuntimeBridge()
    runtime = AppRuntime(
        AppPaths.resolve(), Settings(minimize_to_tray=False), demo=True, bridge=bridge, demo_pace=0.002
    )
    window = MainWindow(ui_services_for(runtime), first_run=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert "Demo" in window.windowTitle()
    assert window.demo_banner.isVisible()

    conversations = window.inbox_view.list.model()
    assert conversations.rowCount() == 0
    with qtbot.waitSignal(bridge.ingested, timeout=10_000):
        runtime.start()
    assert _demo_threads()
    qtbot.waitUntil(lambda: runtime.source.finished.is_set(), timeout=20_000)
    # the list refreshes from the signals the pipeline emits, not from a timer of its own
    qtbot.waitUntil(lambda: conversations.rowCount() >= 9, timeout=10_000)
    pending = runtime.book.pending_detections()
    assert {"Lucía Pérez", "Bruno Lima"} <= {d.contact_name for d in pending}
    # the Review tab counts requests, not people (Marie's STOP and her "erreur ! START" both wait)
    qtbot.waitUntil(lambda: f"({len(pending)})" in window.tabs.tabText(1), timeout=5000)

    window.close()
    assert not window.isVisible()
    runtime.stop()  # what app.py does once the event loop ends
    assert not _demo_threads()
    bridge.deleteLater()
