"""Fixtures for the desktop UI tests: a real runtime on a real SQLite book, and its main window."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QCoreApplication

from desktop_app.domain.model import ContactRef, InboundMessage
from desktop_app.services.paths import AppPaths
from desktop_app.services.qtbridge import RuntimeBridge
from desktop_app.services.runtime import AppRuntime
from desktop_app.services.settings import Settings
from desktop_app.services.ui_services import UiServices, ui_services_for

_ids = itertools.count(1)


class Customers:
    """Sends customer messages through the real ingest pipeline, as a provider would."""

    def __init__(self, runtime: AppRuntime) -> None:
        self.runtime = runtime
        self.clock = datetime.now(UTC) - timedelta(hours=2)

    def say(self, wa_id: str, name: str, text: str) -> str:
        self.clock += timedelta(minutes=1)
        message = InboundMessage(
            provider="demo",
            provider_message_id=f"test.{next(_ids)}",
            sender=ContactRef(wa_id, name=name),
            occurred_at=self.clock,
            text=text,
        )
        self.runtime.pipeline.ingest([message])
        QCoreApplication.processEvents()  # the bridge delivers the batch to the window, queued
        return "+" + wa_id


@pytest.fixture
def runtime(qtbot) -> Iterator[AppRuntime]:
    """The demo runtime (real book, pipeline, outbox and demo sender) without the simulator running."""
    paths = AppPaths.resolve()
    bridge = RuntimeBridge()
    # The chat journeys (first-contact note, scope question) have their own tests; here the owner's
    # screens show what customers write and the plain confirmation the tests compare with.
    settings = Settings(journey_transparency=False, journey_scope_buttons=False)
    app_runtime = AppRuntime(paths, settings, demo=True, bridge=bridge)
    yield app_runtime
    app_runtime.stop()
    bridge.deleteLater()


@pytest.fixture
def customers(runtime: AppRuntime) -> Customers:
    return Customers(runtime)


@pytest.fixture
def services(runtime: AppRuntime) -> UiServices:
    """What the window gets, built as the app builds it: from here on the test's thread may not write."""
    return ui_services_for(runtime)


@pytest.fixture
def window(qtbot, services: UiServices):
    from desktop_app.ui.main_window import MainWindow

    main = MainWindow(services, first_run=False)
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show()
    qtbot.waitExposed(main)
    settle(qtbot, main)
    yield main
    main.shutdown()


def settle(qtbot, window, timeout: int = 5000) -> None:
    """Wait until every background read and write the window started has been delivered."""
    qtbot.waitUntil(window.idle, timeout=timeout)


def write(services: UiServices, op):
    """Run a write as the window does (on the book writer) and wait for it: the test thread may not write."""
    return services.writer.submit(op).result(timeout=10)
