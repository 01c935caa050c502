"""Empty screens say why they are empty, in a sentence, instead of looking broken."""

from __future__ import annotations

from desktop_app.ui.main_window import AUTO, DASHBOARD
from tests.ui.conftest import settle


def test_an_empty_inbox_says_so_and_the_sentence_follows_the_filter(qtbot, window) -> None:
    settle(qtbot, window)
    inbox = window.inbox_view
    assert inbox.model.rowCount() == 0
    assert inbox.empty_state.label.isVisible()
    assert "No conversations yet" in inbox.empty_state.label.text()
    inbox.filter_group.button(1).click()
    settle(qtbot, window)
    assert "All clear" in inbox.empty_state.label.text()
    window.grab().save("/tmp/h7-empty-inbox.png")


def test_the_empty_state_leaves_once_a_customer_writes(qtbot, window, customers) -> None:
    customers.say("15550101234", "Ana Souza", "Hello!")
    window.refresh_all()
    settle(qtbot, window)
    assert window.inbox_view.model.rowCount() == 1
    assert not window.inbox_view.empty_state.label.isVisible()


def test_applied_automatically_and_dashboard_explain_an_empty_screen(qtbot, window) -> None:
    window.tabs.setCurrentIndex(AUTO)
    settle(qtbot, window)
    auto = window.tabs.currentWidget()
    assert auto.empty_state.label.isVisible()
    assert "Nothing was applied automatically yet" in auto.empty_state.label.text()
    window.tabs.setCurrentIndex(DASHBOARD)
    settle(qtbot, window)
    dashboard = window.dashboard_view
    assert dashboard.changes_chart.is_empty() and dashboard.changes_chart.empty_text
    window.grab().save("/tmp/h7-empty-dashboard.png")
