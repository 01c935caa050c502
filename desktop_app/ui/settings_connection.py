"""Settings → Connection: provider, credentials (keychain only), Test connection, webhook and tunnel."""

from __future__ import annotations

import secrets as token_generator
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.providers.base import ConnectionCheck
from desktop_app.services.connection_fields import HELP, normalised_sender, problem
from desktop_app.services.settings import Settings
from desktop_app.services.shop_settings import ShopSettingsService
from desktop_app.ui.background import BackgroundTask
from desktop_app.ui.ops import Ops, plain_failure

PROVIDERS = (
    ("demo", "Demo — try the app with simulated customers (no account needed)"),
    ("meta", "WhatsApp Cloud API (Meta)"),
    ("twilio", "Twilio"),
)
META_SECRETS = ("meta.access_token", "meta.app_secret", "meta.verify_token")
TWILIO_SECRETS = ("twilio.account_sid", "twilio.api_key", "twilio.api_secret", "twilio.auth_token")
TUNNEL_SECRETS = ("ngrok.authtoken",)
HINT_STYLE = "color: palette(placeholder-text);"
PROBLEM_STYLE = "color: #a11;"


class ConnectionTab(QWidget):
    def __init__(
        self, shop: ShopSettingsService, settings: Settings, ops: Ops, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.shop = shop
        self.ops = ops
        self.settings = settings  # what the dialog started from (a copy; `apply` writes into another)
        self.tasks: list[BackgroundTask] = []
        self._tested_provider = settings.provider

        self.provider_group = QButtonGroup(self)
        provider_box = QGroupBox("How messages reach Consent Desk")
        provider_layout = QVBoxLayout(provider_box)
        self.provider_buttons: dict[str, QRadioButton] = {}
        for value, label in PROVIDERS:
            button = QRadioButton(label)
            button.setObjectName(f"provider_{value}")
            self.provider_group.addButton(button)
            self.provider_buttons[value] = button
            provider_layout.addWidget(button)
        self.provider_buttons.get(settings.provider, self.provider_buttons["demo"]).setChecked(True)
        self.provider_group.buttonToggled.connect(lambda *_a: self._provider_changed())

        self.keychain_ok = True  # until the keychain answers (it is asked off the UI thread)
        self.keychain_label = QLabel("Checking the system keychain…")
        self.keychain_label.setObjectName("keychainStatus")
        self.keychain_label.setWordWrap(True)

        self.secret_fields: dict[str, QLineEdit] = {}
        self.hints: dict[str, QLabel] = {}
        self.checked_fields: dict[str, QLineEdit] = {}
        self.meta_box = QGroupBox("WhatsApp Cloud API")
        meta_form = QFormLayout(self.meta_box)
        self._secret_rows(meta_form, ("meta.access_token",))
        self.app_id = self._setting_row(meta_form, "meta_app_id", settings.meta_app_id)
        self._secret_rows(meta_form, ("meta.app_secret", "meta.verify_token"))
        self.generate_token = QPushButton("Make one for me")
        self.generate_token.setAccessibleName("Generate a verify token")
        self.generate_token.clicked.connect(
            lambda: self.secret_fields["meta.verify_token"].setText(token_generator.token_urlsafe(24))
        )
        meta_form.addRow("", self.generate_token)
        self.waba_id = self._setting_row(meta_form, "meta_waba_id", settings.meta_waba_id)
        self.phone_number_id = self._setting_row(
            meta_form, "meta_phone_number_id", settings.meta_phone_number_id
        )

        self.twilio_box = QGroupBox("Twilio")
        twilio_form = QFormLayout(self.twilio_box)
        self.twilio_from = self._setting_row(twilio_form, "twilio_from", settings.twilio_from)
        self.twilio_from.setPlaceholderText("+15550100100")
        self._secret_rows(twilio_form, TWILIO_SECRETS)
        self.poll_seconds = QSpinBox()
        self.poll_seconds.setRange(2, 600)
        self.poll_seconds.setSuffix(" s")
        self.poll_seconds.setValue(max(2, round(settings.twilio_poll_seconds)))
        self.poll_seconds.setAccessibleName("Check Twilio for new messages every")
        self.poll_seconds.setToolTip("How often the app asks Twilio for new messages")
        twilio_form.addRow("Check every", self.poll_seconds)

        self.webhook_box = QGroupBox("Receiving messages from Meta (webhook)")
        webhook_form = QFormLayout(self.webhook_box)
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(settings.webhook_port)
        self.port.setAccessibleName("Webhook port")
        self.port.setToolTip("The local port the app listens on; the tunnel forwards Meta's calls to it")
        webhook_form.addRow("Local port", self.port)
        self._secret_rows(webhook_form, TUNNEL_SECRETS)
        self.ngrok_domain = self._setting_row(webhook_form, "ngrok_domain", settings.ngrok_domain)
        self.tunnel_button = QPushButton("Start tunnel")
        self.tunnel_button.setAccessibleName("Start or stop the tunnel")
        self.tunnel_button.clicked.connect(self.toggle_tunnel)
        self.tunnel_status = QLabel("")
        self.tunnel_status.setObjectName("tunnelStatus")
        self.tunnel_status.setWordWrap(True)
        self.tunnel_status.hide()
        self.callback_url = QLineEdit(settings.public_url + "/webhook" if settings.public_url else "")
        self.callback_url.setReadOnly(True)
        self.callback_url.setAccessibleName("Callback URL")
        self.callback_url.setPlaceholderText("Start the tunnel to get your callback URL")
        copy_url = QPushButton("Copy")
        copy_url.setAccessibleName("Copy the callback URL")
        copy_url.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.callback_url.text()))
        copy_token = QPushButton("Copy verify token")  # for registering by hand, without the App ID
        copy_token.setAccessibleName("Copy the verify token")
        copy_token.clicked.connect(self._copy_verify_token)
        url_row = QHBoxLayout()
        url_row.addWidget(self.callback_url, 1)
        url_row.addWidget(copy_url)
        url_row.addWidget(copy_token)
        running_url = shop.tunnel_public_url()
        if running_url:  # the tunnel outlives the dialog; show it as it is
            self.tunnel_button.setText("Stop tunnel")
            self.callback_url.setText(running_url + "/webhook")
        webhook_form.addRow(self.tunnel_button)
        webhook_form.addRow(self.tunnel_status)
        webhook_form.addRow("Callback URL", url_row)
        steps = QLabel(
            "With the App ID and App Secret filled in, the app registers this address with Meta itself "
            "(for “messages” and “user_preferences”) each time the tunnel starts. With a free ngrok "
            "static domain the address never changes."
        )
        steps.setWordWrap(True)
        steps.setStyleSheet(HINT_STYLE)
        webhook_form.addRow(steps)
        self.registration_result = QLabel("")
        self.registration_result.setObjectName("registrationResult")
        self.registration_result.setWordWrap(True)
        self.registration_result.hide()
        webhook_form.addRow(self.registration_result)

        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.setAccessibleName("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel("")
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)

        # The fields and their hints need more height than a laptop screen gives the dialog: scroll.
        content = QWidget()
        scroll = QScrollArea()
        scroll.setObjectName("connectionScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(content)
        layout.addWidget(provider_box)
        layout.addWidget(self.keychain_label)
        layout.addWidget(self.meta_box)
        layout.addWidget(self.twilio_box)
        layout.addWidget(self.webhook_box)
        layout.addLayout(test_row)
        layout.addWidget(self.test_result)  # under the button: one line per link of the round trip
        layout.addStretch(1)
        self._provider_changed()
        names = list(self.secret_fields)
        self.ops.run_read(
            lambda: (shop.keychain_available(), {name: shop.has_secret(name) for name in names}),
            self._keychain_answered,
            lambda error: self._keychain_answered(((False, plain_failure(error)), {})),
        )

    def _secret_rows(self, form: QFormLayout, names: tuple[str, ...]) -> None:
        for name in names:
            help_ = HELP[name]
            field = QLineEdit()
            field.setObjectName(name.replace(".", "_"))
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setAccessibleName(help_.label)
            field.setToolTip(help_.where)
            field.setPlaceholderText("Paste it here")
            self.secret_fields[name] = field
            self._checked_row(form, name, field)

    def _setting_row(self, form: QFormLayout, key: str, value: str) -> QLineEdit:
        field = QLineEdit(value)
        field.setObjectName(key)
        field.setAccessibleName(HELP[key].label)
        field.setToolTip(HELP[key].where)
        self._checked_row(form, key, field)
        return field

    def _checked_row(self, form: QFormLayout, key: str, field: QLineEdit) -> None:
        """The field, and under it where to find its value, or what is wrong with what was typed."""
        hint = QLabel(HELP[key].where)
        hint.setObjectName(f"hint_{key.replace('.', '_')}")
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self.hints[key] = hint
        self.checked_fields[key] = field
        field.textChanged.connect(lambda _text, key=key: self._validate(key))
        form.addRow(HELP[key].label, field)
        form.addRow("", hint)
        self._validate(key)

    def _validate(self, key: str) -> str | None:
        found = problem(key, self.checked_fields[key].text())
        hint = self.hints[key]
        hint.setText(f"⚠ {found}" if found else HELP[key].where)
        hint.setStyleSheet(PROBLEM_STYLE if found else HINT_STYLE)
        return found

    def problems(self) -> list[str]:
        """What is wrong with the typed values of the chosen provider (nothing invalid is saved)."""
        provider = self.provider()
        keys = [k for k in self.checked_fields if k.startswith(provider) or k.startswith("ngrok")]
        if provider != "meta":
            keys = [k for k in keys if not k.startswith("ngrok")]
        return [found for key in keys if (found := self._validate(key))]

    def _keychain_answered(self, answer: tuple[tuple[bool, str], dict[str, bool]]) -> None:
        """The keychain may be slow (or ask to be unlocked): it answers here, on the UI thread."""
        (available, message), saved = answer
        self.keychain_ok = available
        self.keychain_label.setText(("✓ " if available else "⚠ ") + message)
        self.generate_token.setEnabled(available)
        for name, field in self.secret_fields.items():
            if not available:
                field.setEnabled(False)
                field.setPlaceholderText("No system keychain: cannot be saved")
            elif saved.get(name):
                field.setPlaceholderText("Saved in the system keychain ✓ (type to replace)")

    def provider(self) -> str:
        for value, button in self.provider_buttons.items():
            if button.isChecked():
                return value
        return "demo"

    def set_provider(self, value: str) -> None:
        self.provider_buttons[value].setChecked(True)

    def _provider_changed(self) -> None:
        provider = self.provider()
        self.meta_box.setVisible(provider == "meta")
        self.webhook_box.setVisible(provider == "meta")
        self.twilio_box.setVisible(provider == "twilio")
        if provider != self._tested_provider:  # a result about another provider would mislead
            self.test_result.clear()

    def typed_secrets(self) -> dict[str, str]:
        return {
            name: field.text().strip() for name, field in self.secret_fields.items() if field.text().strip()
        }

    def apply(self, settings: Settings) -> None:
        """Write the typed values into `settings`; a value that does not fit keeps the saved one."""
        settings.provider = self.provider()
        for key, field in self.checked_fields.items():
            if key in self.secret_fields or problem(key, field.text()) is not None:
                continue
            value = field.text().strip()
            setattr(settings, key, normalised_sender(value) if key == "twilio_from" else value)
        settings.twilio_poll_seconds = float(self.poll_seconds.value())
        settings.webhook_port = self.port.value()
        public_url = self.shop.tunnel_public_url()
        if public_url:  # Twilio checks signatures against the public address; Meta registers it
            settings.public_url = public_url

    def _copy_verify_token(self) -> None:
        token = self.secret_fields["meta.verify_token"].text() or self.shop.secret("meta.verify_token") or ""
        QGuiApplication.clipboard().setText(token)

    # -- background actions --------------------------------------------------------------------
    def _run(self, call: Callable[[], object], done: Callable[[object, str], None]) -> BackgroundTask:
        task = BackgroundTask(call, self)
        task.done.connect(done)
        task.done.connect(lambda *_a: self.tasks.remove(task) if task in self.tasks else None)
        self.tasks.append(task)
        return task.start()

    def test_connection(self) -> BackgroundTask:
        self._tested_provider = self.provider()
        settings = Settings(**self.settings.to_dict())
        self.apply(settings)
        typed = self.typed_secrets()
        self.test_button.setEnabled(False)
        self.test_result.setText("Testing…")
        shop = self.shop
        return self._run(lambda: shop.test_connection(settings, typed), self._tested)

    def _tested(self, check: object, error: str) -> None:
        self.test_button.setEnabled(True)
        if not self.keychain_ok and isinstance(check, ConnectionCheck) and not check.ok:
            # The fields are disabled: asking to "enter the access token" would send the owner in circles.
            self.test_result.setText(
                "⚠ The system keychain is not available, so the tokens and secrets cannot be entered "
                "here yet. " + self.keychain_label.text().removeprefix("⚠ ")
            )
            return
        if error or not isinstance(check, ConnectionCheck):
            self.test_result.setText(f"⚠ {error or 'The test gave no answer.'}")
        elif check.message[:1] in "✓✗":  # one line per link of the round trip, each already marked
            self.test_result.setText(check.message)
        else:
            self.test_result.setText(("✓ " if check.ok else "⚠ ") + check.message)

    def toggle_tunnel(self) -> None:
        if self.shop.tunnel_running():
            self._run(self.shop.detach_tunnel(), lambda *_done: None)  # the process may take a while to end
            self.tunnel_button.setText("Start tunnel")
            self.callback_url.clear()
            return
        self.tunnel_button.setEnabled(False)
        self.tunnel_button.setText("Starting tunnel…")
        port, shop = self.port.value(), self.shop
        authtoken = self.secret_fields["ngrok.authtoken"].text().strip() or None
        domain = (
            self.ngrok_domain.text().strip()
            if problem("ngrok_domain", self.ngrok_domain.text()) is None
            else ""
        )
        self._run(lambda: shop.start_tunnel(port, authtoken, domain), self._tunnel_started)

    def _tunnel_started(self, url: object, error: str) -> None:
        self.tunnel_button.setEnabled(True)
        if error:
            self.tunnel_button.setText("Start tunnel")
            self.tunnel_status.setText(f"⚠ The tunnel did not start: {error}")
            self.tunnel_status.show()
            return
        self.tunnel_button.setText("Stop tunnel")
        self.tunnel_status.hide()
        self.callback_url.setText(str(url))
        if self.provider() == "meta" and self.app_id.text().strip():
            self.register_webhook(str(url).removesuffix("/webhook"))

    def register_webhook(self, public_url: str) -> BackgroundTask:
        """Tell Meta the tunnel's address (off the UI thread: Meta calls it back before it answers)."""
        settings = Settings(**self.settings.to_dict())
        self.apply(settings)
        typed, shop = self.typed_secrets(), self.shop
        self.registration_result.setText("Registering the address with Meta…")
        self.registration_result.show()
        return self._run(lambda: shop.register_webhook(settings, typed, public_url), self._registered)

    def _registered(self, check: object, error: str) -> None:
        if error or not isinstance(check, ConnectionCheck):
            self.registration_result.setText(f"⚠ {error or 'Meta gave no answer.'}")
        else:
            self.registration_result.setText(check.message)

    def shutdown(self) -> None:
        for task in list(self.tasks):
            task.wait()
