"""The UI's use cases over the consent book, the ingest pipeline and the outbox (no Qt, no SQL here)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import phonenumbers

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.domain.model import (
    CategoryState,
    ConsentAction,
    ConsentEventRecord,
    Decision,
    EventSource,
    NewConsentEvent,
    Verdict,
)
from desktop_app.domain.records import ConsentRow, DetectionRecord, MessageRecord, WeekStats
from desktop_app.providers.base import ConnectionCheck, ConnectionState

T = TypeVar("T")
THREAD_LIMIT = 200  # newest messages shown when a conversation opens
UNDO_DEPTH = 20
PENDING_CAP = 200  # one review page: a refresh reads at most this many pending requests
EXPORT_PAGE = 1000
SHORT_GAP = 4  # characters of filler allowed between two trigger words before they read as one phrase
SHOP_PLACEHOLDER = "{shop}"  # as in services.confirmations (not imported: it pulls in storage)


class ConversationFilter(StrEnum):
    ALL = "all"
    NEEDS_REVIEW = "needs_review"
    OPTED_OUT = "opted_out"


class ConsentFilter(StrEnum):
    ALL = "all"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    CHANGED_THIS_WEEK = "changed_this_week"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a long list; `after` is the opaque cursor for the next page (None = the end)."""

    items: list[T]
    after: object | None = None


@dataclass(frozen=True, slots=True)
class ConversationItem:
    """One row of the conversation list."""

    contact_key: str
    name: str | None
    display_number: str
    last_text: str
    last_at: datetime | None
    last_direction: str | None = None
    unread: int = 0
    pending_reviews: int = 0
    pending_trigger: str | None = None  # the words that triggered the oldest pending request
    opted_out: bool = False

    @property
    def title(self) -> str:
        return self.name or self.display_number

    @property
    def preview(self) -> str:
        if self.pending_reviews and self.pending_trigger:
            return self.pending_trigger
        prefix = "You: " if self.last_direction == "outbound" else ""
        return prefix + (self.last_text or "")

    def read(self) -> ConversationItem:
        return replace(self, unread=0)


@dataclass(frozen=True, slots=True)
class ConversationView:
    """Everything the thread and contact panes show for one open conversation."""

    contact_key: str
    title: str
    display_number: str
    messages: list[MessageRecord]
    pending: list[DetectionRecord]
    states: list[CategoryState]
    history: list[ConsentEventRecord]
    was_unread: bool = False


@dataclass(frozen=True, slots=True)
class SendOutcome:
    sent: bool
    reason: str = ""
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    message: str
    checked: int = 0


@dataclass
class _Undo:
    description: str
    run: Callable[[], None]


@lru_cache(maxsize=65_536)
def display_number(contact_key: str) -> str:
    """ "+15550101234" -> "+1 555-010-1234"; user ids are shown as they are."""
    if not contact_key.startswith("+"):
        return contact_key
    try:
        number = phonenumbers.parse(contact_key, None)
    except phonenumbers.NumberParseException:
        return contact_key
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _offset(after: object | None) -> int:
    return after if isinstance(after, int) else 0


def _page(items: list[T], offset: int, limit: int) -> Page[T]:
    return Page(items, offset + len(items) if len(items) >= limit else None)


class InboxService:
    """What the desktop inbox can do, as plain calls; built from the app runtime.

    Widgets call this and nothing else for data: it reads the consent book, decides through the
    book and the ingest pipeline, sends through the runtime's sender (guarded by `may_send`), and
    keeps a short undo list for the owner's last decisions.
    """

    def __init__(self, runtime: Any) -> None:
        self._runtime = runtime
        self._book = runtime.book
        self._undo: list[_Undo] = []
        self._tunnel: Any = None
        self._base_lexicon: Lexicon | None = None
        self._pending_cache: list[DetectionRecord] | None = None

    # -- reading ---------------------------------------------------------------------------------
    @property
    def book(self) -> Any:
        return self._book

    def categories(self) -> list[str]:
        return list(self._book.categories())

    def conversations(
        self,
        conversation_filter: ConversationFilter,
        search: str = "",
        *,
        after: object | None = None,
        limit: int = 200,
    ) -> Page[ConversationItem]:
        offset = _offset(after)
        rows = self._book.conversations(conversation_filter.value, search or None, offset=offset, limit=limit)
        triggers = self._triggers() if any(row.pending_count for row in rows) else {}
        items = [
            ConversationItem(
                contact_key=row.contact_key,
                name=row.name,
                display_number=display_number(row.contact_key),
                last_text=row.last_text or "",
                last_at=row.last_at,
                last_direction=row.last_direction,
                unread=row.unread_count,
                pending_reviews=row.pending_count,
                pending_trigger=triggers.get(row.contact_key),
                opted_out=row.opted_out,
            )
            for row in rows
        ]
        return _page(items, offset, limit)

    def open_conversation(self, contact_key: str, *, mark_read: bool = True) -> ConversationView:
        contact = self._book.contact(contact_key)
        messages = self._book.thread(contact_key, limit=THREAD_LIMIT)
        pending = [
            m.detection for m in messages if m.detection is not None and m.detection.status == "pending"
        ]
        was_unread = bool(contact and contact.unread_count)
        if mark_read and was_unread:
            self._book.mark_read(contact_key)
        number = display_number(contact_key)
        return ConversationView(
            contact_key=contact_key,
            title=(contact.name if contact and contact.name else number),
            display_number=number,
            messages=messages,
            pending=pending,
            states=list(self._book.consent_state(contact_key).values()),
            history=self._book.history(contact_key),
            was_unread=was_unread,
        )

    def contact_history(self, contact_key: str) -> tuple[list[CategoryState], list[ConsentEventRecord]]:
        return list(self._book.consent_state(contact_key).values()), self._book.history(contact_key)

    def describe_request(self, contact_key: str) -> tuple[str, str]:
        """Who asked and in which words, for a desktop notification about a new request."""
        contact = self._book.contact(contact_key)
        who = contact.name if contact and contact.name else display_number(contact_key)
        for message in reversed(self._book.thread(contact_key, limit=20)):
            if message.detection is not None:
                return who, trigger_text(message.detection)
        return who, "asked to stop receiving messages"

    def pending(self, *, after: object | None = None, limit: int = 200) -> Page[DetectionRecord]:
        offset = _offset(after)
        snapshot = self._pending_snapshot()
        if offset + limit <= PENDING_CAP or len(snapshot) <= PENDING_CAP:
            return _page(snapshot[offset : offset + limit], offset, limit)
        return _page(self._book.pending_detections(limit=offset + limit)[offset:], offset, limit)

    def pending_count(self) -> int:
        """How many requests wait; PENDING_CAP + 1 means "more than PENDING_CAP"."""
        return len(self._pending_snapshot())

    def pending_label(self) -> str:
        count = self.pending_count()
        return f"{PENDING_CAP:,}+" if count > PENDING_CAP else f"{count:,}"

    def invalidate(self) -> None:
        """Forget cached reads; called after every batch the pipeline commits and every decision."""
        self._pending_cache = None

    def _pending_snapshot(self) -> list[DetectionRecord]:
        """The oldest pending requests (up to PENDING_CAP + 1), read once per change, not per page or label.

        The cap keeps a refresh cheap after a day offline with thousands of requests waiting.
        """
        if self._pending_cache is None:
            self._pending_cache = self._book.pending_detections(limit=PENDING_CAP + 1)
        return self._pending_cache

    def _triggers(self) -> dict[str, str]:
        """contact key -> the words of their oldest pending request."""
        triggers: dict[str, str] = {}
        for detection in self._pending_snapshot():
            triggers.setdefault(detection.contact_key, trigger_text(detection))
        return triggers

    def auto_applied(self, *, after: object | None = None, limit: int = 200) -> Page[DetectionRecord]:
        offset = _offset(after)
        rows = self._book.auto_applied_detections(limit=offset + limit)[offset:]
        return _page(rows, offset, limit)

    def auto_mode_enabled(self) -> bool:
        return bool(self._runtime.settings.auto_mode)

    def consent_page(
        self,
        consent_filter: ConsentFilter,
        search: str = "",
        *,
        after: object | None = None,
        limit: int = 200,
    ) -> Page[ConsentRow]:
        offset = _offset(after)
        rows = self._book.consent_page(consent_filter.value, search or None, offset=offset, limit=limit)
        return _page(rows, offset, limit)

    def count_consent(self, consent_filter: ConsentFilter, search: str = "") -> int:
        return int(self._book.count_consent(consent_filter.value, search or None))

    def may_send(self, contact_key: str, category: str) -> Decision:
        return self._book.may_send(contact_key, category)

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

    # -- deciding --------------------------------------------------------------------------------
    def confirm(self, detection_id: int) -> str:
        detection = self._decide(detection_id, confirm=True)
        self._push_undo(f"confirmation for {_who(detection)}", lambda: self._reverse_quietly(detection_id))
        return f"Recorded: {_who(detection)} {_asked(detection)}."

    def dismiss(self, detection_id: int) -> str:
        detection = self._decide(detection_id, confirm=False)
        self._push_undo(f"dismissal for {_who(detection)}", lambda: self._book.reopen_detection(detection_id))
        return f"Dismissed the request from {_who(detection)}."

    def confirm_many(self, detection_ids: list[int]) -> str:
        done = [self._decide(i, confirm=True) for i in detection_ids]
        self._push_undo(
            f"{len(done)} confirmations", lambda: [self._reverse_quietly(i) for i in detection_ids] and None
        )
        return f"Recorded {len(done)} request{'s' if len(done) != 1 else ''}."

    def dismiss_many(self, detection_ids: list[int]) -> str:
        done = [self._decide(i, confirm=False) for i in detection_ids]
        self._push_undo(
            f"{len(done)} dismissals",
            lambda: [self._book.reopen_detection(i) for i in detection_ids] and None,
        )
        if len(done) == 1:
            return f"Dismissed the request from {_who(done[0])}."
        return f"Dismissed {len(done)} requests."

    def reverse(self, detection_id: int) -> str:
        detection = self._book.detection(detection_id)
        self._book.reverse_detection(detection_id, decided_by="owner")
        self.invalidate()
        return f"Reversed the decision for {_who(detection)}; the consent book keeps both entries."

    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> str | None:
        """Undo the owner's last decision: a dismissal reopens, a confirmation is reversed in the ledger."""
        if not self._undo:
            return None
        entry = self._undo.pop()
        entry.run()
        self.invalidate()
        return f"Undone: {entry.description}."

    def change_consent(self, contact_key: str, category: str, action: ConsentAction, reason: str) -> str:
        if not reason.strip():
            raise ValueError("Please give a reason; it is kept in the consent book.")
        if category not in self.categories():
            raise ValueError(f"Unknown category {category!r}.")
        with self._book.unit_of_work() as uow:
            record = uow.append_event(
                NewConsentEvent(
                    contact_key=contact_key,
                    category=category,
                    action=action,
                    occurred_at=self._book.now(),
                    source=EventSource.MANUAL,
                    decided_by="owner",
                    note=reason.strip(),
                )
            )
        if record is None:
            raise ValueError("That change was already recorded.")
        verb = "opted out of" if action is ConsentAction.OPT_OUT else "opted in to"
        return (
            f"Recorded: {display_number(contact_key)} {verb} {category.replace('_', ' ')} ({reason.strip()})."
        )

    def _decide(self, detection_id: int, *, confirm: bool) -> DetectionRecord:
        detection = self._book.detection(detection_id)
        if detection is None:
            raise ValueError(f"request {detection_id} no longer exists")
        if confirm:  # the pipeline appends the event and sends the one confirmation
            self._runtime.pipeline.confirm_detection(detection_id, decided_by="owner")
        else:
            self._book.resolve_detection(detection_id, confirm=confirm, decided_by="owner")
        self.invalidate()
        return detection

    def _reverse_quietly(self, detection_id: int) -> None:
        self._book.reverse_detection(detection_id, decided_by="owner")
        self.invalidate()

    def _push_undo(self, description: str, run: Callable[[], None]) -> None:
        self._undo.append(_Undo(description, run))
        del self._undo[:-UNDO_DEPTH]

    # -- sending ---------------------------------------------------------------------------------
    def send_reply(self, contact_key: str, text: str, category: str) -> SendOutcome:
        """Send a reply only if the consent book allows this kind of message to this customer."""
        decision = self.may_send(contact_key, category)
        if not decision.allowed:
            return SendOutcome(False, decision.reason, decision.since)
        result = self._runtime.pipeline.outbox.send(contact_key, text, category)
        if not result.ok:
            return SendOutcome(False, result.error_message or "the provider refused the message")
        return SendOutcome(True)

    # -- export ----------------------------------------------------------------------------------
    def export_consent(
        self,
        path: Path,
        consent_filter: ConsentFilter,
        search: str,
        progress: Callable[[int, int], None],
        cancelled: Callable[[], bool],
    ) -> tuple[int, bool]:
        """Write the consent table (as filtered on screen) to CSV -> (rows, cancelled).

        A cancelled or failed export leaves no file behind. The unfiltered book is streamed by the
        book's own exporter in one pass; a filtered view is written page by page.
        """
        tmp = path.with_name(path.name + ".part")
        try:
            with tmp.open("w", newline="", encoding="utf-8") as handle:
                if consent_filter is ConsentFilter.ALL and not search.strip():
                    written = int(self._book.export_consent(handle, "csv", progress, cancelled))
                else:
                    written = self._export_filtered(handle, consent_filter, search, progress, cancelled)
            if cancelled():
                tmp.unlink(missing_ok=True)
                return written, True
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return written, False

    def _export_filtered(
        self,
        handle: Any,
        consent_filter: ConsentFilter,
        search: str,
        report: Callable[[int, int], None],
        cancelled: Callable[[], bool],
    ) -> int:
        total = self.count_consent(consent_filter, search)
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        written = 0
        after: object | None = 0
        while after is not None and not cancelled():
            page = self.consent_page(consent_filter, search, after=after, limit=EXPORT_PAGE)
            writer.writerows(_csv_row(row) for row in page.items)
            written += len(page.items)
            after = page.after
            report(written, total)
        return written

    # -- settings helpers ------------------------------------------------------------------------
    def add_category(self, name: str) -> None:
        self._book.add_category(name.strip())

    def lexicon_languages(self) -> list[str]:
        return sorted(self._lexicon().languages)

    def keywords(
        self,
        language: str,
        kind: str,
        additions: Mapping[str, Mapping[str, list[str]]],
        removals: Mapping[str, Mapping[str, list[str]]],
    ) -> tuple[str, ...]:
        return self._lexicon().with_overrides(additions, removals).words(language, kind)

    def preview_verdict(
        self,
        text: str,
        additions: Mapping[str, Mapping[str, list[str]]],
        removals: Mapping[str, Mapping[str, list[str]]],
    ) -> Verdict:
        """What the detector would say with these (unsaved) keyword changes."""
        return Detector(self._lexicon().with_overrides(additions, removals)).classify(text)

    def _lexicon(self) -> Lexicon:
        if self._base_lexicon is None:
            self._base_lexicon = Lexicon.load_default()
        return self._base_lexicon

    def confirmation_languages(self) -> list[str]:
        return list(self._runtime.pipeline.confirmations.templates.languages)

    def default_confirmation(self, language: str) -> str:
        """The standard confirmation of a full opt-out, with `{shop}` left in place."""
        templates = self._runtime.pipeline.confirmations.templates
        return str(templates.render(language, "all", shop_name=SHOP_PLACEHOLDER, overrides={}).text)

    def test_connection(self, settings: Any, typed_secrets: Mapping[str, str]) -> ConnectionCheck:
        """Try the provider with these settings; typed secrets are used without being saved.

        The sender comes from the runtime (`sender_for`), so this facade never imports HTTP code.
        """
        if settings.provider == "demo":
            return ConnectionCheck(True, ConnectionState.DEMO, "The demo needs no account: it is ready.")
        sender_for = getattr(self._runtime, "sender_for", None)
        if sender_for is None:
            return ConnectionCheck(
                False, ConnectionState.NOT_CONFIGURED, "Save the settings and restart to connect."
            )
        sender = sender_for(settings, _OverlaySecrets(self._runtime.secrets, typed_secrets))
        try:
            return cast(ConnectionCheck, sender.test_connection())
        finally:
            close = getattr(sender, "close", None)
            if close is not None:
                close()

    def tunnel_public_url(self) -> str | None:
        return self._tunnel.public_url if self.tunnel_running() else None

    def tunnel_running(self) -> bool:
        return self._tunnel is not None and self._tunnel.running

    def start_tunnel(self, port: int) -> str:
        from desktop_app.services.tunnel import INSTALL_HINT, Tunnel, find_tunnel_tool

        tool = find_tunnel_tool()
        if tool is None:
            raise RuntimeError(INSTALL_HINT)
        tunnel = Tunnel(tool, port)
        tunnel.start()
        self._tunnel = tunnel
        return tunnel.callback_url() or ""

    def stop_tunnel(self) -> None:
        """Stop the tunnel process (if any) and wait for it."""
        tunnel, self._tunnel = self._tunnel, None
        if tunnel is not None:
            tunnel.stop()


class _OverlaySecrets:
    """Typed-but-unsaved secrets first, then the keychain (for Test connection)."""

    def __init__(self, store: Any, typed: Mapping[str, str]) -> None:
        self._store = store
        self._typed = typed

    def get(self, name: str, *, allow_env: bool = False) -> str | None:
        return self._typed.get(name) or self._store.get(name, allow_env=allow_env)


# The same columns as the book's own export, so both exports open the same way.
EXPORT_COLUMNS = ("contact_key", "name", "category", "state", "since", "source", "event_id", "changed_at")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A customer's name must not run as a formula when the owner opens the CSV in a spreadsheet."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_row(row: ConsentRow) -> list[object]:
    return [
        row.contact_key,
        spreadsheet_safe(row.name or ""),
        row.category,
        row.state,
        row.since.isoformat() if row.since else "",
        row.source or "",
        row.event_id or "",
        row.changed_at.isoformat() if row.changed_at else "",
    ]


def merge_spans(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Join trigger spans separated only by spaces or one short word ("stop [the] promo messages")."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged:
            gap = text[merged[-1][1] : start]
            if len(gap.strip()) <= SHORT_GAP and not any(mark in gap for mark in ".,;:!?\n"):
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
                continue
        merged.append((start, end))
    return tuple(merged)


def trigger_text(detection: DetectionRecord) -> str:
    """The words that triggered a detection, as the owner should read them."""
    text = detection.message_text or ""
    if not detection.spans:
        return text
    return " … ".join(text[a:b] for a, b in merge_spans(text, detection.spans))


def _who(detection: DetectionRecord | None) -> str:
    if detection is None:
        return "the customer"
    return detection.contact_name or display_number(detection.contact_key)


def _asked(detection: DetectionRecord) -> str:
    if detection.kind.value == "opt_in":
        return "wants messages again"
    if detection.scope == "marketing":
        return "opted out of promotions"
    return "opted out of all messages"
