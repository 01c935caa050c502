"""Renders the app's SVG icon to the PNG, .ico and .icns files the installers need (Qt, no Pillow)."""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "icons" / "app.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def write(image: QImage, path: Path, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), kind):
        raise SystemExit(f"error: Qt could not write {path} (is its {kind} image plugin installed?)")


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico_bytes(renderer: QSvgRenderer) -> bytes:
    """A Windows icon with one PNG-compressed image per size (Qt's writer stores only one size)."""
    images = [png_bytes(render(renderer, size)) for size in ICO_SIZES]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, data in zip(ICO_SIZES, images, strict=True):
        side = size % 256  # 0 means 256 in an icon directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return header + entries + b"".join(images)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="folder for consent-desk.{png,ico,icns}")
    args = parser.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication(["make_icons", "-platform", "offscreen"])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"error: {SOURCE} is not a valid SVG")
    write(render(renderer, 256), args.out / "consent-desk.png", "PNG")
    (args.out / "consent-desk.ico").write_bytes(ico_bytes(renderer))
    write(render(renderer, 512), args.out / "consent-desk.icns", "ICNS")
    del app
    print(f"icons written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
