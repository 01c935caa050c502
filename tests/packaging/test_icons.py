"""make_icons renders the app's SVG into the PNG, multi-size .ico and .icns the installers use."""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

from PySide6.QtGui import QImage, QImageReader

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_icons", REPO / "packaging" / "make_icons.py")
assert _spec and _spec.loader
make_icons = importlib.util.module_from_spec(_spec)
sys.modules["make_icons"] = make_icons
_spec.loader.exec_module(make_icons)


def test_icons_for_every_installer(qapp, tmp_path: Path) -> None:
    assert make_icons.main([str(tmp_path)]) == 0
    png = QImage(str(tmp_path / "consent-desk.png"))
    assert (png.width(), png.height()) == (256, 256)
    assert png.pixelColor(128, 128).alpha() == 255 and png.pixelColor(0, 0).alpha() == 0  # drawn, see-through
    assert (tmp_path / "consent-desk.icns").read_bytes()[:4] == b"icns"

    ico = (tmp_path / "consent-desk.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind, count) == (0, 1, len(make_icons.ICO_SIZES))
    sides = [ico[6 + 16 * i] or 256 for i in range(count)]
    assert sides == list(make_icons.ICO_SIZES)
    assert QImageReader(str(tmp_path / "consent-desk.ico")).imageCount() == count
