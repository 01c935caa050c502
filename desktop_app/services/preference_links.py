"""Signed, expiring, revocable per-contact links to the preferences page; the key is in the keyring only."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import struct
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from desktop_app.services.secrets import SecretStore, SecretStoreUnavailableError
from desktop_app.services.settings import Settings
from desktop_app.storage import preference_links as links_table
from desktop_app.storage.book import ConsentBook
from desktop_app.storage.preference_links import LinkReads

log = logging.getLogger(__name__)

T = TypeVar("T")
Write = Callable[[Callable[[], T]], T]

PAGE_PREFIX = "/p/"
LINK_LIFETIME = timedelta(days=30)
KEY_BYTES = 32
MAC_BYTES = 16  # 128 bits: forging one is out of reach, and the link stays short
_BODY = struct.Struct(">III")  # contact row id, link generation, expiry (Unix seconds)
_LINK = b"consent-desk preferences link v1\n"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes | None:
    """Decoded base64url, or None for anything that is not (a forged or truncated token)."""
    if not text or len(text) > 200 or not text.isascii():
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def secret_name(book_id: str) -> str:
    return f"book.{book_id}.preferences_link_key"


class PreferenceLinks:
    """Makes and checks the page's tokens: <contact row id, generation, expiry> + HMAC-SHA256, base64url.

    The phone number never appears in a link; revoke() bumps the contact's generation, killing every
    earlier link. Without a keyring there is no key, so no link is made and none is accepted.
    """

    def __init__(
        self,
        book: ConsentBook,
        write: Write[int],
        *,
        settings: Callable[[], Settings],
        public_url: Callable[[], str | None],
        secrets_store: SecretStore | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        lifetime: timedelta = LINK_LIFETIME,
    ) -> None:
        self._book = book
        self._write = write
        self._settings = settings
        self._public_url = public_url
        self._store = secrets_store if secrets_store is not None else SecretStore()
        self._clock = clock
        self.lifetime = lifetime
        self._reads = LinkReads(book.path)
        self._key: bytes | None = None
        self._key_lock = threading.Lock()

    def close(self) -> None:
        self._reads.close()

    # --- the key ---------------------------------------------------------------------------------

    def _secret(self) -> bytes | None:
        with self._key_lock:
            if self._key is None:
                self._key = self._load_or_create()
            return self._key

    def _load_or_create(self) -> bytes | None:
        name = secret_name(self._book.key.book_id or "book")
        try:
            saved = self._store.get(name)
            if saved:
                return bytes.fromhex(saved)
            key = secrets.token_bytes(KEY_BYTES)
            self._store.set(name, key.hex())
            return key
        except SecretStoreUnavailableError:
            log.info("No keychain: preferences page links cannot be signed, so none are made")
            return None
        except ValueError:
            log.error("The keychain entry for preferences links is not a key; it is left as it is")
            return None

    def mac(self, purpose: bytes, data: bytes) -> bytes | None:
        """A truncated HMAC-SHA256 of `data` for `purpose` (links, forms); None without a key."""
        key = self._secret()
        if key is None:
            return None
        return hmac.new(key, purpose + data, hashlib.sha256).digest()[:MAC_BYTES]

    # --- links -----------------------------------------------------------------------------------

    def token_for(self, contact_key: str) -> str | None:
        """A fresh token for the contact, or None when it is not in the book or no key can be kept."""
        contact_row_id = self._reads.run(lambda raw: links_table.contact_id(raw, contact_key))
        if contact_row_id is None:
            return None
        generation = self._reads.run(lambda raw: links_table.generation(raw, contact_key))
        expiry = int((self._clock() + self.lifetime).timestamp())
        body = _BODY.pack(contact_row_id, generation, expiry)
        signature = self.mac(_LINK, body)
        return None if signature is None else _b64(body + signature)

    def link_for(self, contact_key: str) -> str | None:
        """The contact's page address, or None when the page is off, there is no public URL or no key."""
        if not self._settings().journey_page:
            return None
        base = (self._public_url() or "").rstrip("/")
        if not base.startswith("https://") and not base.startswith("http://"):
            return None
        token = self.token_for(contact_key)
        return None if token is None else f"{base}{PAGE_PREFIX}{token}"

    def contact_for(self, token: str) -> str | None:
        """The contact a valid token names; None for forged, tampered, expired, revoked or unknown ones."""
        raw_token = unb64(token)
        if raw_token is None or len(raw_token) != _BODY.size + MAC_BYTES:
            return None
        body, signature = raw_token[: _BODY.size], raw_token[_BODY.size :]
        expected = self.mac(_LINK, body)
        if expected is None or not hmac.compare_digest(expected, signature):
            return None
        contact_row_id, generation, expiry = _BODY.unpack(body)
        if self._clock().timestamp() >= expiry:
            return None
        contact_key = self._reads.run(lambda raw: links_table.contact_key(raw, contact_row_id))
        if contact_key is None:
            return None
        current = self._reads.run(lambda raw: links_table.generation(raw, contact_key))
        return contact_key if current == generation else None

    def revoke(self, contact_key: str) -> int:
        """Kill every link given to this contact so far; returns the new generation."""
        now = self._clock()

        def bump() -> int:
            with self._book.unit_of_work() as uow:
                return links_table.bump_generation(uow.connection, contact_key, now)

        return self._write(bump)
