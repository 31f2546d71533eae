"""The notifier process: `python -m chassie.notifier`.

Polls the subscribed applications, sends WhatsApp template messages for final
statuses and serves the push endpoint (`POST /push`, `GET /health`) on
NOTIFIER_HOST:NOTIFIER_PORT (default 127.0.0.1:5070). Settings are described
in docs/notifications.md. The database schema must be migrated first
(`chassie.db.upgrade_schema`, which `make run` does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sys
from dataclasses import dataclass

from aiohttp import web

from chassie.notifications.poller import Notifier
from chassie.notifications.push import make_push_app
from chassie.notifications.settings import (
    NotificationSettingsError,
    NotifierSettings,
    TemplateSettings,
)
from chassie.notifications.store import NotificationStore
from chassie.tracking.service import TrackingService
from chassie.tracking.settings import TrackingSettings, TrackingSettingsError, build_clients
from chassie.whatsapp.graph import GraphClient

logger = logging.getLogger("chassie.notifier")

EXIT_CONFIGURATION_ERROR = 2


def status_overrides() -> dict[str, dict]:
    """Return each tracking system's status-word overrides, so pushed words classify like looked-up ones."""
    try:
        settings = TrackingSettings.from_env()
    except (TrackingSettingsError, ValueError) as error:
        logger.error("tracking settings invalid, pushed statuses use the built-in words: %s", error)
        return {}
    return {
        "sicantik": dict(settings.sicantik_field_map.status_values),
        "simttd": dict(settings.simttd_field_map.status_values),
    }


@dataclass
class NotifierProcess:
    """The configured parts of the process, built before the event loop starts."""

    notifier: Notifier
    graph: GraphClient
    settings: NotifierSettings


def build_process() -> NotifierProcess:
    """Build the notifier from the environment; raise ValueError naming an invalid setting."""
    settings = NotifierSettings.from_env()
    templates = TemplateSettings.load()
    # One attempt per claim: retries belong to the outbox, which keeps them
    # across restarts and spaces them out with its own backoff.
    graph = GraphClient.from_env(max_attempts=1)
    notifier = Notifier(NotificationStore(), uncached_tracking_service(), graph, templates, settings)
    return NotifierProcess(notifier, graph, settings)


def uncached_tracking_service() -> TrackingService:
    """Build the tracking service from the environment without its lookup cache.

    The chat caches lookups for TRACKING_CACHE_TTL (60 s by default), which
    would hide a change from a notifier polling more often than that. One
    cycle already looks each application up once for all its subscribers.
    """
    try:
        settings = TrackingSettings.from_env()
    except (TrackingSettingsError, ValueError) as error:
        logger.error("tracking settings invalid, polling disabled: %s", error)
        return TrackingService({}, deadline_seconds=1.0)
    settings = dataclasses.replace(settings, cache_ttl_seconds=0.0)
    # The same deadline as TrackingService.from_env: the total timeout plus
    # slack for one retry's thread start-up and JSON decoding.
    return TrackingService(build_clients(settings), deadline_seconds=settings.timeouts.total + 1.0)


async def serve(process: NotifierProcess, stop: asyncio.Event) -> None:
    """Run the poll loop and the push endpoint until `stop` is set."""
    settings = process.settings
    app = make_push_app(process.notifier, settings.push_secret, status_overrides())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.push_host, settings.push_port).start()
    logger.info(
        "notifier push endpoint listening url=http://%s:%s/push enabled=%s",
        settings.push_host,
        settings.push_port,
        bool(settings.push_secret),
    )
    if not settings.push_secret:
        logger.warning("NOTIFIER_PUSH_SECRET is not set, so POST /push returns 503 until it is set")

    try:
        await process.notifier.run(stop)
    finally:
        await runner.cleanup()
        await process.graph.close()


async def _run(process: NotifierProcess) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(process, stop)


def main() -> None:
    """Entry point of `python -m chassie.notifier`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        process = build_process()
    except (NotificationSettingsError, ValueError) as error:
        # Missing WhatsApp credentials and invalid NOTIFIER_* values end here,
        # with the message naming the variable.
        logger.error("notifier not started: %s", error)
        sys.exit(EXIT_CONFIGURATION_ERROR)
    asyncio.run(_run(process))


if __name__ == "__main__":
    main()
