"""Settings → "Messages to customers": each chat journey on or off, its texts per language, a live preview."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.journeys import OutgoingMessage
from desktop_app.services.journey_texts import JourneyTexts
from desktop_app.services.settings import Settings
from desktop_app.ui.explain import language_name
from desktop_app.ui.journey_bubble import journey_html
from desktop_app.ui.palette import follow_tint, outbound_bubble

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
KEY_LABELS = {
    "transparency": "Note",
    "scope_question": "Question",
    "button_scope_all": "First button",
    "button_scope_marketing": "Second button",
    "preferences_body": "Menu text",
    "preferences_button": "Menu button",
    "reminder_footer": "Reminder line",
}
Builder = Callable[[JourneyTexts, str, str, Sequence[str], dict[str, dict[str, str]]], OutgoingMessage]


@dataclass(frozen=True)
class Journey:
    field: str  # the Settings flag
    title: str
    switch: str
    explanation: str
    keys: tuple[str, ...]
    build: Builder


JOURNEYS = (
    Journey(
        "journey_transparency",
        "First-contact note",
        "Send a short note the first time a new customer writes",
        "It says what you send and how to stop it, once per customer.",
        ("transparency",),
        lambda t, lang, shop, cats, o: t.transparency(lang, shop, cats, overrides=o),
    ),
    Journey(
        "journey_scope_buttons",
        "Ask what to stop",
        "When a customer stops everything, ask: everything or only offers?",
        "Two buttons under the confirmation; if the customer does not tap, everything stays stopped.",
        ("scope_question", "button_scope_all", "button_scope_marketing"),
        lambda t, lang, shop, cats, o: t.scope_question(lang, shop, overrides=o),
    ),
    Journey(
        "journey_preferences",
        "Preferences menu",
        "Answer PREFERENCES with a menu of what the customer gets",
        "One line per category; the customer taps a line to switch it.",
        ("preferences_body", "preferences_button"),
        lambda t, lang, shop, cats, o: t.preferences_menu(
            lang, shop, cats, {c: True for c in cats}, overrides=o
        ),
    ),
    Journey(
        "journey_reminders",
        "Offer reminder",
        "Add a one-line “how to stop offers” under promotional replies",
        "Only on offers, never on order updates.",
        ("reminder_footer",),
        lambda t, lang, shop, cats, o: OutgoingMessage(
            body="20% off this weekend!", footer=t.reminder_footer(lang, o)
        ),
    ),
)


class JourneyPreview(QLabel):
    """A WhatsApp-like bubble: the message exactly as the customer sees it."""

    MAX_WIDTH = 420

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.setMargin(10)
        follow_tint(self, outbound_bubble)

    def show_message(self, message: OutgoingMessage, right_to_left: bool) -> None:
        self.message = message
        self.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if right_to_left else Qt.LayoutDirection.LeftToRight
        )
        body = journey_html(message)
        self.setText(f'<div dir="rtl">{body}</div>' if right_to_left else body)
        self._fit()

    def _fit(self) -> None:
        # A word-wrapped rich-text label gets a height for some other width and clips; lay it out ourselves.
        doc = QTextDocument()
        doc.setDefaultFont(self.font())
        doc.setHtml(self.text())
        doc.setTextWidth(self.MAX_WIDTH - 2 * self.margin())
        width = min(self.MAX_WIDTH - 2 * self.margin(), int(doc.idealWidth()) + 2)
        doc.setTextWidth(width)
        self.setFixedSize(width + 2 * self.margin() + 4, int(doc.size().height()) + 2 * self.margin() + 4)


class JourneysTab(QWidget):
    def __init__(self, settings: Settings, categories: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.texts = JourneyTexts.load_default()
        self.shop_name = settings.shop_name
        self.categories = [c for c in categories if c != "all"] or ["marketing"]
        self.templates = {lang: dict(keys) for lang, keys in settings.journey_templates.items()}
        self.keywords_list = list(settings.preferences_keywords)
        self.language = QComboBox()
        self.language.setAccessibleName("Language of the messages")
        for code in self.texts.languages:
            self.language.addItem(language_name(code), code)
        self.language.setCurrentIndex(max(self.language.findData("en"), 0))
        self.language.currentIndexChanged.connect(self._load)
        self.switches: dict[str, QCheckBox] = {}
        self.fields: dict[str, QLineEdit] = {}
        self.previews: dict[str, JourneyPreview] = {}
        inner = QWidget()
        column = QVBoxLayout(inner)
        top = QHBoxLayout()
        top.addWidget(QLabel("Language"))
        top.addWidget(self.language, 1)
        column.addLayout(top)
        for journey in JOURNEYS:
            column.addWidget(self._section(journey, settings))
        column.addWidget(self._page_section(settings))
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self._load()

    def _section(self, journey: Journey, settings: Settings) -> QGroupBox:
        box = QGroupBox(journey.title)
        layout = QVBoxLayout(box)
        switch = QCheckBox(journey.switch)
        switch.setChecked(bool(getattr(settings, journey.field)))
        self.switches[journey.field] = switch
        explanation = QLabel(journey.explanation)
        explanation.setWordWrap(True)
        layout.addWidget(switch)
        layout.addWidget(explanation)
        form = QFormLayout()
        for key in journey.keys:
            edit = QLineEdit()
            edit.setObjectName(f"journeyText_{key}")
            edit.setAccessibleName(KEY_LABELS.get(key, key))
            edit.textEdited.connect(lambda _text, k=key: self._edited(k))
            reset = QPushButton("Reset to default")
            reset.clicked.connect(lambda _checked=False, k=key: self.reset(k))
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(reset)
            form.addRow(KEY_LABELS.get(key, key), row)
            self.fields[key] = edit
        layout.addLayout(form)
        if journey.field == "journey_preferences":
            self.keywords = QLineEdit(", ".join(self.keywords_list))
            self.keywords.setObjectName("preferencesKeywords")
            self.keywords.setPlaceholderText("Your own words, separated by commas (e.g. MENU, OPTIONS)")
            form.addRow("Extra words", self.keywords)
        preview = JourneyPreview()
        preview.setObjectName(f"journeyPreview_{journey.field}")
        self.previews[journey.field] = preview
        layout.addWidget(preview, 0, Qt.AlignmentFlag.AlignRight)
        return box

    def _page_section(self, settings: Settings) -> QGroupBox:
        box = QGroupBox("Preferences page link")
        layout = QVBoxLayout(box)
        switch = QCheckBox("Offer customers a web page where they choose what they get")
        switch.setChecked(settings.journey_page)
        self.switches["journey_page"] = switch
        known = settings.public_url.strip()
        where = (
            f"Your public address: {known}" if known else "No public address is set yet, so no link is sent."
        )
        note = QLabel(f"The page needs an address the internet can reach. {where}")
        note.setObjectName("journeyPageAddress")
        note.setWordWrap(True)
        layout.addWidget(switch)
        layout.addWidget(note)
        return box

    @property
    def current_language(self) -> str:
        return str(self.language.currentData() or "en")

    def _load(self) -> None:
        lang = self.current_language
        for key, edit in self.fields.items():
            edit.setPlaceholderText(self.texts.default_text(lang, key))
            edit.setText(self.templates.get(lang, {}).get(key, ""))
        self._render()

    def _edited(self, key: str) -> None:
        lang = self.current_language
        text = self.fields[key].text().strip()
        overrides = self.templates.setdefault(lang, {})
        if text and text != self.texts.default_text(lang, key):
            overrides[key] = text
        else:
            overrides.pop(key, None)
        if not overrides:
            self.templates.pop(lang, None)
        self._render()

    def reset(self, key: str) -> None:
        self.fields[key].setText("")
        self._edited(key)

    def _render(self) -> None:
        lang = self.current_language
        for journey in JOURNEYS:
            message = journey.build(self.texts, lang, self.shop_name, self.categories, self.templates)
            self.previews[journey.field].show_message(message, lang in RTL_LANGUAGES)

    def apply(self, settings: Settings) -> None:
        for field, switch in self.switches.items():
            setattr(settings, field, switch.isChecked())
        settings.journey_templates = {lang: dict(keys) for lang, keys in self.templates.items() if keys}
        words = [w.strip() for w in self.keywords.text().split(",")]
        settings.preferences_keywords = [w for w in words if w]
