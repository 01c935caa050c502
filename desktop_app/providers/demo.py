"""The demo simulator: plays believable customer conversations so the app can be tried with no account."""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from desktop_app.domain.journeys import SCOPE_MARKETING, TOGGLE_PREFIX, OutgoingMessage
from desktop_app.domain.model import (
    MARKETING,
    ConsentAction,
    ContactRef,
    InboundMessage,
    MessageKind,
    PreferenceChange,
    ProviderEvent,
    StatusUpdate,
)
from desktop_app.providers.base import ConnectionCheck, ConnectionState, SendResult

log = logging.getLogger(__name__)

Sink = Callable[[Sequence[ProviderEvent]], object]
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Customer:
    wa_id: str  # digits, the way WhatsApp delivers numbers
    name: str


@dataclass(frozen=True, slots=True)
class Line:
    """One thing a customer does, `after` seconds (at pace 1.0) after the previous line."""

    after: float
    who: Customer
    text: str | None = None
    button: str | None = None  # a quick-reply button tap: its label
    payload: str | None = None
    meta_stop_marketing: bool = False  # the customer used WhatsApp's own "Stop" in the chat menu


@dataclass(frozen=True, slots=True)
class ShopScript:
    shop_name: str
    history: tuple[tuple[float, Customer, str], ...]  # (hours ago, who, text): what was said earlier today
    live: tuple[Line, ...]


_ANA = Customer("15550101234", "Ana Souza")
_BRUNO = Customer("5511987650001", "Bruno Lima")
_LUCIA = Customer("34600100200", "Lucía Pérez")
_TOM = Customer("4915110000001", "Tom Becker")
_SAM = Customer("15550107777", "Sam Carter")
_PRIYA = Customer("919800000001", "Priya Sharma")
_KARIM = Customer("201000000001", "Karim Haddad")
_MARIE = Customer("33600000001", "Marie Dubois")
_JULIA = Customer("393300000001", "Giulia Russo")
_DANA = Customer("15550104444", "Dana Okafor")
_OLIVER = Customer("447700900123", "Oliver Grant")  # brand new: his first message gets the transparency note
_NINA = Customer("4366400000001", "Nina Huber")
_LEO = Customer("61400000001", "Leo Nguyen")

BAKERY = ShopScript(
    shop_name="Rosa's Bakery",
    history=(
        (5.0, _ANA, "Hi, is the shop open on Sunday?"),
        (4.5, _SAM, "Hello! Do you do birthday cakes for 20 people?"),
        (3.2, _BRUNO, "Bom dia! Vocês têm pão sem glúten?"),
        (2.0, _LUCIA, "¿Puedo pasar a recoger la tarta a las 5?"),
        (1.5, _MARIE, "Est-ce que vous livrez le samedi ?"),
        (1.0, _DANA, "Thanks for the croissants, they were perfect 🥐"),
    ),
    live=(
        Line(2.0, _ANA, "Also, please stop the promo messages, I only want my order updates"),
        Line(5.0, _SAM, "can you stop by at 5 to drop off the cake?"),
        Line(5.0, _BRUNO, "Sair"),
        Line(5.0, _TOM, "Habt ihr morgen Laugenbrezeln?"),
        Line(5.0, _LUCIA, "BAJA"),
        Line(5.0, _SAM, "I want to cancel my order #123, sorry!"),
        Line(5.0, _JULIA, button="Stop promotions", payload="STOP_PROMOTIONS"),
        Line(5.0, _PRIYA, "bhaiya ab messages mat bhejo please"),
        Line(5.0, _TOM, "Bitte keine Werbung mehr schicken."),
        Line(5.0, _KARIM, "توقف"),
        Line(5.0, _DANA, "when does the sale end?"),
        Line(5.0, _MARIE, "STOP"),
        Line(6.0, _DANA, meta_stop_marketing=True),
        Line(6.0, _MARIE, "Pardon, erreur ! START"),
        Line(5.0, _OLIVER, "Hi! Do you have sourdough today?"),
        Line(5.0, _NINA, "STOP"),
        Line(4.0, _NINA, button="Only stop offers", payload=SCOPE_MARKETING),
        Line(5.0, _LEO, "PREFERENCES"),
        Line(4.0, _LEO, button="Offers and news", payload=TOGGLE_PREFIX + "marketing"),
        Line(5.0, _ANA, "See you Sunday then 😊"),
    ),
)


class DemoSimulator:
    """Feeds scripted customer activity into a sink (the real ingest pipeline) from its own thread."""

    provider = "demo"

    def __init__(
        self,
        sink: Sink,
        *,
        script: ShopScript = BAKERY,
        pace: float = 1.0,
        clock: Clock | None = None,
        business_number: str = "15550100100",
    ) -> None:
        self._sink = sink
        self._script = script
        self._pace = pace
        self._clock = clock or (lambda: datetime.now(UTC))
        self._business_number = business_number
        self._run_id = uuid.uuid4().hex[:10]
        self._counter = itertools.count(1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending_statuses: list[tuple[float, StatusUpdate]] = []
        self._lock = threading.Lock()
        self.finished = threading.Event()

    @property
    def shop_name(self) -> str:
        return self._script.shop_name

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="demo-simulator", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def queue_status(self, status: StatusUpdate, after: float = 1.5) -> None:
        """The demo 'delivers' what the shop sends, a moment later (sooner when the demo runs faster)."""
        with self._lock:
            self._pending_statuses.append((after * min(self._pace, 1.0), status))

    def _next_id(self) -> str:
        return f"demo.{self._run_id}.{next(self._counter)}"

    def _message(self, who: Customer, text: str | None, when: datetime, **extra: object) -> InboundMessage:
        return InboundMessage(
            provider=self.provider,
            provider_message_id=self._next_id(),
            sender=ContactRef(who.wa_id, name=who.name),
            occurred_at=when,
            text=text,
            business_number=self._business_number,
            **extra,  # type: ignore[arg-type]
        )

    def history_events(self) -> list[ProviderEvent]:
        now = self._clock()
        return [
            self._message(who, text, now - timedelta(hours=hours_ago))
            for hours_ago, who, text in self._script.history
        ]

    def line_event(self, line: Line) -> ProviderEvent:
        now = self._clock()
        if line.meta_stop_marketing:
            return PreferenceChange(
                provider=self.provider,
                contact=ContactRef(line.who.wa_id, name=line.who.name),
                category=MARKETING,
                action=ConsentAction.OPT_OUT,
                occurred_at=now,
                dedupe_key=f"demo-pref:{self._run_id}:{line.who.wa_id}:{now.timestamp()}",
                detail="Stopped offers and announcements from the WhatsApp chat menu",
            )
        if line.button is not None:
            return self._message(
                line.who,
                line.button,
                now,
                # A list row comes back as interactive list_reply, a reply button as a button tap.
                kind=MessageKind.INTERACTIVE
                if (line.payload or "").startswith(TOGGLE_PREFIX)
                else MessageKind.BUTTON,
                button_text=line.button,
                button_payload=line.payload or line.button,
            )
        return self._message(line.who, line.text, now)

    def _deliver(self, events: Sequence[ProviderEvent]) -> None:
        try:
            self._sink(events)
        except Exception:
            # The demo must never take the app down; the pipeline already logged the cause.
            log.exception("Demo batch could not be ingested")

    def _flush_statuses(self, elapsed: float) -> None:
        with self._lock:
            due = [s for after, s in self._pending_statuses if after <= elapsed]
            self._pending_statuses = [
                (after - elapsed, s) for after, s in self._pending_statuses if after > elapsed
            ]
        if due:
            self._deliver(due)

    def _wait(self, seconds: float) -> bool:
        """Sleep in small steps so statuses flow and stop() is prompt; False when stopping."""
        remaining = seconds
        step = 0.05
        while remaining > 0:
            chunk = min(step, remaining)
            if self._stop.wait(chunk):
                return False
            remaining -= chunk
            self._flush_statuses(chunk)
        return True

    def _run(self) -> None:
        log.info("Demo started for %s", self._script.shop_name)
        self._deliver(self.history_events())
        for line in self._script.live:
            if not self._wait(line.after * self._pace):
                return
            self._deliver([self.line_event(line)])
        self._wait(3.0 * max(self._pace, 0.01))
        self.finished.set()
        log.info("Demo script finished")
        while not self._stop.wait(0.1):
            self._flush_statuses(0.1)


class DemoSender:
    """Pretends to send through WhatsApp: always accepted, delivered a moment later."""

    name = "demo"

    def __init__(self, simulator: DemoSimulator | None = None, clock: Clock | None = None) -> None:
        self._simulator = simulator
        self._clock = clock or (lambda: datetime.now(UTC))
        self._counter = itertools.count(1)
        self.sent: list[tuple[str, str]] = []
        self.sent_interactive: list[tuple[str, OutgoingMessage]] = []

    def attach(self, simulator: DemoSimulator) -> None:
        self._simulator = simulator

    def send_text(self, to: str, text: str) -> SendResult:
        message_id = f"demo-out.{uuid.uuid4().hex[:8]}.{next(self._counter)}"
        self.sent.append((to, text))
        if self._simulator is not None:
            self._simulator.queue_status(
                StatusUpdate(
                    provider="demo",
                    provider_message_id=message_id,
                    recipient=ContactRef(to),
                    status="delivered",
                    occurred_at=self._clock(),
                )
            )
        return SendResult(ok=True, provider_message_id=message_id)

    def send_interactive(self, to: str, message: OutgoingMessage) -> SendResult:
        """Records the buttons/list message like a text; statuses follow the same way."""
        self.sent_interactive.append((to, message))
        return self.send_text(to, message.plain_text())

    def test_connection(self) -> ConnectionCheck:
        return ConnectionCheck(True, ConnectionState.DEMO, "The demo needs no account: it is ready.")

    def close(self) -> None:
        """Nothing to release (every sender can be closed)."""
