"""The chat journeys' vocabulary: reply-button and list messages, and the `cd:` payloads they send back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desktop_app.domain.consent import OPTED_OUT, decide
from desktop_app.domain.model import (
    ALL,
    MARKETING,
    CategoryState,
    ConsentAction,
    EventSource,
    NewConsentEvent,
)

SCOPE_ALL = "cd:scope:all"
SCOPE_MARKETING = "cd:scope:marketing"
TOGGLE_PREFIX = "cd:toggle:"
JOURNEY_PREFIX = "cd:"
# An outbound message row of a journey has kind "journey:button" / "journey:list" / "journey:text".
JOURNEY_KIND_PREFIX = "journey:"
JOURNEY_CATEGORY = "journey"  # the outbound row's category (the scope question keeps "confirmation")

# Cloud API limits for interactive messages (docs: interactive reply buttons / list messages).
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_LIST_BUTTON = 20
MAX_BODY = 1024

# Kinds of journey message, also the trigger's namespace in the journey log.
TRANSPARENCY = "transparency"
SCOPE_QUESTION = "scope_question"
PREFERENCES_MENU = "preferences_menu"
TOGGLE_ANSWER = "toggle_answer"
SCOPE_ANSWER = "scope_answer"
REMINDER = "reminder"
JOURNEY_KINDS = (TRANSPARENCY, SCOPE_QUESTION, PREFERENCES_MENU, TOGGLE_ANSWER, SCOPE_ANSWER, REMINDER)


@dataclass(frozen=True, slots=True)
class ReplyButton:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class ListRow:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One answer to a customer: plain text, or text with reply buttons, or a list menu.

    Providers that cannot send interactive messages send `plain_text()` instead.
    """

    body: str
    buttons: tuple[ReplyButton, ...] = ()
    rows: tuple[ListRow, ...] = ()
    list_button: str = ""  # the list's open button ("Choose")
    footer: str = ""

    def __post_init__(self) -> None:
        if self.buttons and self.rows:
            raise ValueError("a message has reply buttons or a list, not both")
        if len(self.buttons) > MAX_BUTTONS:
            raise ValueError(f"at most {MAX_BUTTONS} reply buttons")
        if len(self.rows) > MAX_LIST_ROWS:
            raise ValueError(f"at most {MAX_LIST_ROWS} list rows")

    @property
    def kind(self) -> str:
        """'button', 'list' or 'text' (the Cloud API's interactive.type, or plain text)."""
        if self.buttons:
            return "button"
        if self.rows:
            return "list"
        return "text"

    def plain_text(self) -> str:
        """The same message for a channel without interactive messages: options as lines to reply."""
        lines = [self.body]
        if self.buttons:
            lines.append("")
            lines.extend(f"• {button.title}" for button in self.buttons)
        if self.rows:
            lines.append("")
            for row in self.rows:
                lines.append(f"• {row.title}" + (f" — {row.description}" if row.description else ""))
        if self.footer:
            lines.extend(["", self.footer])
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The message as stored (journey_sends.message, the outbound row's raw) and shown in a thread."""
        return {
            "body": self.body,
            "buttons": [{"id": b.id, "title": b.title} for b in self.buttons],
            "rows": [{"id": r.id, "title": r.title, "description": r.description} for r in self.rows],
            "list_button": self.list_button,
            "footer": self.footer,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutgoingMessage:
        """The inverse of to_dict; raises ValueError on anything that is not such a message."""
        try:
            return cls(
                body=str(data["body"]),
                buttons=tuple(ReplyButton(str(b["id"]), str(b["title"])) for b in data.get("buttons") or ()),
                rows=tuple(
                    ListRow(str(r["id"]), str(r["title"]), str(r.get("description") or ""))
                    for r in data.get("rows") or ()
                ),
                list_button=str(data.get("list_button") or ""),
                footer=str(data.get("footer") or ""),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a stored journey message: {exc}") from exc

    def cloud_interactive(self) -> dict[str, Any]:
        """The Cloud API `interactive` object (titles cut to their limits so Meta never refuses it)."""
        interactive: dict[str, Any] = {"type": self.kind, "body": {"text": self.body[:MAX_BODY]}}
        if self.footer:
            interactive["footer"] = {"text": self.footer[:60]}
        if self.buttons:
            interactive["action"] = {
                "buttons": [
                    {"type": "reply", "reply": {"id": b.id, "title": b.title[:MAX_BUTTON_TITLE]}}
                    for b in self.buttons
                ]
            }
        elif self.rows:
            section_rows = []
            for row in self.rows:
                item = {"id": row.id, "title": row.title[:MAX_ROW_TITLE]}
                if row.description:
                    item["description"] = row.description[:MAX_ROW_DESCRIPTION]
                section_rows.append(item)
            interactive["action"] = {
                "button": (self.list_button or "Choose")[:MAX_LIST_BUTTON],
                "sections": [{"title": self.list_button[:24] or "Choose", "rows": section_rows}],
            }
        else:
            raise ValueError("a plain text message has no interactive form")
        return interactive


@dataclass(frozen=True, slots=True)
class JourneyTap:
    """What a `cd:` button or list row the customer tapped asks for."""

    scope: str | None = None  # SCOPE_ALL / SCOPE_MARKETING choice after a full opt-out
    toggle: str | None = None  # a category to switch from the preferences menu
    payload: str = field(default="")


def parse_tap(payload: str | None) -> JourneyTap | None:
    """The tap behind a `cd:` payload; None for anything else (a shop's own buttons included)."""
    if not payload or not payload.startswith(JOURNEY_PREFIX):
        return None
    if payload == SCOPE_ALL:
        return JourneyTap(scope=ALL, payload=payload)
    if payload == SCOPE_MARKETING:
        return JourneyTap(scope=MARKETING, payload=payload)
    if payload.startswith(TOGGLE_PREFIX):
        category = payload[len(TOGGLE_PREFIX):].strip()
        if category and len(category) <= 64 and category.replace("_", "").replace("-", "").isalnum():
            return JourneyTap(toggle=category, payload=payload)
    return None


@dataclass(frozen=True, slots=True)
class Change:
    """One ledger append a customer's choice needs: (category, opt_out?)."""

    category: str
    opt_out: bool

    def customer_event(
        self,
        contact_key: str,
        at: datetime,
        source: EventSource,
        *,
        evidence_text: str,
        dedupe_key: str,
        evidence_message_id: str | None = None,
    ) -> NewConsentEvent:
        """This change as the customer's own exact choice (a journey tap, the preferences page)."""
        return NewConsentEvent(
            contact_key=contact_key,
            category=self.category,
            action=ConsentAction.OPT_OUT if self.opt_out else ConsentAction.OPT_IN,
            occurred_at=at,
            source=source,
            decided_by="customer",
            evidence_message_id=evidence_message_id,
            evidence_text=evidence_text,
            dedupe_key=dedupe_key,
        )


def receiving(states: Mapping[str, CategoryState], category: str) -> bool:
    """Whether the customer gets this category now (the gate's rule: `all` opted out blocks it)."""
    return decide(states, category).allowed


def changes_for_switch(
    states: Mapping[str, CategoryState], categories: Sequence[str], category: str, want: bool
) -> list[Change]:
    """The appends that make `category` received (`want`) or not, leaving every other category as
    the customer gets it now. Switching one category on while `all` is opted out lifts `all` and
    keeps the others off explicitly."""
    if category == ALL:
        return [Change(ALL, not want)]
    if receiving(states, category) == want:
        return []
    everything_off = not receiving(states, ALL)
    if want and everything_off:
        changes = [Change(ALL, False)]
        changes += [Change(other, True) for other in categories if other not in (ALL, category)]
        own = states.get(category)
        if own is not None and own.state == OPTED_OUT:
            changes.append(Change(category, False))
        return changes
    return [Change(category, not want)]


def changes_for_scope(scope: str) -> list[Change]:
    """After a full opt-out, "Only stop offers": everything allowed again except marketing."""
    if scope == ALL:
        return []
    return [Change(ALL, False), Change(MARKETING, True)]
