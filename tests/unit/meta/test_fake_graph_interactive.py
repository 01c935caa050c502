"""The fake Graph API checks interactive messages with Meta's limits."""

from __future__ import annotations

from desktop_app.domain.journeys import ListRow, OutgoingMessage, ReplyButton
from tests.fakes.graph_api import interactive_problems


def test_valid_button_and_list_messages_pass() -> None:
    buttons = OutgoingMessage(body="Which?", buttons=(ReplyButton("a", "All"), ReplyButton("b", "Offers")))
    listing = OutgoingMessage(body="Pick", rows=(ListRow("r1", "Offers", "on"),), list_button="Choose")
    assert interactive_problems(buttons.cloud_interactive()) == []
    assert interactive_problems(listing.cloud_interactive()) == []


def test_too_long_titles_and_duplicate_ids_are_refused() -> None:
    too_long = {"type": "reply", "reply": {"id": "a", "title": "x" * 21}}
    duplicate = {"type": "reply", "reply": {"id": "a", "title": "Offers"}}
    interactive = {"type": "button", "body": {"text": "Which?"}, "action": {"buttons": [too_long, duplicate]}}
    problems = interactive_problems(interactive)
    assert "button titles must be 1-20 characters" in problems
    assert "button ids must be unique, 1-256 characters" in problems
