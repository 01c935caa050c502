"""The smaller things issue 13 saw: title, banner, labels, contrast, dialog sizes, plain export errors."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from desktop_app import APP_NAME
from desktop_app.ui.consent_change_dialog import ConsentChangeDialog
from desktop_app.ui.conversation_delegate import row_colours
from desktop_app.ui.main_window import BOOK
from desktop_app.ui.palette import contrast_ratio
from tests.ui.conftest import settle


def test_the_window_title_names_the_app_once(window) -> None:
    title = window.windowTitle()
    # Qt adds "— <display name>" unless the title already ends with it: it must, to be said once.
    assert title.endswith(f"— {APP_NAME}") and title.count(APP_NAME) == 1
    assert "Demo" in title and window.services.shop.shop_name in title


def test_the_demo_banner_says_it_starts_afresh(window) -> None:
    texts = [label.text() for label in window.findChildren(QLabel) if "This is the demo" in label.text()]
    assert len(texts) == 1
    assert "starts afresh every time" in texts[0]


def test_categories_show_their_names_not_internal_ids(qtbot, window) -> None:
    dialog = window.open_settings(tab=3)
    shown = [dialog.categories.list.item(i).text() for i in range(dialog.categories.list.count())]
    assert "Order updates" in shown
    assert not any("_" in text or "(" in text for text in shown)
    dialog.reject()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_grey_time_on_an_amber_row_is_readable(qapp, scheme: str) -> None:
    palette = QPalette(qapp.palette())
    if scheme == "dark":
        for role, value in ((QPalette.ColorRole.Base, "#202124"), (QPalette.ColorRole.Window, "#2b2b2b")):
            palette.setColor(role, value)
        palette.setColor(QPalette.ColorRole.Text, "#e8eaed")
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, "#6b6b6b")
    for pending in (True, False):
        background, _text, muted = row_colours(palette, selected=False, pending=pending)
        assert contrast_ratio(muted, background) >= 4.5


def test_the_change_consent_dialog_shows_its_title_and_example_in_full(qtbot) -> None:
    dialog = ConsentChangeDialog("Ana Souza +1 555-010-1234", ["all", "marketing", "order_updates"])
    dialog.setObjectName("consentChangeDialog")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    metrics = dialog.fontMetrics()
    assert dialog.width() >= metrics.horizontalAdvance(dialog.windowTitle()) + 120  # room for the buttons
    placeholder = dialog.reason.placeholderText()
    assert dialog.reason.width() >= metrics.horizontalAdvance(placeholder) + 16
    dialog.grab().save("/tmp/h7-consent-change.png")


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "ro"
    target.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)]
    mounted = subprocess.run(mount, capture_output=True)
    if mounted.returncode != 0:  # where mounting is not allowed, a folder under a file fails the same way
        blocker = tmp_path / "a-file"
        blocker.write_text("x")
        yield blocker
        return
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_an_export_to_a_read_only_folder_is_said_plainly(qtbot, window, read_only_folder: Path) -> None:
    window.tabs.setCurrentIndex(BOOK)
    settle(qtbot, window)
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.close()
        else:
            QTimer.singleShot(20, read_and_close)

    QTimer.singleShot(20, read_and_close)
    window.book_view.export_to(read_only_folder / "consent.csv")
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert f"could not be saved in {read_only_folder}" in seen[0]
    assert "Errno" not in seen[0] and ".part" not in seen[0]


def test_times_under_a_bubble_are_readable(qapp) -> None:
    from desktop_app.ui.bubble_delegate import footer_colour
    from desktop_app.ui.palette import inbound_bubble, outbound_bubble

    palette = qapp.palette()
    for bubble in (inbound_bubble(palette), outbound_bubble(palette)):
        assert contrast_ratio(footer_colour(palette, bubble), bubble) >= 4.5


def test_the_verify_result_uses_glyphs_a_stock_linux_font_has(qtbot, window) -> None:
    from PySide6.QtGui import QFont, QRawFont

    dialog = window.open_settings(tab=5)
    dialog.data.verify()
    qtbot.waitUntil(lambda: "Checking" not in dialog.data.result.text(), timeout=5000)
    text = dialog.data.result.text()
    assert "History intact" in text
    stock = QRawFont.fromFont(QFont("DejaVu Sans"))  # what a stock Linux install has, without emoji fonts
    assert stock.isValid()
    missing = [ch for ch in text if ord(ch) > 127 and not stock.supportsCharacter(ord(ch))]
    assert missing == []
    dialog.reject()


def test_the_first_run_choice_says_the_demo_is_not_kept(qtbot) -> None:
    from desktop_app.ui.first_run import CHOICES

    demo = next(text for key, _title, text in CHOICES if key == "demo")
    assert "starts afresh each time" in demo
