"""`consent-desk serve`: the webhook server and ingest pipeline without a window (always-on PC)."""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from desktop_app.commands.context import CommandContext
from desktop_app.domain.records import BookError
from desktop_app.services.headless import install_stop_handlers, log_result, restore_handlers
from desktop_app.services.secrets import SECRET_ENV, SecretStore

log = logging.getLogger(__name__)

PROVIDERS = ("meta", "twilio")
EXIT_BOOK = 3  # the consent book could not be opened; the message says why and what to do


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "serve",
        parents=[common],
        help="receive messages headless (webhook server / poller) until stopped",
        description=(
            "Run the provider connection and the ingest pipeline without the window. Secrets come from "
            "the system keychain or, on servers without one, from the environment variables "
            + ", ".join(
                SECRET_ENV[name] for name in ("meta.app_secret", "meta.verify_token", "meta.access_token")
            )
            + " (never written anywhere)."
        ),
    )
    parser.add_argument(
        "--provider", choices=PROVIDERS, help="default: the provider chosen in Settings, else meta"
    )
    parser.add_argument("--host", help="address to listen on (default: Settings, normally 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, help="port to listen on (default: Settings, normally 8787; 0 = any)"
    )
    parser.add_argument(
        "--auto",
        action="store_true",
        help="automatic mode: apply confident opt-outs at once (otherwise they wait for review in the app)",
    )
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace, ctx: CommandContext) -> int:
    provider = args.provider or (ctx.settings.provider if ctx.settings.provider in PROVIDERS else "meta")
    try:
        if provider == "twilio":
            from desktop_app.services.twilio_runner import run_headless

            return int(run_headless(args, ctx))
        return _serve_meta(args, ctx)
    except BookError as exc:  # damaged, locked, read-only or full: one plain message, never a traceback
        print(f"Cannot serve: {exc}", file=sys.stderr)
        return EXIT_BOOK


def _serve_meta(args: argparse.Namespace, ctx: CommandContext) -> int:
    from desktop_app.providers.meta_cloud.graph_client import GraphClient
    from desktop_app.services.ingest import IngestPipeline
    from desktop_app.services.runtime import build_detector
    from desktop_app.services.webhook_server import MetaWebhookService, unreachable_warning

    settings = ctx.settings
    if args.auto:
        settings.auto_mode = True  # this run only; the saved settings are not changed
    secrets = SecretStore()
    app_secret = secrets.get("meta.app_secret", allow_env=True)
    verify_token = secrets.get("meta.verify_token", allow_env=True)
    access_token = secrets.get("meta.access_token", allow_env=True)
    missing = [
        SECRET_ENV[n]
        for n, v in (("meta.app_secret", app_secret), ("meta.verify_token", verify_token))
        if not v
    ]
    if missing:
        print(
            "Cannot serve: the Meta App Secret and verify token are needed. Save them in the app "
            f"(Settings -> Connection) or set {' and '.join(missing)}.",
            file=sys.stderr,
        )
        return 2
    assert app_secret is not None and verify_token is not None

    sender = None
    if access_token and settings.meta_phone_number_id:
        sender = GraphClient(
            access_token=access_token,
            phone_number_id=settings.meta_phone_number_id,
            base_url=settings.meta_graph_url,
            api_version=settings.meta_api_version,
        )
    else:
        print(
            "Note: no access token or phone number id, so no confirmations will be sent "
            "(opt-outs are still recorded).",
            file=sys.stderr,
        )

    book = ctx.open_book()
    warning = unreachable_warning(book)
    if warning:
        print(f"Warning: {warning}", file=sys.stderr)
    pipeline = IngestPipeline(book, build_detector(settings), settings, sender=sender, on_result=log_result)
    pipeline.outbox.on_needs_reconnect = lambda message: log.error("%s", message)
    service = MetaWebhookService.for_pipeline(
        pipeline,
        app_secret=app_secret,
        verify_token=verify_token,
        host=args.host or settings.webhook_host,
        port=settings.webhook_port if args.port is None else args.port,
        book=book,
    )
    try:
        host, port = service.start()
    except OSError as exc:
        print(
            f"Cannot listen on {args.host or settings.webhook_host}: {exc.strerror or exc}", file=sys.stderr
        )
        if sender is not None:
            sender.close()
        return 1
    pipeline.resend_missing_confirmations()
    stop = threading.Event()
    previous = install_stop_handlers(stop)
    mode = "automatic" if settings.auto_mode else "review (free-text requests wait for the app)"
    print(f"Listening on http://{host}:{port}/webhook  (mode: {mode}; Ctrl+C stops)", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        service.stop()  # waits for confirmations already due
        if sender is not None:
            sender.close()
        restore_handlers(previous)
        print("Stopped.", flush=True)
    return 0

