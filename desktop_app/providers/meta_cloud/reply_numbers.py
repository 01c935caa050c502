"""Which of the shop's WhatsApp numbers to reply from: the one each customer wrote to (webhook metadata)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from desktop_app.domain.model import InboundMessage

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50_000  # customers remembered; the oldest are forgotten first


def _customer(key: str) -> str:
    """'+16505551234', '16505551234' and a BSUID all become one lookup key."""
    return key.strip().lstrip("+")


class ReplyNumbers:
    """Thread-safe memory of `metadata.phone_number_id` per customer, with the configured id as fallback.

    A shop may have several numbers on one account: a confirmation must come from the number the
    customer wrote to, not from whichever id was typed into Settings. Without any id typed in, the
    number Meta last delivered for is the fallback (also what a restart begins with, via `seen`).
    """

    def __init__(
        self,
        configured: str = "",
        *,
        limit: int = DEFAULT_LIMIT,
        on_first_seen: Callable[[str], None] | None = None,
    ) -> None:
        self.configured = configured.strip()
        self._limit = max(1, limit)
        self._by_customer: OrderedDict[str, str] = OrderedDict()
        self._seen: set[str] = set()
        self._latest: str | None = None
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        self.on_first_seen = on_first_seen  # e.g. remember it in the book for the next start

    def seen(self, phone_number_id: str) -> None:
        """A number known from before (the book's cursor): a fallback until a webhook says otherwise."""
        with self._lock:
            self._seen.add(phone_number_id)
            self._latest = self._latest or phone_number_id

    def learn(self, events: Iterable[object]) -> None:
        """Note the number each inbound message was addressed to; warns once per unexpected number."""
        new: list[str] = []
        with self._lock:
            for event in events:
                if not isinstance(event, InboundMessage) or not event.business_number:
                    continue
                number = event.business_number
                customer = _customer(event.sender.key)
                self._by_customer[customer] = number
                self._by_customer.move_to_end(customer)
                while len(self._by_customer) > self._limit:
                    self._by_customer.popitem(last=False)
                self._latest = number
                if number not in self._seen:
                    self._seen.add(number)
                    new.append(number)
        for number in new:
            self._check_against_configured(number)
            if self.on_first_seen is not None:
                self.on_first_seen(number)

    def number_for(self, to: str | None) -> str | None:
        """The number to send from: the customer's own, else the configured id, else the last one seen."""
        with self._lock:
            if to is not None:
                known = self._by_customer.get(_customer(to))
                if known:
                    return known
            return self.configured or self._latest

    @property
    def numbers(self) -> list[str]:
        with self._lock:
            return sorted(self._seen)

    def _check_against_configured(self, number: str) -> None:
        if not self.configured or number == self.configured or number in self._warned:
            return
        self._warned.add(number)
        log.warning(
            "A message arrived for WhatsApp phone number id %s, not the %s set in Settings; "
            "replies to it go out from the number it was sent to.",
            number,
            self.configured,
        )
