"""The customer's preferences page at <public URL>/p/<token>: server-rendered, no JavaScript, exact."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from desktop_app.domain.consent import decide
from desktop_app.domain.journeys import Change, changes_for_switch
from desktop_app.domain.model import ALL, CategoryState, EventSource
from desktop_app.services import preferences_html as html
from desktop_app.services.journey_texts import JourneyTexts
from desktop_app.services.preference_links import PAGE_PREFIX, PreferenceLinks, Write, unb64
from desktop_app.services.settings import Settings
from desktop_app.services.webhook_server import HttpRequest, HttpResponse, WebhookServer
from desktop_app.storage.book import ConsentBook

log = logging.getLogger(__name__)

FORM_LIFETIME = timedelta(hours=2)
MAX_FORM_BYTES = 8 * 1024
TOKEN_REQUESTS_PER_MINUTE = 30
CLIENT_REQUESTS_PER_MINUTE = 60
_FORM = b"consent-desk preferences form v1\n"
_FORM_BODY = struct.Struct(">I8s")  # issued at (Unix seconds), a random nonce
SAVED_SUFFIX = "/saved"


@dataclass(frozen=True, slots=True)
class _Form:
    nonce: str
    checked: frozenset[str]
    stop_everything: bool


class _RateLimit:
    """At most `limit` requests a minute per key (a sliding window), on the injected clock."""

    def __init__(self, limit: int, clock: Callable[[], datetime]) -> None:
        self._limit = limit
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Count this request; seconds to wait when over the limit, else None."""
        now = self._clock().timestamp()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= self._limit:
                return max(1, int(hits[0] + 60 - now) + 1)
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle keys so a flood of addresses cannot grow this forever
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - 60}
            return None


def client_address(request: HttpRequest) -> str:
    """The customer's address as the tunnel saw it, else the socket peer."""
    forwarded = request.headers.get("cf-connecting-ip") or request.headers.get("x-forwarded-for") or ""
    first = forwarded.split(",")[0].strip()
    return first[:64] or request.client


def _default_category_name(category: str) -> str:
    return category.replace("_", " ").replace("-", " ").capitalize()


class PreferencesPage:
    """GET shows the customer's categories; POST changes them (CSRF-checked, once) and redirects (303)."""

    def __init__(
        self,
        book: ConsentBook,
        links: PreferenceLinks,
        write: Write[int],
        *,
        settings: Callable[[], Settings],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        texts: JourneyTexts | None = None,
        token_limit: int = TOKEN_REQUESTS_PER_MINUTE,
        client_limit: int = CLIENT_REQUESTS_PER_MINUTE,
    ) -> None:
        self._book = book
        self._links = links
        self._write = write
        self._settings = settings
        self._clock = clock
        self._texts = texts
        self._per_token = _RateLimit(token_limit, clock)
        self._per_client = _RateLimit(client_limit, clock)
        self._used_nonces: dict[str, float] = {}
        self._nonce_lock = threading.Lock()

    # --- HTTP ------------------------------------------------------------------------------------

    def handle_get(self, request: HttpRequest) -> HttpResponse:
        return self._guarded(request, self._get)

    def handle_post(self, request: HttpRequest) -> HttpResponse:
        return self._guarded(request, self._post)

    def _guarded(
        self, request: HttpRequest, handle: Callable[[HttpRequest, str, str, bool], HttpResponse]
    ) -> HttpResponse:
        token, saved = _split_path(request.path)
        waits = [
            self._per_client.retry_after("client:" + client_address(request)),
            self._per_token.retry_after("token:" + hashlib.sha256(token.encode()).hexdigest()),
        ]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            log.info("Preferences page: too many requests, asked to wait %d s", wait)
            return html.respond(
                429, html.message_page("Too many tries", html.TOO_MANY), {"Retry-After": str(wait)}
            )
        contact_key = self._links.contact_for(token) if self._settings().journey_page else None
        if contact_key is None:
            log.info("Preferences page: a link that is not valid (any more) was opened")
            return html.respond(404, html.message_page("Link not valid", html.INVALID_LINK))
        return handle(request, token, contact_key, saved)

    def _get(self, request: HttpRequest, token: str, contact_key: str, saved: bool) -> HttpResponse:
        states = self._book.consent_state(contact_key)
        language = self._language(request)
        rows = [
            html.CategoryRow(
                category, self._category_name(language, category), decide(states, category).allowed
            )
            for category in self._categories()
        ]
        shop = self._settings().shop_name.strip() or "this shop"
        form_token = self._form_token(token)
        return html.respond(200, html.preferences_page(shop, rows, form_token, saved=saved))

    def _post(self, request: HttpRequest, token: str, contact_key: str, saved: bool) -> HttpResponse:
        if saved or len(request.body) > MAX_FORM_BYTES:
            return html.respond(400, html.message_page("Not saved", html.BAD_FORM))
        form = self._read_form(request, token)
        if form is None:
            log.info("Preferences page: a form without a valid, unused security code was refused")
            return html.respond(403, html.message_page("Not saved", html.FORM_EXPIRED))
        changes, chosen = self._changes(contact_key, form)
        if changes:
            self._append(contact_key, changes, chosen, form.nonce)
        return HttpResponse(
            303, headers={**html.SECURITY_HEADERS, "Location": f"{PAGE_PREFIX}{token}{SAVED_SUFFIX}"}
        )

    def _language(self, request: HttpRequest) -> str | None:
        """The first of the browser's Accept-Language choices the journey texts speak."""
        if self._texts is None:
            return None
        known = {language.lower(): language for language in self._texts.languages}
        for part in request.headers.get("accept-language", "").split(",")[:10]:
            tag = part.split(";")[0].strip().lower()
            for candidate in (tag, tag.split("-")[0]):
                if candidate in known:
                    return known[candidate]
        return None

    def _category_name(self, language: str | None, category: str) -> str:
        if self._texts is None:
            return _default_category_name(category)
        return self._texts.category_name(language, category)

    # --- the form --------------------------------------------------------------------------------

    def _form_token(self, link_token: str) -> str:
        body = _FORM_BODY.pack(int(self._clock().timestamp()), secrets.token_bytes(8))
        signature = self._links.mac(_FORM, link_token.encode("ascii") + body) or b""
        return (body + signature).hex()

    def _read_form(self, request: HttpRequest, link_token: str) -> _Form | None:
        """The submitted choices when the form's code is genuine, fresh, for this link and not used yet."""
        fields = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        try:
            raw_code = bytes.fromhex(fields.get("form", [""])[0])
        except ValueError:
            return None
        body, signature = raw_code[: _FORM_BODY.size], raw_code[_FORM_BODY.size :]
        expected = self._links.mac(_FORM, link_token.encode("ascii") + body)
        if len(body) != _FORM_BODY.size or expected is None or not hmac.compare_digest(expected, signature):
            return None
        issued, nonce = _FORM_BODY.unpack(body)
        now = self._clock().timestamp()
        if not issued - 60 <= now <= issued + FORM_LIFETIME.total_seconds():
            return None
        if not self._spend(nonce.hex(), issued + FORM_LIFETIME.total_seconds(), now):
            return None
        return _Form(nonce.hex(), frozenset(fields.get("c", [])), fields.get("do", [""])[0] == "stop")

    def _spend(self, nonce: str, valid_until: float, now: float) -> bool:
        """Each form is good for one submission: a double submit changes nothing twice."""
        with self._nonce_lock:
            if nonce in self._used_nonces:
                return False
            self._used_nonces = {n: until for n, until in self._used_nonces.items() if until > now}
            self._used_nonces[nonce] = valid_until
            return True

    # --- the ledger ------------------------------------------------------------------------------

    def _categories(self) -> list[str]:
        return [category for category in self._book.categories() if category != ALL]

    def _changes(self, contact_key: str, form: _Form) -> tuple[list[Change], str]:
        states = dict(self._book.consent_state(contact_key))
        if form.stop_everything:
            if not decide(states, ALL).allowed:
                return [], "stop everything"
            return [Change(ALL, True)], "stop everything"
        all_categories = self._book.categories()
        changes: list[Change] = []
        chosen: list[str] = []
        for category in self._categories():
            want = category in form.checked
            chosen.append(f"{category} {'on' if want else 'off'}")
            for change in changes_for_switch(states, all_categories, category, want):
                changes.append(change)
                state = "opted_out" if change.opt_out else "opted_in"
                states[change.category] = CategoryState(change.category, state)
        return changes, ", ".join(chosen)

    def _append(self, contact_key: str, changes: list[Change], chosen: str, nonce: str) -> int:
        now = self._clock()

        def append() -> int:
            with self._book.unit_of_work() as uow:
                appended = 0
                for index, change in enumerate(changes):
                    record = uow.append_event(
                        change.customer_event(
                            contact_key,
                            now,
                            EventSource.PREFERENCES_PAGE,
                            evidence_text=f"preferences page: {chosen}",
                            dedupe_key=f"preferences-page:{nonce}:{index}",
                        )
                    )
                    appended += record is not None
                return appended

        appended = self._write(append)
        log.info("Preferences page: a customer saved %d change(s)", appended)
        return appended


def _split_path(path: str) -> tuple[str, bool]:
    rest = path[len(PAGE_PREFIX) :] if path.startswith(PAGE_PREFIX) else ""
    saved = rest.endswith(SAVED_SUFFIX)
    token = rest[: -len(SAVED_SUFFIX)] if saved else rest
    return (token, saved) if unb64(token) is not None else ("", saved)


def mount_preferences_page(server: WebhookServer, page: PreferencesPage) -> None:
    """Serve the page under /p/ (reachable through the tunnel): GET shows it, POST saves a choice."""
    server.add_prefix_route("GET", PAGE_PREFIX, page.handle_get, public=True)
    server.add_prefix_route("POST", PAGE_PREFIX, page.handle_post, public=True)


__all__ = ["PreferencesPage", "client_address", "mount_preferences_page"]
