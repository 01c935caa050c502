"""Pure consent rules: state by occurred_at, the effective may-send answer, the hash chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.domain.consent import (
    GENESIS_HASH,
    decide,
    derive_states,
    effective_may_send,
    event_hash,
    iso_utc,
    supersedes,
)
from desktop_app.domain.model import CategoryState, ConsentAction, ConsentEventRecord, EventSource

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def record(i: int, category: str, action: ConsentAction, minutes: int) -> ConsentEventRecord:
    at = T0 + timedelta(minutes=minutes)
    return ConsentEventRecord(
        i, "+15550101234", category, action, at, at, EventSource.KEYWORD, "auto", None, None, None
    )


def test_iso_utc_is_fixed_width_and_converts_zones() -> None:
    paris = datetime(2026, 1, 5, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert iso_utc(paris) == "2026-01-05T12:00:00.000000+00:00"
    with pytest.raises(ValueError, match="naive"):
        iso_utc(datetime(2026, 1, 5))


def test_later_occurrence_wins_even_when_recorded_first() -> None:
    states = derive_states(
        [record(1, "all", ConsentAction.OPT_OUT, 10), record(2, "all", ConsentAction.OPT_IN, 5)]
    )
    assert states["all"].state == "opted_out" and states["all"].event_id == 1


def test_ties_on_occurred_at_go_to_the_later_row() -> None:
    assert supersedes("2026-01-05T12:00:00.000000+00:00", 7, "2026-01-05T12:00:00.000000+00:00", 6)
    assert not supersedes("2026-01-05T11:00:00.000000+00:00", 7, "2026-01-05T12:00:00.000000+00:00", 6)
    assert supersedes("x", 1, None, None)


def test_all_covers_every_category_and_category_opt_out_is_narrow() -> None:
    out_all = {"all": CategoryState("all", "opted_out", T0, "keyword", 1)}
    assert effective_may_send(out_all, ["all", "marketing", "order_updates"]) == {
        "all": False,
        "marketing": False,
        "order_updates": False,
    }
    out_marketing = {"marketing": CategoryState("marketing", "opted_out", T0, "meta_preference", 2)}
    assert effective_may_send(out_marketing, ["marketing", "order_updates"]) == {
        "marketing": False,
        "order_updates": True,
    }
    decision = decide(out_marketing, "marketing")
    assert decision.event_id == 2 and "meta_preference" in decision.reason and "2026-01-05" in decision.reason


def test_opt_in_to_a_category_does_not_lift_an_opt_out_of_all() -> None:
    states = {
        "all": CategoryState("all", "opted_out", T0, "keyword", 1),
        "marketing": CategoryState("marketing", "opted_in", T0 + timedelta(days=1), "manual", 2),
    }
    assert not decide(states, "marketing").allowed


def test_unknown_is_allowed_with_a_reason() -> None:
    decision = decide({}, "marketing")
    assert decision.allowed and decision.reason == "no opt-out on record" and decision.event_id is None


@given(st.lists(st.tuples(st.sampled_from(list(ConsentAction)), st.integers(0, 50)), min_size=1, max_size=30))
def test_derived_state_does_not_depend_on_arrival_order(items: list[tuple[ConsentAction, int]]) -> None:
    events = [record(i + 1, "all", action, minutes) for i, (action, minutes) in enumerate(items)]
    forward = derive_states(events)
    backward = derive_states(list(reversed(events)))
    assert forward == backward
    latest = max(events, key=lambda e: (e.occurred_at, e.id))
    assert forward["all"].event_id == latest.id


def test_hash_chain_depends_on_previous_hash_and_every_field() -> None:
    fields = {"id": 1, "contact_key": "+15550101234", "evidence_text": "STOP"}
    first = event_hash(GENESIS_HASH, fields)
    assert len(first) == 64 and first == event_hash(GENESIS_HASH, dict(reversed(fields.items())))
    assert event_hash("1" * 64, fields) != first
    assert event_hash(GENESIS_HASH, {**fields, "evidence_text": "START"}) != first
