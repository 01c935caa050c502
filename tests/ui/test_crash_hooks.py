"""An uncaught error anywhere is logged with its traceback and said to the owner in the window."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import QTimer

from desktop_app.ui.crash import CrashHooks

CRASH = pytest.mark.expect_log(logger="desktop_app.crash", level="ERROR", match=r"Uncaught error")


def boom() -> None:
    raise LookupError("the drawer was empty")


@pytest.fixture
def hooks(window):
    installed = CrashHooks().install()
    installed.show_in(window.show_problem)
    yield installed
    installed.uninstall()


@CRASH
def test_an_error_in_a_qt_slot_is_logged_and_shown(qtbot, window, hooks, caplog):
    caplog.set_level(logging.ERROR, logger="desktop_app.crash")
    assert sys.excepthook == hooks.on_uncaught
    QTimer.singleShot(0, boom)  # Qt calls sys.excepthook for an error escaping a slot

    qtbot.waitUntil(lambda: bool(hooks.messages), timeout=3000)

    [record] = [r for r in caplog.records if r.name == "desktop_app.crash"]
    assert record.exc_info is not None and record.exc_info[0] is LookupError
    assert "in boom" in caplog.text and "Traceback" in caplog.text  # the traceback reaches the log
    shown = window.status.currentMessage()
    assert shown.startswith("⚠ Something went wrong") and "the drawer was empty" in shown
    assert "Traceback" not in shown and "log file" in shown
    assert window.toast.isVisible()


@CRASH
def test_an_error_in_a_worker_thread_reaches_the_window_too(qtbot, window, hooks, caplog):
    caplog.set_level(logging.ERROR, logger="desktop_app.crash")
    worker = threading.Thread(target=boom, name="poller-test")
    worker.start()
    worker.join()

    qtbot.waitUntil(lambda: bool(hooks.messages), timeout=3000)

    assert "Uncaught error in thread poller-test" in caplog.text and "in boom" in caplog.text
    assert "the drawer was empty" in window.status.currentMessage()


def test_uninstall_gives_the_hooks_back(window):
    before_sys, before_thread = sys.excepthook, threading.excepthook
    hooks = CrashHooks().install()
    assert (sys.excepthook, threading.excepthook) == (hooks.on_uncaught, hooks.on_thread_uncaught)
    hooks.uninstall()
    assert (sys.excepthook, threading.excepthook) == (before_sys, before_thread)
