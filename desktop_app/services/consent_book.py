"""Reading the consent book as a whole: the consent table, one contact's history, verify, backups, stats."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.domain.consent import OPTED_IN, OPTED_OUT
from desktop_app.domain.model import ALL, CategoryState, ConsentEventRecord
from desktop_app.domain.records import ConsentRow, ContactConsentRow, WeekStats
from desktop_app.services.paging import Page, offset_of, page_of

if TYPE_CHECKING:
    from desktop_app.services.ui_ports import UiBook


class ConsentFilter(StrEnum):
    ALL = "all"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    CHANGED_THIS_WEEK = "changed_this_week"


@dataclass(frozen=True, slots=True)
class ShownState:
    """What one cell of the consent table says: the state that decides sending, and whether `all` set it."""

    state: str  # opted_out | opted_in | "" (no choice recorded)
    via_all: bool = False


def shown_state(states: dict[str, str], category: str) -> ShownState:
    """As the send gate decides (domain.consent.decide): an opt-out of everything covers every category."""
    everything = states.get(ALL, "")
    if category == ALL:
        return ShownState(everything)
    if everything == OPTED_OUT:
        return ShownState(OPTED_OUT, via_all=states.get(category) != OPTED_OUT)
    own = states.get(category, "")
    if own:
        return ShownState(own)
    return ShownState(OPTED_IN, via_all=True) if everything == OPTED_IN else ShownState("")


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    message: str
    checked: int = 0


class ConsentBookService:
    """Reads only; each may take a while on a big book, so the UI runs them off its thread."""

    def __init__(self, book: UiBook) -> None:
        self._book = book

    def consent_page(
        self,
        consent_filter: ConsentFilter,
        search: str = "",
        *,
        after: object | None = None,
        limit: int = 200,
    ) -> Page[ConsentRow]:
        offset = offset_of(after)
        rows = self._book.consent_page(consent_filter.value, search or None, offset=offset, limit=limit)
        return page_of(rows, offset, limit)

    def count_consent(self, consent_filter: ConsentFilter, search: str = "") -> int:
        return int(self._book.count_consent(consent_filter.value, search or None))

    def contact_page(
        self,
        consent_filter: ConsentFilter,
        search: str = "",
        *,
        after: object | None = None,
        limit: int = 200,
    ) -> Page[ContactConsentRow]:
        """Contacts, latest change first, with their state in every category (the table on screen)."""
        position = after if isinstance(after, tuple) else None
        rows = self._book.contact_consent_page(consent_filter.value, search or None, position, limit)
        return Page(rows, rows[-1].position if len(rows) >= limit else None)

    def count_contacts(self, consent_filter: ConsentFilter, search: str = "") -> int:
        return int(self._book.count_contact_consent(consent_filter.value, search or None))

    def categories(self) -> list[str]:
        """The book's categories, built-in ones first (held in memory: cheap on any thread)."""
        return list(self._book.categories())

    def contact_history(self, contact_key: str) -> tuple[list[CategoryState], list[ConsentEventRecord]]:
        return list(self._book.consent_state(contact_key).values()), self._book.history(contact_key)

    def verify(self) -> VerifyReport:
        result = self._book.verify()
        if result.ok:
            unproven = f" Note: {result.cannot_prove[0]}." if result.cannot_prove else ""
            return VerifyReport(
                True, f"History intact: all {result.checked:,} entries check out.{unproven}", result.checked
            )
        if result.problems and all(problem.startswith("state: ") for problem in result.problems):
            return VerifyReport(
                False,
                f"The history is intact, but the consent table that guards sending disagrees with it "
                f"({result.state_differences:,} entries). Run `consent-desk rebuild` to regenerate it.",
                result.checked,
            )
        where = f" at entry {result.first_broken_id}" if result.first_broken_id is not None else ""
        backups = self._book.backup_dir
        where_backups = f" (they are in {backups})" if backups else ""
        return VerifyReport(
            False,
            f"The history was altered{where}: {result.reason or 'the chain does not match'}. "
            f"Restore a backup{where_backups} and keep this file for inspection.",
            result.checked,
        )

    def data_locations(self) -> tuple[Path, Path | None]:
        """Where the consent book and its backups live."""
        return Path(self._book.path), (Path(self._book.backup_dir) if self._book.backup_dir else None)

    def backup_now(self) -> Path:
        """A consistent copy of the book in the backups folder; old copies beyond the limit are pruned."""
        return Path(self._book.backup("manual"))

    def weekly_stats(self, weeks: int = 8) -> list[WeekStats]:
        return list(self._book.weekly_stats(weeks))
