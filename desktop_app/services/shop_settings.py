"""The shop's settings as the Settings window sees them: saved values, keychain, categories, keywords,
confirmation texts, Test connection and the tunnel."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.domain.model import Verdict
from desktop_app.providers.base import ConnectionCheck, ConnectionState, Sender
from desktop_app.services.paths import AppPaths
from desktop_app.services.settings import Settings

if TYPE_CHECKING:
    from desktop_app.services.confirmations import ConfirmationTemplates
    from desktop_app.services.secrets import SecretStore
    from desktop_app.services.tunnel_keeper import TunnelKeeper, TunnelStatus
    from desktop_app.services.ui_ports import UiBook

SHOP_PLACEHOLDER = "{shop}"  # as in services.confirmations
KeywordChanges = Mapping[str, Mapping[str, list[str]]]


class SecretLookup(Protocol):
    def get(self, name: str, *, allow_env: bool = False) -> str | None: ...


class SettingsHost(Protocol):
    """What the running app offers for settings (AppRuntime has it)."""

    settings: Settings
    secrets: SecretStore
    is_demo: bool

    @property
    def paths(self) -> AppPaths: ...

    @property
    def shop_name(self) -> str: ...

    def update_settings(self, settings: Settings) -> None: ...

    def sender_for(self, settings: Settings, secrets: SecretLookup) -> Sender: ...

    def register_webhook(
        self, settings: Settings, secrets: SecretLookup, public_url: str
    ) -> ConnectionCheck: ...

    tunnel: TunnelKeeper | None  # the running app's tunnel (started at start-up or from Settings)

    def report_tunnel(self, status: TunnelStatus) -> None: ...

    def tunnel_url_changed(self, url: str) -> None: ...


class ShopSettingsService:
    """Settings reads are instant; `save`, `save_secrets` and `add_category` write (run them off the UI)."""

    def __init__(self, host: SettingsHost, book: UiBook, templates: ConfirmationTemplates) -> None:
        self._host = host
        self._book = book
        self._templates = templates
        self._base_lexicon: Lexicon | None = None
        self._lexicon_lock = threading.Lock()
        self._preview: tuple[str, Detector] | None = None  # (the keyword changes, their detector)

    # -- saved settings ------------------------------------------------------------------------
    def current(self) -> Settings:
        """A copy of the saved settings: edit it, then `save` it."""
        return Settings(**copy.deepcopy(self._host.settings.to_dict()))

    @property
    def auto_mode(self) -> bool:
        return bool(self._host.settings.auto_mode)

    @property
    def minimize_to_tray(self) -> bool | None:
        return self._host.settings.minimize_to_tray

    @property
    def provider(self) -> str:
        return self._host.settings.provider

    @property
    def shop_name(self) -> str:
        return self._host.shop_name

    @property
    def is_demo(self) -> bool:
        return self._host.is_demo

    @property
    def log_folder(self) -> Path:
        return self._host.paths.log_dir

    def save(self, settings: Settings) -> None:
        """Write the settings file and apply what takes effect at once (a write: off the UI thread)."""
        self._host.update_settings(settings)

    # -- keychain --------------------------------------------------------------------------------
    def keychain_available(self) -> tuple[bool, str]:
        return self._host.secrets.available()

    def has_secret(self, name: str) -> bool:
        return self._host.secrets.get(name) is not None

    def secret(self, name: str) -> str | None:
        return self._host.secrets.get(name)

    def save_secrets(self, typed: Mapping[str, str]) -> None:
        """Raises SecretStoreUnavailableError (with a plain message) when the keychain refuses."""
        for name, value in typed.items():
            self._host.secrets.set(name, value)

    # -- categories and keywords -----------------------------------------------------------------
    def categories(self) -> list[str]:
        return list(self._book.categories())

    def add_category(self, name: str) -> None:
        self._book.add_category(name.strip())

    def lexicon_languages(self) -> list[str]:
        return sorted(self._lexicon().languages)

    def keywords(
        self, language: str, kind: str, additions: KeywordChanges, removals: KeywordChanges
    ) -> tuple[str, ...]:
        return tuple(self._lexicon().with_overrides(additions, removals).words(language, kind))

    def preview_verdict(self, text: str, additions: KeywordChanges, removals: KeywordChanges) -> Verdict:
        """What the detector would say with these (unsaved) keyword changes.

        Building a detector takes ~50 ms; the one for the current changes is kept, so typing in the
        test box classifies at once and only adding or removing a word builds a new one.
        """
        changes = json.dumps([additions, removals], sort_keys=True)
        with self._lexicon_lock:
            cached = self._preview
        if cached is None or cached[0] != changes:
            cached = (changes, Detector(self._lexicon().with_overrides(additions, removals)))
            with self._lexicon_lock:
                self._preview = cached
        return cached[1].classify(text)

    def _lexicon(self) -> Lexicon:
        with self._lexicon_lock:
            if self._base_lexicon is None:
                self._base_lexicon = Lexicon.load_default()
            return self._base_lexicon

    # -- confirmation messages -------------------------------------------------------------------
    def confirmation_languages(self) -> list[str]:
        return list(self._templates.languages)

    def default_confirmation(self, language: str) -> str:
        """The standard confirmation of a full opt-out, with `{shop}` left in place."""
        return str(self._templates.render(language, "all", shop_name=SHOP_PLACEHOLDER, overrides={}).text)

    def confirmation_preview(self, language: str, overrides: Mapping[str, str]) -> str:
        """Exactly what a customer opting out of everything would receive with these (unsaved) texts.

        The same rendering and the same shop name the sender uses (the saved one: with none, the
        standard text says "us"), so the preview never promises what is not sent.
        """
        shop_name = self._host.settings.shop_name
        return str(self._templates.render(language, "all", shop_name=shop_name, overrides=overrides).text)

    # -- connection ------------------------------------------------------------------------------
    def test_connection(self, settings: Settings, typed_secrets: Mapping[str, str]) -> ConnectionCheck:
        """Try the provider with these settings (a network call); typed secrets are used, not saved."""
        if settings.provider == "demo":
            return ConnectionCheck(True, ConnectionState.DEMO, "The demo needs no account: it is ready.")
        sender = self._host.sender_for(settings, _OverlaySecrets(self._host.secrets, typed_secrets))
        try:
            return sender.test_connection()
        finally:
            close = getattr(sender, "close", None)  # GraphClient and Twilio hold an HTTP session
            if callable(close):
                close()

    def register_webhook(
        self, settings: Settings, typed_secrets: Mapping[str, str], public_url: str
    ) -> ConnectionCheck:
        """Tell the provider the tunnel's address (Meta: its webhook subscription); a network call."""
        secrets = _OverlaySecrets(self._host.secrets, typed_secrets)
        return self._host.register_webhook(settings, secrets, public_url)

    def tunnel_public_url(self) -> str | None:
        tunnel = self._host.tunnel
        return tunnel.url if tunnel is not None and tunnel.running else None

    def tunnel_running(self) -> bool:
        return self._host.tunnel is not None and self._host.tunnel.running

    def start_tunnel(self, port: int, authtoken: str | None = None, domain: str = "") -> str:
        """Blocks until the public address is known (run it off the UI thread); kept up after drops.

        ngrok's built-in agent with an authtoken (typed now or in the keychain), else a tunnel program
        on PATH; raises TunnelError saying how to get one.
        """
        from desktop_app.services.tunnel_keeper import AUTHTOKEN_SECRET, TunnelKeeper, choose_backend

        token = authtoken or self._host.secrets.get(AUTHTOKEN_SECRET)
        backend = choose_backend(token, domain or self._host.settings.ngrok_domain)
        keeper = TunnelKeeper(
            backend, port, on_status=self._host.report_tunnel, on_url=self._host.tunnel_url_changed
        )
        url = keeper.start()
        self._host.tunnel = keeper  # the running app's: the one it started itself, or this one
        return url + "/webhook"

    def stop_tunnel(self) -> None:
        """Stop the tunnel process (if any) and wait for it."""
        self.detach_tunnel()()

    def detach_tunnel(self) -> Callable[[], None]:
        """Forget the tunnel now; the returned call stops its process (it may wait: run it off the UI)."""
        tunnel, self._host.tunnel = self._host.tunnel, None
        return tunnel.stop if tunnel is not None else _nothing


def _nothing() -> None:
    return None


class _OverlaySecrets:
    """Typed-but-unsaved secrets first, then the keychain (for Test connection)."""

    def __init__(self, store: SecretLookup, typed: Mapping[str, str]) -> None:
        self._store = store
        self._typed = typed

    def get(self, name: str, *, allow_env: bool = False) -> str | None:
        return self._typed.get(name) or self._store.get(name, allow_env=allow_env)
