"""The notifier against the real tracking sandbox and Graph API stand-in on SQLite."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chassie.notifications.__main__ import main as notifications_cli
from chassie.notifications.listing import list_notifications
from chassie.notifications.models import EventKind, NotificationStatus, SubscriptionStatus
from chassie.notifications.poller import Notifier
from chassie.tracking.service import LookupKind
from sandbox.tracking import Fault, TrackingSandbox
from tests.notifications_harness import (
    OTHER,
    OWNER,
    Clock,
    GraphStandIn,
    graph_stand_in,
    make_notifier,
    migrated_sqlite,
    notifier_settings,
    wait_until,
)

SIMTTD_KODE = "TTD-2023-000123"
SICANTIK_KODE = "CSO.202212345678"
POLL_INTERVAL = 60


@pytest.fixture(scope="module")
def tracking() -> Iterator[TrackingSandbox]:
    with TrackingSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return migrated_sqlite(tmp_path)


@pytest.fixture
def graph(database_url: str) -> Iterator[GraphStandIn]:
    with graph_stand_in(database_url) as stand_in:
        yield stand_in


@pytest.fixture(autouse=True)
def reset_tracking(tracking: TrackingSandbox) -> None:
    tracking.reset()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def subscribe_with_baseline(notifier: Notifier, wa_id: str, system: str, kode: str) -> int:
    """Subscribe the way the action does: with the status the applicant was just shown."""
    outcome = notifier.tracking.lookup(system, kode)
    assert outcome.kind is LookupKind.FOUND
    return notifier.store.subscribe(wa_id, system, kode, outcome.application).subscription.id


def cycles(notifier: Notifier, clock: Clock, count: int, step: float = POLL_INTERVAL + 1) -> None:
    """Run `count` poll-and-deliver cycles, moving the clock past the poll interval before each."""

    async def scenario() -> None:
        try:
            for _ in range(count):
                clock.advance(step)
                await notifier.run_once()
        finally:
            await notifier.graph.close()

    asyncio.run(scenario())


def test_issued_sends_one_template(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscription_id = subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)

    cycles(notifier, clock, 2)
    assert graph.templates_sent() == []

    tracking.set_status("simttd", SIMTTD_KODE, "terbit", "Tanda Tangan Elektronik")
    cycles(notifier, clock, 4)

    sent = graph.templates_sent(OWNER)
    assert len(sent) == 1
    template = sent[0]["template"]
    assert template["name"] == "chassie_izin_terbit"
    assert template["language"] == {"code": "id"}
    assert [p["text"] for p in template["components"][0]["parameters"]] == [
        SIMTTD_KODE,
        "Izin Usaha Toko Swalayan",
    ]
    subscription = notifier.store.get_subscription(subscription_id)
    assert subscription.status == SubscriptionStatus.CLOSED.value
    assert subscription.closed_reason == "issued"


def test_sicantik_finished_sends_one_template(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "sicantik", SICANTIK_KODE)

    tracking.set_status("sicantik", SICANTIK_KODE, "terbit", "Penerbitan Izin")
    cycles(notifier, clock, 3)

    sent = graph.templates_sent(OWNER)
    assert len(sent) == 1
    assert sent[0]["template"]["name"] == "chassie_permohonan_selesai"
    parameters = [p["text"] for p in sent[0]["template"]["components"][0]["parameters"]]
    assert parameters == [SICANTIK_KODE, "Izin Penyelenggaraan Reklame", "Penerbitan Izin"]


def test_rejected_sends_reason(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)

    tracking.set_status("simttd", SIMTTD_KODE, "ditolak", keterangan="Dokumen\nAmdal belum   dilampirkan.")
    cycles(notifier, clock, 3)

    sent = graph.templates_sent(OWNER)
    assert len(sent) == 1
    assert sent[0]["template"]["name"] == "chassie_izin_ditolak"
    parameters = [p["text"] for p in sent[0]["template"]["components"][0]["parameters"]]
    # Template parameters may not contain newlines or runs of spaces.
    assert parameters == [SIMTTD_KODE, "Izin Usaha Toko Swalayan", "Dokumen Amdal belum dilampirkan."]


def test_final_before_first_poll_is_notified(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    # Subscribed while the office system was unreachable: no baseline.
    notifier.store.subscribe(OWNER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")

    cycles(notifier, clock, 2)

    assert len(graph.templates_sent(OWNER)) == 1


def test_crash_between_claim_and_send(database_url, tracking, graph, clock) -> None:
    crashed = make_notifier(database_url, tracking, graph, clock, owner="crashed")
    subscribe_with_baseline(crashed, OWNER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")

    clock.advance(POLL_INTERVAL + 1)
    polled, queued = asyncio.run(crashed.poll_once())
    assert (polled, queued) == (1, 1)
    # The process takes the lease and dies before calling the Graph API.
    claimed = crashed.store.claim_due_notifications("crashed", 30, 10)
    assert len(claimed) == 1

    restarted = make_notifier(database_url, tracking, graph, clock, owner="restarted")
    cycles(restarted, clock, 1, step=5)
    assert graph.templates_sent() == [], "a live lease must keep the message from a second sender"

    cycles(restarted, clock, 2, step=30)
    assert len(graph.templates_sent(OWNER)) == 1
    # The crashed holder can no longer record anything for it.
    assert crashed.store.mark_sent(claimed[0].id, "crashed", "wamid.late") is False
    (row,) = restarted.store.notifications()
    assert row.status == NotificationStatus.SENT.value
    assert row.attempts == 2


def test_restart_after_queueing_delivers_once(database_url, tracking, graph, clock) -> None:
    first = make_notifier(database_url, tracking, graph, clock, owner="first")
    subscribe_with_baseline(first, OWNER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")
    clock.advance(POLL_INTERVAL + 1)
    asyncio.run(first.poll_once())

    second = make_notifier(database_url, tracking, graph, clock, owner="second")
    cycles(second, clock, 3)
    cycles(first, clock, 2)

    assert len(graph.templates_sent(OWNER)) == 1


def test_graph_failure_heals(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")
    graph.fail_next(2, "500")

    cycles(notifier, clock, 1)
    (row,) = notifier.store.notifications()
    assert row.status == NotificationStatus.PENDING.value
    assert row.attempts == 1
    assert row.last_error_code == 1

    # The first retry waits 10 s, give or take 20 % jitter.
    cycles(notifier, clock, 1, step=5)
    assert len(graph.calls()) == 1, "a retry must wait for its backoff"

    cycles(notifier, clock, 6, step=30)
    assert len(graph.calls()) == 3
    assert len(graph.templates_sent(OWNER)) == 1
    (row,) = notifier.store.notifications()
    assert row.status == NotificationStatus.SENT.value
    assert row.attempts == 3
    assert row.wamid == [c.message_id for c in graph.calls() if c.message_id][0]


def test_permanent_failure_is_recorded_and_listed(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "ditolak", keterangan="Berkas tidak lengkap")
    graph.fail_next(1, "131047")

    cycles(notifier, clock, 5, step=200)

    assert len(graph.calls()) == 1, "a permanent failure must not be retried"
    (row,) = list_notifications(database_url)
    assert row.status == NotificationStatus.FAILED.value
    assert row.error_code == 131047
    assert row.event == EventKind.REJECTED.value
    assert row.wamid is None


def test_retries_exhausted_is_failed(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock, settings=notifier_settings(max_attempts=2))
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")
    graph.fail_next(5, "429")

    cycles(notifier, clock, 5, step=200)

    assert len(graph.calls()) == 2
    (row,) = notifier.store.notifications()
    assert row.status == NotificationStatus.FAILED.value
    assert row.last_error_code == 130429


def test_unsubscribe_stops_notifications(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)

    cancelled = notifier.store.unsubscribe(OWNER)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")
    cycles(notifier, clock, 3)

    assert [s.kode_pendaftaran for s in cancelled.subscriptions] == [SIMTTD_KODE]
    assert graph.templates_sent() == []
    assert notifier.store.active_subscriptions(OWNER) == []


def test_unsubscribe_drops_queued_notification(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")
    graph.fail_next(1, "500")
    cycles(notifier, clock, 1)

    result = notifier.store.unsubscribe(OWNER, kode_pendaftaran=SIMTTD_KODE)
    cycles(notifier, clock, 3, step=200)

    assert result.notifications_dropped == 1
    assert graph.templates_sent() == []
    (row,) = notifier.store.notifications()
    assert row.status == NotificationStatus.CANCELLED.value


def test_unsubscribe_one_application_keeps_others(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)
    subscribe_with_baseline(notifier, OWNER, "sicantik", SICANTIK_KODE)

    notifier.store.unsubscribe(OWNER, "sicantik", SICANTIK_KODE)

    assert [s.kode_pendaftaran for s in notifier.store.active_subscriptions(OWNER)] == [SIMTTD_KODE]


def test_two_subscribers_share_one_lookup(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)
    subscribe_with_baseline(notifier, OTHER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")
    before = tracking.request_count["simttd"]

    cycles(notifier, clock, 1)

    assert tracking.request_count["simttd"] - before == 1
    assert len(graph.templates_sent(OWNER)) == 1
    assert len(graph.templates_sent(OTHER)) == 1


def test_resubscribing_after_final_does_not_repeat(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")
    cycles(notifier, clock, 2)

    notifier.store.subscribe(OWNER, "simttd", SIMTTD_KODE)
    cycles(notifier, clock, 2)

    assert len(graph.templates_sent(OWNER)) == 1


def test_stage_changes_notified_when_enabled(database_url, tracking, graph, clock) -> None:
    settings = notifier_settings(notify_stages=True)
    notifier = make_notifier(database_url, tracking, graph, clock, settings=settings)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)

    cycles(notifier, clock, 1)
    tracking.set_status("simttd", SIMTTD_KODE, "proses", "Paraf Sekretaris Dinas")
    cycles(notifier, clock, 2)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit", "Tanda Tangan Elektronik")
    cycles(notifier, clock, 2)

    names = [body["template"]["name"] for body in graph.templates_sent(OWNER)]
    assert names == ["chassie_tahapan_permohonan", "chassie_izin_terbit"]
    stage = graph.templates_sent(OWNER)[0]["template"]["components"]
    assert [p["text"] for p in stage[0]["parameters"]] == [
        SIMTTD_KODE,
        "Paraf Sekretaris Dinas",
        "Sedang diproses",
    ]
    assert stage[1]["parameters"] == [{"type": "payload", "payload": "notif_stop"}]


def test_stage_changes_silent_by_default(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)

    tracking.set_status("simttd", SIMTTD_KODE, "proses", "Paraf Sekretaris Dinas")
    cycles(notifier, clock, 2)

    assert graph.templates_sent() == []


def test_unreachable_tracking_keeps_subscription(database_url, tracking, graph, clock) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscription_id = subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)
    tracking.set_fault("simttd", Fault(http_status=503))
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")

    cycles(notifier, clock, 2)
    assert graph.templates_sent() == []
    assert notifier.store.get_subscription(subscription_id).status == SubscriptionStatus.ACTIVE.value

    tracking.set_fault("simttd", None)
    cycles(notifier, clock, 1)
    assert len(graph.templates_sent(OWNER)) == 1


def test_lookups_bounded_by_concurrency(database_url, tracking, graph, clock) -> None:
    settings = notifier_settings(max_concurrent_lookups=2)
    notifier = make_notifier(database_url, tracking, graph, clock, settings=settings)
    for number in range(6):
        kode = f"TTD-2024-00{number:04d}"
        tracking.add_application({**tracking.find("simttd", SIMTTD_KODE), "kode": kode})
        notifier.store.subscribe(OWNER, "simttd", kode)
    tracking.set_fault("simttd", Fault(delay_seconds=0.3))

    started = time.monotonic()
    cycles(notifier, clock, 1)
    elapsed = time.monotonic() - started

    # Six lookups of 0.3 s, two at a time, take at least three rounds.
    assert elapsed >= 0.85
    assert tracking.request_count["simttd"] >= 6


def test_poll_delay_has_jitter(database_url, tracking, graph, clock) -> None:
    settings = notifier_settings(poll_interval_seconds=100, poll_jitter=0.2)
    notifier = make_notifier(database_url, tracking, graph, clock, settings=settings)

    delays = [notifier.next_poll_delay().total_seconds() for _ in range(50)]

    assert all(80 <= d <= 120 for d in delays)
    assert len({round(d, 3) for d in delays}) > 10


def test_listing_joins_delivery_status(database_url, tracking, graph, clock, capsys) -> None:
    notifier = make_notifier(database_url, tracking, graph, clock)
    subscribe_with_baseline(notifier, OWNER, "simttd", SIMTTD_KODE)
    tracking.set_status("simttd", SIMTTD_KODE, "terbit")
    cycles(notifier, clock, 1)

    assert wait_until(lambda: "delivered" in graph.received_statuses)
    (row,) = list_notifications(database_url)
    assert row.status == NotificationStatus.SENT.value
    assert row.delivery_status == "delivered"
    assert row.wamid == graph.calls()[0].message_id

    assert notifications_cli(["list", "--database-url", database_url, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out.strip())
    assert printed["delivery_status"] == "delivered"
    assert printed["wa_id"] == "6281****7890"
    assert notifications_cli(["list", "--database-url", database_url]) == 0
    table = capsys.readouterr().out
    assert SIMTTD_KODE in table
    assert "delivered" in table
