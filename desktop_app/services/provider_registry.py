"""Every provider by name: its sender factory, inbound source and connection check (add new ones here).

A provider's module is imported when it is first asked for, so the window does not pay at start-up
for the HTTP clients and servers of providers it does not use.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop_app.services.connections import NotConfiguredError, ProviderSpec


def _demo() -> ProviderSpec:
    from desktop_app.services.demo_connection import DEMO

    return DEMO


def _meta() -> ProviderSpec:
    from desktop_app.services.meta_webhook import META

    return META


def _twilio() -> ProviderSpec:
    from desktop_app.services.twilio_runner import TWILIO

    return TWILIO


_LOADERS: dict[str, Callable[[], ProviderSpec]] = {"demo": _demo, "meta": _meta, "twilio": _twilio}
PROVIDER_NAMES = tuple(_LOADERS)
SERVABLE = ("meta", "twilio")  # `consent-desk serve --provider`: the ones with a real connection


def provider_spec(name: str) -> ProviderSpec:
    """The provider called `name`; NotConfiguredError (a sentence for the owner) when there is none."""
    loader = _LOADERS.get(name)
    if loader is None:
        raise NotConfiguredError(f"Unknown provider {name!r}; choose one in Settings → Connection.")
    spec = loader()
    assert spec.name == name and spec.servable == (name in SERVABLE)
    return spec
