"""Test configuration shared by every suite: offscreen Qt, an in-memory keyring, shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt must never need a screen in tests; set before any QApplication exists.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHONFAULTHANDLER", "1")

import keyring
import keyring.backend
import keyring.errors

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps secrets in a dict; installed through keyring's own API."""

    priority = 1  # type: ignore[assignment]
    consent_desk_test_backend = True

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.store[(service, username)]
        except KeyError as exc:
            raise keyring.errors.PasswordDeleteError(username) from exc


@pytest.fixture(autouse=True)
def memory_keyring(request: pytest.FixtureRequest):
    """Every test gets a fresh in-memory keyring unless it asks for the real Secret Service."""
    if request.node.get_closest_marker("secret_service"):
        yield None
        return
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test ever touches the real user's data, config or logs."""
    folder = tmp_path / "consent-desk-data"
    monkeypatch.setenv("CONSENT_DESK_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared material not found at {SHARED} (tests read ../shared beside the repo)")
    return SHARED


@pytest.fixture
def meta_fixtures(shared_dir: Path) -> Path:
    folder = shared_dir / "fixtures" / "meta"
    if not folder.is_dir():
        pytest.skip(f"Meta webhook fixtures not found at {folder}")
    return folder


@pytest.fixture
def corpus_path(shared_dir: Path) -> Path:
    path = shared_dir / "corpus" / "optout-dev.jsonl"
    if not path.is_file():
        pytest.skip(f"labelled corpus not found at {path}")
    return path
