"""Settings → Connection: provider, credentials (keychain only), Test connection, webhook and tunnel."""

from __future__ import annotations

import secrets as token_generator
from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.providers.base import ConnectionCheck
from desktop_app.services.settings import Settings
from desktop_app.services.shop_settings import ShopSettingsService
from desktop_app.ui.background import BackgroundTask
from desktop_app.ui.ops import Ops, plain_failure

PROVIDERS = (
    ("demo", "Demo — try the app with simulated customers (no account needed)"),
    ("meta", "WhatsApp Cloud API (Meta)"),
    ("twilio", "Twilio"),
)
# secret name -> (label, where to find it)
META_SECRETS = {
    "meta.access_token": (
        "Access token",
        "Meta Business Settings → System users → Generate token (permanent)",
    ),
    "meta.app_secret": ("App secret", "developers.facebook.com → your app → App settings → Basic"),
    "meta.verify_token": ("Verify token", "Any text you choose; paste the same in Meta's Webhooks page"),
}
TWILIO_SECRETS = {
    "twilio.account_sid": ("Account SID", "Twilio Console → Account info (starts with AC)"),
    "twilio.api_key": (
        "API key SID",
        "Twilio Console → Account → API keys → Create (starts with SK); recommended",
    ),
    "twilio.api_secret": ("API key secret", "Shown once when you create the API key"),
    "twilio.auth_token": ("Auth token", "Twilio Console → Account info → Auth token (if you use no API key)"),
}


class ConnectionTab(QWidget):
    def __init__(
        self, shop: ShopSettingsService, settings: Settings, ops: Ops, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.shop = shop
        self.ops = ops
        self.settings = settings  # what the dialog started from (a copy; `apply` writes into another)
        self.tasks: list[BackgroundTask] = []

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
        self.meta_box = QGroupBox("WhatsApp Cloud API")
        meta_form = QFormLayout(self.meta_box)
        self.phone_number_id = QLineEdit(settings.meta_phone_number_id)
        self.phone_number_id.setAccessibleName("Phone number ID")
        self.phone_number_id.setToolTip("WhatsApp Manager → Phone numbers → your number → Phone number ID")
        meta_form.addRow("Phone number ID", self.phone_number_id)
        self._secret_rows(meta_form, META_SECRETS)
        generate = QPushButton("Make one for me")
        generate.setAccessibleName("Generate a verify token")
        generate.clicked.connect(
            lambda: self.secret_fields["meta.verify_token"].setText(token_generator.token_urlsafe(24))
        )
        meta_form.addRow("", generate)

        self.twilio_box = QGroupBox("Twilio")
        twilio_form = QFormLayout(self.twilio_box)
        self.twilio_from = QLineEdit(settings.twilio_from)
        self.twilio_from.setAccessibleName("Your WhatsApp sender")
        self.twilio_from.setPlaceholderText("whatsapp:+15550100100")
        twilio_form.addRow("WhatsApp sender", self.twilio_from)
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
        self.tunnel_button = QPushButton("Start tunnel")
        self.tunnel_button.setAccessibleName("Start or stop the tunnel")
        self.tunnel_button.clicked.connect(self.toggle_tunnel)
        self.callback_url = QLineEdit(settings.public_url + "/webhook" if settings.public_url else "")
        self.callback_url.setReadOnly(True)
        self.callback_url.setAccessibleName("Callback URL")
        self.callback_url.setPlaceholderText("Start the tunnel to get your callback URL")
        copy_url = QPushButton("Copy")
        copy_url.setAccessibleName("Copy the callback URL")
        copy_url.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.callback_url.text()))
        copy_token = QPushButton("Copy verify token")
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
        webhook_form.addRow("Callback URL", url_row)
        steps = QLabel(
            "In Meta's dashboard: WhatsApp → Configuration → Webhook → Edit. 1) Paste the callback URL. "
            "2) Paste the verify token. 3) Subscribe to the “messages” and “user_preferences” fields."
        )
        steps.setWordWrap(True)
        webhook_form.addRow(steps)

        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.setAccessibleName("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel("")
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(provider_box)
        layout.addWidget(self.keychain_label)
        layout.addWidget(self.meta_box)
        layout.addWidget(self.twilio_box)
        layout.addWidget(self.webhook_box)
        layout.addLayout(test_row)
        layout.addStretch(1)
        self._provider_changed()
        names = list(self.secret_fields)
        self.ops.run_read(
            lambda: (shop.keychain_available(), {name: shop.has_secret(name) for name in names}),
            self._keychain_answered,
            lambda error: self._keychain_answered(((False, plain_failure(error)), {})),
        )

    def _secret_rows(self, form: QFormLayout, secrets: dict[str, tuple[str, str]]) -> None:
        for name, (label, where) in secrets.items():
            field = QLineEdit()
            field.setObjectName(name.replace(".", "_"))
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setAccessibleName(label)
            field.setToolTip(where)
            field.setPlaceholderText(where)
            self.secret_fields[name] = field
            form.addRow(label, field)

    def _keychain_answered(self, answer: tuple[tuple[bool, str], dict[str, bool]]) -> None:
        """The keychain may be slow (or ask to be unlocked): it answers here, on the UI thread."""
        (available, message), saved = answer
        self.keychain_ok = available
        self.keychain_label.setText(("✓ " if available else "⚠ ") + message)
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

    def typed_secrets(self) -> dict[str, str]:
        return {
            name: field.text().strip() for name, field in self.secret_fields.items() if field.text().strip()
        }

    def apply(self, settings: Settings) -> None:
        settings.provider = self.provider()
        settings.meta_phone_number_id = self.phone_number_id.text().strip()
        settings.twilio_from = self.twilio_from.text().strip()
        settings.twilio_poll_seconds = float(self.poll_seconds.value())
        settings.webhook_port = self.port.value()
        public_url = self.shop.tunnel_public_url()
        if public_url:  # Twilio checks signatures against the public address
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
        settings = Settings(**self.settings.to_dict())
        self.apply(settings)
        typed = self.typed_secrets()
        self.test_button.setEnabled(False)
        self.test_result.setText("Testing…")
        shop = self.shop
        return self._run(lambda: shop.test_connection(settings, typed), self._tested)

    def _tested(self, check: object, error: str) -> None:
        self.test_button.setEnabled(True)
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
        self._run(lambda: shop.start_tunnel(port), self._tunnel_started)

    def _tunnel_started(self, url: object, error: str) -> None:
        self.tunnel_button.setEnabled(True)
        if error:
            self.tunnel_button.setText("Start tunnel")
            self.callback_url.setPlaceholderText(error)
            self.callback_url.setToolTip(error)
            return
        self.tunnel_button.setText("Stop tunnel")
        self.callback_url.setText(str(url))

    def shutdown(self) -> None:
        for task in list(self.tasks):
            task.wait()
