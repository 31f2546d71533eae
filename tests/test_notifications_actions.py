"""The subscribe and unsubscribe actions with rasa-sdk trackers, the tracking sandbox and SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.notifications import (
    ActionNotificationSubscribe,
    ActionNotificationUnsubscribe,
    set_notification_store,
)
from actions.tracking import ActionCheckStatus, set_tracking_service
from chassie.menu import MENU_HINT
from chassie.notifications.models import NotificationStatus
from chassie.notifications.settings import TemplateSettings
from chassie.notifications.store import NotificationStore
from chassie.tracking.models import ApplicationStatus, StatusCategory
from sandbox.tracking import Fault, TrackingSandbox
from tests.notifications_harness import OTHER, OWNER, migrated_sqlite, tracking_service

KODE = "CSO.202212345678"
SIMTTD_KODE = "TTD-2023-000123"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[TrackingSandbox]:
    with TrackingSandbox() as running:
        yield running


@pytest.fixture(autouse=True)
def store(sandbox: TrackingSandbox, tmp_path: Path) -> Iterator[NotificationStore]:
    sandbox.reset()
    set_tracking_service(tracking_service(sandbox))
    notification_store = NotificationStore(migrated_sqlite(tmp_path))
    set_notification_store(notification_store)
    yield notification_store
    set_notification_store(None)
    set_tracking_service(None)


def make_tracker(
    text: str,
    intent: str = "notification_subscribe",
    entities: dict[str, str] | None = None,
    slots: dict[str, Any] | None = None,
    sender_id: str = OWNER,
) -> Tracker:
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run_action(action: Any, tracker: Tracker) -> tuple[str, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0]["text"], events


def subscribe(text: str, **kwargs: Any) -> str:
    return run_action(ActionNotificationSubscribe(), make_tracker(text, **kwargs))[0]


def unsubscribe(text: str, **kwargs: Any) -> str:
    return run_action(ActionNotificationUnsubscribe(), make_tracker(text, "notification_unsubscribe", **kwargs))[0]


def test_typed_command_subscribes(store: NotificationStore) -> None:
    text = subscribe(f"langganan notifikasi 72 {KODE}")

    assert f"*{KODE}*" in text
    assert "*terbit* atau *ditolak*" in text
    assert "berhenti notifikasi" in text
    assert text.endswith(MENU_HINT)
    (subscription,) = store.active_subscriptions(OWNER)
    assert (subscription.system, subscription.kode_pendaftaran) == ("sicantik", KODE)
    # The status shown now is the baseline, so only a later change is notified.
    assert subscription.snapshot.category == StatusCategory.IN_PROCESS.value
    assert subscription.snapshot.tahapan == "Survei Lapangan"


def test_offer_button_subscribes_last_application(store: NotificationStore) -> None:
    check = make_tracker(f"72 {KODE}", "check_status", {"kode_pendaftaran": KODE, "tracking_system": "sicantik"})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionCheckStatus().run(dispatcher, check, {}))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}

    text, events = run_action(ActionNotificationSubscribe(), make_tracker("/notification_subscribe", slots=slots))

    assert f"*{KODE}*" in text
    assert [s.kode_pendaftaran for s in store.active_subscriptions(OWNER)] == [KODE]
    assert {
        "event": "slot",
        "name": "tracking_notification_offered",
        "value": False,
        "timestamp": None,
    } in events


def test_subscribing_twice_says_already(store: NotificationStore) -> None:
    subscribe(f"langganan notifikasi 72 {KODE}")

    text = subscribe(f"langganan notifikasi 72 {KODE}")

    assert "sudah berlangganan" in text
    assert len(store.active_subscriptions(OWNER)) == 1


def test_code_shape_names_system(store: NotificationStore) -> None:
    subscribe(f"langganan notifikasi {SIMTTD_KODE}")

    assert [s.system for s in store.active_subscriptions(OWNER)] == ["simttd"]


def test_final_application_not_subscribed(store: NotificationStore) -> None:
    text = subscribe("langganan notifikasi 72 CSO.202302000222")

    assert "sudah berstatus *Ditolak*" in text
    assert "Surat rekomendasi organisasi profesi" in text
    assert "*72 CSO.202302000222*" in text
    assert store.active_subscriptions(OWNER) == []


def test_unknown_code_not_subscribed(store: NotificationStore) -> None:
    text = subscribe("langganan notifikasi 72 CSO.209900000000")

    assert "tidak ditemukan di SiCantik Cloud" in text
    assert store.active_subscriptions(OWNER) == []


def test_invalid_code_explains_format(store: NotificationStore) -> None:
    text = subscribe("langganan notifikasi 72 ../../etc")

    assert "tidak sesuai format" in text
    assert f"*langganan notifikasi 72 {KODE}*" in text
    assert store.active_subscriptions(OWNER) == []


def test_command_without_code_asks(store: NotificationStore) -> None:
    text = subscribe("langganan notifikasi")

    assert "langganan notifikasi 71" in text
    assert "langganan notifikasi 72" in text
    assert store.active_subscriptions(OWNER) == []


def test_code_of_unknown_shape_asks_system(store: NotificationStore) -> None:
    text = subscribe("langganan notifikasi ABC123456")

    assert "*langganan notifikasi 71 ABC123456*" in text
    assert "*langganan notifikasi 72 ABC123456*" in text


def test_unreachable_system_still_subscribes(sandbox: TrackingSandbox, store: NotificationStore) -> None:
    sandbox.set_fault("sicantik", Fault(http_status=503))

    text = subscribe(f"langganan notifikasi 72 {KODE}")

    assert "belum dapat kami hubungi" in text
    (subscription,) = store.active_subscriptions(OWNER)
    assert subscription.snapshot is None


def test_non_whatsapp_sender_refused(store: NotificationStore) -> None:
    text = subscribe(f"langganan notifikasi 72 {KODE}", sender_id="default")

    assert "hanya dapat dikirim ke nomor WhatsApp" in text
    assert store.active_subscriptions() == []


def test_subscription_belongs_to_sender(store: NotificationStore) -> None:
    subscribe(f"langganan notifikasi 72 {KODE}", sender_id=OWNER)

    text = unsubscribe("berhenti notifikasi", sender_id=OTHER)

    assert "tidak ada langganan" in text
    assert len(store.active_subscriptions(OWNER)) == 1


def test_unsubscribe_stops_all(store: NotificationStore) -> None:
    subscribe(f"langganan notifikasi 72 {KODE}")
    subscribe(f"langganan notifikasi 71 {SIMTTD_KODE}")

    text = unsubscribe("berhenti notifikasi")

    assert f"- *{KODE}*" in text
    assert f"- *{SIMTTD_KODE}*" in text
    assert store.active_subscriptions(OWNER) == []


def test_unsubscribe_one_application(store: NotificationStore) -> None:
    subscribe(f"langganan notifikasi 72 {KODE}")
    subscribe(f"langganan notifikasi 71 {SIMTTD_KODE}")

    text = unsubscribe(f"berhenti notifikasi 72 {KODE}")

    assert f"*{KODE}*" in text
    assert SIMTTD_KODE not in text
    assert [s.kode_pendaftaran for s in store.active_subscriptions(OWNER)] == [SIMTTD_KODE]


def test_quick_reply_unsubscribes(store: NotificationStore) -> None:
    subscribe(f"langganan notifikasi 72 {KODE}")

    text = unsubscribe("/notification_unsubscribe")

    assert "tidak akan mengirim pemberitahuan lagi" in text
    assert store.active_subscriptions(OWNER) == []


def test_unsubscribe_drops_queued_final_notification(store: NotificationStore) -> None:
    subscription = store.subscribe(OWNER, "simttd", SIMTTD_KODE).subscription
    issued = ApplicationStatus(SIMTTD_KODE, "simttd", StatusCategory.ISSUED, "terbit")
    store.record_observation(subscription.id, issued, TemplateSettings.load({}))

    text = unsubscribe("stop notif")

    assert "tidak akan mengirim pemberitahuan lagi" in text
    (row,) = store.notifications()
    assert row.status == NotificationStatus.CANCELLED.value


def test_nothing_to_unsubscribe(store: NotificationStore) -> None:
    text = unsubscribe("berhenti notifikasi")

    assert text.startswith("Saat ini tidak ada langganan pemberitahuan yang aktif untuk nomor ini.")
