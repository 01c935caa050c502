"""The owner's settings, stored as JSON in the config folder. Never holds a secret."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROVIDERS = ("demo", "meta", "twilio")


@dataclass(slots=True)
class Settings:
    """Everything the owner can change, with safe defaults. Secrets live in the keyring only."""

    provider: str = "demo"
    default_region: str = "US"
    shop_name: str = ""
    auto_mode: bool = False
    auto_threshold: float = 0.9
    send_confirmations: bool = True  # off when e.g. Twilio's Messaging Service already confirms STOP
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8787
    public_url: str = ""  # the tunnel's https URL, used for Twilio signature checks
    ngrok_domain: str = ""  # ngrok's free static domain: the same public URL after every restart
    meta_graph_url: str = "https://graph.facebook.com"
    meta_api_version: str = "v24.0"
    meta_phone_number_id: str = ""  # optional: replies go out from the number each customer wrote to
    meta_app_id: str = ""  # with the App Secret, the app registers its own webhook with Meta
    meta_waba_id: str = ""  # WhatsApp Business Account id: the app subscribes itself to it
    twilio_from: str = ""  # "whatsapp:+15550100100"
    twilio_base_url: str = "https://api.twilio.com"
    twilio_poll_seconds: float = 5.0
    twilio_lookback_hours: float = 24.0
    confirmation_templates: dict[str, str] = field(default_factory=dict)  # language -> text
    # Issue 16, the chat journeys (Settings → Messages to customers); on by default for a new install.
    journey_transparency: bool = True  # one note on first contact: what we send, how to stop it
    journey_scope_buttons: bool = True  # a full opt-out's confirmation asks "everything or only offers?"
    journey_preferences: bool = True  # PREFERENCES answers with a menu, one row per category
    journey_reminders: bool = True  # promotional replies carry a one-line "how to stop offers" footer
    journey_page: bool = True  # the preferences page at <public URL>/p/<token> (needs a public URL)
    journey_templates: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> key -> text
    preferences_keywords: list[str] = field(default_factory=list)  # the owner's own words for the menu
    lexicon_additions: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    lexicon_removals: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    keep_backups: int = 10
    minimize_to_tray: bool | None = None  # None = ask once
    debug_logging: bool = False  # Settings → Advanced: detailed log lines, for a support request

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read settings; a missing or damaged file gives defaults (the damaged one is kept aside)."""
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("settings file does not hold a JSON object")
        except (OSError, ValueError) as exc:
            log.warning("Settings file %s unreadable (%s); using defaults", path, exc)
            with contextlib.suppress(OSError):
                path.replace(path.with_suffix(".damaged.json"))
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        settings = cls()
        for key, value in values.items():
            setattr(settings, key, value)
        if settings.provider not in PROVIDERS:
            settings.provider = "demo"
        return settings

    def save(self, path: Path) -> None:
        """Write atomically: a crash mid-write leaves the old file intact."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def apply_env(self, environ: dict[str, str] | None = None) -> Settings:
        """Environment overrides for headless runs and tests (never persisted)."""
        env = os.environ if environ is None else environ
        overrides = {
            "CONSENT_DESK_META_GRAPH_URL": "meta_graph_url",
            "CONSENT_DESK_META_API_VERSION": "meta_api_version",
            "CONSENT_DESK_META_PHONE_NUMBER_ID": "meta_phone_number_id",
            "CONSENT_DESK_META_APP_ID": "meta_app_id",
            "CONSENT_DESK_META_WABA_ID": "meta_waba_id",
            "CONSENT_DESK_PUBLIC_URL": "public_url",
            "CONSENT_DESK_NGROK_DOMAIN": "ngrok_domain",
            "CONSENT_DESK_TWILIO_BASE_URL": "twilio_base_url",
            "CONSENT_DESK_TWILIO_FROM": "twilio_from",
        }
        for var, attr in overrides.items():
            if env.get(var):
                setattr(self, attr, env[var])
        return self
