"""Exactly-once delivery with several notifiers on one PostgreSQL database.

Each test works in its own schema of the database `test` on 127.0.0.1:5432,
dropped afterwards, and skips when PostgreSQL is not reachable.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from chassie.notifications.models import NotificationStatus
from chassie.notifications.settings import TemplateSettings
from chassie.notifications.store import NotificationStore
from chassie.tracking.models import ApplicationStatus, StatusCategory
from sandbox.tracking import TrackingSandbox
from tests.notifications_harness import (
    OWNER,
    Clock,
    GraphStandIn,
    graph_stand_in,
    make_notifier,
    postgres_schema,
    tracking_environment,
    tracking_service,
    wait_until,
)
from tools.stack import free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BASE_KODE = "TTD-2023-000123"
APPLICATIONS = 12


@pytest.fixture
def database_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


@pytest.fixture
def tracking() -> Iterator[TrackingSandbox]:
    with TrackingSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def graph(database_url: str) -> Iterator[GraphStandIn]:
    with graph_stand_in(database_url) as stand_in:
        yield stand_in


def applicant(number: int) -> str:
    return f"62812000{number:05d}"


def add_subscribed_applications(tracking: TrackingSandbox, database_url: str, count: int) -> list[str]:
    """Create `count` applications in the sandbox, each followed by its own number."""
    store = NotificationStore(database_url)
    service = tracking_service(tracking)
    template = tracking.find("simttd", BASE_KODE)
    kodes = []
    for number in range(count):
        kode = f"TTD-2025-{number:06d}"
        tracking.add_application({**template, "kode": kode})
        outcome = service.lookup("simttd", kode)
        store.subscribe(applicant(number), "simttd", kode, outcome.application)
        kodes.append(kode)
    return kodes


def start_notifier(name: str, env: dict[str, str], log_dir: Path) -> subprocess.Popen:
    """Start `python -m chassie.notifier` and wait until its health endpoint responds."""
    port = free_port()
    log = (log_dir / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "chassie.notifier"],
        cwd=PROJECT_ROOT,
        env={**env, "NOTIFIER_PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    healthy = wait_until(lambda: is_healthy(f"http://127.0.0.1:{port}/health"), timeout=30)
    assert healthy, f"notifier {name} did not start: {(log_dir / f'{name}.log').read_text(errors='replace')}"
    return process


def is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    process.wait(timeout=15)


def notifier_environment(database_url: str, tracking: TrackingSandbox, graph: GraphStandIn) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "DATABASE_URL": database_url,
        **tracking_environment(tracking),
        **graph.environment(),
        "NOTIFIER_POLL_INTERVAL": "0.2",
        "NOTIFIER_POLL_JITTER": "0.5",
        "NOTIFIER_TICK": "0.05",
        "NOTIFIER_BATCH_SIZE": "3",
        # A killed notifier's leases expire quickly, so its successor takes over within the test.
        "NOTIFIER_POLL_LEASE": "2",
        "NOTIFIER_LEASE": "5",
        "NOTIFIER_PUSH_SECRET": "",
    }


def test_two_notifier_processes_send_once(database_url, tracking, graph, tmp_path) -> None:
    kodes = add_subscribed_applications(tracking, database_url, APPLICATIONS)
    env = notifier_environment(database_url, tracking, graph)
    processes = [start_notifier(name, env, tmp_path) for name in ("first", "second")]
    try:
        for kode in kodes:
            tracking.set_status("simttd", kode, "terbit")
        delivered = wait_until(lambda: len(graph.templates_sent()) >= APPLICATIONS, timeout=30)
        # Both keep polling a while longer: any duplicate would show up now.
        time.sleep(1.5)
    finally:
        for process in processes:
            stop(process)

    logs = {p.name: p.read_text(errors="replace") for p in tmp_path.glob("*.log")}
    assert delivered, f"not every notification was sent; logs: {logs}"
    recipients = Counter(body["to"] for body in graph.templates_sent())
    assert recipients == Counter({applicant(n): 1 for n in range(APPLICATIONS)})
    owners = {row.lease_owner for row in NotificationStore(database_url).notifications()}
    assert owners == {None}, "a sent notification keeps no lease"
    assert all("notifier cycle polled" in log for log in logs.values()), "both notifiers must have worked"


def test_killed_notifier_is_replaced(database_url, tracking, graph, tmp_path) -> None:
    (kode,) = add_subscribed_applications(tracking, database_url, 1)
    env = notifier_environment(database_url, tracking, graph)

    first = start_notifier("first", env, tmp_path)
    time.sleep(0.5)
    stop(first, signal.SIGKILL)
    tracking.set_status("simttd", kode, "terbit")
    second = start_notifier("second", env, tmp_path)
    try:
        delivered = wait_until(lambda: len(graph.templates_sent()) >= 1, timeout=20)
        time.sleep(1.0)
    finally:
        stop(second)

    assert delivered
    assert [body["to"] for body in graph.templates_sent()] == [applicant(0)]


def test_concurrent_claims_take_each_row_once(database_url) -> None:
    store = NotificationStore(database_url)
    templates = TemplateSettings.load({})
    for number in range(40):
        subscription = store.subscribe(applicant(number), "simttd", f"TTD-2025-{number:06d}").subscription
        issued = ApplicationStatus(f"TTD-2025-{number:06d}", "simttd", StatusCategory.ISSUED, "terbit")
        store.record_observation(subscription.id, issued, templates)

    claims: dict[str, list[int]] = {}
    barrier = threading.Barrier(8)

    def claim(owner: str) -> None:
        barrier.wait()
        taken: list[int] = []
        while batch := store.claim_due_notifications(owner, 60, 3):
            taken.extend(n.id for n in batch)
        claims[owner] = taken

    threads = [threading.Thread(target=claim, args=(f"worker-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    taken = [notification_id for ids in claims.values() for notification_id in ids]
    assert len(taken) == 40
    assert len(set(taken)) == 40
    assert sum(1 for ids in claims.values() if ids) > 1, "the claims must really have raced"


def test_poll_and_push_race_queues_once(database_url) -> None:
    store = NotificationStore(database_url)
    templates = TemplateSettings.load({})
    subscription = store.subscribe(OWNER, "simttd", BASE_KODE).subscription
    issued = ApplicationStatus(BASE_KODE, "simttd", StatusCategory.ISSUED, "terbit")
    barrier = threading.Barrier(6)
    results = []

    def observe() -> None:
        barrier.wait()
        results.append(store.record_observation(subscription.id, issued, templates))

    threads = [threading.Thread(target=observe) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len([r for r in results if r.notification_id is not None]) == 1
    (row,) = store.notifications()
    assert row.status == NotificationStatus.PENDING.value


def test_crash_between_claim_and_send(database_url, tracking, graph) -> None:
    clock = Clock()
    (kode,) = add_subscribed_applications(tracking, database_url, 1)
    crashed = make_notifier(database_url, tracking, graph, clock, owner="crashed")
    tracking.set_status("simttd", kode, "terbit")
    clock.advance(61)
    asyncio.run(crashed.poll_once())
    assert len(crashed.store.claim_due_notifications("crashed", 30, 10)) == 1

    restarted = make_notifier(database_url, tracking, graph, clock, owner="restarted")

    async def cycles() -> None:
        for _ in range(3):
            clock.advance(20)
            await restarted.run_once()
        await restarted.graph.close()

    asyncio.run(cycles())
    assert [body["to"] for body in graph.templates_sent()] == [applicant(0)]
