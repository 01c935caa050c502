"""Colours derived from the system palette, so light and dark themes both stay readable."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

# Hues, not finished colours: each is blended into the palette's own base colour.
AMBER = QColor(255, 176, 0)
GREEN = QColor(46, 160, 67)
RED = QColor(215, 58, 73)


def blend(base: QColor, tint: QColor, amount: float) -> QColor:
    """`amount` of `tint` over `base` (0 = base, 1 = tint)."""
    keep = 1.0 - amount
    return QColor(
        round(base.red() * keep + tint.red() * amount),
        round(base.green() * keep + tint.green() * amount),
        round(base.blue() * keep + tint.blue() * amount),
    )


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def review_tint(palette: QPalette) -> QColor:
    """The amber wash behind a conversation waiting for review."""
    return blend(palette.color(QPalette.ColorRole.Base), AMBER, 0.30 if is_dark(palette) else 0.22)


def trigger_highlight(palette: QPalette) -> QColor:
    """The marker behind the words that triggered a detection."""
    return blend(palette.color(QPalette.ColorRole.Base), AMBER, 0.55 if is_dark(palette) else 0.45)


def inbound_bubble(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.AlternateBase)


def outbound_bubble(palette: QPalette) -> QColor:
    return blend(palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Highlight), 0.22)


def banner_background(palette: QPalette) -> QColor:
    return blend(palette.color(QPalette.ColorRole.Window), AMBER, 0.25 if is_dark(palette) else 0.18)


def good_tint(palette: QPalette) -> QColor:
    return blend(palette.color(QPalette.ColorRole.Window), GREEN, 0.22)


def bad_tint(palette: QPalette) -> QColor:
    return blend(palette.color(QPalette.ColorRole.Window), RED, 0.22)
