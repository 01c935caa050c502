"""Where polling resumes: a durable high-water mark plus recent SIDs; one poll's window over the list.

Twilio's `DateSent>` filter is inclusive and whole-GMT-day, and the list is newest first. So each
poll asks from the GMT day of (high-water mark - margin), walks pages until it meets a message older
than that floor, takes only SIDs it has not seen, and only then moves the mark. A restart before the
walk ends re-reads the same window; the SID (unique in the consent book) absorbs the repeats.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from desktop_app.providers.twilio.parsing import message_time

log = logging.getLogger(__name__)

# Messages can show up in the list a little after later ones; re-check this far below the mark.
DEFAULT_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class PollCursor:
    """The newest message time fully processed, and the SIDs seen within the margin below it."""

    high_water: datetime | None = None
    recent: dict[str, datetime] = field(default_factory=dict)

    def encode(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "high_water": self.high_water.isoformat() if self.high_water else None,
                "recent": {sid: when.isoformat() for sid, when in sorted(self.recent.items())},
            },
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, value: str | None) -> PollCursor:
        """A missing or damaged cursor starts over from the look-back window (the book dedupes)."""
        if not value:
            return cls()
        try:
            data = json.loads(value)
            high = data.get("high_water")
            return cls(
                high_water=_aware(datetime.fromisoformat(high)) if high else None,
                recent={sid: _aware(datetime.fromisoformat(t)) for sid, t in data.get("recent", {}).items()},
            )
        except (ValueError, TypeError, AttributeError) as exc:
            log.warning("Twilio poll cursor unreadable (%s); starting from the look-back window", exc)
            return cls()


def _aware(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class Step(Enum):
    TAKE = "take"  # new inbound message
    SEEN = "seen"  # already processed (or not inbound): skip, keep walking
    STOP = "stop"  # older than the floor: this and every later page are done


class PollWindow:
    """One poll's rules: the day filter to send, which messages to take, where to stop, the new cursor."""

    def __init__(
        self,
        cursor: PollCursor,
        now: datetime,
        lookback: timedelta,
        margin: timedelta = DEFAULT_MARGIN,
    ) -> None:
        self.cursor = cursor
        self.margin = margin
        self.floor = (cursor.high_water - margin) if cursor.high_water else (_aware(now) - lookback)
        self._newest: datetime | None = cursor.high_water
        self._seen: dict[str, datetime] = {}

    @property
    def date_sent_after(self) -> date:
        """The GMT day holding the floor; never the owner's local day."""
        return self.floor.astimezone(UTC).date()

    def step(self, raw: dict[str, Any]) -> Step:
        when = message_time(raw)
        sid = raw.get("sid")
        if when is None or not isinstance(sid, str):
            # Unparseable items are still handed on once (kept raw), never allowed to end the walk.
            if isinstance(sid, str) and sid in self.cursor.recent:
                return Step.SEEN
            return Step.TAKE if raw.get("direction") == "inbound" else Step.SEEN
        if when < self.floor:
            return Step.STOP
        if self._newest is None or when > self._newest:
            self._newest = when
        self._seen[sid] = when
        if raw.get("direction") != "inbound" or sid in self.cursor.recent:
            return Step.SEEN
        return Step.TAKE

    def finish(self) -> PollCursor:
        """The cursor after a complete walk: mark = newest time seen, recent = SIDs within the margin."""
        if self._newest is None:
            return self.cursor
        keep_from = self._newest - self.margin
        recent = {sid: t for sid, t in self.cursor.recent.items() if t >= keep_from}
        recent.update({sid: t for sid, t in self._seen.items() if t >= keep_from})
        return PollCursor(high_water=self._newest, recent=recent)
