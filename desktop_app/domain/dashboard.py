"""Dashboard figures beyond the weekly counts: how fast confirmations left, which languages customers use."""

from __future__ import annotations

from dataclasses import dataclass

CONFIRM_WITHIN_SECONDS = 5 * 60


@dataclass(frozen=True, slots=True)
class ConfirmationSpeed:
    """Opt-outs customers sent in a message (they are owed a confirmation) and how many got it in time."""

    owed: int
    within_five_minutes: int

    @property
    def share(self) -> float | None:
        return self.within_five_minutes / self.owed if self.owed else None


@dataclass(frozen=True, slots=True)
class LanguageCount:
    language: str
    requests: int


@dataclass(frozen=True, slots=True)
class DashboardExtras:
    speed: ConfirmationSpeed
    top_languages: tuple[LanguageCount, ...]
