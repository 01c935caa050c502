"""Settings: connection, automatic mode, confirmation messages, categories, keywords, data, advanced."""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QEvent, QRect, QRegularExpression, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.services.consent_book import ConsentBookService, VerifyReport
from desktop_app.services.secrets import SecretStoreUnavailableError
from desktop_app.services.settings import Settings
from desktop_app.services.shop_settings import ShopSettingsService
from desktop_app.services.ui_services import UiServices
from desktop_app.ui.explain import category_name, language_name
from desktop_app.ui.ops import Ops, plain_failure
from desktop_app.ui.palette import follow_tint, outbound_bubble
from desktop_app.ui.settings_connection import ConnectionTab
from desktop_app.ui.settings_journeys import JourneysTab

AUTO_EXPLANATION = (
    "When this is on, Consent Desk handles the clearest requests without asking you: a customer who "
    "writes only “STOP”, taps the Stop promotions button, or uses WhatsApp's own Stop option. "
    "It records the choice in the consent book and sends the customer one short confirmation in "
    "their language. Anything less certain still waits in Review. Everything done automatically "
    "is listed under “Applied automatically”, where you can reverse it."
)


class AutomaticTab(QWidget):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox("Handle clear opt-out and opt-in requests automatically")
        self.enabled.setObjectName("autoMode")
        self.enabled.setChecked(settings.auto_mode)
        explanation = QLabel(AUTO_EXPLANATION)
        explanation.setWordWrap(True)
        self.threshold = QDoubleSpinBox()
        self.threshold.setObjectName("autoThreshold")
        self.threshold.setAccessibleName("Minimum confidence")
        self.threshold.setRange(80.0, 100.0)
        self.threshold.setSingleStep(1.0)
        self.threshold.setDecimals(0)
        self.threshold.setSuffix(" %")
        self.threshold.setValue(settings.auto_threshold * 100)
        self.threshold.setToolTip(
            "Only requests the detector is at least this sure about are applied without you"
        )
        self.confirmations = QCheckBox("Send the customer a confirmation message")
        self.confirmations.setChecked(settings.send_confirmations)
        form = QFormLayout()
        form.addRow("Minimum confidence", self.threshold)
        layout = QVBoxLayout(self)
        layout.addWidget(self.enabled)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(self.confirmations)
        layout.addStretch(1)

    def apply(self, settings: Settings) -> None:
        settings.auto_mode = self.enabled.isChecked()
        settings.auto_threshold = round(self.threshold.value() / 100, 2)
        settings.send_confirmations = self.confirmations.isChecked()


class PreviewBubble(QLabel):
    """An outgoing-message bubble sized to its text: as wide as it needs up to a cap, never clipped."""

    MAX_WIDTH = 420
    PADDING = 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setMargin(self.PADDING)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        follow_tint(self, outbound_bubble)

    def show_text(self, text: str) -> None:
        self.setText(text)
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def _fit(self) -> None:
        # A word-wrapped label in a layout gets a height for some other width and clips; fix both.
        inner = self.MAX_WIDTH - 2 * self.PADDING
        metrics = self.fontMetrics()
        flags = int(Qt.TextFlag.TextWordWrap)
        bounds = metrics.boundingRect(QRect(0, 0, inner, 100_000), flags, self.text())
        text_width = min(bounds.width(), inner) + 2  # a pixel of slack each side against rounding
        height = metrics.boundingRect(QRect(0, 0, text_width, 100_000), flags, self.text()).height()
        self.setFixedSize(text_width + 2 * self.PADDING, height + 2 * self.PADDING + 2)


class ConfirmationsTab(QWidget):
    def __init__(
        self, settings: Settings, shop: ShopSettingsService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.shop = shop
        self.templates = dict(settings.confirmation_templates)
        self.language = QComboBox()
        self.language.setAccessibleName("Language")
        for code in shop.confirmation_languages():
            self.language.addItem(language_name(code), code)
        self.language.setCurrentIndex(max(self.language.findData("en"), 0))
        self.text = QPlainTextEdit()
        self.text.setObjectName("confirmationText")
        self.text.setAccessibleName("Confirmation message")
        self.preview = PreviewBubble()
        self.preview.setObjectName("confirmationPreview")
        self.preview.setAccessibleName("Preview of the confirmation the customer receives")
        reset = QPushButton("Use the standard text")
        reset.clicked.connect(self._reset)
        note = QLabel(
            "The confirmation never contains offers. {shop} is replaced by your shop's name; "
            "the preview shows exactly what the customer receives."
        )
        note.setWordWrap(True)
        self._current = str(self.language.currentData() or "")
        self.language.currentIndexChanged.connect(self._language_changed)
        self.text.textChanged.connect(self._text_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.language)
        layout.addWidget(self.text)
        layout.addWidget(reset, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(note)
        layout.addWidget(QLabel("Preview"))
        layout.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        self._load()

    def _load(self) -> None:
        code = self._current
        self.text.blockSignals(True)
        self.text.setPlainText(self.templates.get(code) or self.shop.default_confirmation(code))
        self.text.blockSignals(False)
        self._render()

    def _language_changed(self) -> None:
        self._current = str(self.language.currentData() or "")
        self._load()

    def _text_changed(self) -> None:
        text = self.text.toPlainText().strip()
        if text and text != self.shop.default_confirmation(self._current):
            self.templates[self._current] = text
        else:
            self.templates.pop(self._current, None)
        self._render()

    def _reset(self) -> None:
        self.templates.pop(self._current, None)
        self._load()

    def _render(self) -> None:
        self.preview.show_text(self.shop.confirmation_preview(self._current, self.templates))

    def apply(self, settings: Settings) -> None:
        settings.confirmation_templates = dict(self.templates)


class CategoriesTab(QWidget):
    def __init__(self, shop: ShopSettingsService, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.ops = ops
        self.list = QListWidget()
        self.list.setAccessibleName("Categories")
        self.name = QLineEdit()
        self.name.setAccessibleName("New category")
        self.name.setPlaceholderText("e.g. Appointment reminders")
        add = QPushButton("Add category")
        add.clicked.connect(self.add)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.name, 1)
        row.addWidget(add)
        explanation = QLabel(
            "Kinds of messages a customer can say yes or no to separately. “All messages” covers everything; "
            "“Marketing” covers offers and announcements."
        )
        explanation.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self._fill()

    def _fill(self) -> None:
        self.list.clear()
        for category in self.shop.categories():
            self.list.addItem(category_name(category))

    def add(self) -> None:
        """A write to the book: on the book writer; the list updates when it is stored."""
        name, shop = self.name.text(), self.shop
        self.ops.run_write(lambda: shop.add_category(name), self._added, self._refused)

    def _added(self, _none: None) -> None:
        self.message.setText("Category added.")
        self.name.clear()
        self._fill()

    def _refused(self, error: BaseException) -> None:
        self.message.setText(f"⚠ {plain_failure(error)}")


class KeywordsTab(QWidget):
    def __init__(self, settings: Settings, shop: ShopSettingsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.additions: dict[str, dict[str, list[str]]] = copy.deepcopy(settings.lexicon_additions)
        self.removals: dict[str, dict[str, list[str]]] = copy.deepcopy(settings.lexicon_removals)
        self.language = QComboBox()
        self.language.setObjectName("keywordLanguage")
        self.language.setAccessibleName("Language")
        for code in shop.lexicon_languages():
            self.language.addItem(language_name(code), code)
        self.language.setCurrentIndex(max(self.language.findData("en"), 0))
        self.language.currentIndexChanged.connect(lambda _i: self._fill())
        self.lists: dict[str, QListWidget] = {}
        self.inputs: dict[str, QLineEdit] = {}
        columns = QHBoxLayout()
        for kind, title in (
            ("opt_out", "Words that mean “stop”"),
            ("opt_in", "Words that mean “start again”"),
        ):
            box = QVBoxLayout()
            box.addWidget(QLabel(title))
            words = QListWidget()
            words.setObjectName(f"keywords_{kind}")
            words.setAccessibleName(title)
            self.lists[kind] = words
            box.addWidget(words, 1)
            entry = QLineEdit()
            entry.setObjectName(f"newKeyword_{kind}")
            entry.setAccessibleName(f"New word for: {title}")
            entry.setPlaceholderText("Add a word or short phrase")
            entry.returnPressed.connect(lambda kind=kind: self.add_word(kind))
            self.inputs[kind] = entry
            add = QPushButton("Add")
            add.clicked.connect(lambda _c=False, kind=kind: self.add_word(kind))
            remove = QPushButton("Remove selected")
            remove.clicked.connect(lambda _c=False, kind=kind: self.remove_selected(kind))
            row = QHBoxLayout()
            row.addWidget(entry, 1)
            row.addWidget(add)
            box.addLayout(row)
            box.addWidget(remove)
            columns.addLayout(box)
        self.test_box = QLineEdit()
        self.test_box.setObjectName("keywordTest")
        self.test_box.setAccessibleName("Try a sentence")
        self.test_box.setPlaceholderText("Try a sentence, e.g. “please no more offers”")
        self.test_box.textChanged.connect(self._test)
        self.test_result = QLabel("")
        self.test_result.setObjectName("keywordTestResult")
        self.test_result.setWordWrap(True)
        self.test_result.setMinimumHeight(self.test_result.fontMetrics().height() * 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.language)
        layout.addLayout(columns, 1)
        layout.addWidget(QLabel("What the detector says (with your changes):"))
        layout.addWidget(self.test_box)
        layout.addWidget(self.test_result)
        self._fill()

    def _lang(self) -> str:
        return str(self.language.currentData() or "en")

    def _fill(self) -> None:
        for kind, widget in self.lists.items():
            widget.clear()
            widget.addItems(list(self.shop.keywords(self._lang(), kind, self.additions, self.removals)))
        self._test()

    def add_word(self, kind: str) -> None:
        word = self.inputs[kind].text().strip()
        if not word:
            return
        lang = self._lang()
        removed = self.removals.get(lang, {}).get(kind, [])
        if word.casefold() in (w.casefold() for w in removed):
            self.removals[lang][kind] = [w for w in removed if w.casefold() != word.casefold()]
        added = self.additions.setdefault(lang, {}).setdefault(kind, [])
        if word not in added:
            added.append(word)
        self.inputs[kind].clear()
        self._fill()

    def remove_selected(self, kind: str) -> None:
        lang = self._lang()
        for item in self.lists[kind].selectedItems():
            word = item.text()
            added = self.additions.get(lang, {}).get(kind, [])
            if word in added:
                added.remove(word)
            else:
                self.removals.setdefault(lang, {}).setdefault(kind, []).append(word)
        self._fill()

    def _test(self) -> None:
        text = self.test_box.text().strip()
        if not text:
            self.test_result.setText("")
            return
        verdict = self.shop.preview_verdict(text, self.additions, self.removals)
        if not verdict.is_request:
            self.test_result.setText("Not a request: this message would be left alone.")
            return
        what = "an opt-out request" if verdict.kind.value == "opt_out" else "an opt-in request"
        scope = "everything" if verdict.scope in (None, "all") else category_name(verdict.scope).lower()
        handled = "clear enough for automatic mode" if verdict.auto else "would wait for your review"
        self.test_result.setText(
            f"{what.capitalize()} ({scope}), confidence {verdict.confidence:.0%} — {handled}. "
            f"{verdict.explanation}"
        )

    def apply(self, settings: Settings) -> None:
        settings.lexicon_additions = {
            lang: {k: v for k, v in lists.items() if v}
            for lang, lists in self.additions.items()
            if any(lists.values())
        }
        settings.lexicon_removals = {
            lang: {k: v for k, v in lists.items() if v}
            for lang, lists in self.removals.items()
            if any(lists.values())
        }


class DataTab(QWidget):
    """Where the consent book lives, a backup on demand, and the integrity check."""

    def __init__(self, consent_book: ConsentBookService, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.consent_book = consent_book
        self.ops = ops
        book_path, backups = consent_book.data_locations()
        where = QLabel(
            f"<b>Consent book</b><br>{book_path}<br><br><b>Backups</b><br>"
            + (str(backups) if backups else "No backup folder (the demo keeps none).")
            + "<br><br>A backup is made automatically once a day and before every upgrade."
        )
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.backup_button = QPushButton("Back up now")
        self.backup_button.setAccessibleName("Back up the consent book now")
        self.backup_button.clicked.connect(self.backup)
        self.verify_button = QPushButton("Verify history")
        self.verify_button.setAccessibleName("Verify the consent history is intact")
        self.verify_button.clicked.connect(self.verify)
        self.result = QLabel("")
        self.result.setObjectName("dataResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.verify_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)

    def backup(self) -> None:
        """A copy of the book (reads it; the disk work runs off the UI thread)."""
        self.result.setText("Backing up…")
        self.ops.run_read(self.consent_book.backup_now, self._backed_up, self._backup_failed)

    def _backed_up(self, path: Path) -> None:
        self.result.setText(f"✓ Backed up to {path}")

    def _backup_failed(self, error: BaseException) -> None:  # said plainly; nothing is lost by a failed copy
        self.result.setText(f"⚠ The backup was not made: {plain_failure(error)}")

    def verify(self) -> None:
        self.result.setText("Checking the history…")
        self.ops.run_read(self.consent_book.verify, self._verified, self._backup_failed)

    def _verified(self, report: VerifyReport) -> None:
        self.result.setText(("✓ " if report.ok else "⚠ ") + report.message)


API_VERSION = QRegularExpression(r"^v\d{1,3}\.\d{1,2}$")
HOST_NAME = QRegularExpression(r"^[A-Za-z0-9]([A-Za-z0-9.:-]{0,252}[A-Za-z0-9])?$")


class AdvancedTab(QWidget):
    """The technical settings, kept here so the other tabs speak the shop's language."""

    def __init__(
        self,
        settings: Settings,
        shop: ShopSettingsService,
        connection: ConnectionTab,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.host = QLineEdit(settings.webhook_host)
        self.host.setObjectName("webhookHost")
        self.host.setAccessibleName("Webhook address to listen on")
        self.host.setToolTip("127.0.0.1 keeps the webhook reachable only through the tunnel (recommended)")
        self.host.setValidator(QRegularExpressionValidator(HOST_NAME, self.host))
        # The port spin box stays the Connection tab's (its tunnel uses it); only its row moves here.
        self.port = connection.port
        webhook_form = connection.webhook_box.layout()
        if isinstance(webhook_form, QFormLayout):
            taken = webhook_form.takeRow(self.port)
            label = taken.labelItem.widget() if taken.labelItem is not None else None
            if label is not None:
                label.setParent(None)  # gone from the Connection tab now, not at the next event loop
                label.deleteLater()
        self.api_version = QLineEdit(settings.meta_api_version)
        self.api_version.setObjectName("graphApiVersion")
        self.api_version.setAccessibleName("Meta Graph API version")
        self.api_version.setToolTip("Like v24.0; change it only when Meta retires the version in use")
        self.api_version.setValidator(QRegularExpressionValidator(API_VERSION, self.api_version))
        self.log_folder = QLabel(str(shop.log_folder))
        self.log_folder.setObjectName("logFolder")
        self.log_folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_folder.setWordWrap(True)
        open_logs = QPushButton("Open log folder")
        open_logs.setAccessibleName("Open the folder with the log files")
        open_logs.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(shop.log_folder)))
        )
        self.debug = QCheckBox("Detailed logging (for a support request; the log grows faster)")
        self.debug.setObjectName("debugLogging")
        self.debug.setChecked(settings.debug_logging)
        self.problem = QLabel("")
        self.problem.setObjectName("advancedProblem")
        self.problem.setWordWrap(True)
        for field in (self.host, self.api_version):
            field.textChanged.connect(self._check)
        webhook = QGroupBox("Webhook (Meta calls the app here, through the tunnel)")
        form = QFormLayout(webhook)
        form.addRow("Listen on address", self.host)
        form.addRow("Local port", self.port)
        meta = QGroupBox("Meta Cloud API")
        meta_form = QFormLayout(meta)
        meta_form.addRow("Graph API version", self.api_version)
        logs = QGroupBox("Logs")
        logs_layout = QVBoxLayout(logs)
        logs_layout.addWidget(self.log_folder)
        logs_layout.addWidget(open_logs, 0, Qt.AlignmentFlag.AlignLeft)
        logs_layout.addWidget(self.debug)
        layout = QVBoxLayout(self)
        layout.addWidget(webhook)
        layout.addWidget(meta)
        layout.addWidget(logs)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self._check()

    def problems(self) -> list[str]:
        found = []
        if not self.host.hasAcceptableInput():
            found.append("The webhook address must be an address like 127.0.0.1 or a host name.")
        if not self.api_version.hasAcceptableInput():
            found.append("The Graph API version looks like v24.0.")
        return found

    def _check(self) -> None:
        self.problem.setText(" ".join(f"⚠ {p}" for p in self.problems()))

    def apply(self, settings: Settings) -> None:
        settings.webhook_host = self.host.text().strip() or settings.webhook_host
        settings.meta_api_version = self.api_version.text().strip() or settings.meta_api_version
        if settings.debug_logging != self.debug.isChecked():  # takes effect at once, and at each start
            settings.debug_logging = self.debug.isChecked()
            logging.getLogger().setLevel(logging.DEBUG if settings.debug_logging else logging.INFO)


class NoKeychainError(RuntimeError):
    """Secrets were typed but there is no keychain to keep them: nothing is saved."""


class SettingsDialog(QDialog):
    saved = Signal(str)  # a sentence for the status bar

    def __init__(self, services: UiServices, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.resize(760, 640)
        self.shop = services.shop
        self.ops = ops
        settings = self.shop.current()
        self.connection = ConnectionTab(self.shop, settings, ops)
        self.automatic = AutomaticTab(settings)
        self.confirmations = ConfirmationsTab(settings, self.shop)
        self.categories = CategoriesTab(self.shop, ops)
        self.keywords = KeywordsTab(settings, self.shop)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.addTab(self.connection, "Connection")
        self.tabs.addTab(self.automatic, "Automatic mode")
        self.tabs.addTab(self.confirmations, "Confirmation messages")
        self.journeys = JourneysTab(settings, self.shop.categories())
        self.tabs.addTab(self.journeys, "Messages to customers")
        self.tabs.addTab(self.categories, "Categories")
        self.tabs.addTab(self.keywords, "Keywords")
        self.data = DataTab(services.consent_book, ops)
        self.tabs.addTab(self.data, "Data")
        self.advanced = AdvancedTab(settings, self.shop, self.connection)
        self.tabs.addTab(self.advanced, "Advanced")
        self.error = QLabel("")
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(f"⚠ {text}")
        self.error.show()

    def save(self) -> bool:
        """Secrets to the keychain (or nowhere), the rest to the settings file; both off the UI thread."""
        problems = self.advanced.problems()
        if problems:
            self.tabs.setCurrentWidget(self.advanced)
            self.show_error(" ".join(problems) + " Nothing was saved.")
            return False
        new = self.shop.current()
        self.journeys.apply(new)
        for tab in (self.connection, self.automatic, self.confirmations, self.keywords, self.advanced):
            tab.apply(new)
        provider_changed = new.provider != self.shop.provider
        typed = self.connection.typed_secrets()
        self.buttons.setEnabled(False)
        shop = self.shop

        def store() -> None:  # off the UI thread: the keychain and the settings file may be slow
            if typed:
                available, message = shop.keychain_available()
                if not available:
                    raise NoKeychainError(f"{message} Nothing was saved.")
            shop.save_secrets(typed)
            shop.save(new)

        self.ops.run_write(store, lambda _none: self._saved(typed, provider_changed), self._not_saved)
        return True

    def _saved(self, typed: Mapping[str, str], provider_changed: bool) -> None:
        message = "Settings saved."
        if typed:
            message += " Passwords and tokens are in the system keychain."
        if provider_changed:
            message += " Restart Consent Desk to connect with the new provider."
        self.saved.emit(message)
        self.accept()

    def _not_saved(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(error, NoKeychainError):
            self.show_error(str(error))
        elif isinstance(error, SecretStoreUnavailableError):
            self.show_error(f"{error} Nothing else was saved.")
        else:
            self.show_error(f"{plain_failure(error)} The settings were not saved.")

    def done(self, result: int) -> None:
        self.connection.shutdown()
        super().done(result)
