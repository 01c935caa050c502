"""The preferences page over plain HTTP on a real server and book: states, exact signals, refusals."""

from __future__ import annotations

import base64
from pathlib import Path

from desktop_app.domain.model import EventSource
from tests.clocks import Clock
from tests.integration.preferences_site import ANA, BEN, Site, form_code, preferences_site


def _events(site: Site, key: str = ANA) -> list[tuple[str, str, str]]:
    return [(e.category, str(e.action), str(e.source)) for e in site.book.history(key)]


def _receiving(site: Site, category: str, key: str = ANA) -> bool:
    return site.book.may_send(key, category).allowed


def test_the_page_shows_each_category_and_its_state(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        path = site.path_for(ANA)
        status, _headers, page = site.request("GET", path)
    assert status == 200
    assert "Messages from Ana&#x27;s Bakery" in page
    assert 'value="marketing" checked' in page
    assert 'value="all"' not in page
    assert '<meta name="viewport"' in page and "Stop everything" in page
    assert ANA not in page and ANA[1:] not in path and len(path) < 50


def test_switching_marketing_off_then_on_appends_exact_signals(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        path = site.path_for(ANA)
        others = [c for c in site.book.categories() if c not in ("all", "marketing")]
        status, headers, _ = site.post_form(path, others)
        assert status == 303 and headers["location"] == path + "/saved"
        assert not _receiving(site, "marketing")
        assert _events(site) == [("marketing", "opt_out", str(EventSource.PREFERENCES_PAGE))]
        event = site.book.history(ANA)[0]
        assert event.decided_by == "customer" and "marketing off" in (event.evidence_text or "")
        status, _, saved = site.request("GET", path + "/saved")
        assert status == 200 and "Saved." in saved and 'value="marketing">' in saved
        site.post_form(path, [*others, "marketing"])
        assert _receiving(site, "marketing")
        assert [e[:2] for e in _events(site)][-1] == ("marketing", "opt_in")
        assert _events(site, BEN) == []


def test_stop_everything_and_then_one_category_back(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        path = site.path_for(ANA)
        assert site.post_form(path, [], do="stop")[0] == 303
        assert _events(site) == [("all", "opt_out", "preferences_page")]
        assert not any(_receiving(site, c) for c in site.book.categories())
        site.post_form(path, ["marketing"])
        assert _receiving(site, "marketing")
        assert not any(_receiving(site, c) for c in site.book.categories() if c not in ("all", "marketing"))


def test_bad_links_get_the_same_plain_page_and_change_nothing(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        good = site.path_for(ANA)
        token = good.removeprefix("/p/")
        raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        raw[3] ^= 1  # another contact row id, same signature
        tampered = "/p/" + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
        bad_paths = ["/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", good[:-4], tampered, "/p/<script>", "/p/"]
        bodies = set()
        for bad in bad_paths:
            status, _headers, page = site.request("GET", bad)
            assert status == 404, bad
            bodies.add(page.split("<style")[0] + page.split("</style>")[1])
            assert "This link is not valid any more. Reply PREFERENCES" in page
            assert "Traceback" not in page
        assert len(bodies) == 1
        assert site.request("POST", tampered, b"form=00&do=stop")[0] == 404
        assert _events(site) == [] and _events(site, BEN) == []


def test_expired_revoked_and_other_contacts_links(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        ana, ben = site.path_for(ANA), site.path_for(BEN)
        assert ana != ben
        form = form_code(site.request("GET", ana)[2])
        # Ben's form code is not good on Ana's link
        ben_form = form_code(site.request("GET", ben)[2])
        assert site.post_form(ana, [], do="stop", form=ben_form)[0] == 403
        site.links.revoke(ANA)
        assert site.request("GET", ana)[0] == 404
        assert site.post_form(ana, [], do="stop", form=form)[0] == 404
        assert site.request("GET", site.path_for(ANA))[0] == 200  # a new link works
        clock.advance(days=30, seconds=1)
        assert site.request("GET", ben)[0] == 404
        assert _events(site) == [] and _events(site, BEN) == []


def test_forms_need_a_valid_unused_code(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        path = site.path_for(ANA)
        status, _headers, page = site.request("POST", path, b"do=stop")
        assert status == 403 and "already sent or is too old" in page
        assert site.post_form(path, [], do="stop", form="ab" * 30)[0] == 403
        form = form_code(site.request("GET", path)[2])
        assert site.post_form(path, [], do="stop", form=form)[0] == 303
        assert site.post_form(path, ["marketing"], form=form)[0] == 403  # a double submit
        assert _events(site) == [("all", "opt_out", "preferences_page")]
        stale = form_code(site.request("GET", path)[2])
        clock.advance(hours=3)
        assert site.post_form(path, ["marketing"], form=stale)[0] == 403
        assert len(_events(site)) == 1


def test_too_many_requests_get_429_with_retry_after(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock, token_limit=3, client_limit=100) as site:
        path = site.path_for(ANA)
        assert [site.request("GET", path)[0] for _ in range(3)] == [200, 200, 200]
        status, headers, _ = site.request("GET", path)
        assert status == 429 and int(headers["retry-after"]) >= 1
        assert site.request("GET", site.path_for(BEN))[0] == 200  # another link is counted on its own
        clock.advance(seconds=61)
        assert site.request("GET", path)[0] == 200


def test_per_client_limit_uses_the_tunnels_address(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock, token_limit=100, client_limit=2) as site:
        path = site.path_for(ANA)
        one = {"CF-Connecting-IP": "203.0.113.7"}
        assert [site.request("GET", path, headers=one)[0] for _ in range(3)] == [200, 200, 429]
        assert site.request("GET", path, headers={"CF-Connecting-IP": "203.0.113.8"})[0] == 200


def test_through_the_tunnel_only_the_page_is_reachable(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        assert site.request("GET", "/healthz")[0] == 200
        for header in ("X-Forwarded-For", "CF-Ray", "Forwarded", "ngrok-skip-browser-warning"):
            assert site.request("GET", "/healthz", headers={header: "198.51.100.1"})[0] == 404, header
        tunnel = {"X-Forwarded-For": "198.51.100.1"}
        assert site.request("GET", site.path_for(ANA), headers=tunnel)[0] == 200
        assert site.request("DELETE", site.path_for(ANA))[0] == 405


def test_hostile_shop_name_is_escaped_and_headers_are_strict(tmp_path: Path, clock: Clock) -> None:
    hostile = '<script>alert(1)</script>"><img src=x>'
    with preferences_site(tmp_path, clock, shop_name=hostile) as site:
        status, headers, page = site.request("GET", site.path_for(ANA))
    assert status == 200
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    csp = headers["content-security-policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in page
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY"
    assert headers["content-type"].startswith("text/html")


def test_no_link_without_a_public_url_or_with_the_page_off(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        assert site.links.link_for("+14155550199") is None  # not in the book
        site.settings.journey_page = False
        assert site.links.link_for(ANA) is None
        site.settings.journey_page = True
        good = site.path_for(ANA)
        site.settings.journey_page = False
        assert site.request("GET", good)[0] == 404  # the page refuses while off, too


def test_category_names_follow_the_browsers_language(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        path = site.path_for(ANA)
        spanish = site.request("GET", path, headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})[2]
        english = site.request("GET", path, headers={"Accept-Language": "xx"})[2]
    assert "Ofertas y novedades" in spanish
    assert "Offers and news" in english


def test_erasing_a_contact_revokes_its_links(tmp_path: Path, clock: Clock) -> None:
    with preferences_site(tmp_path, clock) as site:
        ana, ben = site.path_for(ANA), site.path_for(BEN)
        site.book.erase_contact_messages(ANA)
        assert site.request("GET", ana)[0] == 404
        assert site.request("GET", ben)[0] == 200
