"""A preferences page on a real WebhookServer and a real book, for the page's tests (HTTP and browser)."""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

from desktop_app.domain.model import ContactRef, InboundMessage
from desktop_app.services.journey_texts import JourneyTexts
from desktop_app.services.preference_links import PreferenceLinks
from desktop_app.services.preferences_page import PreferencesPage, mount_preferences_page
from desktop_app.services.settings import Settings
from desktop_app.services.webhook_server import WebhookServer
from desktop_app.storage.book import ConsentBook
from tests.clocks import T0, Clock

T = TypeVar("T")
ANA = "+14155550101"
BEN = "+14155550102"


def _direct(op: Callable[[], T]) -> T:
    return op()


@dataclass
class Site:
    book: ConsentBook
    server: WebhookServer
    links: PreferenceLinks
    page: PreferencesPage
    settings: Settings
    clock: Clock

    def path_for(self, contact_key: str) -> str:
        link = self.links.link_for(contact_key)
        assert link is not None
        return link.removeprefix(self.server.base_url)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        host, port = self.server.address
        connection = http.client.HTTPConnection(host, port, timeout=10)
        all_headers = dict(headers or {})
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def post_form(self, path: str, checked: list[str], *, do: str = "save", form: str | None = None):
        if form is None:
            form = form_code(self.request("GET", path)[2])
        fields = [("form", form), ("do", do)] + [("c", category) for category in checked]
        return self.request("POST", path, urlencode(fields).encode())


def form_code(page: str) -> str:
    match = re.search(r'name="form" value="([0-9a-f]+)"', page)
    assert match, "the page has no form code"
    return match.group(1)


@contextmanager
def preferences_site(
    tmp_path: Path, clock: Clock, *, shop_name: str = "Ana's Bakery", **limits: int
) -> Iterator[Site]:
    book = ConsentBook.open(tmp_path / "book.db", now=clock)
    for number, key in enumerate((ANA, BEN)):
        with book.unit_of_work() as uow:
            uow.store_inbound(InboundMessage("demo", f"m{number}", ContactRef(key), T0, text="hello"))
    settings = Settings(shop_name=shop_name)
    server = WebhookServer(port=0)
    links = PreferenceLinks(
        book, _direct, settings=lambda: settings, public_url=lambda: server.base_url, clock=clock
    )
    page = PreferencesPage(
        book,
        links,
        _direct,
        settings=lambda: settings,
        clock=clock,
        texts=JourneyTexts.load_default(),
        **limits,
    )
    mount_preferences_page(server, page)
    server.start()
    try:
        yield Site(book, server, links, page, settings, clock)
    finally:
        server.stop()
        links.close()
        book.close()
