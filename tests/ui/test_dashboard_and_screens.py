"""Dashboard charts over real stats, and screenshots of the main screens with the demo's story."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.services.paths import AppPaths
from desktop_app.services.qtbridge import RuntimeBridge
from desktop_app.services.runtime import AppRuntime
from desktop_app.services.settings import Settings
from desktop_app.services.ui_services import ui_services_for
from desktop_app.ui.main_window import AUTO, BOOK, DASHBOARD, REVIEW, MainWindow
from tests.ui.conftest import settle, write

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"


def test_dashboard_charts_weekly_changes_by_source(qtbot, window, runtime, customers):
    keys = [customers.say(f"1555010{i:04d}", f"C{i}", "STOP") for i in range(3)]
    customers.say("15550109999", "Dana", "hello")
    review = window.services.review
    write(window.services, lambda: review.confirm_many([d.id for d in review.pending().items[:2]]))
    review.hold.release_all()  # the undo window passes
    qtbot.waitUntil(lambda: len(runtime.sender.sent) == 2, timeout=5000)  # confirmations' own thread
    qtbot.keyClick(window.inbox_view.list, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    dashboard = window.dashboard_view
    assert window.tabs.currentIndex() == DASHBOARD and dashboard.loaded
    assert dashboard.pending_value.text() == "1"
    assert dashboard.week_value.text() == "2"
    assert dashboard.rate_note.text().startswith("0 of 2 confirmations")  # sent, not yet delivered
    changes, sources = dashboard.changes_chart, dashboard.sources_chart
    assert not changes.stacked and sources.stacked
    outs = changes.series[0]
    assert outs.label == "Opt-outs" and outs.values[-1] == 2.0
    assert [bar.label for bar in sources.series] == ["Sent a stop word"]
    assert len(keys) == 3


@pytest.fixture
def demo_window(qtbot):
    paths = AppPaths.resolve()
    bridge = RuntimeBridge()
    runtime = AppRuntime(paths, Settings(shop_name="Rosa's Bakery"), demo=True, bridge=bridge, demo_pace=0.02)
    runtime.start()
    main = MainWindow(ui_services_for(runtime), first_run=False)
    qtbot.addWidget(main)
    main.resize(1400, 860)
    main.show()
    yield main, runtime
    main.shutdown()
    runtime.stop()
    bridge.deleteLater()


def test_screenshots_of_the_demo(qtbot, demo_window, tmp_path):
    """Grabs every main screen; with CONSENT_DESK_SCREENSHOTS=1 they are saved to docs/screenshots."""
    main, runtime = demo_window
    qtbot.waitUntil(runtime.source.finished.is_set, timeout=30_000)
    qtbot.waitUntil(lambda: main.services.review.pending_count() >= 5, timeout=5000)
    main.refresh_all()
    settle(qtbot, main)
    view = main.inbox_view
    row = view.model.row_for_contact("+15550101234")
    view.list.setCurrentIndex(view.model.index(row, 0))
    settle(qtbot, main)
    assert view.thread_view.banner.isVisible()
    target = SCREENSHOTS if os.environ.get("CONSENT_DESK_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    shots = {"main-window": None}
    main.grab().save(str(target / "main-window.png"))
    for index, name in (
        (REVIEW, "review-queue"),
        (AUTO, "applied-automatically"),
        (BOOK, "consent-book"),
        (DASHBOARD, "dashboard"),
    ):
        if index == AUTO:  # the owner works through part of the queue first
            chosen = [d.id for d in main.services.review.pending(limit=3).items]
            write(main.services, lambda: main.services.review.confirm_many(chosen))  # noqa: B023 - waited for
            main.refresh_all()
        main.tabs.setCurrentIndex(index)
        settle(qtbot, main)
        qtbot.wait(50)
        main.grab().save(str(target / f"{name}.png"))
        shots[name] = None
    dialog = main.open_settings(provider="meta")
    dialog.resize(820, 900)
    qtbot.wait(50)
    dialog.grab().save(str(target / "settings.png"))
    dialog.tabs.setCurrentIndex(4)
    dialog.keywords.test_box.setText("please no more offers")
    dialog.grab().save(str(target / "settings-keywords.png"))
    dialog.reject()
    for name in [*shots, "settings", "settings-keywords"]:
        assert (target / f"{name}.png").stat().st_size > 10_000, name
