"""The interface every provider implements for sending, plus the shapes of its answers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from desktop_app.domain.journeys import OutgoingMessage


class ConnectionState(StrEnum):
    CONNECTED = "connected"
    POLLING = "polling"
    WEBHOOK_WAITING = "webhook_waiting"
    OFFLINE = "offline"
    TOKEN_EXPIRED = "token_expired"  # the owner must reconnect
    BAD_CREDENTIALS = "bad_credentials"
    NOT_CONFIGURED = "not_configured"
    DEMO = "demo"


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider's answer to one outgoing message."""

    ok: bool
    provider_message_id: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    retryable: bool = False
    needs_reconnect: bool = False  # e.g. Meta error 190: the token expired
    outside_window: bool = False  # Meta 131047 / Twilio 63016: a template is needed
    recipient_opted_out: bool = False  # Meta 131050 / Twilio 21610


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """What "Test connection" shows: a clear yes, or the exact problem and what to do."""

    ok: bool
    state: ConnectionState
    message: str


class Sender(Protocol):
    """What the confirmation sender and the guarded outbox need from a provider."""

    name: str

    def send_text(self, to: str, text: str) -> SendResult: ...

    def test_connection(self) -> ConnectionCheck: ...


@runtime_checkable
class InteractiveSender(Protocol):
    """A provider that can send reply buttons and list menus (Meta Cloud API; the demo).

    Others get `OutgoingMessage.plain_text()` through `send_text`.
    """

    def send_interactive(self, to: str, message: OutgoingMessage) -> SendResult: ...
