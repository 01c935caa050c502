"""The demo provider: simulated customers through the real pipeline and a sender that needs no account."""

from __future__ import annotations

import threading

from desktop_app.providers.base import ConnectionState
from desktop_app.providers.demo import DemoSender, DemoSimulator
from desktop_app.services.connections import ProviderSpec, SecretReader, SourceContext
from desktop_app.services.settings import Settings

DEMO_STATE_MESSAGE = "Demo — customers are simulated. Connect your number in Settings → Connection."


def build_sender(settings: Settings, secrets: SecretReader, allow_env: bool = False) -> DemoSender:
    return DemoSender()


class DemoSource:
    """The simulator feeding the pipeline from its own thread; its sender answers with delivery statuses."""

    description = "Demo: simulated customers"

    def __init__(self, context: SourceContext) -> None:
        self.simulator = DemoSimulator(context.pipeline.ingest, pace=context.pace)
        if isinstance(context.sender, DemoSender):
            context.sender.attach(self.simulator)
        self._report = context.report_state

    @property
    def finished(self) -> threading.Event:
        return self.simulator.finished

    def start(self) -> None:
        self.simulator.start()
        self._report(ConnectionState.DEMO, DEMO_STATE_MESSAGE)

    def poll_now(self) -> None:
        """The simulator follows its script."""

    def stop(self) -> None:
        self.simulator.stop()


DEMO = ProviderSpec(
    name="demo",
    label="Demo (no account)",
    build_sender=build_sender,
    build_source=DemoSource,
    servable=False,
)
