"""Paths resolve to one folder when overridden; settings round-trip, survive damage, hold no secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.services.paths import DATA_DIR_ENV, AppPaths
from desktop_app.services.settings import Settings


def test_explicit_data_dir_wins_over_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    paths = AppPaths.resolve(tmp_path / "explicit")
    assert paths.data_dir == (tmp_path / "explicit").resolve()
    assert paths.config_dir.parent == paths.data_dir
    assert paths.log_dir.parent == paths.data_dir


def test_environment_override_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert AppPaths.resolve().data_dir == (tmp_path / "from-env").resolve()


def test_platform_dirs_without_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    paths = AppPaths.resolve()
    assert "consent-desk" in str(paths.data_dir)
    assert "consent-desk" in str(paths.config_dir)


def test_demo_book_is_never_the_real_book(tmp_path: Path) -> None:
    paths = AppPaths.resolve(tmp_path)
    assert paths.demo_book_path != paths.book_path
    assert paths.demo_book_path.parent != paths.book_path.parent


def test_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(provider="meta", auto_mode=True, auto_threshold=0.95, webhook_port=9999)
    settings.save(path)
    loaded = Settings.load(path)
    assert loaded == settings


@pytest.mark.expect_log(level="WARNING", match=r"^Settings file .* unreadable")
def test_damaged_settings_fall_back_to_defaults_and_are_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json", encoding="utf-8")
    assert Settings.load(path) == Settings()
    assert (tmp_path / "settings.damaged.json").read_text(encoding="utf-8") == "{not json"


def test_unknown_provider_and_keys_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"provider": "carrier-pigeon", "future_key": 1, "webhook_port": 1234}))
    loaded = Settings.load(path)
    assert loaded.provider == "demo"
    assert loaded.webhook_port == 1234


def test_settings_have_no_field_for_a_secret() -> None:
    secret_words = ("token", "secret", "password", "api_key", "auth")
    names = Settings().to_dict().keys()
    assert not [name for name in names if any(word in name for word in secret_words)]


def test_env_overrides_apply_without_being_saved(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    Settings().save(path)
    settings = Settings.load(path).apply_env({"CONSENT_DESK_TWILIO_BASE_URL": "http://127.0.0.1:9"})
    assert settings.twilio_base_url == "http://127.0.0.1:9"
    assert Settings.load(path).twilio_base_url == "https://api.twilio.com"
