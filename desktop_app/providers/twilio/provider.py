"""TwilioProvider: the Sender for Twilio's WhatsApp API (send, templates, Test connection)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from desktop_app.providers.base import ConnectionCheck, ConnectionState, SendResult
from desktop_app.providers.twilio.client import TwilioClient
from desktop_app.providers.twilio.errors import TwilioError, TwilioErrorKind, classify
from desktop_app.providers.twilio.parsing import (
    is_whatsapp_address,
    strip_channel,
    unsubscribed_status,
    whatsapp_address,
)

log = logging.getLogger(__name__)

TEST_TIMEOUT = (3.0, 6.0)  # Test connection must answer quickly, even when Twilio does not

OptOutListener = Callable[[object], None]


class TwilioProvider:
    """Sends through Twilio and checks the connection. A 21610 refusal is reported to `on_opt_out`
    as a failed StatusUpdate (error_code 21610) so the ingest pipeline records the opt-out."""

    name = "twilio"

    def __init__(
        self,
        client: TwilioClient,
        from_address: str,
        *,
        on_opt_out: OptOutListener | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.from_address = from_address.strip()
        self.on_opt_out = on_opt_out
        self._clock = clock or (lambda: datetime.now(UTC))

    def close(self) -> None:
        self.client.close()

    # -- Sender --------------------------------------------------------------------------------
    def send_text(self, to: str, text: str) -> SendResult:
        """Free-form Body: only allowed inside the 24-hour window after the customer's last message."""
        return self._send(to, body=text)

    def send_template(
        self, to: str, content_sid: str, variables: Mapping[str, str] | None = None
    ) -> SendResult:
        """An approved template by ContentSid, the only way to write outside the 24-hour window."""
        encoded = json.dumps(dict(variables), ensure_ascii=False) if variables else None
        return self._send(to, content_sid=content_sid, content_variables=encoded)

    def _send(
        self,
        to: str,
        *,
        body: str | None = None,
        content_sid: str | None = None,
        content_variables: str | None = None,
    ) -> SendResult:
        if not is_whatsapp_address(self.from_address):
            return SendResult(ok=False, error_message="The Twilio 'From' number is not set (whatsapp:+...).")
        try:
            answer = self.client.create_message(
                to=whatsapp_address(to),
                from_=self.from_address,
                body=body,
                content_sid=content_sid,
                content_variables=content_variables,
            )
        except TwilioError as exc:
            return self._failed(to, exc)
        sid = answer.get("sid")
        code = answer.get("error_code")
        if answer.get("status") == "failed" and str(code or "").isdigit():
            message = str(answer.get("error_message") or "the message failed")
            return self._failed(to, TwilioError(classify(400, int(str(code))), message, code=int(str(code))))
        return SendResult(ok=True, provider_message_id=sid if isinstance(sid, str) else None)

    def _failed(self, to: str, exc: TwilioError) -> SendResult:
        log.info("Twilio send to %s refused: %s (code %s)", strip_channel(to), exc.kind.value, exc.code)
        opted_out = exc.kind is TwilioErrorKind.OPTED_OUT
        if opted_out and self.on_opt_out is not None:
            self.on_opt_out(unsubscribed_status(to, self._clock(), exc.message))
        return SendResult(
            ok=False,
            error_code=exc.code or exc.http_status,
            error_message=exc.owner_message(),
            retryable=exc.retryable,
            needs_reconnect=exc.kind is TwilioErrorKind.AUTH,
            outside_window=exc.kind is TwilioErrorKind.OUTSIDE_WINDOW,
            recipient_opted_out=opted_out,
        )

    # -- Test connection -----------------------------------------------------------------------
    def test_connection(self) -> ConnectionCheck:
        """Checks the credentials (account fetch) and the right to list messages to our number."""
        if not is_whatsapp_address(self.from_address):
            return ConnectionCheck(
                False,
                ConnectionState.NOT_CONFIGURED,
                "Enter your WhatsApp sender as whatsapp:+ and the number with country code "
                "(for example whatsapp:+15550100100).",
            )
        try:
            account = self.client.fetch_account(timeout=TEST_TIMEOUT)
            page = self.client.list_messages(to=self.from_address, page_size=1, timeout=TEST_TIMEOUT)
        except TwilioError as exc:
            state = {
                TwilioErrorKind.AUTH: ConnectionState.BAD_CREDENTIALS,
                TwilioErrorKind.NOT_FOUND: ConnectionState.BAD_CREDENTIALS,
            }.get(exc.kind, ConnectionState.OFFLINE)
            return ConnectionCheck(False, state, exc.owner_message())
        if account.get("status") not in (None, "active"):
            return ConnectionCheck(
                False,
                ConnectionState.BAD_CREDENTIALS,
                f"The Twilio account is {account.get('status')}. Reactivate it in the Twilio Console.",
            )
        name = account.get("friendly_name") or self.client.credentials.account_sid
        message = f"Connected to Twilio account “{name}”. Polling WhatsApp messages to {self.from_address}."
        if not page.messages:
            message += (
                " No messages to this number yet; if customers have written, check that it is "
                "your WhatsApp sender."
            )
        return ConnectionCheck(True, ConnectionState.CONNECTED, message)
