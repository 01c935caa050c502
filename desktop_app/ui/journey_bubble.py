"""HTML of a chat-journey message as the customer saw it: body, footer, reply-button chips or list rows."""

from __future__ import annotations

import html

from desktop_app.domain.journeys import OutgoingMessage

CHIP_STYLE = "border:1px solid #7aa7d9; color:#1f5fa8; padding:4px 10px; font-weight:600"


def _escaped(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _description(text: str) -> str:
    return f' <span style="color:#667781">— {html.escape(text)}</span>' if text else ""


def journey_html(message: OutgoingMessage) -> str:
    """The bubble's rich text; the owner sees the buttons but cannot tap them (they are the customer's)."""
    parts = [_escaped(message.body)]
    if message.footer:
        parts.append(f'<br><span style="color:#667781; font-size:small">{_escaped(message.footer)}</span>')
    if message.buttons:
        cells = "".join(
            f'<td align="center" style="{CHIP_STYLE}">{html.escape(button.title)}</td>'
            for button in message.buttons
        )
        parts.append(f'<table cellspacing="6" cellpadding="4"><tr>{cells}</tr></table>')
    if message.rows:
        title = html.escape(message.list_button or "Choose")
        parts.append(f'<p style="margin-top:6px; color:#1f5fa8; font-weight:600">☰ {title}</p>')
        items = "".join(
            f"<li><b>{html.escape(row.title)}</b>{_description(row.description)}</li>" for row in message.rows
        )
        parts.append(f'<ul style="margin-top:0; margin-left:-20px">{items}</ul>')
    return "".join(parts)
