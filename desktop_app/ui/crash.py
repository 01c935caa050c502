"""Uncaught errors (in Qt slots or in any thread) are logged with their traceback and said in the window."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop_app.domain.records import BookError
from desktop_app.ui.ops import plain_failure

log = logging.getLogger("desktop_app.crash")

Listener = Callable[[str], None]


def crash_sentence(error: BaseException) -> str:
    """What the owner reads about an error nobody caught: what happened, that nothing is lost, what to do."""
    if isinstance(error, BookError | OSError):
        return f"{plain_failure(error)} The details are in the log file."
    return (
        f"Something went wrong ({type(error).__name__}: {error}). The details are in the log file and "
        "the consent book is safe; if it keeps happening, restart Consent Desk."
    )


class CrashHooks(QObject):
    """`sys.excepthook` and `threading.excepthook` while installed; the window hears a plain sentence.

    On Windows the app has no console, so an error that only printed a traceback would vanish.
    """

    _posted = Signal(str)  # from any thread; delivered on the UI thread (queued)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._listeners: list[Listener] = []
        self._previous_sys = sys.excepthook
        self._previous_thread = threading.excepthook
        self.messages: list[str] = []  # what the owner was told (kept for tests and the About box)
        self._posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def install(self) -> CrashHooks:
        self._previous_sys = sys.excepthook
        self._previous_thread = threading.excepthook
        sys.excepthook = self.on_uncaught
        threading.excepthook = self.on_thread_uncaught
        return self

    def uninstall(self) -> None:
        if sys.excepthook == self.on_uncaught:
            sys.excepthook = self._previous_sys
        if threading.excepthook == self.on_thread_uncaught:
            threading.excepthook = self._previous_thread

    def show_in(self, listener: Listener) -> None:
        """Where the sentence goes (the main window's status bar and toast)."""
        self._listeners.append(listener)

    def on_uncaught(
        self, kind: type[BaseException], error: BaseException, traceback: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_sys(kind, error, traceback)
            return
        log.error("Uncaught error", exc_info=(kind, error, traceback))
        self._posted.emit(crash_sentence(error))

    def on_thread_uncaught(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        log.error(
            "Uncaught error in thread %s", name, exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
        )
        self._posted.emit(crash_sentence(args.exc_value))

    @Slot(str)
    def _deliver(self, message: str) -> None:
        self.messages.append(message)
        for listener in list(self._listeners):
            listener(message)


def install_excepthooks() -> CrashHooks:
    """Install the hooks for the GUI's lifetime (call after QApplication exists)."""
    return CrashHooks().install()
