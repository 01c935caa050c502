"""The preferences page's HTML: phone-first, no JavaScript, no outside resources, everything escaped."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from desktop_app.services.webhook_server import HttpResponse

INVALID_LINK = "This link is not valid any more. Reply PREFERENCES in the chat to get a new one."
FORM_EXPIRED = "This form was already sent or is too old. Open your link again and choose once more."
BAD_FORM = "That could not be saved. Open your link again and choose once more."
TOO_MANY = "Too many tries in a short time. Please wait a minute and try again."

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

_STYLE = """
body{margin:0;font:18px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1b1b1b;background:#f4f5f7}
main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem 2rem}
h1{font-size:1.5rem;margin:.25rem 0 .25rem}
p{margin:.5rem 0 1rem}
.saved{background:#e3f4e6;border:1px solid #9ccfa6;border-radius:.6rem;padding:.75rem 1rem;font-weight:600}
fieldset{border:0;margin:0 0 1rem;padding:0}
label{display:flex;align-items:center;gap:.9rem;min-height:3.5rem;padding:.6rem 1rem;margin:0 0 .6rem;
background:#fff;border:1px solid #d5d8de;border-radius:.75rem;cursor:pointer}
input[type=checkbox]{width:1.75rem;height:1.75rem;flex:none;accent-color:#1f6f43}
.name{flex:1;font-weight:600}
.state{font-size:.9rem;color:#555}
button{display:block;width:100%;min-height:3.25rem;font:inherit;font-weight:600;border-radius:.75rem;
border:0;padding:.75rem 1rem;margin:.5rem 0;cursor:pointer}
.save{background:#1f6f43;color:#fff}
.stop{background:#fff;color:#a1271b;border:2px solid #a1271b}
small{display:block;color:#666;margin-top:1.5rem}
"""


@dataclass(frozen=True, slots=True)
class CategoryRow:
    category: str
    name: str
    receiving: bool


def _document(title: str, body: str) -> tuple[str, str]:
    """A whole page and its style nonce (the CSP allows only this one inline style)."""
    nonce = secrets.token_urlsafe(16)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f'<title>{escape(title)}</title><style nonce="{nonce}">{_STYLE}</style></head>'
        f"<body><main>{body}</main></body></html>"
    )
    return page, nonce


def respond(status: int, page: tuple[str, str], extra: dict[str, str] | None = None) -> HttpResponse:
    document, nonce = page
    headers = {
        **SECURITY_HEADERS,
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
        **(extra or {}),
    }
    return HttpResponse(status, document.encode("utf-8"), "text/html; charset=utf-8", headers)


def message_page(title: str, text: str) -> tuple[str, str]:
    return _document(title, f"<h1>{escape(title)}</h1><p>{escape(text)}</p>")


def preferences_page(
    shop: str, rows: Sequence[CategoryRow], form_token: str, *, saved: bool
) -> tuple[str, str]:
    shop_html = escape(shop)
    parts = [f"<h1>Messages from {shop_html}</h1>"]
    if saved:
        parts.append('<p class="saved" role="status">Saved. Your choices are below.</p>')
    parts.append("<p>Tick what you want to keep getting, then tap Save.</p>")
    parts.append(
        f'<form method="post"><input type="hidden" name="form" value="{escape(form_token)}"><fieldset>'
    )
    for row in rows:
        checked = " checked" if row.receiving else ""
        state = "You get these now" if row.receiving else "Off now"
        value = escape(row.category)
        parts.append(
            f'<label><input type="checkbox" name="c" value="{value}"{checked}>'
            f'<span class="name">{escape(row.name)}</span><span class="state">{state}</span></label>'
        )
    parts.append('</fieldset><button class="save" type="submit" name="do" value="save">Save</button></form>')
    parts.append(
        f'<form method="post"><input type="hidden" name="form" value="{escape(form_token)}">'
        '<button class="stop" type="submit" name="do" value="stop">Stop everything</button></form>'
    )
    parts.append(f"<small>Only you have this link. {shop_html} records each choice you make here.</small>")
    return _document(f"Messages from {shop}", "".join(parts))
