"""The thread shows a journey message as the customer saw it: its reply buttons or its list rows."""

from __future__ import annotations

import json
from datetime import timedelta

from desktop_app.services.journey_texts import JourneyTexts
from desktop_app.ui.journey_bubble import journey_html
from tests.ui.conftest import settle, write
from tests.ui.test_inbox_flows import open_row

ANA = "5511990000001"


def _store(services, runtime, key, message, category, when) -> None:
    def record() -> None:  # on the book writer: the test's thread may not write
        with runtime.book.unit_of_work() as uow:
            uow.store_outbound(
                key,
                message.plain_text(),
                provider="demo",
                provider_message_id=f"x.{message.kind}",
                category=category,
                sent_at=when,
                kind="journey:" + message.kind,
                raw=json.dumps(message.to_dict()),
            )

    write(services, record)


def test_a_scope_question_and_a_preferences_list_show_their_buttons_and_rows(
    qtbot, window, runtime, services, customers
):
    texts = JourneyTexts.load_default()
    key = customers.say(ANA, "Ana Souza", "please stop")
    question = texts.scope_question("en", "Bakery")
    menu = texts.preferences_menu("en", "Bakery", ["marketing", "order_updates"], {"marketing": True})
    _store(services, runtime, key, question, "confirmation", customers.clock + timedelta(minutes=1))
    _store(services, runtime, key, menu, "journey", customers.clock + timedelta(minutes=2))
    window.refresh_all()
    open_row(qtbot, window, key)
    settle(qtbot, window)

    shown = [m for m in window.inbox_view.thread_view.model.messages() if m.journey is not None]
    assert [m.journey.kind for m in shown] == ["button", "list"]
    button_html = journey_html(shown[0].journey)
    assert len(question.buttons) == 2
    for button in question.buttons:
        assert button.title in button_html
    list_html = journey_html(shown[1].journey)
    assert "☰" in list_html
    for row in menu.rows:
        assert row.title in list_html
    window.inbox_view.thread_view.grab().save("/tmp/shot-thread-journeys.png")
