"""The dashboard's extra figures, straight from SQLite: confirmation speed and the languages of requests."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from desktop_app.domain.consent import iso_utc
from desktop_app.domain.dashboard import (
    CONFIRM_WITHIN_SECONDS,
    ConfirmationSpeed,
    DashboardExtras,
    LanguageCount,
)
from desktop_app.storage.reads import CONFIRMED_SOURCES
from desktop_app.storage.stats import week_start

TOP_LANGUAGES = 5


def dashboard_extras(raw: sqlite3.Connection, weeks: int, now: datetime) -> DashboardExtras:
    since = iso_utc(week_start(now) - timedelta(weeks=weeks - 1))
    marks = ",".join("?" for _ in CONFIRMED_SOURCES)
    owed, within = raw.execute(
        "SELECT count(*), coalesce(sum(c.sent_at IS NOT NULL AND c.status NOT LIKE 'skipped%' "  # noqa: S608
        "AND (julianday(c.sent_at) - julianday(e.occurred_at)) * 86400 <= ?), 0) "
        "FROM consent_events e LEFT JOIN event_confirmations c ON c.event_id = e.id "
        f"WHERE e.action = 'opt_out' AND e.source IN ({marks}) AND e.recorded_at >= ?",
        (CONFIRM_WITHIN_SECONDS, *CONFIRMED_SOURCES, since),
    ).fetchone()
    languages = tuple(
        LanguageCount(str(language), int(count))
        for language, count in raw.execute(
            "SELECT language, count(*) FROM detections WHERE created_at >= ? AND language IS NOT NULL "
            "AND language != '' GROUP BY language ORDER BY count(*) DESC, language LIMIT ?",
            (since, TOP_LANGUAGES),
        )
    )
    return DashboardExtras(ConfirmationSpeed(int(owed), int(within)), languages)
