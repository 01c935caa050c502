"""Dashboard readings a shop owner can trust: whole-number ticks the bars meet, a legend in full."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics

from desktop_app.ui.dashboard_view import BarChart, ChartSeries, axis_ticks, legend_rows

NICE_STEPS = {f * 10**k for f in (1, 2, 5) for k in range(4)}


@pytest.mark.parametrize("top", [0, 1, 3, 4, 5, 6, 7, 9, 11, 12, 17, 23, 48, 99, 131, 999, 1234])
def test_ticks_are_whole_nice_numbers_from_zero_past_the_tallest_bar(top: int) -> None:
    ticks = axis_ticks(float(top))
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and step in NICE_STEPS
    assert ticks == list(range(0, ticks[-1] + 1, step))  # evenly spaced, so bars meet the lines
    assert ticks[-1] >= top and len(ticks) <= 6
    assert ticks[-1] - step < max(top, 1)  # no empty step above the tallest bar


def test_legend_entries_wrap_instead_of_being_cut(qtbot) -> None:
    chart = BarChart("How customers told us", "sources", stacked=True)
    qtbot.addWidget(chart)
    labels = [
        "Sent a stop word",
        "Wrote a sentence",
        "Tapped the Stop promotions button",
        "Used WhatsApp's own Stop option",
        "Changed by you",
        "Imported from a file",
    ]
    chart.set_data(["1 Dec"], [ChartSeries(label, (1.0,)) for label in labels])
    chart.resize(480, 300)
    metrics = QFontMetrics(chart.font())
    room = 480 - 2 * 8 - 2 * 16
    rows = chart.legend_layout(metrics, room)
    assert sorted(i for row in rows for i in row) == list(range(len(labels)))  # every entry, once
    for row in rows:
        width = sum(metrics.horizontalAdvance(labels[i]) + 12 for i in row) + 16 * (len(row) - 1)
        assert width <= room
    assert len(rows) > 1
    chart.show()
    chart.grab().save("/tmp/h7-legend.png")


def test_legend_rows_keep_order_and_fit() -> None:
    assert legend_rows([50, 50, 50], room=200, gap=10) == [[0, 1, 2]]
    assert legend_rows([120, 90, 30], room=200, gap=10) == [[0], [1, 2]]
    assert legend_rows([], room=200, gap=10) == []


@pytest.fixture
def demo(qtbot):
    from desktop_app.services.paths import AppPaths
    from desktop_app.services.qtbridge import RuntimeBridge
    from desktop_app.services.runtime import AppRuntime
    from desktop_app.services.settings import Settings
    from desktop_app.services.ui_services import ui_services_for
    from desktop_app.ui.main_window import MainWindow

    bridge = RuntimeBridge()
    settings = Settings(auto_mode=True)
    runtime = AppRuntime(AppPaths.resolve(), settings, demo=True, bridge=bridge, demo_pace=0.02)
    runtime.start()
    main = MainWindow(ui_services_for(runtime), first_run=False)
    qtbot.addWidget(main)
    main.resize(1400, 860)
    main.show()
    yield main, runtime
    main.shutdown()
    runtime.stop()
    bridge.deleteLater()


def test_the_demo_delivers_its_confirmations_and_shows_speed_and_languages(qtbot, demo) -> None:
    from desktop_app.ui.main_window import DASHBOARD
    from tests.ui.conftest import settle

    main, runtime = demo
    qtbot.waitUntil(runtime.source.finished.is_set, timeout=30_000)
    assert runtime.sender.sent

    def every_confirmation_delivered() -> bool:  # the sender also carried the chat journeys' messages
        stats = runtime.book.weekly_stats(1)
        confirmations = sum(s.confirmations_sent for s in stats)
        delivered = sum(s.confirmations_delivered for s in stats)
        return 0 < confirmations <= len(runtime.sender.sent) and delivered == confirmations

    qtbot.waitUntil(every_confirmation_delivered, timeout=10_000)
    main.tabs.setCurrentIndex(DASHBOARD)
    main.refresh_all()
    settle(qtbot, main)
    dashboard = main.dashboard_view
    assert dashboard.rate_value.text() == "100%"  # the demo 'delivers' what it is sent, like a provider
    assert dashboard.speed_value.text().endswith("%") and dashboard.speed_value.text() != "0%"
    assert "within 5 minutes" in dashboard.speed_note.text()
    languages = dashboard.languages_value.text()
    assert "English" in languages and languages.count(",") <= 2
    qtbot.wait(50)
    main.grab().save("/tmp/h7-dashboard-demo.png")


def test_a_confirmation_that_left_late_does_not_count_as_within_five_minutes(
    qtbot, window, runtime, customers
) -> None:
    from desktop_app.ui.main_window import DASHBOARD
    from tests.ui.conftest import settle

    runtime.settings.auto_mode = True
    customers.say("15550101234", "Ana Souza", "STOP")  # written two hours ago, confirmed only now
    qtbot.waitUntil(lambda: len(runtime.sender.sent) == 1, timeout=5000)
    window.tabs.setCurrentIndex(DASHBOARD)
    window.refresh_all()
    settle(qtbot, window)
    dashboard = window.dashboard_view
    assert dashboard.speed_value.text() == "0%"
    assert dashboard.speed_note.text().startswith("0 of 1 customers")
    assert "English 1" in dashboard.languages_note.text()
