"""Colours derived from the system palette, so light and dark themes both stay readable."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

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


class _TintFollower(QObject):
    """Re-tints one widget whenever the palette changes (e.g. the system switches to dark)."""

    def __init__(self, widget: QWidget, role: QPalette.ColorRole, tint: Callable[[QPalette], QColor]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._role = role
        self._tint = tint
        self._busy = False
        widget.installEventFilter(self)
        self.apply()

    def apply(self) -> None:
        self._busy = True  # setPalette sends PaletteChange again
        try:
            palette = self._widget.palette()
            palette.setColor(self._role, self._tint(QApplication.palette(self._widget)))
            self._widget.setPalette(palette)
        finally:
            self._busy = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.PaletteChange and not self._busy:
            self.apply()
        return False


def follow_tint(
    widget: QWidget, tint: Callable[[QPalette], QColor], role: QPalette.ColorRole = QPalette.ColorRole.Window
) -> None:
    """Fill `widget` with a colour derived from the current palette, now and after theme changes."""
    widget.setAutoFillBackground(True)
    _TintFollower(widget, role, tint)


def _luminance(colour: QColor) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green()) + 0.0722 * channel(colour.blue())


def contrast_ratio(first: QColor, second: QColor) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_muted(muted: QColor, strong: QColor, background: QColor, minimum: float = 4.5) -> QColor:
    """`muted` if it reads on `background` (WCAG AA), else moved toward `strong` until it does."""
    for step in range(11):
        candidate = blend(muted, strong, step / 10)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return strong
