"""Settings → Confirmation messages: the preview bubble shows exactly what is sent, unclipped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt

from tests.ui.conftest import settle

ANA = "15550101234"


def confirm_opt_out(qtbot, window, runtime, customers, text: str) -> str:
    """What the sender really sends for a clear opt-out (automatic mode: no undo hold before it leaves)."""
    runtime.settings.auto_mode = True
    customers.say(ANA, "Ana Souza", text)
    qtbot.waitUntil(lambda: len(runtime.sender.sent) == 1, timeout=5000)
    return runtime.sender.sent[0][1]


@pytest.mark.parametrize("shop_name", ["", "Rosa's Bakery"])
def test_the_preview_is_the_confirmation_that_is_sent(qtbot, window, runtime, customers, shop_name):
    runtime.settings.shop_name = shop_name  # the demo window is titled Rosa's Bakery either way
    dialog = window.open_settings(tab=2)
    preview = dialog.confirmations.preview.text()
    dialog.reject()
    sent = confirm_opt_out(qtbot, window, runtime, customers, "STOP")
    assert preview == sent
    assert ("Rosa's Bakery" in sent) is bool(shop_name)


def test_a_custom_text_without_a_shop_name_previews_what_is_really_sent(qtbot, window, runtime, customers):
    dialog = window.open_settings(tab=2)
    tab = dialog.confirmations
    tab.text.setPlainText("Done, {shop} will not write again.")  # no shop name saved: the sender skips it
    preview = tab.preview.text()
    dialog.reject()
    runtime.settings.confirmation_templates = dict(tab.templates)
    assert confirm_opt_out(qtbot, window, runtime, customers, "STOP") == preview
    assert "{shop}" not in preview


def test_the_bubble_fits_its_text(qtbot, window):
    dialog = window.open_settings(tab=2)
    dialog.show()
    settle(qtbot, window)
    tab = dialog.confirmations
    bubble = tab.preview
    for text in ("OK", "A much longer confirmation text. " * 6):
        tab.text.setPlainText(text)
        qtbot.waitUntil(bubble.isVisible)
        pad = bubble.margin()
        inner = bubble.contentsRect().adjusted(pad, pad, -pad, -pad)
        needed = bubble.fontMetrics().boundingRect(
            QRect(0, 0, inner.width(), 100_000), int(Qt.TextFlag.TextWordWrap), bubble.text()
        )
        assert needed.height() <= inner.height()  # nothing clipped top or bottom
        assert needed.width() <= inner.width()
        assert bubble.height() - needed.height() <= 2 * bubble.margin() + 8  # sized to it, not stretched
        qtbot.waitUntil(lambda: tab.rect().contains(bubble.geometry()))  # laid out inside the tab
    dialog.grab().save("/tmp/h7-settings-preview.png")
    dialog.reject()
