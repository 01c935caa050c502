"""The Twilio poller: own thread, owner-set interval, poll-now, durable cursor, backoff, plain status."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from desktop_app.domain.model import ProviderEvent
from desktop_app.domain.records import BookError
from desktop_app.providers.base import ConnectionState
from desktop_app.providers.twilio.client import MAX_PAGE_SIZE, MessagePage
from desktop_app.providers.twilio.cursor import DEFAULT_MARGIN, PollCursor, PollWindow, Step
from desktop_app.providers.twilio.errors import TwilioError, TwilioErrorKind
from desktop_app.providers.twilio.parsing import parse_message

log = logging.getLogger(__name__)

Sink = Callable[[Sequence[ProviderEvent]], object]
StateCallback = Callable[[ConnectionState, str], None]
Clock = Callable[[], datetime]


class CursorStore(Protocol):
    """Durable named cursors; the consent book is one (`get_cursor` / `set_cursor`)."""

    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str) -> None: ...


class MessageSource(Protocol):
    """What the poller needs from the Twilio client."""

    def list_messages(
        self, *, to: str, date_sent_after: date | None = None, page_size: int = ...
    ) -> MessagePage: ...

    def next_page(self, next_page_uri: str) -> MessagePage: ...


@dataclass(frozen=True, slots=True)
class PollReport:
    pages: int
    taken: int


class PollStoppedError(Exception):
    """stop() was asked while a poll was walking pages: nothing more is ingested, the cursor stays."""


def cursor_name(account_sid: str, to_address: str) -> str:
    """One cursor per account and number, so switching either starts a fresh look-back."""
    return f"twilio:{account_sid}:{to_address}"


class TwilioPoller:
    """Runs `poll_once` every `interval` seconds on a daemon thread; never touches Qt.

    `sink(events)` (the ingest pipeline) is called once per page with the new inbound messages,
    oldest first within the page, and must commit before it returns. The cursor moves only after
    a whole walk succeeded, so a stop, crash or error mid-walk re-reads, and the book dedupes by SID.
    """

    def __init__(
        self,
        source: MessageSource,
        to_address: str,
        cursor_store: CursorStore,
        sink: Sink,
        *,
        cursor_name: str,
        interval: float = 5.0,
        lookback: timedelta = timedelta(hours=24),
        page_size: int = MAX_PAGE_SIZE,
        margin: timedelta = DEFAULT_MARGIN,
        on_state: StateCallback | None = None,
        clock: Clock | None = None,
        max_backoff: float = 300.0,
    ) -> None:
        self.source = source
        self.to_address = to_address
        self.cursor_store = cursor_store
        self.sink = sink
        self.cursor_name = cursor_name
        self.interval = max(0.05, float(interval))
        self.lookback = lookback
        self.page_size = page_size
        self.margin = margin
        self.on_state = on_state
        self.clock = clock or (lambda: datetime.now(UTC))
        self.max_backoff = max_backoff
        self.state = ConnectionState.POLLING
        self.message = ""
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0

    # -- one poll ------------------------------------------------------------------------------
    def poll_once(self) -> PollReport:
        """Walk Twilio's list from the newest message down to the cursor's floor; ingest what is new."""
        window = PollWindow(
            PollCursor.decode(self.cursor_store.get_cursor(self.cursor_name)),
            self.clock(),
            self.lookback,
            self.margin,
        )
        page = self.source.list_messages(
            to=self.to_address, date_sent_after=window.date_sent_after, page_size=self.page_size
        )
        pages = taken = 0
        while True:
            pages += 1
            batch: list[ProviderEvent] = []
            reached_floor = False
            for raw in page.messages:
                step = window.step(raw)
                if step is Step.STOP:
                    reached_floor = True
                    break
                if step is Step.TAKE:
                    event = parse_message(raw)
                    if event is not None:
                        batch.append(event)
            self._check_stop()
            if batch:
                batch.reverse()
                self.sink(batch)
                taken += len(batch)
            if reached_floor or not page.next_page_uri:
                break
            self._check_stop()
            page = self.source.next_page(page.next_page_uri)
        moved = window.finish()
        if moved != window.cursor:
            self.cursor_store.set_cursor(self.cursor_name, moved.encode())
        return PollReport(pages=pages, taken=taken)

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise PollStoppedError

    # -- the thread ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="twilio-poller", daemon=True)
        self._thread.start()

    def poll_now(self) -> None:
        """Ask for a poll at once (the owner pressed the button); also cuts a backoff short."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> bool:
        """Ask the thread to end after the request in flight; True when it has ended."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        self._report(ConnectionState.POLLING, f"Connecting to Twilio for {self.to_address}…")
        while not self._stop.is_set():
            delay = self._cycle()
            if self._stop.is_set():
                break
            self._wake.wait(delay)
            self._wake.clear()
        log.info("Twilio poller stopped")

    def _cycle(self) -> float:
        try:
            report = self.poll_once()
        except PollStoppedError:
            return 0.0
        except TwilioError as exc:
            return self._failed(exc)
        except Exception as exc:  # a failing sink must not kill the thread; it retries with backoff
            log.exception("Saving polled Twilio messages failed")
            self._failures += 1
            delay = self._backoff(None)
            # Book errors carry a sentence for the owner; anything else is named by its type only.
            reason = str(exc) if isinstance(exc, BookError) else type(exc).__name__
            self._report(
                ConnectionState.OFFLINE,
                f"Could not save the messages from Twilio ({reason}). Next try in {delay:.0f} s.",
            )
            return delay
        self._failures = 0
        when = self.clock().astimezone().strftime("%H:%M:%S")
        news = f"{report.taken} new message{'s' if report.taken != 1 else ''}"
        self._report(
            ConnectionState.POLLING,
            f"Polling Twilio every {self.interval:g} s. Last check {when}: {news}.",
        )
        return self.interval

    def _failed(self, exc: TwilioError) -> float:
        if exc.kind in (TwilioErrorKind.AUTH, TwilioErrorKind.NOT_FOUND):
            # Retrying wrong credentials helps no one; wait for new settings or "poll now".
            self._report(ConnectionState.BAD_CREDENTIALS, exc.owner_message())
            return self.max_backoff
        self._failures += 1
        delay = self._backoff(exc.retry_after)
        state = {
            TwilioErrorKind.RATE_LIMITED: ConnectionState.POLLING,
            TwilioErrorKind.NOT_WHATSAPP_SENDER: ConnectionState.NOT_CONFIGURED,
        }.get(exc.kind, ConnectionState.OFFLINE)
        self._report(state, f"{exc.owner_message()} Next try in {delay:.0f} s.")
        log.warning("Twilio poll failed (%s, HTTP %s, code %s)", exc.kind.value, exc.http_status, exc.code)
        return delay

    def _backoff(self, retry_after: float | None) -> float:
        """Exponential from the interval, capped, with jitter; never sooner than Twilio's Retry-After."""
        base = max(self.interval, 1.0) * (2.0 ** min(self._failures - 1, 16))
        delay = min(self.max_backoff, base) * random.uniform(0.8, 1.2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.max_backoff)

    def _report(self, state: ConnectionState, message: str) -> None:
        self.state, self.message = state, message
        if self.on_state is not None:
            try:
                self.on_state(state, message)
            except Exception:  # the UI's listener must never stop polling
                log.exception("Connection state listener failed")
