"""Short, local, human times for lists and bubbles ("10:05", "Tue", "3 Mar")."""

from __future__ import annotations

from datetime import datetime


def short_time(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    if 0 < (today.date() - local.date()).days < 7:
        return local.strftime("%a")
    if local.year == today.year:
        return f"{local.day} {local.strftime('%b')}"
    return f"{local.day} {local.strftime('%b %Y')}"


def full_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone()
    return f"{local.day} {local.strftime('%b %Y, %H:%M')}"
