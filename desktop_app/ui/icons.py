"""The app's SVG icons from resources/icons, cached per name."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from desktop_app.domain.resources import resource_path


@cache
def icon(name: str) -> QIcon:
    """The icon `resources/icons/<name>.svg`; a null icon if the file is missing."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()
