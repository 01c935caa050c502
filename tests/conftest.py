"""Test configuration shared by every suite: offscreen Qt, an in-memory keyring, shared fixtures.

Also the suite's discipline: a test fails when the code logs a warning or error the test did not
declare (like qutebrowser's logfail), new books are copied from one migrated template, and a test's
`clock` is a Clock it controls.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Qt must never need a screen in tests; set before any QApplication exists.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHONFAULTHANDLER", "1")

import keyring
import keyring.backend
import keyring.errors

from tests.clocks import Clock

pytest_plugins = ["pytester"]  # tests/test_discipline.py runs a small suite under these rules

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
LOG_FAIL_LEVEL = logging.WARNING


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


@pytest.fixture
def clock() -> Clock:
    """A clock the test moves (`clock.advance(minutes=5)`); pass it wherever the code takes `now`/`clock`."""
    return Clock()


# --- a migrated template book, copied for every new book -------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def book_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Alembic runs once per session; every new book the suite opens is a copy (with its own book id)."""
    from desktop_app.storage import migrate

    template = migrate.BookTemplate(tmp_path_factory.mktemp("book-template"))
    previous = migrate.use_template(template)
    yield template
    migrate.use_template(previous)


# --- logfail: a warning or error nobody expected fails the test ------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "expect_log(logger=None, level=None, match=None): this test may log a WARNING or ERROR "
        "from `logger` (or a child), at `level`, whose message matches the regex `match`; "
        "any other warning or error fails the test",
    )


@dataclass(frozen=True, slots=True)
class ExpectedLog:
    """One declared warning or error; None matches anything."""

    logger: str | None = None
    level: str | None = None
    match: str | None = None

    def covers(self, record: logging.LogRecord) -> bool:
        if self.logger is not None and not (
            record.name == self.logger or record.name.startswith(self.logger + ".")
        ):
            return False
        if self.level is not None and record.levelname != self.level.upper():
            return False
        return self.match is None or re.search(self.match, record.getMessage()) is not None


class LogFailHandler(logging.Handler):
    """Keeps every WARNING or worse logged (from any thread) while one test runs."""

    def __init__(self) -> None:
        super().__init__(LOG_FAIL_LEVEL)
        self.expected: list[ExpectedLog] = []
        self._records: list[logging.LogRecord] = []
        self._records_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._records_lock:
            self._records.append(record)

    def take_unexpected(self) -> list[logging.LogRecord]:
        with self._records_lock:
            records, self._records = self._records, []
        return [r for r in records if not any(e.covers(r) for e in self.expected)]


def _describe(records: list[logging.LogRecord], when: str) -> str:
    lines = [f"the code logged {len(records)} warning(s)/error(s) {when} that the test did not expect:"]
    for record in records[:10]:
        where = f"{record.name} (thread {record.threadName})"
        lines.append(f"  {record.levelname} {where}: {record.getMessage()}")
        if record.exc_info and record.exc_info[1] is not None:
            lines.append(f"    {type(record.exc_info[1]).__name__}: {record.exc_info[1]}")
    lines.append(
        "A real problem: fix it. Expected: declare it, e.g. "
        '@pytest.mark.expect_log(logger="desktop_app.x", level="WARNING", match="regex").'
    )
    return "\n".join(lines)


_LOG_FAIL = pytest.StashKey[LogFailHandler]()
# Said by libraries about the machine, not about our code: waitress queues a request when all its
# worker threads are busy, which a loaded CI machine does at random.
EXPECTED_EVERYWHERE = (ExpectedLog("waitress.queue", "WARNING", r"^Task queue depth is \d+$"),)


@pytest.fixture(autouse=True)
def log_fail(request: pytest.FixtureRequest) -> Iterator[LogFailHandler]:
    """Fails the test on an undeclared WARNING/ERROR (set-up and teardown logs fail it as an error)."""
    handler = LogFailHandler()
    handler.expected.extend(EXPECTED_EVERYWHERE)
    for marker in request.node.iter_markers("expect_log"):
        handler.expected.append(ExpectedLog(*marker.args, **marker.kwargs))
    request.node.stash[_LOG_FAIL] = handler
    root = logging.getLogger()
    level, before = root.level, set(root.handlers)
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    _drop_handlers_left_by_the_test(root, before, level)
    unexpected = handler.take_unexpected()
    if unexpected:
        pytest.fail(_describe(unexpected, "around the test (set-up or teardown)"), pytrace=False)


def _drop_handlers_left_by_the_test(root: logging.Logger, before: set[logging.Handler], level: int) -> None:
    """setup_logging() adds file and console handlers to the root logger; a later test's logs must not
    reach a stream pytest has closed since ("--- Logging error ---" on stderr)."""
    from _pytest.logging import LogCaptureHandler

    for extra in set(root.handlers) - before:
        if not isinstance(extra, LogCaptureHandler):  # pytest's own come and go with each phase
            root.removeHandler(extra)
            extra.close()
    root.setLevel(level)


@pytest.fixture
def expect_log(log_fail: LogFailHandler) -> Callable[..., None]:
    """`expect_log(logger=..., level=..., match=...)` declares a warning or error from inside a test."""

    def declare(logger: str | None = None, level: str | None = None, match: str | None = None) -> None:
        log_fail.expected.append(ExpectedLog(logger, level, match))

    return declare


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Undeclared logs during the test itself fail the test (not its teardown)."""
    result = yield
    handler = item.stash.get(_LOG_FAIL, None)
    if handler is not None:
        unexpected = handler.take_unexpected()
        if unexpected:
            pytest.fail(_describe(unexpected, "during the test"), pytrace=False)
    return result
