"""The tunnel stays up: a fake backend drops, the keeper reports reconnecting and brings it back."""

from __future__ import annotations

import pytest

from desktop_app.services.tunnel import TunnelError
from desktop_app.services.tunnel_keeper import TunnelKeeper, TunnelState, TunnelStatus, choose_backend
from tests.clocks import T0, Clock
from tests.fakes.tunnel import FakeTunnel
from tests.waiting import wait_for

STATIC = "https://corner-shop.ngrok-free.app"


@pytest.mark.expect_log("desktop_app.services.tunnel_keeper", "WARNING", "dropped")
def test_a_drop_is_reported_and_the_tunnel_comes_back_on_the_same_static_url() -> None:
    clock = Clock(T0)
    statuses: list[TunnelStatus] = []
    urls: list[str] = []
    backend = FakeTunnel(STATIC)
    keeper = TunnelKeeper(
        backend,
        8787,
        on_status=statuses.append,
        on_url=urls.append,
        clock=clock,
        check_seconds=0.01,
        first_backoff_seconds=0.01,
    )
    assert keeper.start() == STATIC
    assert (
        statuses[-1].state is TunnelState.UP
        and statuses[-1].describe() == f"Tunnel up since 09:00 UTC: {STATIC}"
    )
    clock.advance(minutes=5)
    backend.drop(then_fail=2)
    try:
        assert wait_for(lambda: len(backend.opened) == 2, timeout=20, interval=0.01)
        assert wait_for(lambda: keeper.status.state is TunnelState.UP, timeout=5, interval=0.01)
    finally:
        keeper.stop()
    reconnecting = [s for s in statuses if s.state is TunnelState.RECONNECTING]
    assert reconnecting and reconnecting[0].describe().startswith("Tunnel reconnecting since 09:05 UTC")
    assert {s.since for s in reconnecting} == {reconnecting[0].since}  # failures keep "since when"
    assert urls == [STATIC]  # the same URL: nothing to register again
    assert statuses[-1].state is TunnelState.DOWN and backend.closed >= 2


@pytest.mark.expect_log("desktop_app.services.tunnel_keeper", "WARNING", "dropped")
def test_a_new_url_after_a_restart_is_announced() -> None:
    urls: list[str] = []
    backend = FakeTunnel("https://a.trycloudflare.com", "https://b.trycloudflare.com")
    keeper = TunnelKeeper(backend, 8787, on_url=urls.append, check_seconds=0.01, first_backoff_seconds=0.01)
    keeper.start()
    backend.drop()
    try:
        assert wait_for(lambda: len(urls) == 2, timeout=20, interval=0.01)
    finally:
        keeper.stop()
    assert urls == ["https://a.trycloudflare.com", "https://b.trycloudflare.com"]


def test_a_tunnel_that_cannot_open_says_why_and_keeps_nothing_running() -> None:
    keeper = TunnelKeeper(FakeTunnel(failures=1), 8787)
    with pytest.raises(TunnelError, match="no network"):
        keeper.start()
    assert not keeper.running


def test_without_authtoken_or_program_the_owner_is_told_where_to_get_one(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(TunnelError, match=r"dashboard\.ngrok\.com"):
        choose_backend(None)
    assert choose_backend("token-not-real", "corner-shop.ngrok-free.app").name == "ngrok"
