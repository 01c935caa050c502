"""Composition root for the GUI: settings in, Qt application and main window out."""

from __future__ import annotations

import gc
import logging
import sys

from desktop_app import APP_ID, APP_NAME, __version__
from desktop_app.services.paths import AppPaths, DataFolderError
from desktop_app.services.settings import Settings

log = logging.getLogger(__name__)

EXIT_NO_BOOK = 3  # the consent book could not be opened (and was not restored)


def freeze_startup_heap() -> None:
    """Keep the garbage collector off what start-up loaded (Qt wrappers, detector, lexicon, SQLAlchemy).

    A full collection walks every tracked object and holds the GIL meanwhile: during a webhook burst
    one took 150 ms and the window froze with it. Frozen objects are never walked again, so later
    collections only see what came after. Call once the window is built.
    """
    gc.collect()
    gc.freeze()


def tell_data_folder_problem(problem: DataFolderError) -> None:
    """A plain message box before any window exists: which folder, why, and what to do."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationDisplayName(APP_NAME)
    box = QMessageBox(QMessageBox.Icon.Critical, "Consent Desk cannot start", "")
    box.setText(f"Consent Desk cannot write to its data folder: {problem.reason}.")
    box.setInformativeText(
        f"{problem.folder}\n\nNothing was changed. Make this folder writable, or start Consent Desk "
        "with --data-dir pointing to a folder you can write to."
    )
    box.exec()


def run_gui(paths: AppPaths, settings: Settings, *, force_demo: bool = False) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop_app.services.book_repair import open_or_offer_restore
    from desktop_app.services.qtbridge import RuntimeBridge
    from desktop_app.services.runtime import AppRuntime
    from desktop_app.services.ui_services import ui_services_for
    from desktop_app.ui.crash import install_excepthooks
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.restore_dialog import ask_restore, tell_problem

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_ID)
    log.info("Starting %s %s (data in %s)", APP_NAME, __version__, paths.data_dir)
    hooks = install_excepthooks()

    bridge = RuntimeBridge()
    try:
        runtime = open_or_offer_restore(
            lambda: AppRuntime(paths, settings, demo=force_demo, bridge=bridge),
            paths,
            ask=ask_restore,
            tell=tell_problem,
        )
    except OSError as exc:  # e.g. the demo's sub-folder, or the book file itself, is read-only
        log.error("Cannot open the consent book in %s: %s", paths.data_dir, exc)
        tell_data_folder_problem(DataFolderError(paths.data_dir, exc))
        return EXIT_NO_BOOK
    if runtime is None:
        return EXIT_NO_BOOK
    runtime.start()  # before the guard: start-up recovery may still write from this thread
    services = ui_services_for(runtime)  # from here on the UI thread may not write to the book
    window = MainWindow(services)
    hooks.show_in(window.show_problem)
    window.show()
    freeze_startup_heap()
    try:
        return app.exec()
    finally:
        hooks.uninstall()
        runtime.stop()
