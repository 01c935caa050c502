"""Weekly figures for the dashboard: opt-outs/opt-ins by source and category, confirmation delivery."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from desktop_app.domain.consent import iso_utc
from desktop_app.domain.records import WeekStats


def week_start(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weekly_stats(raw: sqlite3.Connection, weeks: int, now: datetime) -> list[WeekStats]:
    """The last `weeks` weeks (Monday 00:00 UTC starts), oldest first, empty weeks included."""
    starts = [week_start(now) - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    since = iso_utc(starts[0])
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    week_sql = "date(substr(occurred_at, 1, 10), 'weekday 0', '-6 days')"
    for week, action, source, category, n in raw.execute(
        f"SELECT {week_sql}, action, source, category, count(*) FROM consent_events "  # noqa: S608
        # recorded_at is indexed and never earlier than occurred_at, so it narrows the scan first
        "WHERE recorded_at >= ?1 AND occurred_at >= ?1 GROUP BY 1, 2, 3, 4",
        (since,),
    ):
        counts[week][action] += n
        by_source[week][source] += n
        by_category[week][category] += n
    confirmations: dict[str, tuple[int, int]] = {}
    for week, sent, delivered in raw.execute(
        "SELECT date(substr(sent_at, 1, 10), 'weekday 0', '-6 days'), count(*), "
        "sum(status IN ('delivered', 'read')) FROM event_confirmations "
        "WHERE sent_at >= ? GROUP BY 1",
        (since,),
    ):
        confirmations[week] = (int(sent), int(delivered or 0))
    result = []
    for start in starts:
        key = start.strftime("%Y-%m-%d")
        sent, delivered = confirmations.get(key, (0, 0))
        result.append(
            WeekStats(
                week_start=start,
                opt_outs=counts[key]["opt_out"],
                opt_ins=counts[key]["opt_in"],
                by_source=dict(by_source[key]),
                by_category=dict(by_category[key]),
                confirmations_sent=sent,
                confirmations_delivered=delivered,
            )
        )
    return result
