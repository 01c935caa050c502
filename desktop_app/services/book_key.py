"""Each consent book's signing key in the OS keychain, under the book's random id; never in the book."""

from __future__ import annotations

import logging
import secrets

from desktop_app.services.secrets import SecretStore, SecretStoreUnavailableError
from desktop_app.storage.signing import BookKey

log = logging.getLogger(__name__)

KEY_BYTES = 32


def secret_name(book_id: str) -> str:
    return f"book.{book_id}.signing_key"


class KeychainBookKeys:
    """storage.signing.BookKeyStore on the app's SecretStore. The saved value is `<keyed_from>:<hex>`, so
    the first signed row is known from outside the book too (editing it in the book is then caught)."""

    def __init__(self, store: SecretStore | None = None) -> None:
        self._store = store if store is not None else SecretStore()

    def load(self, book_id: str) -> BookKey | None:
        value = self._store.get(secret_name(book_id))
        if not value:
            return None
        try:
            keyed_from, hex_key = value.split(":", 1)
            return BookKey(bytes.fromhex(hex_key), int(keyed_from))
        except ValueError:
            log.error(
                "The keychain entry of consent book %s is not a signing key; it is left as it is", book_id
            )
            return None

    def create(self, book_id: str, keyed_from: int) -> BookKey | None:
        key = BookKey(secrets.token_bytes(KEY_BYTES), keyed_from)
        try:
            self._store.set(secret_name(book_id), f"{keyed_from}:{key.secret.hex()}")
        except SecretStoreUnavailableError as exc:
            log.info("No signing key for consent book %s: %s", book_id, exc)
            return None
        return key


class EphemeralBookKeys:
    """Keys that live only as long as the process: for the demo book, which is thrown away every run
    (a keychain entry per demo start would pile up)."""

    def __init__(self) -> None:
        self._keys: dict[str, BookKey] = {}

    def load(self, book_id: str) -> BookKey | None:
        return self._keys.get(book_id)

    def create(self, book_id: str, keyed_from: int) -> BookKey | None:
        key = self._keys[book_id] = BookKey(secrets.token_bytes(KEY_BYTES), keyed_from)
        return key
