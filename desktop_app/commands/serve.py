"""`consent-desk serve`: the provider's connection and the ingest pipeline without a window (always-on PC)."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from typing import Protocol

from desktop_app.domain.ports import ConsentBookPort
from desktop_app.domain.records import BookError
from desktop_app.providers.base import ConnectionState
from desktop_app.services.composition import House
from desktop_app.services.connections import InboundSource, NotConfiguredError, ProviderSpec
from desktop_app.services.headless import install_stop_handlers, log_result, restore_handlers
from desktop_app.services.preferences_wiring import open_preferences_page
from desktop_app.services.provider_registry import SERVABLE, provider_spec
from desktop_app.services.secrets import SECRET_ENV, SecretStore
from desktop_app.services.settings import Settings
from desktop_app.services.tunnel import TunnelError
from desktop_app.services.tunnel_keeper import AUTHTOKEN_SECRET, TunnelKeeper, TunnelStatus, choose_backend
from desktop_app.storage.book import ConsentBook

log = logging.getLogger(__name__)

EXIT_NOT_CONFIGURED = 2  # a secret or setting is missing or refused; the message says which
EXIT_BOOK = 3  # the consent book could not be opened; the message says why and what to do
EXIT_LISTEN = 1  # the port is taken or not ours to use


class ServeContext(Protocol):
    """What `serve` needs of commands.context.CommandContext."""

    settings: Settings

    def open_book(self, *, demo: bool = False) -> ConsentBookPort: ...


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "serve",
        parents=[common],
        help="receive messages headless (webhook server / poller) until stopped",
        description=(
            "Run the provider connection and the ingest pipeline without the window. Secrets come from "
            "the system keychain or, on servers without one, from the environment variables "
            + ", ".join(
                SECRET_ENV[name]
                for name in ("meta.app_secret", "meta.verify_token", "meta.access_token", "ngrok.authtoken")
            )
            + " (never written anywhere)."
        ),
    )
    parser.add_argument(
        "--provider", choices=SERVABLE, help="default: the provider chosen in Settings, else meta"
    )
    parser.add_argument("--host", help="address to listen on (default: Settings, normally 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, help="port to listen on (default: Settings, normally 8787; 0 = any)"
    )
    parser.add_argument(
        "--public-url",
        help=(
            "the public https address that reaches this server (a tunnel's); with the App ID set, "
            "the webhook <URL>/webhook is registered with Meta whenever it is new or changed"
        ),
    )
    parser.add_argument(
        "--tunnel",
        action="store_true",
        help=(
            "open a public tunnel from inside the app (ngrok's agent, with the authtoken from the "
            "keychain or CONSENT_DESK_NGROK_AUTHTOKEN and the static domain from Settings or "
            "CONSENT_DESK_NGROK_DOMAIN; else cloudflared on PATH), keep it up and register its URL"
        ),
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=(
            "start, register the webhook if --public-url is given, then check every link (token, number, "
            "webhook fields, callback URL answering), print one line each and exit (1 if any failed)"
        ),
    )
    parser.add_argument(
        "--auto",
        action="store_true",
        help="automatic mode: apply confident opt-outs at once (otherwise they wait for review in the app)",
    )
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace, ctx: ServeContext) -> int:
    try:
        return run_headless(args, ctx)
    except BookError as exc:  # damaged, locked, read-only or full: one plain message, never a traceback
        print(f"Cannot serve: {exc}", file=sys.stderr)
        return EXIT_BOOK


def run_headless(args: argparse.Namespace, ctx: ServeContext, stop: threading.Event | None = None) -> int:
    """Serve the chosen provider until Ctrl+C / SIGTERM (or `stop` is set); returns the exit code."""
    settings = ctx.settings
    name = getattr(args, "provider", None) or (settings.provider if settings.provider in SERVABLE else "meta")
    spec = provider_spec(name)
    if getattr(args, "auto", False):
        settings.auto_mode = True  # this run only; the saved settings are not changed
    if getattr(args, "public_url", None):
        settings.public_url = args.public_url  # this run only, like --auto
    secrets = SecretStore()
    try:
        notes = spec.preflight(settings, secrets)
    except NotConfiguredError as exc:
        print(f"Cannot serve: {exc}", file=sys.stderr)
        return EXIT_NOT_CONFIGURED
    for note in notes:
        print(note, file=sys.stderr)

    book = ctx.open_book()
    house = House(book, settings, secrets, provider=spec, on_result=log_result, allow_env=True)
    house.pipeline.outbox.on_needs_reconnect = lambda message: log.error("%s", message)
    try:
        house.pipeline.resend_missing_confirmations()
        source = house.start_source(
            _print_state, host=getattr(args, "host", None), port=getattr(args, "port", None)
        )
    except NotConfiguredError as exc:
        house.close()
        print(f"Cannot serve: {exc}", file=sys.stderr)
        return EXIT_NOT_CONFIGURED
    except OSError as exc:
        house.close()
        where = getattr(args, "host", None) or settings.webhook_host
        print(f"Cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_LISTEN
    page_links = open_preferences_page(house, book, secrets) if isinstance(book, ConsentBook) else None
    keeper = None
    if getattr(args, "tunnel", False):
        try:
            keeper = _open_tunnel(settings, secrets, source)
        except TunnelError as exc:
            house.close()
            print(f"Cannot serve: the tunnel did not open: {exc}", file=sys.stderr)
            return EXIT_NOT_CONFIGURED
    if getattr(args, "check", False):
        try:
            return _check(spec, settings, secrets, source)
        finally:
            if keeper is not None:
                keeper.stop()
            house.close()
    stop = stop or threading.Event()
    previous = install_stop_handlers(stop)
    mode = "automatic" if settings.auto_mode else "review (free-text requests wait for the app)"
    print(f"{source.description}  (mode: {mode}; Ctrl+C stops)", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        if keeper is not None:
            keeper.stop()
        house.close()  # the source, then confirmations already due, then the writer
        if page_links is not None:
            page_links.close()
        restore_handlers(previous)
        print("Stopped.", flush=True)
    return 0


def _open_tunnel(settings: Settings, secrets: SecretStore, source: InboundSource) -> TunnelKeeper:
    """The tunnel to this server, kept up; each new public URL is registered with Meta."""
    address = getattr(source, "address", None)
    port = address[1] if address else settings.webhook_port
    backend = choose_backend(secrets.get(AUTHTOKEN_SECRET, allow_env=True), settings.ngrok_domain)
    register = getattr(source, "register", None)

    def new_url(url: str) -> None:
        settings.public_url = url  # this run only
        print(f"Public URL: {url}/webhook", flush=True)
        if callable(register):
            register(url)

    keeper = TunnelKeeper(backend, port, on_status=_print_tunnel, on_url=new_url)
    keeper.start()
    return keeper


def _print_tunnel(status: TunnelStatus) -> None:
    log.info("%s", status.describe())
    print(f"[tunnel] {status.describe()}", file=sys.stderr, flush=True)


def _check(spec: ProviderSpec, settings: Settings, secrets: SecretStore, source: InboundSource) -> int:
    """`serve --check`: the round trip with this server up (and registered, when a public URL is set)."""
    registered = getattr(source, "registered", None)
    if settings.public_url and isinstance(registered, threading.Event):
        registered.wait(timeout=45.0)
    check = spec.round_trip_check(settings, secrets, allow_env=True)
    print(check.message, flush=True)
    return 0 if check.ok else 1


def _print_state(state: ConnectionState, message: str) -> None:
    """Connection news on stderr; routine 'polled, N new' lines only in the log."""
    log.info("%s: %s", state.value, message)
    if state is not ConnectionState.POLLING or "Next try" in message:
        print(f"[{state.value}] {message}", file=sys.stderr, flush=True)
