"""One derived view of a contact's consent: what may be sent to them, in one sentence."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop_app.domain.consent import OPTED_OUT, decide
from desktop_app.domain.model import ALL, CategoryState


@dataclass(frozen=True, slots=True)
class Reach:
    """`sentence` says what may be sent; `limited` is True when any kind of message is refused."""

    sentence: str
    limited: bool
    refused: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    everything_stopped: bool = False
    since: datetime | None = None

    def refuses(self, category: str) -> bool:
        return self.everything_stopped or category in self.refused


def _utc_minutes(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _default_name(category: str) -> str:
    return category.replace("_", " ")


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def what_may_be_sent(
    states: Mapping[str, CategoryState],
    categories: Iterable[str],
    *,
    name: Callable[[str], str] = _default_name,
    when: Callable[[datetime], str] = _utc_minutes,
) -> Reach:
    """Every category's answer from the gate (`decide`), said once: no contradictory lines per category."""
    kinds = [c for c in dict.fromkeys(categories) if c != ALL]
    everything = states.get(ALL)
    if everything is not None and everything.state == OPTED_OUT:
        since = f" on {when(everything.since)}" if everything.since else ""
        return Reach(
            f"Send nothing: they asked to stop all messages{since}.",
            True,
            tuple(kinds),
            (),
            everything_stopped=True,
            since=everything.since,
        )
    refused = [c for c in kinds if not decide(states, c).allowed]
    allowed = [c for c in kinds if c not in refused]
    if not refused:
        return Reach("Every kind of message may be sent: no opt-out on record.", False, (), tuple(allowed))
    first = states.get(refused[0])
    moment = first.since if first is not None else None
    since = f" (they opted out on {when(moment)})" if moment else ""
    stopped = _join([name(c).lower() for c in refused])
    if allowed:
        sentence = f"No {stopped}{since}; {_join([name(c).lower() for c in allowed])} may be sent."
    else:
        sentence = f"No {stopped}{since}; nothing else is set up to send."
    return Reach(sentence[0].upper() + sentence[1:], True, tuple(refused), tuple(allowed), since=moment)
