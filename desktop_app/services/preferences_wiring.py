"""Puts the preferences page on the running webhook server and hands the journeys its links."""

from __future__ import annotations

from desktop_app.services.composition import House
from desktop_app.services.preference_links import PreferenceLinks
from desktop_app.services.preferences_page import PreferencesPage, mount_preferences_page
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import Settings
from desktop_app.services.webhook_server import WebhookServer
from desktop_app.storage.book import ConsentBook


def open_preferences_page(house: House, book: ConsentBook, secrets: SecretStore) -> PreferenceLinks | None:
    """Mount /p/<token> on the house's webhook server (Meta, Twilio); None for sources without one
    (the demo). The caller closes the links when the house stops."""
    server = getattr(house.source, "server", None)
    if not isinstance(server, WebhookServer):
        return None

    def settings() -> Settings:  # read at each use: the owner may change them while running
        return house.pipeline.settings

    links = PreferenceLinks(
        book,
        house.pipeline.write,
        settings=settings,
        public_url=lambda: settings().public_url or None,
        secrets_store=secrets,
        clock=house.clock,
    )
    page = PreferencesPage(
        book, links, house.pipeline.write, settings=settings, clock=house.clock, texts=house.journeys.texts
    )
    mount_preferences_page(server, page)
    house.journeys.link_for = links.link_for
    return links
