"""Test harness for notifications: migrated databases, the real sandboxes on free ports, a notifier.

The tracking sandbox and the Graph API stand-in are the real local servers.
The stand-in's status webhooks go to a small receiver that stores them with
the channel's own DeliveryStatusStore, as the channel does. Only the clock is
controlled, so that leases and backoff expire without waiting.
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy
from aiohttp import web

from chassie.db import upgrade_schema
from chassie.notifications.models import utcnow
from chassie.notifications.poller import Notifier
from chassie.notifications.settings import NotifierSettings, TemplateSettings
from chassie.notifications.store import NotificationStore
from chassie.tracking.service import TrackingService
from chassie.tracking.settings import TrackingSettings, build_clients
from chassie.whatsapp.graph import GraphClient
from chassie.whatsapp.inbound import parse_delivery
from chassie.whatsapp.store import DeliveryStatusStore
from sandbox.tracking import TrackingSandbox
from sandbox.whatsapp import SandboxThread, WhatsAppSandbox

OWNER = "6281234567890"
OTHER = "6281399990000"
ACCESS_TOKEN = "test-access-token"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def migrated_sqlite(tmp_path: Path) -> str:
    """Create a migrated SQLite database under `tmp_path` and return its URL."""
    url = f"sqlite:///{tmp_path / 'chassie.db'}"
    upgrade_schema(url)
    return url


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield the URL of a migrated, uniquely named schema in PostgreSQL `test`, dropped afterwards.

    Skips the test when PostgreSQL is not reachable on 127.0.0.1:5432.
    """
    admin = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, future=True)
    try:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT 1"))
    except sqlalchemy.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")

    schema = f"notif_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    # search_path puts every table, Alembic's version table included, in the schema.
    url = f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    try:
        upgrade_schema(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class Clock:
    """A clock the test moves forward, read by the store instead of the system time."""

    def __init__(self, start: datetime | None = None) -> None:
        # Starts at the real time, so rows written by stores on the real clock
        # line up with rows written under this one.
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the time forward."""
        self.now += timedelta(seconds=seconds)


def tracking_service(sandbox: TrackingSandbox) -> TrackingService:
    """Build the tracking service against the sandbox, without caching."""
    environ = {
        "SICANTIK_BASE_URL": sandbox.sicantik_base_url,
        "SIMTTD_BASE_URL": sandbox.simttd_base_url,
        "SIMTTD_API_TOKEN": sandbox.simttd_token,
        "TRACKING_CACHE_TTL": "0",
        "TRACKING_CONNECT_TIMEOUT": "0.5",
        "TRACKING_READ_TIMEOUT": "2",
        "TRACKING_TOTAL_TIMEOUT": "3",
        # The breaker would stop lookups after the faults some tests inject.
        "TRACKING_BREAKER_FAILURES": "1000",
    }
    settings = TrackingSettings.from_env(environ)
    return TrackingService(build_clients(settings), deadline_seconds=settings.timeouts.total + 1)


def tracking_environment(sandbox: TrackingSandbox) -> dict[str, str]:
    """Return the environment a notifier process needs to reach the tracking sandbox."""
    # TRACKING_CACHE_TTL stays at its default of 60 s on purpose: the
    # notifier must see changes sooner than the chat's cache would allow.
    return {
        "SICANTIK_BASE_URL": sandbox.sicantik_base_url,
        "SIMTTD_BASE_URL": sandbox.simttd_base_url,
        "SIMTTD_API_TOKEN": sandbox.simttd_token,
    }


def notifier_settings(**overrides: Any) -> NotifierSettings:
    """Notifier settings for tests: no jitter, short backoff, one-minute poll interval."""
    values: dict[str, Any] = {
        "poll_interval_seconds": 60.0,
        "poll_jitter": 0.0,
        "tick_seconds": 0.05,
        "lease_seconds": 30.0,
        "retry_base_seconds": 10.0,
        "retry_max_seconds": 100.0,
        "max_attempts": 5,
    }
    values.update(overrides)
    return NotifierSettings(**values)


@dataclass
class GraphStandIn:
    """The Graph API stand-in on a free port plus a receiver that stores its status webhooks."""

    thread: SandboxThread
    sandbox: WhatsAppSandbox
    database_url: str
    received_statuses: list[str] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    def client(self, max_attempts: int = 1) -> GraphClient:
        """Return a Graph client pointed at the stand-in."""
        return GraphClient(
            ACCESS_TOKEN,
            self.sandbox.phone_number_id,
            base_url=self.sandbox.url,
            max_attempts=max_attempts,
            backoff_seconds=0.01,
        )

    def environment(self) -> dict[str, str]:
        """Return the environment a notifier process needs to send through the stand-in."""
        return {
            "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": self.sandbox.phone_number_id,
            "WHATSAPP_API_BASE_URL": self.sandbox.url,
        }

    def templates_sent(self, to: str | None = None) -> list[dict[str, Any]]:
        """Return the bodies of the accepted template messages, optionally only those to `to`."""
        return [
            call.body
            for call in list(self.sandbox.calls)
            if call.message_id and call.body.get("type") == "template" and (to is None or call.body.get("to") == to)
        ]

    def calls(self) -> list[Any]:
        """Return every recorded `/messages` call, failed ones included."""
        return list(self.sandbox.calls)

    def fail_next(self, count: int, kind: str) -> None:
        """Make the next `count` send calls fail with 429, 500 or 131047."""

        async def queue() -> None:
            self.sandbox.fail_next(count, kind)

        self.thread.call(queue())

    def reset(self) -> None:
        """Forget the calls and queued failures."""

        async def reset() -> None:
            self.sandbox.reset()

        self.thread.call(reset())


@contextlib.contextmanager
def graph_stand_in(database_url: str) -> Iterator[GraphStandIn]:
    """Run the Graph API stand-in and a status receiver on free ports."""
    thread = SandboxThread(access_token=ACCESS_TOKEN, status_delay_seconds=0.01)
    sandbox = thread.start()
    stand_in = GraphStandIn(thread, sandbox, database_url)
    store = DeliveryStatusStore(database_url)

    async def receive(request: web.Request) -> web.Response:
        delivery = parse_delivery(await request.json())
        for status in delivery.statuses:
            store.record(status)
            stand_in.received_statuses.append(status.status)
        return web.json_response({"ok": True})

    async def start_receiver() -> int:
        app = web.Application()
        app.router.add_post("/webhook", receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        # A status webhook may still be in flight at teardown; aiohttp waits up
        # to shutdown_timeout (60 s by default) for it, longer than thread.call's 10 s.
        site = web.TCPSite(runner, "127.0.0.1", 0, shutdown_timeout=1.0)
        await site.start()
        stand_in._runner = runner
        return runner.addresses[0][1]

    port = thread.call(start_receiver())
    sandbox.webhook_url = f"http://127.0.0.1:{port}/webhook"
    try:
        yield stand_in
    finally:
        if stand_in._runner is not None:
            thread.call(stand_in._runner.cleanup())
        thread.stop()


def make_notifier(
    database_url: str,
    tracking: TrackingSandbox,
    graph: GraphStandIn,
    clock: Callable[[], datetime],
    settings: NotifierSettings | None = None,
    owner: str | None = None,
) -> Notifier:
    """Build a notifier on the real sandboxes with the packaged templates."""
    return Notifier(
        NotificationStore(database_url, clock=clock),
        tracking_service(tracking),
        graph.client(),
        TemplateSettings.load({}),
        settings or notifier_settings(),
        owner=owner,
        rng=random.Random(7),
    )


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll `condition` until it is true or `timeout` seconds pass, and return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
