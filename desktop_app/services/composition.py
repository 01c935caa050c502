"""The one composition root: book writer, pipeline, network pool, sender and source, built in one place.

The GUI runtime (services.runtime.AppRuntime), `consent-desk serve` (commands.serve) and the tests all
build their session here, so each part exists once: one writer thread for every write to the book,
one pool for network calls (confirmations), one sender per provider (from services.provider_registry).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from enum import Enum
from typing import Literal

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.domain.model import IngestResult
from desktop_app.domain.ports import ConsentBookPort
from desktop_app.services.book_writer import BookWriter
from desktop_app.services.confirmations import ConfirmationTemplates
from desktop_app.services.connections import (
    ClosableSender,
    InboundSource,
    ProviderSpec,
    SecretReader,
    SourceContext,
    StateReport,
)
from desktop_app.services.detector_model import load_second_opinion
from desktop_app.services.ingest import IngestPipeline
from desktop_app.services.journey_flow import JourneyFlow
from desktop_app.services.provider_registry import provider_spec
from desktop_app.services.settings import Settings

log = logging.getLogger(__name__)

NETWORK_THREAD_PREFIX = "network"


class _Default(Enum):
    BUILD = "build the provider's sender"  # (None means: no sender)


BUILD_SENDER = _Default.BUILD


def build_detector(settings: Settings) -> Detector:
    """The detector with the owner's lexicon changes and the learned second opinion (resources/model/)."""
    lexicon = Lexicon.load_default()
    if settings.lexicon_additions or settings.lexicon_removals:
        lexicon = lexicon.with_overrides(settings.lexicon_additions, settings.lexicon_removals)
    # The learned second opinion only ever raises a message to review.
    return Detector(lexicon, second_opinion=load_second_opinion())


class House:
    """The running parts of one session. The book stays the caller's: close() never closes it.

    Stop order matters and close() keeps it: the source first (no new deliveries), then the network
    pool (confirmations already due still go out and record their outcome on the writer), then the
    writer (it finishes what was submitted), then the sender.
    """

    def __init__(
        self,
        book: ConsentBookPort,
        settings: Settings,
        secrets: SecretReader,
        *,
        provider: ProviderSpec | None = None,
        sender: ClosableSender | Literal[_Default.BUILD] | None = BUILD_SENDER,
        detector: Detector | None = None,
        on_result: Callable[[IngestResult], None] | None = None,
        templates: ConfirmationTemplates | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        allow_env: bool = False,
    ) -> None:
        self.book = book
        self.settings = settings
        self.secrets = secrets
        self.allow_env = allow_env
        self.provider = provider or provider_spec(settings.provider)
        if sender is BUILD_SENDER:
            sender = self.provider.running_sender(settings, secrets, allow_env=allow_env)
        self.sender: ClosableSender | None = sender
        self.detector = detector or build_detector(settings)
        self.writer: BookWriter[ConsentBookPort] = BookWriter(book)
        self.network = ThreadPoolExecutor(max_workers=1, thread_name_prefix=NETWORK_THREAD_PREFIX)
        self.pipeline = IngestPipeline(
            book,
            self.detector,
            settings,
            sender=self.sender,
            on_result=on_result,
            templates=templates,
            confirmation_executor=self.network,
            writer=self.writer,
            clock=clock,
        )
        self.journeys = JourneyFlow(
            book,
            settings=lambda: self.pipeline.settings,
            sender=lambda: self.pipeline.sender,
            write=self.pipeline.write,
            clock=clock,
        )
        self.pipeline.journeys = self.journeys
        self.pipeline.confirmations.ask_scope = self.journeys.scope_question
        self.pipeline.outbox.reminder_footer = self.journeys.reminder_footer
        self.source: InboundSource | None = None
        self.clock = clock
        self._closed = False
        self.writer.start()

    def start_source(
        self,
        report_state: StateReport,
        *,
        host: str | None = None,
        port: int | None = None,
        pace: float = 1.0,
    ) -> InboundSource:
        """Build and start the provider's inbound source; raises NotConfiguredError or OSError."""
        if self.source is not None:
            return self.source
        context = SourceContext(
            settings=self.settings,
            secrets=self.secrets,
            pipeline=self.pipeline,
            writer=self.writer,
            sender=self.sender,
            report_state=report_state,
            allow_env=self.allow_env,
            host=host,
            port=port,
            pace=pace,
            clock=self.clock,
        )
        source = self.provider.build_source(context)
        source.start()
        self.source = source
        return source

    def stop_source(self) -> None:
        source, self.source = self.source, None
        if source is not None:
            source.stop()

    def close(self) -> None:
        """Stop everything in order (see the class docstring); safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.stop_source()
        self.network.shutdown(wait=True)
        self.writer.stop()
        if self.sender is not None:
            try:
                self.sender.close()
            except Exception:
                log.exception("Closing the %s sender failed", self.provider.name)

    def __enter__(self) -> House:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
