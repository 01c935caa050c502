"""Locates the read-only `resources/` folder in a checkout, an installed wheel or a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_dir() -> Path:
    """The folder holding lexicons, templates and icons (path lookup only, no reads)."""
    here = Path(__file__).resolve()
    candidates = [
        Path(getattr(sys, "_MEIPASS", "")) / "resources" if hasattr(sys, "_MEIPASS") else None,
        here.parents[2] / "resources",  # source checkout / editable install
        here.parents[1] / "_resources",  # installed wheel
    ]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir():
            return candidate
    raise FileNotFoundError("Consent Desk resources folder not found; the installation is incomplete")


def resource_path(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)
