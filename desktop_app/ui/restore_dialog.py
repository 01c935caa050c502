"""The plain dialog shown when the consent book cannot be opened: restore the newest good backup, or quit."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def restore_box(message: str, backup_label: str | None, parent: QWidget | None = None) -> QMessageBox:
    """A question box with "Restore from backup of <date>" (when a good backup exists) and "Quit"."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("The consent book is damaged")
    box.setText("The consent book could not be opened.")
    details = message
    if backup_label is not None:
        details += (
            f"\n\nRestoring puts the backup of {backup_label} in its place. The damaged file is kept "
            "beside it, renamed; nothing is deleted."
        )
    box.setInformativeText(details)
    if backup_label is not None:
        restore = box.addButton(f"Restore from backup of {backup_label}", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(restore)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    return box


def ask_restore(message: str, backup_label: str | None) -> bool:
    """Show the box (modal); True when the owner chose to restore."""
    box = restore_box(message, backup_label)
    box.exec()
    clicked = box.clickedButton()
    return clicked is not None and box.buttonRole(clicked) == QMessageBox.ButtonRole.AcceptRole


def tell_problem(message: str) -> None:
    QMessageBox.critical(None, "Consent Desk cannot start", message)
