"""The journeys' domain: interactive message shapes, cd: payloads, and the changes a choice needs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop_app.domain.consent import OPTED_IN, OPTED_OUT
from desktop_app.domain.journeys import (
    SCOPE_ALL,
    SCOPE_MARKETING,
    Change,
    ListRow,
    OutgoingMessage,
    ReplyButton,
    changes_for_scope,
    changes_for_switch,
    parse_tap,
)
from desktop_app.domain.model import ALL, MARKETING, CategoryState

WHEN = datetime(2026, 1, 5, tzinfo=UTC)
CATEGORIES = (MARKETING, "order_updates", "reminders")


def _states(**states: str) -> dict[str, CategoryState]:
    return {name: CategoryState(name, state, WHEN) for name, state in states.items()}


def test_button_message_has_the_cloud_shape_and_cuts_titles_to_the_limit() -> None:
    message = OutgoingMessage(
        body="You will get no more messages.",
        buttons=(
            ReplyButton(SCOPE_ALL, "Stop everything"),
            ReplyButton(SCOPE_MARKETING, "Only stop offers, please thanks"),
        ),
    )
    interactive = message.cloud_interactive()
    assert interactive["type"] == "button"
    buttons = interactive["action"]["buttons"]
    assert [b["reply"]["id"] for b in buttons] == [SCOPE_ALL, SCOPE_MARKETING]
    assert all(len(b["reply"]["title"]) <= 20 for b in buttons)
    assert "• Stop everything" in message.plain_text()


def test_list_message_has_one_section_and_rows_within_limits() -> None:
    rows = tuple(ListRow(f"cd:toggle:c{i}", f"Category number {i} with a long name", "On") for i in range(3))
    interactive = OutgoingMessage(body="Your messages", rows=rows, list_button="Choose").cloud_interactive()
    assert interactive["type"] == "list"
    section_rows = interactive["action"]["sections"][0]["rows"]
    assert len(section_rows) == 3 and all(len(r["title"]) <= 24 for r in section_rows)


def test_message_refuses_more_than_three_buttons() -> None:
    with pytest.raises(ValueError):
        OutgoingMessage(body="x", buttons=tuple(ReplyButton(f"b{i}", "t") for i in range(4)))


@pytest.mark.parametrize(
    ("payload", "scope", "toggle"),
    [
        (SCOPE_ALL, ALL, None),
        (SCOPE_MARKETING, MARKETING, None),
        ("cd:toggle:order_updates", None, "order_updates"),
    ],
)
def test_parse_tap_reads_our_payloads(payload: str, scope: str | None, toggle: str | None) -> None:
    tap = parse_tap(payload)
    assert tap is not None and tap.scope == scope and tap.toggle == toggle


@pytest.mark.parametrize(
    "payload", [None, "", "STOP", "cd:scope:none", "cd:toggle:", "cd:toggle:a b", "cd:toggle:" + "x" * 65]
)
def test_parse_tap_ignores_anything_else(payload: str | None) -> None:
    assert parse_tap(payload) is None


def test_scope_marketing_lifts_all_and_keeps_marketing_off() -> None:
    assert changes_for_scope(MARKETING) == [Change(ALL, False), Change(MARKETING, True)]
    assert changes_for_scope(ALL) == []


def test_switching_a_category_off_is_one_append() -> None:
    assert changes_for_switch({}, CATEGORIES, MARKETING, want=False) == [Change(MARKETING, True)]


def test_switching_to_the_current_state_changes_nothing() -> None:
    assert changes_for_switch(_states(marketing=OPTED_OUT), CATEGORIES, MARKETING, want=False) == []


def test_switching_one_on_while_everything_is_off_keeps_the_others_off() -> None:
    changes = changes_for_switch(
        _states(all=OPTED_OUT, order_updates=OPTED_OUT), CATEGORIES, "order_updates", want=True
    )
    assert Change(ALL, False) in changes
    assert Change(MARKETING, True) in changes and Change("reminders", True) in changes
    assert Change("order_updates", False) in changes


def test_switching_all_is_the_full_opt_out_or_its_lifting() -> None:
    assert changes_for_switch(_states(all=OPTED_IN), CATEGORIES, ALL, want=False) == [Change(ALL, True)]


def test_stored_form_round_trips_and_refuses_junk() -> None:
    message = OutgoingMessage(
        body="Your messages",
        rows=(ListRow("cd:toggle:marketing", "Offers", "On"),),
        list_button="Choose",
        footer="Reply STOP",
    )
    assert OutgoingMessage.from_dict(message.to_dict()) == message
    with pytest.raises(ValueError):
        OutgoingMessage.from_dict({"buttons": []})
