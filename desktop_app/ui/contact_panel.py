"""The right pane: who the customer is, their consent per category with evidence, and the history."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.model import ALL, CategoryState, ConsentEventRecord
from desktop_app.domain.reach import what_may_be_sent
from desktop_app.ui.explain import category_name, source_words, state_symbol, state_words
from desktop_app.ui.timefmt import full_time


def history_line(event: ConsentEventRecord) -> str:
    action = "Opted out of" if event.action.value == "opt_out" else "Opted in to"
    who = (
        "you"
        if event.decided_by == "owner"
        else ("automatic mode" if event.decided_by.startswith("auto") else event.decided_by)
    )
    what = f"{action} {category_name(event.category).lower()}"
    if event.source.value == "reversal":
        # the ledger's note names row ids ("reverses ledger event 8 (detection 1)"): not for the owner
        undone = "opt-out" if event.action.value == "opt_in" else "opt-in"
        line = f"{full_time(event.occurred_at)} · {who.capitalize()} undid the {undone} above · {what}"
        if event.evidence_text:
            line += f"\n   (the request was “{event.evidence_text}”)"
        if event.confirmation_status:
            line += f"\n   Confirmation {event.confirmation_status}"
        return line
    line = f"{full_time(event.occurred_at)} · {what} · {source_words(event.source.value)}, decided by {who}"
    if event.evidence_text:
        line += f"\n   “{event.evidence_text}”"
    if event.note:
        line += f"\n   Note: {event.note}"
    if event.confirmation_status:
        line += f"\n   Confirmation {event.confirmation_status}"
    elif event.action.value == "opt_out" and event.source.value in ("keyword", "phrase", "button"):
        line += "\n   Confirmation not sent yet"  # e.g. held for the undo window, or no sender connected
    return line


class ContactPanel(QWidget):
    change_requested = Signal(str)  # contact key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._contact_key: str | None = None
        self.name = QLabel("")
        font = self.name.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.name.setFont(font)
        self.number = QLabel("")
        self.number.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.consent_box = QGroupBox("Consent")
        self.consent_form = QFormLayout(self.consent_box)
        self.reach_line = QLabel("")
        self.history_box = QGroupBox("History")
        self.history = QListWidget()
        self.history.setAccessibleName("Consent history")
        self.history.setWordWrap(True)
        self.history.setAlternatingRowColors(True)
        history_layout = QVBoxLayout(self.history_box)
        history_layout.addWidget(self.history)

        self.change_button = QPushButton("Change consent…")
        self.change_button.setAccessibleName("Change consent")
        self.change_button.setToolTip("Record an opt-out or opt-in yourself, with a reason")
        self.change_button.clicked.connect(self._request_change)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.name)
        layout.addWidget(self.number)
        layout.addWidget(self.consent_box)
        layout.addWidget(self.history_box, 1)
        layout.addWidget(self.change_button)
        self.show_contact(None, "", [], [])

    @property
    def contact_key(self) -> str | None:
        return self._contact_key

    def show_contact(
        self,
        contact_key: str | None,
        title: str,
        states: list[CategoryState],
        history: list[ConsentEventRecord],
        number: str = "",
    ) -> None:
        self._contact_key = contact_key
        self.name.setText(title)
        self.number.setText(number if number != title else "")
        while self.consent_form.rowCount():
            self.consent_form.removeRow(0)
        evidence = {event.id: event for event in history}
        by_category = {state.category: state for state in states}
        reach = what_may_be_sent(
            by_category, [s.category for s in states], name=category_name, when=full_time
        )
        self.reach_line = QLabel(reach.sentence)  # the form's first row, rebuilt with the others
        self.reach_line.setObjectName("contactReach")
        self.reach_line.setWordWrap(True)
        self.reach_line.setAccessibleName("What may be sent")
        bold = self.reach_line.font()
        bold.setBold(True)
        self.reach_line.setFont(bold)
        self.consent_form.addRow(self.reach_line)
        for state in states:
            if reach.everything_stopped and state.category != ALL and state.state != "opted_out":
                # "No choice recorded" beside "All messages: opted out" would contradict it
                words = "Stopped with all messages"
                label = QLabel(f"{state_symbol('opted_out')} {words}")
                label.setObjectName(f"consent_{state.category}")
                label.setAccessibleName(f"{category_name(state.category)}: {words}")
                label.setWordWrap(True)
                self.consent_form.addRow(category_name(state.category), label)
                continue
            label = QLabel(f"{state_symbol(state.state)} {state_words(state.state)}")
            label.setObjectName(f"consent_{state.category}")
            label.setAccessibleName(f"{category_name(state.category)}: {state_words(state.state)}")
            detail = []
            if state.since is not None:
                detail.append(f"since {full_time(state.since)}")
            if state.source:
                detail.append(source_words(state.source))
            event = evidence.get(state.event_id or -1)
            if event is not None and event.evidence_text:
                detail.append(f"“{event.evidence_text}”")
            if detail:
                label.setText(label.text() + "\n" + " · ".join(detail))
            label.setWordWrap(True)
            self.consent_form.addRow(category_name(state.category), label)
        self.history.clear()
        for event in reversed(history):
            QListWidgetItem(history_line(event), self.history)
        if contact_key is not None and not history:
            QListWidgetItem("No consent changes recorded yet.", self.history)
        self.change_button.setEnabled(contact_key is not None)
        self.consent_box.setVisible(contact_key is not None)
        self.history_box.setVisible(contact_key is not None)

    def _request_change(self) -> None:
        if self._contact_key is not None:
            self.change_requested.emit(self._contact_key)
