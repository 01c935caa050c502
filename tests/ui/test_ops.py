"""Background operations: callbacks on the UI thread, stale reads dropped, failures in plain words."""

from __future__ import annotations

import threading

import pytest

from desktop_app.domain.records import BookLockedError


def test_callbacks_run_on_the_ui_thread_and_writes_on_the_writer(qtbot, window):
    seen: dict[str, tuple[str, str]] = {}  # kind -> (thread it ran on, thread the callback ran on)

    def where() -> str:
        return threading.current_thread().name

    window.ops.run_write(where, lambda ran: seen.update(write=(ran, threading.current_thread().name)))
    window.ops.run_read(where, lambda ran: seen.update(read=(ran, threading.current_thread().name)))
    qtbot.waitUntil(lambda: len(seen) == 2)

    assert seen["write"][0] == "book-writer"
    assert seen["read"][0].startswith("ui-read")
    assert seen["write"][1] == seen["read"][1] == threading.main_thread().name


def test_a_superseded_read_is_dropped(qtbot, window):
    release = threading.Event()
    shown: list[str] = []

    def slow() -> str:
        release.wait(5)
        return "old"

    window.ops.run_read(slow, shown.append, key="list")
    window.ops.run_read(lambda: "new", shown.append, key="list")
    qtbot.waitUntil(lambda: shown == ["new"])
    release.set()
    qtbot.waitUntil(window.ops.idle)
    assert shown == ["new"]  # the older refresh finished last, and was not painted over the newer


@pytest.mark.expect_log(logger="desktop_app.ui.ops", level="ERROR", match="Background operation failed")
def test_failures_become_a_sentence_in_the_window(qtbot, window):
    def locked() -> None:
        raise BookLockedError("database is locked")

    window.ops.run_write(locked)
    qtbot.waitUntil(window.ops.idle)
    assert window.status.currentMessage().startswith("⚠ The consent book is busy")
    assert "try again" in window.status.currentMessage()

    window.ops.run_read(lambda: 1 / 0)
    qtbot.waitUntil(window.ops.idle)
    message = window.status.currentMessage()
    assert "Something went wrong (ZeroDivisionError" in message and "Traceback" not in message
