"""After a batch is committed: the chat-journey answers it calls for (tap answers, menu, first note)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from desktop_app.domain.journeys import (
    PREFERENCES_MENU,
    SCOPE_ANSWER,
    TOGGLE_ANSWER,
    TRANSPARENCY,
    JourneyTap,
    OutgoingMessage,
    parse_tap,
    receiving,
)
from desktop_app.domain.model import ALL, MARKETING, ConsentAction, ConsentEventRecord
from desktop_app.domain.ports import ConsentBookPort
from desktop_app.providers.base import Sender
from desktop_app.services.confirmations import LanguageRules
from desktop_app.services.ingest_events import Arrival
from desktop_app.services.journey_texts import JourneyTexts
from desktop_app.services.journeys import send_journey
from desktop_app.services.settings import Settings

log = logging.getLogger(__name__)

FIRST_CONTACT = "first-contact"  # the transparency note's trigger: once per contact, ever
# The note answers a customer writing now: not a backlog caught up on first connection or after an outage.
LIVE_WINDOW = timedelta(minutes=15)
LinkFor = Callable[[str], str | None]


class JourneyFlow:
    """Answers taps, PREFERENCES and a new customer's first message; builds the scope question.

    Runs off the writer thread after the commit (the pipeline's network pool); every write goes through
    `write`, every send through services.journeys.send_journey (window, once per trigger, gate).
    """

    def __init__(
        self,
        book: ConsentBookPort,
        *,
        settings: Callable[[], Settings],
        sender: Callable[[], Sender | None],
        write: Callable[[Callable[[], object]], object],
        clock: Callable[[], datetime],
        texts: JourneyTexts | None = None,
        languages: LanguageRules | None = None,
        link_for: LinkFor | None = None,
    ) -> None:
        self.book = book
        self.texts = texts or JourneyTexts.load_default()
        self.languages = languages or LanguageRules.load_default()
        self.link_for = link_for
        self._settings = settings
        self._sender = sender
        self._write = write
        self._clock = clock

    def after_commit(self, arrivals: Sequence[Arrival]) -> None:
        for arrival in arrivals:
            try:
                self._answer(arrival)
            except Exception:
                log.exception("A chat-journey answer failed (the customer's message is stored)")

    def scope_question(self, event: ConsentEventRecord, language: str) -> OutgoingMessage | None:
        """The full opt-out's one confirmation as "everything or only offers?", when it applies."""
        settings = self._settings()
        if not settings.journey_scope_buttons or event.action is not ConsentAction.OPT_OUT:
            return None
        if event.category != ALL or MARKETING not in self.book.categories() or len(self._categories()) < 2:
            return None
        link = self._link(event.contact_key, settings)
        overrides = settings.journey_templates
        return self.texts.scope_question(language, settings.shop_name, link, overrides)

    def reminder_footer(self, contact_key: str) -> str | None:
        """The "how to stop offers" line for an offer to this customer, in their number's language."""
        settings = self._settings()
        if not settings.journey_reminders:
            return None
        language = self.languages.choose(None, None, contact_key, self.book.default_region)
        return self.texts.reminder_footer(language, settings.journey_templates)

    def _categories(self) -> list[str]:
        return [name for name in self.book.categories() if name != ALL]

    def _link(self, contact_key: str, settings: Settings) -> str | None:
        if not settings.journey_page or self.link_for is None:
            return None
        return self.link_for(contact_key)

    def _language(self, arrival: Arrival) -> str:
        detected = arrival.verdict.language if arrival.verdict is not None else None
        chosen = self.languages.choose(
            detected, arrival.message.text, arrival.contact_key, self.book.default_region
        )
        return self.texts.template_language(chosen)

    def _answer(self, arrival: Arrival) -> None:
        settings = self._settings()
        msg, key = arrival.message, arrival.contact_key
        language = self._language(arrival)
        overrides = settings.journey_templates
        tap = parse_tap(msg.button_payload)
        if tap is not None:
            self._answer_tap(arrival, tap, language, settings)
        elif settings.journey_preferences and self.texts.is_preferences_request(
            msg.text, settings.preferences_keywords
        ):
            states = self.book.consent_state(key)
            categories = self._categories()
            now_on = {name: receiving(states, name) for name in [*categories, ALL]}
            menu = self.texts.preferences_menu(language, settings.shop_name, categories, now_on, overrides)
            self._send(arrival, PREFERENCES_MENU, msg.provider_message_id, language, menu)
        elif settings.journey_transparency and self._live(arrival) and not self._is_request(arrival) and (
            self._first_contact(arrival)
        ):
            link = self._link(key, settings)
            note = self.texts.transparency(language, settings.shop_name, self._categories(), link, overrides)
            self._send(arrival, TRANSPARENCY, FIRST_CONTACT, language, note)

    def _answer_tap(self, arrival: Arrival, tap: JourneyTap, language: str, settings: Settings) -> None:
        states = self.book.consent_state(arrival.contact_key)
        overrides = settings.journey_templates
        trigger = arrival.message.provider_message_id
        if tap.scope is not None:
            # say what holds now: a stale tap (the customer opted in meanwhile) changed nothing to confirm
            if not receiving(states, ALL):
                scope = ALL
            elif not receiving(states, MARKETING):
                scope = MARKETING
            else:
                return
            answer = self.texts.scope_answer(language, scope, overrides)
            self._send(arrival, SCOPE_ANSWER, trigger, language, answer)
        elif tap.toggle is not None and (tap.toggle == ALL or tap.toggle in self._categories()):
            now_on = receiving(states, tap.toggle)
            answer = self.texts.toggle_answer(language, tap.toggle, now_on, overrides)
            self._send(arrival, TOGGLE_ANSWER, trigger, language, answer)

    def _live(self, arrival: Arrival) -> bool:
        return self._clock() - arrival.message.occurred_at <= LIVE_WINDOW

    @staticmethod
    def _is_request(arrival: Arrival) -> bool:
        return arrival.verdict is not None and arrival.verdict.is_request

    def _first_contact(self, arrival: Arrival) -> bool:
        """This is the oldest message we hold from the customer (none from before this feature either)."""
        recent = self.book.thread(arrival.contact_key, limit=3)
        inbound = [m for m in recent if m.direction == "inbound"]
        return len(recent) < 3 and bool(inbound) and inbound[0].provider_message_id == (
            arrival.message.provider_message_id
        )

    def _send(
        self, arrival: Arrival, kind: str, trigger: str, language: str, message: OutgoingMessage
    ) -> None:
        outcome = send_journey(
            self.book,
            self._sender(),
            self._write,
            contact_key=arrival.contact_key,
            kind=kind,
            trigger=trigger,
            language=language,
            message=message,
            last_inbound_at=arrival.message.occurred_at,
            now=self._clock,
        )
        log.info("Journey %s: %s", kind, outcome.status)
